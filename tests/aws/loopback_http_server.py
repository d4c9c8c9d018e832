"""A tiny HTTP/1.1 server for the CurlTransport tests: prints its port, then answers every
request with a JSON echo of what it received and which client port it came from.
  /slow         sleeps 3 s before answering (timeouts)
  /status/NNN   answers with status NNN
"""
import http.server
import json
import sys
import time


class EchoHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def log_message(self, *args):
        pass

    def _answer(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        if self.path == "/slow":
            time.sleep(3)
        status = int(self.path.split("/")[2]) if self.path.startswith("/status/") else 200
        echo = json.dumps({
            "client_port": self.client_address[1],
            "method": self.command,
            "path": self.path,
            "headers": {name.lower(): value for name, value in self.headers.items()},
            "body": body,
        }).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Echo", "yes")
        self.send_header("Content-Length", str(len(echo)))
        self.end_headers()
        self.wfile.write(echo)

    do_GET = do_POST = do_PUT = _answer


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
