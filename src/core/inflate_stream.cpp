#include "core/inflate_stream.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <new>

namespace kinesyslog {
namespace {

constexpr int kWindowBits = 15;   // zlib's largest window; what every sender uses
constexpr int kGzipWrapper = 16;  // added to the window bits: expect a gzip header and trailer

int window_bits(InflateStream::Wrapper wrapper) {
  return wrapper == InflateStream::Wrapper::kGzip ? kGzipWrapper + kWindowBits : kWindowBits;
}

}  // namespace

void InflateStream::StreamDeleter::operator()(z_stream_s* stream) const {
  inflateEnd(stream);
  delete stream;
}

InflateStream::InflateStream(Wrapper wrapper) {
  auto* stream = new z_stream{};
  if (inflateInit2(stream, window_bits(wrapper)) != Z_OK) {
    delete stream;
    throw std::bad_alloc();
  }
  stream_.reset(stream);
}

InflateStream::~InflateStream() = default;

bool InflateStream::restart(Wrapper wrapper, uint64_t output_limit) {
  output_limit_ = output_limit;
  produced_ = 0;
  return inflateReset2(stream_.get(), window_bits(wrapper)) == Z_OK;  // keeps next_in/avail_in
}

size_t InflateStream::give_input(std::string_view input) {
  const size_t count = std::min<size_t>(input.size(), std::numeric_limits<uInt>::max());
  stream_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream_->avail_in = static_cast<uInt>(count);
  return count;
}

size_t InflateStream::input_left() const { return stream_->avail_in; }

InflateStream::Step InflateStream::inflate(char* out, size_t room) {
  const auto step_room = static_cast<uInt>(std::min<size_t>(room, std::numeric_limits<uInt>::max()));
  stream_->next_out = reinterpret_cast<Bytef*>(out);
  stream_->avail_out = step_room;
  const int result = ::inflate(stream_.get(), Z_NO_FLUSH);
  const size_t produced = step_room - stream_->avail_out;
  produced_ += produced;
  if (result == Z_STREAM_END) return {Status::kStreamEnd, produced};
  // Z_BUF_ERROR: no progress was possible, for want of input (the room is never empty).
  if (result != Z_OK && result != Z_BUF_ERROR) return {Status::kCorrupt, produced};
  if (produced_ > output_limit_) return {Status::kTooLarge, produced};
  if (stream_->avail_out == 0) return {Status::kOutputFull, produced};
  return {Status::kNeedInput, produced};
}

std::string InflateStream::error() const { return stream_->msg != nullptr ? stream_->msg : "zlib error"; }

}  // namespace kinesyslog
