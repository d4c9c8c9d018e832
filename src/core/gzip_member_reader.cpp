#include "core/gzip_member_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace kinesyslog {
namespace {

constexpr size_t kInputChunk = 64 * 1024;
constexpr size_t kOutputChunk = 256 * 1024;
constexpr size_t kJsonPadding = 64;  // simdjson wants this much readable slack after the text

}  // namespace

GzipMemberReader::GzipMemberReader(std::FILE* input, uint64_t max_member_bytes)
    : input_(input), max_member_bytes_(max_member_bytes), input_buffer_(kInputChunk) {
  // 16 + MAX_WBITS: gzip wrapper only (RFC 1952), not raw deflate or zlib.
  stream_ready_ = inflateInit2(&stream_, 16 + MAX_WBITS) == Z_OK;
  if (!stream_ready_) error_ = "cannot initialise zlib";
}

GzipMemberReader::GzipMemberReader(std::string_view input, uint64_t max_member_bytes)
    : memory_input_(input), max_member_bytes_(max_member_bytes) {
  stream_ready_ = inflateInit2(&stream_, 16 + MAX_WBITS) == Z_OK;
  if (!stream_ready_) error_ = "cannot initialise zlib";
}

GzipMemberReader::~GzipMemberReader() {
  if (stream_ready_) inflateEnd(&stream_);
}

bool GzipMemberReader::refill() {
  if (input_ == nullptr) {
    // zlib counts input in uInt: hand over at most that much at a time.
    const size_t count = std::min<size_t>(memory_input_.size(), std::numeric_limits<uInt>::max());
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(memory_input_.data()));
    stream_.avail_in = static_cast<uInt>(count);
    memory_input_.remove_prefix(count);
    return count > 0;
  }
  size_t count = std::fread(input_buffer_.data(), 1, input_buffer_.size(), input_);
  if (count == 0 && std::ferror(input_)) {
    error_ = std::string("read failed: ") + std::strerror(errno);
  }
  stream_.next_in = input_buffer_.data();
  stream_.avail_in = static_cast<uInt>(count);
  return count > 0;
}

GzipMemberReader::Status GzipMemberReader::next(std::string& member) {
  member.clear();
  const Status status = inflate_member(&member);
  if (status == Status::kMember) member.reserve(member.size() + kJsonPadding);
  return status;
}

GzipMemberReader::Status GzipMemberReader::skip() { return inflate_member(nullptr); }

GzipMemberReader::Status GzipMemberReader::inflate_member(std::string* member) {
  if (!stream_ready_) return Status::kError;
  if (stream_.avail_in == 0 && !refill()) return error_.empty() ? Status::kEnd : Status::kError;

  uint64_t inflated = 0;
  while (true) {
    std::string& out = member != nullptr ? *member : scratch_;
    const size_t written = member != nullptr ? out.size() : 0;
    out.resize(written + kOutputChunk);
    stream_.next_out = reinterpret_cast<Bytef*>(out.data() + written);
    stream_.avail_out = static_cast<uInt>(kOutputChunk);
    int result = inflate(&stream_, Z_NO_FLUSH);
    const size_t produced = kOutputChunk - stream_.avail_out;
    out.resize(written + produced);
    inflated += produced;

    if (result == Z_STREAM_END) {
      inflateReset(&stream_);  // keeps next_in/avail_in: the next member starts there
      return Status::kMember;
    }
    if (result != Z_OK && result != Z_BUF_ERROR) {
      error_ = std::string("corrupt gzip data (") + (stream_.msg != nullptr ? stream_.msg : "zlib error") + ")";
      return Status::kError;
    }
    if (inflated > max_member_bytes_) {
      error_ = "gzip member inflates past " + std::to_string(max_member_bytes_) + " bytes";
      return Status::kError;
    }
    if (stream_.avail_out == 0) continue;  // output space ran out first; more may be pending
    if (!refill()) {                       // inflate stopped for want of input
      if (error_.empty()) error_ = "truncated gzip member (input ends inside it)";
      return Status::kError;
    }
  }
}

}  // namespace kinesyslog
