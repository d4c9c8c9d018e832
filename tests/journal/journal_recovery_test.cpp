#include "journal/journal_recovery.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "journal/counting_reporter.hpp"
#include "journal/journal_format.hpp"
#include "journal/thread_journal.hpp"
#include "support/captured_log.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::journal {
namespace {

using std::chrono::milliseconds;
using testing::CountingReporter;

const SourceKey kRecoverySource{*IpAddress::parse("2001:db8::5"), 12201, Protocol::kGelf};
const JournalId kJournal{0x1234, 3};

std::string fragment(int n) {
  // Varied text, so some blocks are stored raw and some lz4.
  return R"({"id":")" + std::to_string(n * 7919) + R"(","message":"event number )" + std::to_string(n) + "\"}";
}

// Writes `blocks` blocks of 3 entries each in one segment; returns the block end offsets.
std::vector<uint64_t> write_segment(const std::filesystem::path& directory, int blocks) {
  CountingReporter reporter;
  ThreadJournal journal(kJournal, JournalOptions{directory, milliseconds(10)}, reporter);
  std::vector<uint64_t> ends;
  const auto path = directory / segment_file_name(kJournal, 1);
  for (int b = 0; b < blocks; ++b) {
    for (int e = 1; e <= 3; ++e) journal.append(kRecoverySource, WallTime{}, 20, fragment(b * 3 + e));
    journal.flush();
    ends.push_back(std::filesystem::file_size(path));
  }
  return ends;
}

std::vector<JournalSeq> replayed_seqs(JournalRecovery& recovery) {
  std::vector<JournalSeq> seqs;
  recovery.for_each_unpublished([&](const JournalId& journal, const RecoveredEntry& entry) {
    EXPECT_EQ(journal, kJournal);
    EXPECT_EQ(entry.key, kRecoverySource);
    EXPECT_EQ(entry.json, fragment(static_cast<int>(entry.seq)));
    seqs.push_back(entry.seq);
  });
  return seqs;
}

std::vector<JournalSeq> seqs_through(JournalSeq last) {
  std::vector<JournalSeq> seqs;
  for (JournalSeq seq = 1; seq <= last; ++seq) seqs.push_back(seq);
  return seqs;
}

TEST(JournalRecovery, AMissingDirectoryHoldsNothing) {
  kinesyslog::testing::TemporaryDirectory spool;
  JournalRecovery recovery(spool.path() / "journal", 1);
  EXPECT_TRUE(replayed_seqs(recovery).empty());
  EXPECT_TRUE(recovery.records_to_roll_forward().empty());
  recovery.remove_recovered_files();
}

TEST(JournalRecovery, ATruncatedLastBlockIsDroppedAndTheRestReplayed) {
  kinesyslog::testing::TemporaryDirectory spool;
  const auto ends = write_segment(spool.path(), 4);
  const auto path = spool.path() / segment_file_name(kJournal, 1);
  std::filesystem::resize_file(path, ends[2] + (ends[3] - ends[2]) / 2);  // mid-way through block 4
  kinesyslog::testing::CapturedLog log;
  JournalRecovery recovery(spool.path(), 99);
  EXPECT_EQ(replayed_seqs(recovery), seqs_through(9));
  EXPECT_EQ(recovery.counts().torn_tails_dropped, 1u);
  EXPECT_EQ(recovery.counts().segments_quarantined, 0u);
  EXPECT_NE(log.text().find("torn"), std::string::npos) << log.text();
  recovery.remove_recovered_files();
  EXPECT_TRUE(kinesyslog::testing::entry_names(spool.path()).empty());
}

TEST(JournalRecovery, ATruncatedBlockHeaderIsATornTailToo) {
  kinesyslog::testing::TemporaryDirectory spool;
  const auto ends = write_segment(spool.path(), 2);
  std::filesystem::resize_file(spool.path() / segment_file_name(kJournal, 1), ends[0] + 10);
  JournalRecovery recovery(spool.path(), 99);
  EXPECT_EQ(replayed_seqs(recovery), seqs_through(3));
  EXPECT_EQ(recovery.counts().torn_tails_dropped, 1u);
}

TEST(JournalRecovery, ADamagedLastBlockIsDropped) {
  kinesyslog::testing::TemporaryDirectory spool;
  const auto ends = write_segment(spool.path(), 3);
  const auto path = spool.path() / segment_file_name(kJournal, 1);
  std::string bytes = kinesyslog::testing::read_whole_file(path);
  bytes[ends[2] - 3] ^= 0x20;  // in the last block's payload
  kinesyslog::testing::write_whole_file(path, bytes);
  JournalRecovery recovery(spool.path(), 99);
  EXPECT_EQ(replayed_seqs(recovery), seqs_through(6));
  EXPECT_EQ(recovery.counts().torn_tails_dropped, 1u);
  EXPECT_EQ(recovery.counts().segments_quarantined, 0u);
}

TEST(JournalRecovery, ADamagedMiddleBlockQuarantinesTheSegmentAfterReplayingWhatCameBefore) {
  kinesyslog::testing::TemporaryDirectory spool;
  const auto ends = write_segment(spool.path(), 4);
  const auto name = segment_file_name(kJournal, 1);
  std::string bytes = kinesyslog::testing::read_whole_file(spool.path() / name);
  bytes[ends[1] - 2] ^= 0x01;  // in block 2's payload; blocks 3 and 4 follow
  kinesyslog::testing::write_whole_file(spool.path() / name, bytes);
  kinesyslog::testing::CapturedLog log;
  JournalRecovery recovery(spool.path(), 99);
  EXPECT_EQ(replayed_seqs(recovery), seqs_through(3));
  EXPECT_EQ(recovery.counts().segments_quarantined, 1u);
  EXPECT_EQ(recovery.counts().torn_tails_dropped, 0u);
  EXPECT_NE(log.text().find("error"), std::string::npos) << log.text();
  EXPECT_NE(log.text().find("quarantine"), std::string::npos) << log.text();
  EXPECT_TRUE(std::filesystem::exists(spool.path() / "quarantine" / name));
  EXPECT_FALSE(std::filesystem::exists(spool.path() / name));
  recovery.remove_recovered_files();
  EXPECT_TRUE(std::filesystem::exists(spool.path() / "quarantine" / name));
}

TEST(JournalRecovery, ADamagedLengthInAMiddleBlockIsNotMistakenForATornTail) {
  kinesyslog::testing::TemporaryDirectory spool;
  const auto ends = write_segment(spool.path(), 3);
  const auto name = segment_file_name(kJournal, 1);
  std::string bytes = kinesyslog::testing::read_whole_file(spool.path() / name);
  bytes[ends[0] + 11] = 0x7f;  // block 2's stored length now reaches far past the end of the file
  kinesyslog::testing::write_whole_file(spool.path() / name, bytes);
  JournalRecovery recovery(spool.path(), 99);
  EXPECT_EQ(replayed_seqs(recovery), seqs_through(3));
  EXPECT_EQ(recovery.counts().segments_quarantined, 1u);
  EXPECT_EQ(recovery.counts().torn_tails_dropped, 0u);
  EXPECT_TRUE(std::filesystem::exists(spool.path() / "quarantine" / name));
}

TEST(JournalRecovery, ZerosPastTheLastBlockAreATornTail) {
  kinesyslog::testing::TemporaryDirectory spool;
  const auto ends = write_segment(spool.path(), 2);
  const auto path = spool.path() / segment_file_name(kJournal, 1);
  std::string bytes = kinesyslog::testing::read_whole_file(path);
  bytes.resize(ends[0] + 5);
  bytes.append(4096, '\0');  // what a filesystem may show past a write the crash cut short
  kinesyslog::testing::write_whole_file(path, bytes);
  JournalRecovery recovery(spool.path(), 99);
  EXPECT_EQ(replayed_seqs(recovery), seqs_through(3));
  EXPECT_EQ(recovery.counts().torn_tails_dropped, 1u);
  EXPECT_EQ(recovery.counts().segments_quarantined, 0u);
}

TEST(JournalRecovery, AWrongMagicOrGarbageIsQuarantinedWithoutThrowing) {
  kinesyslog::testing::TemporaryDirectory spool;
  write_segment(spool.path(), 1);
  const auto good = segment_file_name(kJournal, 1);
  const auto garbage = segment_file_name(JournalId{0x77, 0}, 1);
  const auto short_header = segment_file_name(JournalId{0x78, 0}, 1);
  const auto empty = segment_file_name(JournalId{0x79, 0}, 1);
  const auto bad_commit_log = commit_file_name(0x77, 1);
  spool.write(garbage, std::string(100, 'g'));
  spool.write(short_header, kinesyslog::testing::read_whole_file(spool.path() / good).substr(0, 20));
  spool.write(empty, "");
  spool.write(bad_commit_log, "not a commit log at all, but long enough for a header");
  spool.write("unrelated.txt", "left alone");
  JournalRecovery recovery(spool.path(), 99);
  EXPECT_EQ(replayed_seqs(recovery), seqs_through(3));
  EXPECT_EQ(recovery.counts().segments_quarantined, 2u);
  EXPECT_EQ(recovery.counts().commit_logs_quarantined, 1u);
  EXPECT_EQ(recovery.counts().segments_read, 1u);
  EXPECT_EQ(kinesyslog::testing::entry_names(spool.path() / "quarantine"),
            (std::vector<std::string>{garbage, bad_commit_log, short_header}));
  recovery.remove_recovered_files();
  EXPECT_EQ(kinesyslog::testing::entry_names(spool.path()), (std::vector<std::string>{"quarantine", "unrelated.txt"}));
}

TEST(JournalRecovery, AnyDamagedByteIsNoticedAndOnlyWholeCheckedBlocksReplay) {
  kinesyslog::testing::TemporaryDirectory original;
  write_segment(original.path(), 3);
  const auto name = segment_file_name(kJournal, 1);
  const std::string bytes = kinesyslog::testing::read_whole_file(original.path() / name);
  kinesyslog::testing::CapturedLog quiet;
  for (size_t at = 0; at < bytes.size(); ++at) {
    kinesyslog::testing::TemporaryDirectory spool;
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    kinesyslog::testing::write_whole_file(spool.path() / name, damaged);
    JournalRecovery recovery(spool.path(), 99);
    const auto seqs = replayed_seqs(recovery);  // checks each replayed entry's bytes
    EXPECT_EQ(seqs, seqs_through(seqs.size())) << "byte " << at;
    EXPECT_EQ(seqs.size() % 3, 0u) << "byte " << at;  // whole blocks only
    if (at >= kFileHeaderSize) {
      EXPECT_EQ(recovery.counts().torn_tails_dropped + recovery.counts().segments_quarantined, 1u) << "byte " << at;
    }
  }
}

TEST(JournalRecovery, TheCurrentRunsFilesAreNotTouched) {
  kinesyslog::testing::TemporaryDirectory spool;
  write_segment(spool.path(), 2);
  JournalRecovery recovery(spool.path(), kJournal.run);
  EXPECT_TRUE(replayed_seqs(recovery).empty());
  recovery.remove_recovered_files();
  EXPECT_EQ(kinesyslog::testing::entry_names(spool.path()), (std::vector<std::string>{segment_file_name(kJournal, 1)}));
}

TEST(JournalRecovery, AnUnreadableDirectoryThrows) {
  kinesyslog::testing::TemporaryDirectory spool;
  const auto file = spool.write("journal", "a file, not a directory");
  EXPECT_THROW(JournalRecovery(file, 1), std::filesystem::filesystem_error);
}

}  // namespace
}  // namespace kinesyslog::journal
