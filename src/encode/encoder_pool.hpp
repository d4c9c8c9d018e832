#pragma once
// The encoder stage: threads that take closed batches from the bounded
// queue, gzip them into records carrying the AWS account id, and publish each record. The
// spool is the commit point, so a record the disk refuses is tried again until the shutdown
// deadline; the loss is then counted, never silent.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/account_id_promise.hpp"
#include "core/clock.hpp"
#include "core/closed_batch.hpp"
#include "core/journal_position.hpp"
#include "core/rate_limited_log.hpp"
#include "encode/closed_batch_queue.hpp"
#include "encode/record_encoder.hpp"

namespace kinesyslog::encode {

// Why events were not kept by the encoder stage.
enum class Loss : uint8_t {
  kQueueFull,      // shutdown: the batch found no room in the queue by the deadline
  kOversizeEvent,  // an event too large for a record on its own
  kSpoolFull,      // the spool's cap (--spool-max-bytes) refused the record
  kSpoolFailed,    // shutdown: not written by the deadline (failing disk, or no account id)
};

// What the stage tells the relay (which counts it for /metrics and /health). Called from the
// encoder threads and from whichever thread submits.
class EncoderReporter {
 public:
  virtual ~EncoderReporter() = default;
  virtual void lost(Loss loss, size_t events) = 0;
  // Whether the last attempt to write a record failed.
  virtual void spool_failing(bool failing) = 0;
  // Whether the spool's last group-commit round failed: records are written but not yet made
  // durable. Its own flag: an encoder whose write works must not clear it (/health needs both).
  virtual void spool_commits_failing(bool failing) = 0;
};

// Which journal entries some events of one batch are: a record's events, or those given up.
// Empty `seqs`: the batch was not journaled.
struct JournalCoverage {
  JournalId journal{};
  std::span<const JournalSeq> seqs;
  size_t events = 0;  // how many events, journaled or not (a publisher that drops a record later counts them)
};

// Where records go: the spool, and word of each to the delivery thread. publish() throws
// spool::SpoolFullError when the spool's cap refuses the record, another std::exception when
// it cannot be written. Called from several encoder threads at once. A publisher may finish a
// record after publish() returned (a group commit); drain() waits for that.
class RecordPublisher {
 public:
  virtual ~RecordPublisher() = default;
  // `source`: the batch's (address, port) the record's events came from (the spool keeps it,
  // delivery picks the stream by it). `holds`: the journal entries inside `record`; once drain()
  // returns they are in a published record.
  virtual void publish(std::string_view record, const SourceKey& source, WallTime first_received,
                       const JournalCoverage& holds) = 0;
  // The stage will never publish these events (`loss` says why; already counted by the reporter).
  virtual void give_up(Loss loss, const JournalCoverage& events) = 0;
  // Shutdown: no wait inside publish() lasts past `deadline`.
  virtual void begin_stop(SteadyTime /*deadline*/) {}
  // Returns once every record publish() took is published, or past `deadline` given up (and
  // reported as kSpoolFailed).
  virtual void drain(SteadyTime /*deadline*/) {}
};

struct EncoderPoolConfig {
  size_t threads = 2;
  int compression_level = 6;  // libdeflate 1-12
  std::string group_prefix = "/kinesyslog";
  // Closed batches waiting for an encoder (a few full batches keep every encoder busy).
  uint64_t queue_bytes = 16 * 1024 * 1024;
  size_t queue_batches = 4096;
  // Known at once with --output-dir; with Firehose it arrives from STS, maybe after start().
  std::shared_ptr<AccountIdPromise> owner = AccountIdPromise::known(std::string(kLocalOwner));
  std::filesystem::path spool_dir;  // the account STS confirmed is remembered beside the spool
  std::chrono::nanoseconds retry_pause = std::chrono::seconds(1);  // between spool attempts
};

class EncoderPool {
 public:
  EncoderPool(EncoderPoolConfig config, RecordPublisher& publisher, EncoderReporter& reporter, const Clock& clock);
  ~EncoderPool();  // joins the threads if finish() was not called (the caller stops first)
  EncoderPool(const EncoderPool&) = delete;
  EncoderPool& operator=(const EncoderPool&) = delete;

  // Any thread: queues `batch` for an encoder, blocking while the queue is full. Fails only at
  // shutdown (queue closed, or still full at the deadline): the loss is counted and logged.
  void submit(ClosedBatch&& batch);

  // Starts the threads. While STS has not confirmed the account, records carry the one an
  // earlier run cached beside the spool, so batches reach the disk instead of waiting in memory.
  void start();
  bool running() const { return !threads_.empty(); }

  // Shutdown, first step: no wait of the stage (a push into the full queue, a pause between
  // spool attempts) lasts past `deadline`.
  void begin_stop(SteadyTime deadline);
  // Shutdown, once nothing submits any more: what is queued is encoded and published (counted
  // as lost past the deadline); the account is awaited until the deadline; the threads end.
  void finish(SteadyTime deadline);
  // Blocks until every batch submitted so far is published or given up, its records drained from
  // the publisher (recovery at start waits
  // for its replayed batches this way before it deletes the journal they came from).
  void wait_until_idle();

  // After finish(): one line summing what the shutdown could not keep, if anything.
  void log_shutdown_losses() const;

 private:
  void encode_batches();
  void encode_batch(ClosedBatch& closed, std::optional<RecordEncoder>& encoder, std::string& encoder_owner);
  void publish(std::string_view record, const SourceKey& source, WallTime first_received, const JournalCoverage& holds,
               size_t events);
  void batch_done();
  void wait_before_retry();
  bool past_stop_deadline() const;
  void count_shutdown_loss(Loss loss, size_t events);

  EncoderPoolConfig config_;
  RecordPublisher& publisher_;
  EncoderReporter& reporter_;
  const Clock& clock_;
  ClosedBatchQueue queue_;
  std::vector<std::thread> threads_;
  // Shutdown: set by begin_stop() before anything else, read by encoders.
  std::atomic<bool> stop_requested_{false};
  std::atomic<SteadyTime> stop_deadline_{SteadyTime::max()};
  std::mutex retry_mutex_;
  std::condition_variable retry_wake_;
  std::mutex idle_mutex_;
  std::condition_variable idle_;
  size_t batches_in_stage_ = 0;  // submitted, not yet published or given up
  std::atomic<uint64_t> lost_queue_full_{0};
  std::atomic<uint64_t> lost_spool_failed_{0};
  std::once_flag account_remembered_;
  RateLimitedLog error_log_{clock_};  // errors repeat per batch while their cause lasts
};

}  // namespace kinesyslog::encode
