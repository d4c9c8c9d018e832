#include "net/relp_session.hpp"

#include <iterator>
#include <utility>

#include <fmt/format.h>

namespace kinesyslog::net {

namespace {

// The largest transaction number; the next one is 1 again (librelp's wrap-around).
constexpr uint32_t kMaxTxnr = 999'999'999;

// What we offer in answer to `open`: RELP version 0 (the only one there is) and one command.
constexpr std::string_view kOpenAnswer =
    "200 OK\nrelp_version=0\nrelp_software=kinesyslog," KINESYSLOG_VERSION "\ncommands=syslog";

// Whether an `open` frame's offers ("name=value,value" lines) include the command `syslog`,
// and the `relp_version` offer, if any, is a number.
struct OpenOffers {
  bool offers_syslog = false;
  bool version_valid = true;
};

OpenOffers read_offers(std::string_view data) {
  OpenOffers offers;
  while (!data.empty()) {
    const size_t line_end = data.find('\n');
    std::string_view line = data.substr(0, line_end);
    data = line_end == std::string_view::npos ? std::string_view{} : data.substr(line_end + 1);
    const size_t equals = line.find('=');
    const std::string_view name = line.substr(0, equals);
    std::string_view values = equals == std::string_view::npos ? std::string_view{} : line.substr(equals + 1);
    if (name == "relp_version") {
      offers.version_valid = !values.empty() && values.find_first_not_of("0123456789") == std::string_view::npos;
    } else if (name == "commands") {
      while (!values.empty()) {
        const size_t comma = values.find(',');
        if (values.substr(0, comma) == "syslog") offers.offers_syslog = true;
        values = comma == std::string_view::npos ? std::string_view{} : values.substr(comma + 1);
      }
    }
  }
  return offers;
}

}  // namespace

RelpSession::RelpSession(size_t max_message_size, const MessageSink& sink)
    : max_message_size_(max_message_size), sink_(sink), parser_(max_message_size + kDataHeadroom) {}

bool RelpSession::check_txnr(uint32_t txnr) {
  // librelp's server insists on the sequence too: a gap means frames were lost or made up.
  if (txnr != expected_txnr_) {
    return fail(fmt::format("transaction number {} where {} was due", txnr, expected_txnr_));
  }
  expected_txnr_ = expected_txnr_ == kMaxTxnr ? 1 : expected_txnr_ + 1;
  return true;
}

bool RelpSession::on_open(const framing::RelpFrame& frame) {
  const OpenOffers offers = read_offers(frame.data);
  if (!offers.version_valid)
    return refuse(frame.txnr, "500 invalid relp_version offer", "an invalid relp_version offer");
  if (!offers.offers_syslog) {
    return refuse(frame.txnr, "500 required command not supported by client",
                  "the open does not offer the syslog command");
  }
  respond(frame.txnr, kOpenAnswer);
  status_ = Status::kOpen;
  opened_ = true;
  return true;
}

uint64_t RelpSession::acknowledge(uint64_t durable_through) {
  uint64_t acknowledged = 0;
  while (!unanswered_.empty() && unanswered_.front().position <= durable_through) {
    const Unanswered frame = unanswered_.front();
    unanswered_.pop_front();
    respond(frame.txnr, "200 OK");
    if (!frame.close) ++acknowledged;
  }
  return acknowledged;
}

void RelpSession::server_close() {
  if (status_ == Status::kFailed) return;
  unanswered_.clear();
  // A hint, not a transaction: number 0, no answer expected.
  output_ += "0 serverclose 0\n";
  status_ = Status::kFinishing;
}

void RelpSession::output_written(size_t bytes) {
  output_sent_ += bytes;
  if (output_sent_ == output_.size()) {
    output_.clear();
    output_sent_ = 0;
  } else if (output_sent_ > output_.size() / 2) {
    output_.erase(0, output_sent_);  // a slow reader: keep the buffer from growing at the front
    output_sent_ = 0;
  }
}

bool RelpSession::fail(std::string failure) {
  failure_ = std::move(failure);
  status_ = Status::kFailed;
  unanswered_.clear();
  return false;
}

bool RelpSession::refuse(uint32_t txnr, std::string_view answer, std::string failure) {
  if (unanswered_.empty()) respond(txnr, answer);
  return fail(std::move(failure));
}

void RelpSession::respond(uint32_t txnr, std::string_view data) {
  fmt::format_to(std::back_inserter(output_), "{} rsp {} {}\n", txnr, data.size(), data);
}

}  // namespace kinesyslog::net
