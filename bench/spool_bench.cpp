// Small records per second into the spool: one at a time with their own syncs (Spool::publish;
// prepare + commit-log entry + commit with the journal) against group commit (SpoolPublisher),
// plain and journaled. Two publishing threads, as the relay's two encoders; each record 300 bytes
// (one short syslog message, gzipped). The spool directory is under $TMPDIR (the disk measured).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/clock.hpp"
#include "core/ip_address.hpp"
#include "core/source_key.hpp"
#include "deliver/delivery_loop.hpp"
#include "deliver/output_directory.hpp"
#include "metrics/journal_counters.hpp"
#include "relay/journal_set.hpp"
#include "relay/spool_publisher.hpp"
#include "relay/stream_loops.hpp"
#include "spool/spool.hpp"

namespace kinesyslog::relay {
namespace {

constexpr int kPublishers = 2;
constexpr size_t kRecordBytes = 300;
const SourceKey kSource{IpAddress::from_v4({192, 0, 2, 1}), 514, Protocol::kSyslog};  // every record's route

// Events of an earlier run (as recovery publishes): noted in the commit log, settled nowhere.
JournalId other_run(int thread) { return JournalId{2, static_cast<uint32_t>(thread)}; }

class BenchDirectory {
 public:
  BenchDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kinesyslog-spool-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
    std::filesystem::create_directory(path_ / "spool");
  }
  ~BenchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::filesystem::path spool() const { return path_ / "spool"; }
  std::filesystem::path output() const { return path_ / "output"; }

 private:
  std::filesystem::path path_;
};

// Everything a publisher needs; the delivery loop only hears of records (it never runs).
struct SpoolRig {
  explicit SpoolRig(bool journaled)
      : destination(directory.output(), "bench", clock, 1),
        journals(journaled ? std::make_unique<JournalSet>(directory.spool(), 1, kPublishers,
                                                          std::chrono::milliseconds(50), journal_counts)
                           : nullptr) {}

  BenchDirectory directory;
  SystemClock clock;
  spool::Spool spool{directory.spool(), clock};
  deliver::OutputDirectoryDestination destination;
  std::vector<deliver::Destination*> destinations{&destination};
  StreamLoops delivery{spool, destinations, clock, deliver::DeliveryOptions{}, {}};
  metrics::JournalCounters journal_counters;
  JournalCounts journal_counts{journal_counters, clock};
  std::unique_ptr<JournalSet> journals;
};

// Runs `publish(thread, n)` for `per_thread` records on each of kPublishers threads; returns the
// seconds it took. Only this is timed: setting up the spool and removing it afterwards (tens of
// thousands of unlinks) are not the spool's publishing rate.
template <class Publish>
double publish_from_threads(int64_t per_thread, Publish publish) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kPublishers; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t n = 0; n < per_thread; ++n) publish(t, n);
    });
  }
  for (auto& thread : threads) thread.join();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Before: each record synced on its own (the plain path).
void BM_OneByOnePlain(benchmark::State& state) {
  const std::string record(kRecordBytes, 'r');
  const int64_t per_thread = state.range(0);
  for (auto _ : state) {
    SpoolRig rig(false);
    state.SetIterationTime(publish_from_threads(per_thread, [&](int, int64_t) { rig.spool.publish(record); }));
  }
  state.SetItemsProcessed(state.iterations() * per_thread * kPublishers);
}

// Before, with the journal: prepare (data + directory sync), commit-log entry, commit (rename +
// directory sync), concurrent callers sharing commit-log and directory syncs as they did.
void BM_OneByOneJournaled(benchmark::State& state) {
  const std::string record(kRecordBytes, 'r');
  const int64_t per_thread = state.range(0);
  for (auto _ : state) {
    SpoolRig rig(true);
    state.SetIterationTime(publish_from_threads(per_thread, [&](int t, int64_t n) {
      spool::PreparedRecord prepared = rig.spool.prepare(record);
      const JournalSeq seq = static_cast<JournalSeq>(n + 1);
      rig.journals->commit_log().commit(prepared.temporary_name(), other_run(t), std::span<const JournalSeq>(&seq, 1));
      rig.spool.commit(std::move(prepared));
    }));
  }
  state.SetItemsProcessed(state.iterations() * per_thread * kPublishers);
}

// After: the encoders' publisher, group-committing; timed until every record is durable.
void group_commit(benchmark::State& state, bool journaled) {
  const std::string record(kRecordBytes, 'r');
  const int64_t per_thread = state.range(0);
  uint64_t rounds = 0;
  for (auto _ : state) {
    SpoolRig rig(journaled);
    SpoolPublisher publisher(rig.spool, rig.delivery, rig.journals.get(), rig.clock);
    const auto start = std::chrono::steady_clock::now();
    publish_from_threads(per_thread, [&](int t, int64_t n) {
      const JournalSeq seq = static_cast<JournalSeq>(n + 1);
      const encode::JournalCoverage holds =
          journaled ? encode::JournalCoverage{other_run(t), std::span<const JournalSeq>(&seq, 1), 1}
                    : encode::JournalCoverage{};
      publisher.publish(record, kSource, rig.clock.now(), holds);
    });
    publisher.drain(SteadyTime::max());  // timed until every record is durable and visible
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    rounds += publisher.rounds();
  }
  state.SetItemsProcessed(state.iterations() * per_thread * kPublishers);
  state.counters["records_per_round"] = static_cast<double>(state.iterations() * per_thread * kPublishers) /
                                        static_cast<double>(std::max<uint64_t>(rounds, 1));
}

void BM_GroupCommitPlain(benchmark::State& state) { group_commit(state, false); }
void BM_GroupCommitJournaled(benchmark::State& state) { group_commit(state, true); }

BENCHMARK(BM_OneByOnePlain)->Arg(500)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(1);
BENCHMARK(BM_OneByOneJournaled)->Arg(500)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(1);
BENCHMARK(BM_GroupCommitPlain)->Arg(10000)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(1);
BENCHMARK(BM_GroupCommitJournaled)->Arg(10000)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(1);

}  // namespace
}  // namespace kinesyslog::relay
