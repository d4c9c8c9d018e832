#include "parse/bounded_inflater.hpp"

#include <algorithm>

namespace kinesyslog::parse {
namespace {

constexpr size_t kInitialOutputSize = 16 * 1024;

InflateStream::Wrapper wrapper_of(BoundedInflater::Format format) {
  return format == BoundedInflater::Format::kGzip ? InflateStream::Wrapper::kGzip : InflateStream::Wrapper::kZlib;
}

}  // namespace

BoundedInflater::BoundedInflater(size_t output_limit)
    : output_limit_(output_limit), stream_(InflateStream::Wrapper::kZlib) {}

BoundedInflater::Result BoundedInflater::inflate(std::string_view compressed, Format format) {
  output_size_ = 0;
  if (!stream_.restart(wrapper_of(format), output_limit_)) return Result::kCorrupt;
  if (stream_.give_input(compressed) != compressed.size()) return Result::kCorrupt;

  const size_t hard_limit = output_limit_ + 1;
  size_t produced = 0;
  for (;;) {
    if (produced == output_.size()) {
      if (output_.size() >= hard_limit) return Result::kTooLarge;
      output_.resize(std::min(hard_limit, std::max(kInitialOutputSize, 2 * output_.size())));
    }
    const InflateStream::Step step = stream_.inflate(output_.data() + produced, output_.size() - produced);
    produced += step.produced;
    switch (step.status) {
      case InflateStream::Status::kStreamEnd:
        if (produced > output_limit_) return Result::kTooLarge;
        output_size_ = produced;
        return Result::kComplete;
      case InflateStream::Status::kOutputFull:
        continue;  // grown above
      case InflateStream::Status::kTooLarge:
        return Result::kTooLarge;
      case InflateStream::Status::kNeedInput:  // the input ended before the stream did
      case InflateStream::Status::kCorrupt:
        return Result::kCorrupt;
    }
  }
}

}  // namespace kinesyslog::parse
