"""Throw-away test PKI made with the openssl command line, in a temporary directory.

    pki = TestPki()            # a CA; a server certificate for 127.0.0.1/localhost; a client
                               # certificate from the CA; a client certificate from a foreign CA
    pki.issue_server("renewed-server")   # another server pair from the same CA (for reloads)
    pki.cleanup()

Nothing here is committed key material: every key is generated when a test runs.
EC P-256 keys keep generation fast.
"""
import os
import shutil
import subprocess
import tempfile

SERVER_CN = "kinesyslog-test-server"
CLIENT_CN = "kinesyslog-test-client"


def openssl(*args, cwd):
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout


class TestPki:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="kinesyslog-pki-")
        os.chmod(self.dir, 0o755)  # rsyslog or a test may run the client as another user
        self.ca_cert, self.ca_key = self.make_ca("ca", "kinesyslog test CA")
        self.foreign_ca_cert, self.foreign_ca_key = self.make_ca("foreign-ca", "foreign test CA")
        self.server_cert, self.server_key = self.issue_server(SERVER_CN)
        self.client_cert, self.client_key = self.issue("client", CLIENT_CN, self.ca_cert, self.ca_key,
                                                       "extendedKeyUsage=clientAuth")
        self.foreign_client_cert, self.foreign_client_key = self.issue(
            "foreign-client", CLIENT_CN, self.foreign_ca_cert, self.foreign_ca_key, "extendedKeyUsage=clientAuth")

    def path(self, name):
        return os.path.join(self.dir, name)

    def make_ca(self, name, common_name):
        cert, key = self.path(f"{name}.pem"), self.path(f"{name}.key")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={common_name}",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                cwd=self.dir)
        return cert, key

    def issue_server(self, common_name, name=None):
        """A server certificate from the CA for 127.0.0.1, localhost and `common_name`."""
        return self.issue(name or common_name, common_name, self.ca_cert, self.ca_key,
                          f"subjectAltName=DNS:{common_name},DNS:localhost,IP:127.0.0.1\n"
                          "extendedKeyUsage=serverAuth")

    def issue(self, name, common_name, ca_cert, ca_key, extensions):
        cert, key, csr = self.path(f"{name}.pem"), self.path(f"{name}.key"), self.path(f"{name}.csr")
        ext_file = self.path(f"{name}.ext")
        with open(ext_file, "w") as ext:
            ext.write("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n" + extensions + "\n")
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key, "-out", csr, "-subj", f"/CN={common_name}", cwd=self.dir)
        openssl("x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-days", "2",
                "-extfile", ext_file, "-out", cert, cwd=self.dir)
        os.chmod(key, 0o644)
        return cert, key

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
