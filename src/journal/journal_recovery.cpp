#include "journal/journal_recovery.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>
#include <tuple>
#include <utility>

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "core/unique_fd.hpp"
#include "journal/io.hpp"
#include "journal/journal_format.hpp"

namespace kinesyslog::journal {
namespace {

// The whole file; nullopt (and a logged error) when it cannot be read.
std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(path, error);
  std::ifstream in(path, std::ios::binary);
  std::string bytes(error ? 0 : size, '\0');
  if (error || !in.is_open() || !in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) {
    spdlog::error("journal recovery: cannot read {}; left in place", path.string());
    return std::nullopt;
  }
  return bytes;
}

// Whether a whole block with a matching crc starts anywhere after the first byte of `bytes`.
bool checked_block_follows(std::string_view bytes) {
  std::string magic;
  for (int shift = 0; shift < 32; shift += 8) magic.push_back(static_cast<char>(kBlockMagic >> shift & 0xff));
  for (size_t at = bytes.find(magic, 1); at != std::string_view::npos; at = bytes.find(magic, at + 1)) {
    const std::string_view candidate = bytes.substr(at);
    const auto header = read_block_header(candidate);
    if (!header || kBlockHeaderSize + size_t{header->stored_bytes} > candidate.size()) continue;
    if (block_crc_matches(*header, candidate.substr(kBlockHeaderSize, header->stored_bytes))) return true;
  }
  return false;
}

// Walks the blocks after a file header. Damage after which no whole, checked block follows is a
// torn write (the crash came mid-write: a short block, or what the filesystem left past it);
// damage before a good block is not, whatever field it hit.
class BlockReader {
 public:
  enum class End { kClean, kTornTail, kDamaged };

  explicit BlockReader(std::string_view bytes) : rest_(bytes.substr(kFileHeaderSize)) {}

  // The next checked block's payload, or nullopt at the end (then end() says how it ended).
  std::optional<std::pair<BlockHeader, std::string_view>> next() {
    if (rest_.empty()) return std::nullopt;
    const auto header = read_block_header(rest_);
    const size_t extent = header ? kBlockHeaderSize + size_t{header->stored_bytes} : 0;
    std::optional<std::string_view> payload;
    if (header && extent <= rest_.size()) {
      const std::string_view stored = rest_.substr(kBlockHeaderSize, header->stored_bytes);
      if (block_crc_matches(*header, stored)) payload = decompressor_.payload(*header, stored);
    }
    if (!payload) {
      end_ = checked_block_follows(rest_) ? End::kDamaged : End::kTornTail;
      return std::nullopt;
    }
    rest_.remove_prefix(extent);
    return std::pair{*header, *payload};
  }
  End end() const { return end_; }
  void mark_damaged() { end_ = End::kDamaged; }

 private:
  std::string_view rest_;
  ChainedDecompressor decompressor_;
  End end_ = End::kClean;
};

}  // namespace

JournalRecovery::JournalRecovery(std::filesystem::path directory, uint64_t current_run)
    : directory_(std::move(directory)), current_run_(current_run) {
  if (!std::filesystem::exists(directory_)) return;
  for (const auto& file : std::filesystem::directory_iterator(directory_)) {
    if (!file.is_regular_file()) continue;
    const auto parsed = parse_file_name(file.path().filename().string());
    if (!parsed || parsed->journal.run == current_run_) continue;
    if (parsed->kind == FileKind::kSegment) {
      segments_.push_back(SegmentFile{file.path(), parsed->journal, parsed->index});
    } else {
      commit_logs_.push_back(file.path());
    }
  }
  std::sort(segments_.begin(), segments_.end(), [](const SegmentFile& a, const SegmentFile& b) {
    return std::tuple(a.journal.run, a.journal.thread, a.index) < std::tuple(b.journal.run, b.journal.thread, b.index);
  });
  std::sort(commit_logs_.begin(), commit_logs_.end());  // by run, then index: the names sort so
  for (const auto& path : std::vector(commit_logs_)) read_commit_log(path);
}

void JournalRecovery::read_commit_log(const std::filesystem::path& path) {
  const auto bytes = read_file(path);
  if (!bytes) return;
  const auto header = read_file_header(*bytes);
  if (!header || header->kind != FileKind::kCommitLog) {
    if (bytes->empty()) return;  // created, then the crash: nothing in it
    spdlog::error("journal recovery: {} has no valid commit log header; moved to quarantine", path.string());
    ++counts_.commit_logs_quarantined;
    quarantine(path);
    return;
  }
  ++counts_.commit_logs_read;
  BlockReader reader(*bytes);
  while (const auto block = reader.next()) {
    const auto entry = read_commit_entry(block->second);
    if (!entry) {
      reader.mark_damaged();
      break;
    }
    records_to_roll_forward_.emplace_back(entry->record_name);
    for (const auto& journal : entry->journals) {
      SeqRanges& ranges = published_[journal.journal];
      for (const auto& [first, last] : journal.ranges) {
        JournalSeq merged_first = first;
        JournalSeq merged_last = last;
        // Merge with every range that overlaps or touches [first, last].
        auto at = ranges.upper_bound(first);
        if (at != ranges.begin() && std::prev(at)->second + 1 >= first) --at;
        while (at != ranges.end() && at->first <= merged_last + 1) {
          merged_first = std::min(merged_first, at->first);
          merged_last = std::max(merged_last, at->second);
          at = ranges.erase(at);
        }
        ranges.emplace(merged_first, merged_last);
      }
    }
  }
  if (reader.end() == BlockReader::End::kTornTail) {
    ++counts_.torn_tails_dropped;
    spdlog::warn("journal recovery: {} ends in a torn entry (a crash mid-write); dropped", path.string());
  } else if (reader.end() == BlockReader::End::kDamaged) {
    ++counts_.commit_logs_quarantined;
    spdlog::error("journal recovery: {} is damaged past its first valid entries; kept those, moved it to quarantine",
                  path.string());
    quarantine(path);
  }
}

void JournalRecovery::for_each_unpublished(const EntryCallback& callback) {
  for (const SegmentFile& segment : segments_) read_segment(segment, callback);
}

void JournalRecovery::read_segment(const SegmentFile& segment, const EntryCallback& callback) {
  const auto bytes = read_file(segment.path);
  if (!bytes) return;
  const auto header = read_file_header(*bytes);
  if (!header || header->kind != FileKind::kSegment || header->journal != segment.journal) {
    if (bytes->empty()) {
      spdlog::warn("journal recovery: {} is empty (a crash right after it was created); removed",
                   segment.path.string());
      segments_to_remove_.push_back(segment.path);
      return;
    }
    spdlog::error("journal recovery: {} has no valid segment header; moved to quarantine", segment.path.string());
    ++counts_.segments_quarantined;
    quarantine(segment.path);
    return;
  }
  ++counts_.segments_read;
  BlockReader reader(*bytes);
  while (const auto block = reader.next()) {
    std::string_view payload = block->second;
    JournalSeq seq = block->first.first_seq;
    int64_t previous_nanos = 0;
    for (uint32_t i = 0; i < block->first.entry_count; ++i, ++seq) {
      const auto entry = read_entry(payload, previous_nanos);
      if (!entry) {
        reader.mark_damaged();
        break;
      }
      if (published(segment.journal, seq)) {
        ++counts_.entries_published;
        continue;
      }
      ++counts_.entries_replayed;
      callback(segment.journal, RecoveredEntry{seq, entry->key, entry->received, entry->raw_bytes, entry->json});
    }
    if (reader.end() == BlockReader::End::kDamaged) break;
  }
  switch (reader.end()) {
    case BlockReader::End::kClean:
      segments_to_remove_.push_back(segment.path);
      break;
    case BlockReader::End::kTornTail:
      ++counts_.torn_tails_dropped;
      spdlog::warn(
          "journal recovery: {} ends in a torn block (a crash mid-write); its last events were never "
          "durable and are dropped",
          segment.path.string());
      segments_to_remove_.push_back(segment.path);
      break;
    case BlockReader::End::kDamaged:
      ++counts_.segments_quarantined;
      spdlog::error(
          "journal recovery: {} is damaged past its first valid blocks; replayed those, moved it to "
          "quarantine",
          segment.path.string());
      quarantine(segment.path);
      break;
  }
}

bool JournalRecovery::published(const JournalId& journal, JournalSeq seq) const {
  const auto ranges = published_.find(journal);
  if (ranges == published_.end()) return false;
  auto at = ranges->second.upper_bound(seq);
  if (at == ranges->second.begin()) return false;
  --at;
  return seq <= at->second;
}

void JournalRecovery::quarantine(const std::filesystem::path& path) {
  const std::filesystem::path target = directory_ / "quarantine" / path.filename();
  std::error_code error;
  if (::mkdir(target.parent_path().c_str(), 0700) != 0 && errno != EEXIST) {
    error.assign(errno, std::generic_category());
  }
  if (!error) std::filesystem::rename(path, target, error);
  if (error) spdlog::error("journal recovery: cannot move {} to quarantine: {}", path.string(), error.message());
  std::erase(commit_logs_, path);
}

void JournalRecovery::remove_recovered_files() {
  UniqueFd directory_fd(::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const auto remove_all = [&](std::vector<std::filesystem::path>& paths, std::string_view what) {
    if (paths.empty()) return;
    for (const auto& path : paths) {
      std::error_code error;
      std::filesystem::remove(path, error);
      if (error)
        spdlog::error("journal recovery: cannot delete the recovered {} {}: {}", what, path.string(), error.message());
    }
    paths.clear();
    if (const int error = directory_fd ? sync_directory(directory_fd.get()) : EBADF; error != 0) {
      spdlog::error("journal recovery: syncing {}: {}", directory_.string(), std::strerror(error));
    }
  };
  // Segments first: were the commit logs gone and a segment not, its published events would replay.
  remove_all(segments_to_remove_, "segment");
  const bool segment_left = std::any_of(segments_.begin(), segments_.end(), [](const SegmentFile& segment) {
    std::error_code error;
    return std::filesystem::exists(segment.path, error) || error;
  });
  if (segment_left) {
    spdlog::warn("journal recovery: old segments remain in {}; their commit logs are kept", directory_.string());
    return;
  }
  remove_all(commit_logs_, "commit log");
}

}  // namespace kinesyslog::journal
