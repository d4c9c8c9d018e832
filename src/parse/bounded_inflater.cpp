#include "parse/bounded_inflater.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>
#include <new>

namespace kinesyslog::parse {
namespace {

constexpr size_t kInitialOutputSize = 16 * 1024;
constexpr int kWindowBits = 15;    // zlib's largest window; what every GELF sender uses
constexpr int kGzipWrapper = 16;   // added to the window bits: expect a gzip header and trailer

}  // namespace

void BoundedInflater::StreamDeleter::operator()(z_stream_s* stream) const {
  inflateEnd(stream);
  delete stream;
}

BoundedInflater::BoundedInflater(size_t output_limit) : output_limit_(output_limit) {
  auto* stream = new z_stream{};
  if (inflateInit2(stream, kWindowBits) != Z_OK) {
    delete stream;
    throw std::bad_alloc();
  }
  stream_.reset(stream);
}

BoundedInflater::~BoundedInflater() = default;

BoundedInflater::Result BoundedInflater::inflate(std::string_view compressed, Format format) {
  output_size_ = 0;
  const int window_bits = format == Format::kGzip ? kGzipWrapper + kWindowBits : kWindowBits;
  if (compressed.size() > std::numeric_limits<uInt>::max()) return Result::kCorrupt;
  if (inflateReset2(stream_.get(), window_bits) != Z_OK) return Result::kCorrupt;
  stream_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream_->avail_in = static_cast<uInt>(compressed.size());

  const size_t hard_limit = output_limit_ + 1;
  size_t produced = 0;
  for (;;) {
    if (produced == output_.size()) {
      if (output_.size() >= hard_limit) return Result::kTooLarge;
      output_.resize(std::min(hard_limit, std::max(kInitialOutputSize, 2 * output_.size())));
    }
    const size_t room = std::min<size_t>(output_.size() - produced, std::numeric_limits<uInt>::max());
    stream_->next_out = reinterpret_cast<Bytef*>(output_.data() + produced);
    stream_->avail_out = static_cast<uInt>(room);
    const int status = ::inflate(stream_.get(), Z_NO_FLUSH);
    produced += room - stream_->avail_out;
    if (status == Z_STREAM_END) {
      if (produced > output_limit_) return Result::kTooLarge;
      output_size_ = produced;
      return Result::kComplete;
    }
    if (status == Z_OK) continue;  // output full (grown above) or more input consumed
    return Result::kCorrupt;        // Z_BUF_ERROR here: the input ended before the stream did
  }
}

}  // namespace kinesyslog::parse
