#pragma once
// The bytes of the journal's files, shared by the writers and recovery.
//
// Segment `<run:016x>-<thread>-<index:08d>.seg`: a FileHeader, then blocks. Commit log
// `<run:016x>-commit-<index:08d>.log`: a FileHeader, then blocks of one entry each. A block is
// a BlockHeader and its stored payload (lz4 when that is smaller; a small segment block may use
// the previous block's payload as its lz4 dictionary); its crc32 (zlib's) covers the header's
// other fields and the stored payload, so a torn or damaged block is detected.
// Integers are little-endian; entry fields are LEB128 varints where they vary in size.
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/journal_position.hpp"
#include "core/source_key.hpp"

union LZ4_stream_u;

namespace kinesyslog::journal {

enum class FileKind : uint32_t { kSegment = 1, kCommitLog = 2 };

inline constexpr uint64_t kFileMagic = 0x4c4e524a59534b31;  // "1KSYJRNL" read little-endian
inline constexpr uint32_t kFileVersion = 1;
inline constexpr uint32_t kBlockMagic = 0x4b4c4231;  // "1BLK"
inline constexpr uint32_t kBlockLz4 = 1;             // flags: the stored payload is lz4
// flags: lz4 whose dictionary is the previous block's payload in the same segment (small
// blocks, one per event-loop round, compress against the traffic just before them).
inline constexpr uint32_t kBlockLz4Chained = 2;
inline constexpr size_t kFileHeaderSize = 32;
inline constexpr size_t kBlockHeaderSize = 32;
// No block payload is larger (a block is at most one round's entries; guards allocations
// when a damaged header claims gigabytes).
inline constexpr uint32_t kMaxPayloadBytes = 256u << 20;

struct FileHeader {
  FileKind kind = FileKind::kSegment;
  JournalId journal;  // thread unused for commit logs
  uint32_t index = 0;
};

struct BlockHeader {
  uint32_t payload_bytes = 0;  // after decompression
  uint32_t stored_bytes = 0;   // as written after the header
  uint32_t flags = 0;
  JournalSeq first_seq = 0;
  uint32_t entry_count = 0;
  uint32_t crc = 0;
};

std::string segment_file_name(const JournalId& journal, uint32_t index);
std::string commit_file_name(uint64_t run, uint32_t index);
struct ParsedName {
  FileKind kind = FileKind::kSegment;
  JournalId journal;
  uint32_t index = 0;
};
// nullopt for a name that is neither.
std::optional<ParsedName> parse_file_name(std::string_view name);

void append_file_header(std::string& out, const FileHeader& header);
std::optional<FileHeader> read_file_header(std::string_view bytes);

// Appends a block: its header (crc computed here) and the stored payload; compresses `payload`
// with lz4 into `scratch` when that is smaller.
void append_block(std::string& out, std::string& scratch, std::string_view payload, JournalSeq first_seq,
                  uint32_t entry_count);
// The header at the start of `bytes`; nullopt when too short or the magic is wrong.
std::optional<BlockHeader> read_block_header(std::string_view bytes);
// Whether the crc matches `stored` (the bytes after the header).
bool block_crc_matches(const BlockHeader& header, std::string_view stored);
// The payload of a checked block, in `scratch` or `stored` itself; nullopt when lz4 fails.
std::optional<std::string_view> block_payload(const BlockHeader& header, std::string_view stored, std::string& scratch);

// A segment's blocks as one lz4 stream: each block may refer to the payload of the block before
// it, which must stay unchanged (at the same address) until the next block is appended.
class ChainedCompressor {
 public:
  ChainedCompressor();
  ~ChainedCompressor();
  ChainedCompressor(const ChainedCompressor&) = delete;
  ChainedCompressor& operator=(const ChainedCompressor&) = delete;

  // Payloads this large are compressed alone (kBlockLz4): they compress about as well without
  // a dictionary, and lz4 runs faster without one.
  static constexpr size_t kChainBelowBytes = 8192;

  // A new segment: the next block refers to nothing before it.
  void restart();
  // As append_block; a small payload is stored as kBlockLz4Chained when that is smaller.
  void append_block(std::string& out, std::string_view payload, JournalSeq first_seq, uint32_t entry_count);

 private:
  bool chain_broken_ = true;  // the next small block starts a new chain
  struct StreamDeleter {
    void operator()(LZ4_stream_u* stream) const;
  };
  std::unique_ptr<LZ4_stream_u, StreamDeleter> stream_;
  std::string scratch_;
};

// Reads the payloads of one segment's checked blocks in order (any of the three encodings).
class ChainedDecompressor {
 public:
  // The payload, valid until the call after next; nullopt when it does not decode.
  std::optional<std::string_view> payload(const BlockHeader& header, std::string_view stored);

 private:
  std::string buffers_[2];
  int current_ = 0;
};

void append_varint(std::string& out, uint64_t value);
// Reads a varint at `bytes`, advancing it; nullopt when truncated or over 64 bits.
std::optional<uint64_t> read_varint(std::string_view& bytes);

// One segment entry (its seq is implied by its place in the block). The receive time is stored
// as the difference to the previous entry's (`previous_nanos`, 0 at a block's start, updated).
void append_entry(std::string& out, const SourceKey& key, WallTime received, uint64_t raw_bytes, std::string_view json,
                  int64_t& previous_nanos);
struct DecodedEntry {
  SourceKey key;
  WallTime received{};
  uint64_t raw_bytes = 0;
  std::string_view json;
};
std::optional<DecodedEntry> read_entry(std::string_view& bytes, int64_t& previous_nanos);

// One commit log entry: a record name and, per journal, the seqs it holds as ranges.
void append_commit_header(std::string& out, std::string_view record_name, size_t journal_count);
// `sorted_seqs` ascending (duplicates allowed); stored as (gap, length) ranges.
void append_commit_journal(std::string& out, const JournalId& journal, std::span<const JournalSeq> sorted_seqs);
struct CommitEntry {
  std::string_view record_name;
  struct Journal {
    JournalId journal;
    std::vector<std::pair<JournalSeq, JournalSeq>> ranges;  // first, last (inclusive), ascending
  };
  std::vector<Journal> journals;
};
std::optional<CommitEntry> read_commit_entry(std::string_view bytes);

}  // namespace kinesyslog::journal
