#pragma once
// Keys and certificates made for one test with the OpenSSL API, written as PEM files into a
// temporary directory: no key material is committed.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace kinesyslog::testing {

struct FreeKey {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct FreeCertificate {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
using Key = std::unique_ptr<EVP_PKEY, FreeKey>;
using Certificate = std::unique_ptr<X509, FreeCertificate>;

// A key and the certificate for it.
struct Credential {
  Key key;
  Certificate certificate;
};

inline void add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr || X509_add_ext(certificate, extension, -1) != 1) throw std::runtime_error("X509_add_ext");
  X509_EXTENSION_free(extension);
}

// A P-256 key and a certificate for `common_name`, valid for an hour, signed by `issuer`
// (self-signed, and a CA, when `issuer` is null).
inline Credential make_credential(const std::string& common_name, const Credential* issuer) {
  Credential made{Key(EVP_EC_gen("P-256")), Certificate(X509_new())};
  if (!made.key || !made.certificate) throw std::runtime_error("cannot make a test key");
  X509* certificate = made.certificate.get();
  static long serial = 1;
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial++);
  X509_gmtime_adj(X509_getm_notBefore(certificate), -60);
  X509_gmtime_adj(X509_getm_notAfter(certificate), 3600);
  X509_set_pubkey(certificate, made.key.get());
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer->certificate.get() : certificate;
  X509_set_issuer_name(certificate, X509_get_subject_name(signer));
  add_extension(certificate, signer, NID_basic_constraints, issuer == nullptr ? "critical,CA:TRUE" : "CA:FALSE");
  EVP_PKEY* signing_key = issuer != nullptr ? issuer->key.get() : made.key.get();
  if (X509_sign(certificate, signing_key, EVP_sha256()) <= 0) throw std::runtime_error("X509_sign");
  return made;
}

inline void write_pem(const std::filesystem::path& path, X509* certificate, bool append = false) {
  BIO* file = BIO_new_file(path.c_str(), append ? "a" : "w");
  if (file == nullptr || PEM_write_bio_X509(file, certificate) != 1) throw std::runtime_error("cannot write " + path.string());
  BIO_free(file);
}

// Unencrypted unless a pass phrase is given.
inline void write_pem(const std::filesystem::path& path, EVP_PKEY* key, const std::string& pass_phrase = "") {
  BIO* file = BIO_new_file(path.c_str(), "w");
  const EVP_CIPHER* cipher = pass_phrase.empty() ? nullptr : EVP_aes_128_cbc();
  auto* phrase = reinterpret_cast<unsigned char*>(const_cast<char*>(pass_phrase.data()));
  if (file == nullptr || PEM_write_bio_PrivateKey(file, key, cipher, phrase, static_cast<int>(pass_phrase.size()),
                                                  nullptr, nullptr) != 1) {
    throw std::runtime_error("cannot write " + path.string());
  }
  BIO_free(file);
}

// Certificate and key files for one credential.
struct CredentialFiles {
  std::filesystem::path certificate;
  std::filesystem::path key;
};

inline CredentialFiles write_credential(const std::filesystem::path& directory, const std::string& stem,
                                        const Credential& credential) {
  CredentialFiles files{directory / (stem + ".crt"), directory / (stem + ".key")};
  write_pem(files.certificate, credential.certificate.get());
  write_pem(files.key, credential.key.get());
  return files;
}

// Common name of a certificate's subject.
inline std::string common_name(X509* certificate) {
  char text[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, text, sizeof text);
  return text;
}

}  // namespace kinesyslog::testing
