// IoThread's RELP answers: at the end of every loop round the sink writes what it was handed
// (on_round_end), then each RELP session with frames waiting answers those whose messages are
// now durable, all of one connection's answers in one write. A sink whose durability lags
// (a journal's sync) wakes the loop through its eventfd when it advances.
#include <algorithm>

#include <poll.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "net/io_thread_loop.hpp"

namespace kinesyslog::net {

namespace {

// Shutdown: how long the drain waits for the sink to make the last frames durable, so their
// answers go out before `serverclose` (frames never answered are resent to the next relay):
// kDrainDurableRounds waits of kDrainDurableWaitMs at most (counted, as the drain's other waits).
constexpr int kDrainDurableWaitMs = 100;
constexpr int kDrainDurableRounds = 20;
// Shutdown: how long the last answers and `serverclose` may wait for a full socket.
constexpr int kDrainWriteWaitMs = 100;

}  // namespace

void IoThread::Loop::read_durable_wake() {
  uint64_t advances = 0;
  (void)!::read(sink_.durable_wake_fd(), &advances, sizeof advances);
}

void IoThread::Loop::end_round() {
  sink_.on_round_end();
  if (relp_active_.empty()) return;
  const uint64_t durable_through = sink_.durable_through();
  std::vector<Connection*> active;
  active.swap(relp_active_);
  bool waiting = false;
  for (Connection* connection : active) {
    connection->relp_active = false;
    if (answer_relp(*connection, durable_through) && connection->stream.relp()->waiting()) waiting = true;
  }
  if (waiting) sink_.want_durable();
}

void IoThread::Loop::note_relp(Connection& connection) {
  const RelpSession* relp = connection.stream.relp();
  if (relp == nullptr) return;
  if (relp->opened() && !connection.relp_opened_reported) {
    connection.relp_opened_reported = true;
    events_.relp_session_opened(connection.listener.spec.port);
  }
  const bool has_work = relp->waiting() || !relp->output().empty() || relp->status() == RelpSession::Status::kFinishing;
  if (has_work && !connection.relp_active) {
    connection.relp_active = true;
    relp_active_.push_back(&connection);
  }
}

bool IoThread::Loop::answer_relp(Connection& connection, uint64_t durable_through) {
  RelpSession& relp = *connection.stream.relp();
  if (const uint64_t acknowledged = relp.acknowledge(durable_through); acknowledged > 0) {
    events_.relp_frames_acked(connection.listener.spec.port, acknowledged);
  }
  switch (connection.stream.write_output()) {
    case StreamConnection::WriteOutcome::kFailed:
      spdlog::debug("closing the RELP connection from {} on port {}: {}", connection.stream.source_text(),
                    connection.listener.spec.port, connection.stream.failure());
      close_connection(connection);
      return false;
    case StreamConnection::WriteOutcome::kBlocked:
      if (relp.output().size() > kMaxRelpOutputBytes) {
        fail_relp(connection, "the sender does not read its acknowledgements");
        return false;
      }
      break;
    case StreamConnection::WriteOutcome::kWritten:
      if (relp.status() == RelpSession::Status::kFinishing && !relp.waiting()) {
        close_connection(connection);  // `close` answered, or `serverclose` sent
        return false;
      }
      break;
  }
  // EPOLLOUT alone: TLS waits to write for its own sake; the next serve() settles the interest.
  if (connection.stream.phase() == StreamConnection::Phase::kMessages && connection.interest != EPOLLOUT) {
    set_interest(connection, readable_interest(connection));
  }
  note_relp(connection);
  return true;
}

void IoThread::Loop::fail_relp(Connection& connection, std::string_view failure) {
  events_.relp_session_failed(peer_context(connection), failure);
  (void)connection.stream.write_output();  // a `500` answer, if the socket takes it now
  close_connection(connection);
}

void IoThread::Loop::finish_relp_sessions() {
  end_round();
  for (int round = 0; round < kDrainDurableRounds && sink_.durable_wake_fd() >= 0; ++round) {
    const bool waiting = std::any_of(relp_active_.begin(), relp_active_.end(),
                                     [](const Connection* connection) { return connection->stream.relp()->waiting(); });
    if (!waiting) break;
    pollfd wake{sink_.durable_wake_fd(), POLLIN, 0};
    if (::poll(&wake, 1, kDrainDurableWaitMs) > 0) read_durable_wake();
    end_round();
  }
  std::vector<Connection*> sessions;
  for (auto& [pointer, connection] : connections_) {
    if (connection->stream.relp() != nullptr) sessions.push_back(pointer);
  }
  for (Connection* connection : sessions) {
    RelpSession& relp = *connection->stream.relp();
    if (connection->stream.phase() == StreamConnection::Phase::kMessages && relp.opened()) relp.server_close();
    if (connection->stream.write_output() == StreamConnection::WriteOutcome::kBlocked) {
      pollfd writable{connection->stream.fd(), POLLOUT, 0};
      if (::poll(&writable, 1, kDrainWriteWaitMs) > 0) (void)connection->stream.write_output();
    }
    close_connection(*connection);
  }
}

}  // namespace kinesyslog::net
