#pragma once
// The server side of one RELP session, as rsyslog's omrelp (librelp) speaks it: the first
// frame is `open`, whose offers must include the `syslog` command; each `syslog` frame is one
// message for the sink, acknowledged with `rsp 200 OK` only once the sink says its position is
// durable, in the order the frames came (a sender keeps up to 128 frames open, so answers are
// collected and written together, never one round trip per frame); `close` is answered after
// every earlier frame, and ends the session; `serverclose` tells the sender we are going away.
//
// No I/O here: the session turns bytes into messages and responses, and the connection writes
// output() to its socket (plain or TLS), so the protocol can be tested without sockets.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "framing/relp_frame_parser.hpp"
#include "net/message_sink.hpp"

namespace kinesyslog::net {

class RelpSession {
 public:
  // Room beyond --max-message-size for a frame's data: a slightly longer message is handed on
  // cut short (as TCP does) instead of ending the session; a frame longer still is an error.
  static constexpr size_t kDataHeadroom = 4096;

  enum class Status : uint8_t {
    kAwaitingOpen,  // nothing but `open` yet
    kOpen,          // messages flow
    kFinishing,     // `close` came, or serverclose was sent: close once nothing waits and output() is written
    kFailed,        // a protocol error: close (output() may hold a `500` answer to send first)
  };

  // `sink` tells the position of each message handed on (MessageSink::position()).
  RelpSession(size_t max_message_size, const MessageSink& sink);

  // Parses what arrived. `on_message(std::string_view message, bool truncated)` is called for
  // each `syslog` frame's data (which is the message; `truncated`: cut to max_message_size).
  // Ignores input once finishing or failed.
  template <class OnMessage>
  void feed(std::string_view bytes, OnMessage&& on_message);

  // Answers, in order, every frame waiting whose position is <= durable_through (a `close`
  // once everything before it is answered). Returns the `syslog` frames acknowledged.
  uint64_t acknowledge(uint64_t durable_through);
  // Frames that wait for their position to become durable.
  bool waiting() const { return !unanswered_.empty(); }
  size_t waiting_frames() const { return unanswered_.size(); }

  // The relay is stopping: the `serverclose` hint follows the answers given so far; frames not
  // answered are the sender's to resend to the next relay. Later input is ignored.
  void server_close();

  // Bytes to write to the peer, and how many of them were written.
  std::string_view output() const { return std::string_view{output_}.substr(output_sent_); }
  void output_written(size_t bytes);

  Status status() const { return status_; }
  bool opened() const { return opened_; }
  // Why the session failed (status kFailed), for the log.
  const std::string& failure() const { return failure_; }
  // A frame's data held across reads, and which frame it is (see PartialBudget).
  size_t held_bytes() const { return parser_.buffered_bytes() > 0 ? parser_.buffer_capacity() : 0; }
  uint64_t held_serial() const { return parser_.partials_started(); }

 private:
  struct Unanswered {
    uint32_t txnr;
    uint64_t position;  // of the last message handed on when the frame came; 0: nothing to wait for
    bool close;         // a `close`: the session ends once it is answered
  };

  // One frame; false ends the parse (the session is finishing or failed).
  template <class OnMessage>
  bool on_frame(const framing::RelpFrame& frame, OnMessage& on_message);
  bool on_open(const framing::RelpFrame& frame);
  bool fail(std::string failure);
  // Fails with `failure`, answering the frame with `answer` (a `500` code) when no frame before
  // it waits (answers go out in order; the sender resends the ones never answered).
  bool refuse(uint32_t txnr, std::string_view answer, std::string failure);
  void respond(uint32_t txnr, std::string_view data);
  bool check_txnr(uint32_t txnr);

  size_t max_message_size_;
  const MessageSink& sink_;
  framing::RelpFrameParser parser_;
  Status status_ = Status::kAwaitingOpen;
  bool opened_ = false;
  uint32_t expected_txnr_ = 1;
  std::deque<Unanswered> unanswered_;
  std::string output_;
  size_t output_sent_ = 0;
  std::string failure_;
};

template <class OnMessage>
void RelpSession::feed(std::string_view bytes, OnMessage&& on_message) {
  if (status_ == Status::kFinishing || status_ == Status::kFailed) return;
  const auto result = parser_.feed(bytes, [&](const framing::RelpFrame& frame) { return on_frame(frame, on_message); });
  if (result == framing::RelpFrameParser::Result::kError) fail("not a RELP frame: " + parser_.error());
}

template <class OnMessage>
bool RelpSession::on_frame(const framing::RelpFrame& frame, OnMessage& on_message) {
  if (!check_txnr(frame.txnr)) return false;
  if (status_ == Status::kAwaitingOpen) {
    if (frame.command != "open") {
      return refuse(frame.txnr, "500 the session must begin with open",
                    "the first frame is '" + std::string(frame.command) + "', not open");
    }
    return on_open(frame);
  }
  if (frame.command == "syslog") {
    if (!frame.data.empty()) {
      const bool truncated = frame.data.size() > max_message_size_;
      on_message(truncated ? frame.data.substr(0, max_message_size_) : frame.data, truncated);
    }
    unanswered_.push_back(Unanswered{frame.txnr, sink_.position(), false});
    return true;
  }
  if (frame.command == "close") {
    unanswered_.push_back(Unanswered{frame.txnr, 0, true});
    status_ = Status::kFinishing;  // answered once everything before it is; later input is not read
    return false;
  }
  if (frame.command == "open") return refuse(frame.txnr, "500 the session is open already", "a second open");
  return refuse(frame.txnr, "500 command not supported", "unknown command '" + std::string(frame.command) + "'");
}

}  // namespace kinesyslog::net
