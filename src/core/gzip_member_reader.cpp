#include "core/gzip_member_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

namespace kinesyslog {
namespace {

constexpr size_t kInputChunk = 64 * 1024;
constexpr size_t kOutputChunk = 256 * 1024;
constexpr size_t kJsonPadding = 64;  // simdjson wants this much readable slack after the text

}  // namespace

GzipMemberReader::GzipMemberReader(std::FILE* input, uint64_t max_member_bytes)
    : input_(input), max_member_bytes_(max_member_bytes), input_buffer_(kInputChunk) {
  start_stream();
}

GzipMemberReader::GzipMemberReader(std::string_view input, uint64_t max_member_bytes)
    : memory_input_(input), max_member_bytes_(max_member_bytes) {
  start_stream();
}

GzipMemberReader::~GzipMemberReader() = default;

void GzipMemberReader::start_stream() {
  try {
    // The gzip wrapper only (RFC 1952), not raw deflate or zlib.
    stream_ = std::make_unique<InflateStream>(InflateStream::Wrapper::kGzip);
    stream_->restart(InflateStream::Wrapper::kGzip, max_member_bytes_);
  } catch (const std::bad_alloc&) {
    error_ = "cannot initialise zlib";
  }
}

bool GzipMemberReader::refill() {
  if (input_ == nullptr) {
    const size_t count = stream_->give_input(memory_input_);
    memory_input_.remove_prefix(count);
    return count > 0;
  }
  size_t count = std::fread(input_buffer_.data(), 1, input_buffer_.size(), input_);
  if (count == 0 && std::ferror(input_)) {
    error_ = std::string("read failed: ") + std::strerror(errno);
  }
  stream_->give_input({reinterpret_cast<const char*>(input_buffer_.data()), count});
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
  if (stream_ == nullptr) return Status::kError;
  if (stream_->input_left() == 0 && !refill()) return error_.empty() ? Status::kEnd : Status::kError;

  while (true) {
    std::string& out = member != nullptr ? *member : scratch_;
    const size_t written = member != nullptr ? out.size() : 0;
    out.resize(written + kOutputChunk);
    const InflateStream::Step step = stream_->inflate(out.data() + written, kOutputChunk);
    out.resize(written + step.produced);

    switch (step.status) {
      case InflateStream::Status::kStreamEnd:
        stream_->restart(InflateStream::Wrapper::kGzip, max_member_bytes_);  // the next member starts in the input left
        return Status::kMember;
      case InflateStream::Status::kCorrupt:
        error_ = "corrupt gzip data (" + stream_->error() + ")";
        return Status::kError;
      case InflateStream::Status::kTooLarge:
        error_ = "gzip member inflates past " + std::to_string(max_member_bytes_) + " bytes";
        return Status::kError;
      case InflateStream::Status::kOutputFull:
        continue;  // more may be pending
      case InflateStream::Status::kNeedInput:
        if (!refill()) {
          if (error_.empty()) error_ = "truncated gzip member (input ends inside it)";
          return Status::kError;
        }
        continue;
    }
  }
}

}  // namespace kinesyslog
