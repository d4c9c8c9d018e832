#include "net/tls_socket_bio.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kinesyslog::net {

namespace {

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == EINTR; }

}  // namespace

BIO* TlsSocketBio::new_bio() {
  // One method table for the process; built once, thread-safe by the static's initialisation.
  static BIO_METHOD* const method = [] {
    const int index = BIO_get_new_index();
    BIO_METHOD* table = index < 0 ? nullptr : BIO_meth_new(index | BIO_TYPE_SOURCE_SINK, "kinesyslog socket");
    if (table == nullptr || BIO_meth_set_read(table, &TlsSocketBio::read) != 1 ||
        BIO_meth_set_write(table, &TlsSocketBio::write) != 1 ||
        BIO_meth_set_ctrl(table, &TlsSocketBio::control) != 1) {
      throw std::runtime_error("cannot create the OpenSSL socket BIO method");
    }
    return table;
  }();
  BIO* bio = BIO_new(method);
  if (bio == nullptr) throw std::runtime_error("cannot create an OpenSSL BIO");
  BIO_set_data(bio, this);
  BIO_set_init(bio, 1);
  return bio;
}

int TlsSocketBio::read(BIO* bio, char* into, int size) {
  auto& self = *static_cast<TlsSocketBio*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (size <= 0) return 0;
  if (self.has_unread_prefix()) {
    const size_t count = std::min(static_cast<size_t>(size), self.unread_prefix_.size() - self.prefix_offset_);
    std::memcpy(into, self.unread_prefix_.data() + self.prefix_offset_, count);
    self.prefix_offset_ += count;
    if (!self.has_unread_prefix()) std::string().swap(self.unread_prefix_);
    return static_cast<int>(count);
  }
  const ssize_t count = ::recv(self.fd_, into, static_cast<size_t>(size), MSG_DONTWAIT);
  if (count >= 0) {
    self.last_errno_ = 0;
    return static_cast<int>(count);
  }
  self.last_errno_ = errno;
  if (would_block(self.last_errno_)) BIO_set_retry_read(bio);
  return -1;
}

int TlsSocketBio::write(BIO* bio, const char* bytes, int size) {
  auto& self = *static_cast<TlsSocketBio*>(BIO_get_data(bio));
  BIO_clear_retry_flags(bio);
  if (size <= 0) return 0;
  const ssize_t count = ::send(self.fd_, bytes, static_cast<size_t>(size), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (count >= 0) return static_cast<int>(count);
  self.last_errno_ = errno;
  if (would_block(self.last_errno_)) BIO_set_retry_write(bio);
  return -1;
}

long TlsSocketBio::control(BIO* /*bio*/, int command, long /*number*/, void* /*pointer*/) {
  // send() leaves nothing buffered here, so a flush is always complete; nothing else applies.
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

}  // namespace kinesyslog::net
