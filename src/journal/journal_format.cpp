#include "journal/journal_format.hpp"

#include <array>
#include <chrono>
#include <cstring>
#include <new>
#include <utility>

#include <fmt/format.h>
#include <lz4.h>
#include <zlib.h>

#include "core/hex.hpp"

namespace kinesyslog::journal {
namespace {

void put32(std::string& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(value >> shift & 0xff));
}
void put64(std::string& out, uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) out.push_back(static_cast<char>(value >> shift & 0xff));
}
uint32_t get32(const char* at) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = value << 8 | static_cast<uint8_t>(at[i]);
  return value;
}
uint64_t get64(const char* at) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = value << 8 | static_cast<uint8_t>(at[i]);
  return value;
}

uint32_t crc_of(std::string_view bytes, uint32_t crc) {
  // zlib's crc32 takes a uInt length; a block is far below 4 GiB (kMaxPayloadBytes).
  return static_cast<uint32_t>(
      ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// The header's bytes before the crc field.
std::string_view header_fields(const std::string& out, size_t header_at) {
  return std::string_view(out).substr(header_at, kBlockHeaderSize - 4);
}

// The header (crc computed here) and the stored payload.
void append_block_header(std::string& out, std::string_view stored, size_t payload_bytes, uint32_t flags,
                         JournalSeq first_seq, uint32_t entry_count) {
  const size_t header_at = out.size();
  put32(out, kBlockMagic);
  put32(out, static_cast<uint32_t>(payload_bytes));
  put32(out, static_cast<uint32_t>(stored.size()));
  put32(out, flags);
  put64(out, first_seq);
  put32(out, entry_count);
  const uint32_t crc = crc_of(stored, crc_of(header_fields(out, header_at), 0));
  put32(out, crc);
  out.append(stored);
}

bool parse_decimal(std::string_view text, uint64_t& value) {
  if (text.empty() || text.size() > 19) return false;
  value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

bool parse_hex64(std::string_view text, uint64_t& value) {
  if (text.size() != 16) return false;
  value = 0;
  for (char c : text) {
    const int digit = hex_value(c);
    if (digit < 0) return false;
    value = value << 4 | static_cast<uint64_t>(digit);
  }
  return true;
}

}  // namespace

std::string segment_file_name(const JournalId& journal, uint32_t index) {
  return fmt::format("{:016x}-{}-{:08d}.seg", journal.run, journal.thread, index);
}

std::string commit_file_name(uint64_t run, uint32_t index) {
  return fmt::format("{:016x}-commit-{:08d}.log", run, index);
}

std::optional<ParsedName> parse_file_name(std::string_view name) {
  ParsedName parsed;
  if (name.ends_with(".seg")) {
    parsed.kind = FileKind::kSegment;
  } else if (name.ends_with(".log")) {
    parsed.kind = FileKind::kCommitLog;
  } else {
    return std::nullopt;
  }
  name.remove_suffix(4);
  const size_t first_dash = name.find('-');
  const size_t last_dash = name.rfind('-');
  if (first_dash == std::string_view::npos || first_dash == last_dash) return std::nullopt;
  const std::string_view middle = name.substr(first_dash + 1, last_dash - first_dash - 1);
  uint64_t index = 0;
  if (!parse_hex64(name.substr(0, first_dash), parsed.journal.run) ||
      !parse_decimal(name.substr(last_dash + 1), index) || index > UINT32_MAX) {
    return std::nullopt;
  }
  parsed.index = static_cast<uint32_t>(index);
  if (parsed.kind == FileKind::kCommitLog) {
    if (middle != "commit") return std::nullopt;
    return parsed;
  }
  uint64_t thread = 0;
  if (!parse_decimal(middle, thread) || thread > UINT32_MAX) return std::nullopt;
  parsed.journal.thread = static_cast<uint32_t>(thread);
  return parsed;
}

void append_file_header(std::string& out, const FileHeader& header) {
  put64(out, kFileMagic);
  put32(out, kFileVersion);
  put32(out, static_cast<uint32_t>(header.kind));
  put64(out, header.journal.run);
  put32(out, header.journal.thread);
  put32(out, header.index);
}

std::optional<FileHeader> read_file_header(std::string_view bytes) {
  if (bytes.size() < kFileHeaderSize) return std::nullopt;
  if (get64(bytes.data()) != kFileMagic || get32(bytes.data() + 8) != kFileVersion) return std::nullopt;
  const uint32_t kind = get32(bytes.data() + 12);
  if (kind != static_cast<uint32_t>(FileKind::kSegment) && kind != static_cast<uint32_t>(FileKind::kCommitLog)) {
    return std::nullopt;
  }
  FileHeader header;
  header.kind = static_cast<FileKind>(kind);
  header.journal.run = get64(bytes.data() + 16);
  header.journal.thread = get32(bytes.data() + 24);
  header.index = get32(bytes.data() + 28);
  return header;
}

void append_block(std::string& out, std::string& scratch, std::string_view payload, JournalSeq first_seq,
                  uint32_t entry_count) {
  const int source_size = static_cast<int>(payload.size());
  scratch.resize(static_cast<size_t>(LZ4_compressBound(source_size)));
  const int compressed =
      LZ4_compress_default(payload.data(), scratch.data(), source_size, static_cast<int>(scratch.size()));
  const bool use_lz4 = compressed > 0 && static_cast<size_t>(compressed) < payload.size();
  const std::string_view stored = use_lz4 ? std::string_view(scratch.data(), static_cast<size_t>(compressed)) : payload;
  append_block_header(out, stored, payload.size(), use_lz4 ? kBlockLz4 : 0, first_seq, entry_count);
}

std::optional<BlockHeader> read_block_header(std::string_view bytes) {
  if (bytes.size() < kBlockHeaderSize || get32(bytes.data()) != kBlockMagic) return std::nullopt;
  BlockHeader header;
  header.payload_bytes = get32(bytes.data() + 4);
  header.stored_bytes = get32(bytes.data() + 8);
  header.flags = get32(bytes.data() + 12);
  header.first_seq = get64(bytes.data() + 16);
  header.entry_count = get32(bytes.data() + 24);
  header.crc = get32(bytes.data() + 28);
  return header;
}

bool block_crc_matches(const BlockHeader& header, std::string_view stored) {
  std::string fields;
  fields.reserve(kBlockHeaderSize);
  put32(fields, kBlockMagic);
  put32(fields, header.payload_bytes);
  put32(fields, header.stored_bytes);
  put32(fields, header.flags);
  put64(fields, header.first_seq);
  put32(fields, header.entry_count);
  return crc_of(stored, crc_of(fields, 0)) == header.crc;
}

ChainedCompressor::ChainedCompressor() : stream_(LZ4_createStream()) {
  if (!stream_) throw std::bad_alloc();
}

ChainedCompressor::~ChainedCompressor() = default;

void ChainedCompressor::StreamDeleter::operator()(LZ4_stream_u* stream) const { LZ4_freeStream(stream); }

void ChainedCompressor::restart() { chain_broken_ = true; }

void ChainedCompressor::append_block(std::string& out, std::string_view payload, JournalSeq first_seq,
                                     uint32_t entry_count) {
  if (payload.size() >= kChainBelowBytes) {
    // Large enough to compress well alone, and lz4 is faster without a dictionary.
    chain_broken_ = true;
    ::kinesyslog::journal::append_block(out, scratch_, payload, first_seq, entry_count);
    return;
  }
  if (std::exchange(chain_broken_, false)) LZ4_resetStream_fast(stream_.get());
  const int source_size = static_cast<int>(payload.size());
  scratch_.resize(static_cast<size_t>(LZ4_compressBound(source_size)));
  // Even when stored raw, the payload is the next block's dictionary (the reader has it too).
  const int compressed = LZ4_compress_fast_continue(stream_.get(), payload.data(), scratch_.data(), source_size,
                                                    static_cast<int>(scratch_.size()), 1);
  const bool use_lz4 = compressed > 0 && static_cast<size_t>(compressed) < payload.size();
  const std::string_view stored =
      use_lz4 ? std::string_view(scratch_.data(), static_cast<size_t>(compressed)) : payload;
  append_block_header(out, stored, payload.size(), use_lz4 ? kBlockLz4Chained : 0, first_seq, entry_count);
}

std::optional<std::string_view> ChainedDecompressor::payload(const BlockHeader& header, std::string_view stored) {
  std::string& out = buffers_[current_];
  const std::string& previous = buffers_[current_ ^ 1];
  if (header.flags == 0) {
    if (stored.size() != header.payload_bytes) return std::nullopt;
    out.assign(stored);
  } else if (header.flags == kBlockLz4 || header.flags == kBlockLz4Chained) {
    if (header.payload_bytes > kMaxPayloadBytes) return std::nullopt;
    out.resize(header.payload_bytes);
    const int size = header.flags == kBlockLz4
                         ? LZ4_decompress_safe(stored.data(), out.data(), static_cast<int>(stored.size()),
                                               static_cast<int>(out.size()))
                         : LZ4_decompress_safe_usingDict(stored.data(), out.data(), static_cast<int>(stored.size()),
                                                         static_cast<int>(out.size()), previous.data(),
                                                         static_cast<int>(previous.size()));
    if (size < 0 || static_cast<uint32_t>(size) != header.payload_bytes) return std::nullopt;
  } else {
    return std::nullopt;
  }
  current_ ^= 1;
  return std::string_view(out);
}

std::optional<std::string_view> block_payload(const BlockHeader& header, std::string_view stored,
                                              std::string& scratch) {
  if (header.flags == 0) {
    if (stored.size() != header.payload_bytes) return std::nullopt;
    return stored;
  }
  if (header.flags != kBlockLz4 || header.payload_bytes > kMaxPayloadBytes) return std::nullopt;
  scratch.resize(header.payload_bytes);
  const int size = LZ4_decompress_safe(stored.data(), scratch.data(), static_cast<int>(stored.size()),
                                       static_cast<int>(scratch.size()));
  if (size < 0 || static_cast<uint32_t>(size) != header.payload_bytes) return std::nullopt;
  return std::string_view(scratch);
}

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

std::optional<uint64_t> read_varint(std::string_view& bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes.size() && i < 10; ++i) {
    const auto byte = static_cast<uint8_t>(bytes[i]);
    value |= uint64_t{byte & 0x7fu} << (7 * i);
    if ((byte & 0x80) == 0) {
      bytes.remove_prefix(i + 1);
      return value;
    }
  }
  return std::nullopt;
}

void append_entry(std::string& out, const SourceKey& key, WallTime received, uint64_t raw_bytes, std::string_view json,
                  int64_t& previous_nanos) {
  const auto& address = key.source.bytes();
  if (key.source.is_v4()) {
    out.push_back(4);
    out.append(reinterpret_cast<const char*>(address.data()) + 12, 4);
  } else {
    out.push_back(6);
    out.append(reinterpret_cast<const char*>(address.data()), address.size());
  }
  append_varint(out, key.port);
  out.push_back(static_cast<char>(key.protocol));
  const int64_t nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(received.time_since_epoch()).count();
  // Zigzag: an earlier time than the previous entry's is a small number too.
  const int64_t delta = static_cast<int64_t>(static_cast<uint64_t>(nanos) - static_cast<uint64_t>(previous_nanos));
  append_varint(out, static_cast<uint64_t>(delta) << 1 ^ static_cast<uint64_t>(delta >> 63));
  previous_nanos = nanos;
  append_varint(out, raw_bytes);
  append_varint(out, json.size());
  out.append(json);
}

std::optional<DecodedEntry> read_entry(std::string_view& bytes, int64_t& previous_nanos) {
  DecodedEntry entry;
  if (bytes.empty()) return std::nullopt;
  const char family = bytes.front();
  bytes.remove_prefix(1);
  if (family == 4 && bytes.size() >= 4) {
    std::array<uint8_t, 4> octets{};
    std::memcpy(octets.data(), bytes.data(), octets.size());
    entry.key.source = IpAddress::from_v4(octets);
    bytes.remove_prefix(4);
  } else if (family == 6 && bytes.size() >= 16) {
    std::array<uint8_t, 16> octets{};
    std::memcpy(octets.data(), bytes.data(), octets.size());
    entry.key.source = IpAddress::from_v6(octets);
    bytes.remove_prefix(16);
  } else {
    return std::nullopt;
  }
  const auto port = read_varint(bytes);
  if (!port || *port > UINT16_MAX || bytes.empty()) return std::nullopt;
  entry.key.port = static_cast<uint16_t>(*port);
  const auto protocol = static_cast<uint8_t>(bytes.front());
  if (protocol > static_cast<uint8_t>(Protocol::kGelf)) return std::nullopt;
  entry.key.protocol = static_cast<Protocol>(protocol);
  bytes.remove_prefix(1);
  const auto zigzag = read_varint(bytes);
  const auto raw_bytes = zigzag ? read_varint(bytes) : std::nullopt;
  const auto json_size = raw_bytes ? read_varint(bytes) : std::nullopt;
  if (!json_size || *json_size > bytes.size()) return std::nullopt;
  const auto delta = static_cast<int64_t>(*zigzag >> 1 ^ (~(*zigzag & 1) + 1));
  const auto nanos = static_cast<int64_t>(static_cast<uint64_t>(previous_nanos) + static_cast<uint64_t>(delta));
  previous_nanos = nanos;
  entry.received = WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(nanos)));
  entry.raw_bytes = *raw_bytes;
  entry.json = bytes.substr(0, *json_size);
  bytes.remove_prefix(*json_size);
  return entry;
}

void append_commit_header(std::string& out, std::string_view record_name, size_t journal_count) {
  append_varint(out, record_name.size());
  out.append(record_name);
  append_varint(out, journal_count);
}

void append_commit_journal(std::string& out, const JournalId& journal, std::span<const JournalSeq> sorted_seqs) {
  append_varint(out, journal.run);
  append_varint(out, journal.thread);
  // Ranges first: their count leads.
  size_t range_count = 0;
  for (size_t i = 0; i < sorted_seqs.size(); ++i) {
    if (i == 0 || sorted_seqs[i] > sorted_seqs[i - 1] + 1) ++range_count;
  }
  append_varint(out, range_count);
  JournalSeq previous_last = 0;
  size_t i = 0;
  while (i < sorted_seqs.size()) {
    const JournalSeq first = sorted_seqs[i];
    JournalSeq last = first;
    while (++i < sorted_seqs.size() && sorted_seqs[i] <= last + 1) last = sorted_seqs[i];
    append_varint(out, first - previous_last);
    append_varint(out, last - first);
    previous_last = last;
  }
}

std::optional<CommitEntry> read_commit_entry(std::string_view bytes) {
  CommitEntry entry;
  const auto name_size = read_varint(bytes);
  if (!name_size || *name_size > bytes.size()) return std::nullopt;
  entry.record_name = bytes.substr(0, *name_size);
  bytes.remove_prefix(*name_size);
  const auto journal_count = read_varint(bytes);
  if (!journal_count || *journal_count > bytes.size()) return std::nullopt;
  for (uint64_t j = 0; j < *journal_count; ++j) {
    CommitEntry::Journal journal;
    const auto run = read_varint(bytes);
    const auto thread = run ? read_varint(bytes) : std::nullopt;
    const auto range_count = thread ? read_varint(bytes) : std::nullopt;
    if (!range_count || *thread > UINT32_MAX || *range_count > bytes.size()) return std::nullopt;
    journal.journal = JournalId{*run, static_cast<uint32_t>(*thread)};
    JournalSeq previous_last = 0;
    for (uint64_t r = 0; r < *range_count; ++r) {
      const auto gap = read_varint(bytes);
      const auto length = gap ? read_varint(bytes) : std::nullopt;
      if (!length || *gap == 0 || *gap > UINT64_MAX - previous_last || *length > UINT64_MAX - previous_last - *gap) {
        return std::nullopt;
      }
      const JournalSeq first = previous_last + *gap;
      previous_last = first + *length;
      journal.ranges.emplace_back(first, previous_last);
    }
    entry.journals.push_back(std::move(journal));
  }
  if (!bytes.empty()) return std::nullopt;
  return entry;
}

}  // namespace kinesyslog::journal
