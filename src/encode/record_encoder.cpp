#include "encode/record_encoder.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include <libdeflate.h>

#include "core/json_escape.hpp"

namespace kinesyslog::encode {
namespace {

// Pieces aim below the limit so that one compressing a little worse than the whole
// batch's average still fits, instead of being split again into two half-empty records.
constexpr double kPieceFillTarget = 0.92;

}  // namespace

RecordEncoder::RecordEncoder(int compression_level, RecordHeaderFields header, size_t max_record_bytes)
    : header_(std::move(header)), max_record_bytes_(max_record_bytes) {
  if (compression_level < 1 || compression_level > 12) {
    throw std::invalid_argument("--compression-level must be between 1 and 12, not " +
                                std::to_string(compression_level));
  }
  compressor_ = libdeflate_alloc_compressor(compression_level);
  if (compressor_ == nullptr) throw std::bad_alloc();
}

RecordEncoder::~RecordEncoder() { libdeflate_free_compressor(compressor_); }

void RecordEncoder::set_envelope(const ClosedBatch& batch) {
  std::string group = header_.group_prefix;
  group += '/';
  group += protocol_name(batch.key.protocol);
  group += '/';
  group += std::to_string(batch.key.port);

  prefix_.clear();
  prefix_ += "{\"owner\":\"";
  append_json_escaped(prefix_, header_.owner);
  prefix_ += "\",\"logGroup\":\"";
  append_json_escaped(prefix_, group);
  prefix_ += "\",\"logStream\":\"";
  append_json_escaped(prefix_, batch.key.source.to_string());
  prefix_ += "\",\"subscriptionFilters\":[\"";
  append_json_escaped(prefix_, group);
  prefix_ += "\"],\"messageType\":\"DATA_MESSAGE\",\"logEvents\":[";
}

size_t RecordEncoder::event_offset(const ClosedBatch& batch, size_t index) {
  return index == 0 ? 0 : batch.event_ends[index - 1] + 1;  // + 1: the separating comma
}

size_t RecordEncoder::compress_range(const ClosedBatch& batch, size_t first, size_t last) {
  const size_t begin = event_offset(batch, first);
  const size_t end = batch.event_ends[last - 1];
  json_.assign(prefix_);
  json_.append(batch.events_json, begin, end - begin);
  json_.append("]}");

  const size_t start = output_.size();
  const size_t bound = libdeflate_gzip_compress_bound(compressor_, json_.size());
  output_.resize(start + bound);
  const size_t written =
      libdeflate_gzip_compress(compressor_, json_.data(), json_.size(), output_.data() + start, bound);
  output_.resize(start + written);
  return written;
}

void RecordEncoder::encode_range(const ClosedBatch& batch, size_t first, size_t last) {
  const size_t start = output_.size();
  const size_t compressed = compress_range(batch, first, last);
  if (compressed > 0 && compressed <= max_record_bytes_) {
    record_ends_.push_back(output_.size());
    result_.record_first_events.push_back(first);
    result_.record_events.push_back(last - first);
    return;
  }
  output_.resize(start);
  const size_t events = last - first;
  if (events == 1) {
    ++result_.dropped_events;  // cannot be split further: a record may never exceed the limit
    result_.dropped_event_indices.push_back(first);
    return;
  }
  // Estimate the pieces from this range's own ratio; a piece still too big recurses.
  const double budget = static_cast<double>(max_record_bytes_) * kPieceFillTarget;
  size_t pieces = static_cast<size_t>(static_cast<double>(compressed) / budget) + 1;
  pieces = std::clamp<size_t>(pieces, 2, events);

  const size_t range_begin = event_offset(batch, first);
  const size_t range_bytes = batch.event_ends[last - 1] - range_begin;
  const auto ends_begin = batch.event_ends.begin();
  size_t piece_first = first;
  for (size_t piece = 1; piece < pieces; ++piece) {
    const size_t target = range_begin + range_bytes * piece / pieces;
    // The event ending at or after the target byte closes this piece...
    size_t piece_last = static_cast<size_t>(std::lower_bound(ends_begin + static_cast<std::ptrdiff_t>(piece_first),
                                                             ends_begin + static_cast<std::ptrdiff_t>(last), target) -
                                            ends_begin) +
                        1;
    // ...each piece keeps at least one event and leaves one for every later piece.
    piece_last = std::clamp(piece_last, piece_first + 1, last - (pieces - piece));
    encode_range(batch, piece_first, piece_last);
    piece_first = piece_last;
  }
  encode_range(batch, piece_first, last);
}

const EncodedRecords& RecordEncoder::encode(const ClosedBatch& batch) {
  output_.clear();
  record_ends_.clear();
  result_.records.clear();
  result_.record_first_events.clear();
  result_.record_events.clear();
  result_.dropped_events = 0;
  result_.dropped_event_indices.clear();
  if (batch.event_count() == 0) return result_;

  set_envelope(batch);
  encode_range(batch, 0, batch.event_count());

  size_t begin = 0;
  for (size_t end : record_ends_) {
    result_.records.emplace_back(output_.data() + begin, end - begin);
    begin = end;
  }
  return result_;
}

}  // namespace kinesyslog::encode
