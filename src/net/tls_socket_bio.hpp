#pragma once
// The connection's socket as OpenSSL sees it. A custom BIO rather than BIO_s_socket, for two
// reasons: bytes the loop already read (the rest of the read that held a PROXY header, i.e.
// the start of the ClientHello) are served before recv(), and writes use MSG_NOSIGNAL, so a
// peer that reset the connection is an error to report, not a SIGPIPE that kills the relay.
#include <openssl/bio.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace kinesyslog::net {

class TlsSocketBio {
 public:
  TlsSocketBio(int fd, std::string_view already_read) : fd_(fd), unread_prefix_(already_read) {}
  TlsSocketBio(const TlsSocketBio&) = delete;
  TlsSocketBio& operator=(const TlsSocketBio&) = delete;

  // A new BIO reading and writing through this object, which must outlive it. The caller
  // owns the BIO (SSL_set_bio hands it to the SSL).
  BIO* new_bio();

  bool has_unread_prefix() const { return prefix_offset_ < unread_prefix_.size(); }
  // errno of the last failed recv/send (0 after end of stream), for OpenSSL's SSL_ERROR_SYSCALL.
  int last_errno() const { return last_errno_; }

 private:
  static int read(BIO* bio, char* into, int size);
  static int write(BIO* bio, const char* bytes, int size);
  static long control(BIO* bio, int command, long number, void* pointer);

  int fd_;
  std::string unread_prefix_;
  size_t prefix_offset_ = 0;
  int last_errno_ = 0;
};

}  // namespace kinesyslog::net
