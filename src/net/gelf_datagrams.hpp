#pragma once
// GELF over UDP for one I/O thread: a datagram is one message or one chunk of one, reassembled
// per sender. Turns the assembler's running totals into losses reported once each.
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/clock.hpp"
#include "core/ip_address.hpp"
#include "framing/gelf_chunks.hpp"
#include "net/io_events.hpp"

namespace kinesyslog::net {

class GelfDatagrams {
 public:
  // `hash_seed` keys the reassembly table (the process seed: senders cannot aim at one bucket).
  GelfDatagrams(framing::GelfChunkLimits limits, uint64_t hash_seed) : chunks_(limits, hash_seed) {}

  // The message to hand on: the datagram itself, or the whole message its chunk completed.
  // The view is valid until the next call.
  std::optional<std::string_view> take(std::string_view datagram, const IpAddress& sender, uint16_t sender_port,
                                       SteadyTime now) {
    return chunks_.accept(datagram, sender, sender_port, now);
  }

  // Drops messages whose chunks did not all arrive in time, and reports them.
  void expire(SteadyTime now, IoEvents& events) {
    chunks_.expire(now);
    report_losses(events);
  }

  // Reports what was lost since the last call: messages never completed or evicted by the
  // memory bound (gelf_incomplete), bad chunks (gelf_invalid).
  void report_losses(IoEvents& events);

 private:
  framing::GelfChunkAssembler chunks_;
  uint64_t incomplete_reported_ = 0;
  uint64_t bad_chunks_reported_ = 0;
};

}  // namespace kinesyslog::net
