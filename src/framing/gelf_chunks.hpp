#pragma once
// GELF 1.1 chunked UDP (docs/behaviour.md §2.4): a datagram starting with the magic 1e 0f is one chunk of a
// larger message — 2-byte magic, 8-byte message id, 1-byte sequence number, 1-byte sequence
// count (1..128), then the chunk's bytes. Chunks are reassembled per (sender, message id) in any
// order; a message still incomplete 5 s after its first chunk is dropped; the memory held for
// reassembly is bounded, the oldest message dropped first.
#include <array>
#include <bitset>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/ip_address.hpp"

namespace kinesyslog::framing {

struct GelfChunkLimits {
  size_t memory_limit = size_t{64} << 20;                  // bytes held for incomplete messages
  std::chrono::nanoseconds timeout = std::chrono::seconds{5};  // GELF: all chunks within 5 s
};

// Plain counts, read by the I/O thread that owns the assembler, which reports the losses as drops.
struct GelfChunkCounters {
  uint64_t bad_chunks = 0;        // short header, count 0 or > 128, number >= count, count unlike its message's
  uint64_t duplicate_chunks = 0;  // a sequence number already held: ignored
  uint64_t reassembled = 0;       // messages completed from chunks
  uint64_t incomplete = 0;        // gelf_incomplete: dropped `timeout` after their first chunk
  uint64_t evicted = 0;           // dropped, oldest first, to stay within memory_limit
};

// One per I/O thread; not shared between threads.
class GelfChunkAssembler {
 public:
  static constexpr size_t kHeaderSize = 12;
  static constexpr size_t kMaxChunks = 128;
  static constexpr size_t kMaxDatagramSize = 65535;  // no UDP payload is larger

  // `hash_seed` (the process's, process_hash_seed()) keys the message index so senders cannot
  // pick ids that all collide.
  GelfChunkAssembler(GelfChunkLimits limits, uint64_t hash_seed);
  GelfChunkAssembler(const GelfChunkAssembler&) = delete;
  GelfChunkAssembler& operator=(const GelfChunkAssembler&) = delete;

  static bool is_chunk(std::string_view datagram);

  // Expires old messages, then takes one datagram from `sender`:`sender_port`. Returns the
  // payload to decode — the datagram itself when it is not a chunk, the whole message when this
  // chunk completed it — or nullopt. The view is valid until the next call.
  std::optional<std::string_view> accept(std::string_view datagram, const IpAddress& sender, uint16_t sender_port,
                                         SteadyTime now);

  // Drops messages whose first chunk came `timeout` or longer before `now` (the I/O loop calls
  // this every second so a silent sender's chunks do not linger).
  void expire(SteadyTime now);

  // Memory held for incomplete messages and spare buffers; at most memory_limit after every call.
  // Not counted: the one buffer a completed out-of-order message is assembled into.
  size_t held_bytes() const { return held_bytes_; }
  size_t pending_messages() const { return by_age_.size(); }
  const GelfChunkCounters& counters() const { return counters_; }

 private:
  struct MessageKey {
    IpAddress sender;
    uint16_t sender_port = 0;
    uint64_t message_id = 0;
    friend bool operator==(const MessageKey&, const MessageKey&) = default;
  };
  struct MessageKeyHash {
    uint64_t seed;
    size_t operator()(const MessageKey& key) const noexcept;
  };
  struct ChunkSlot {
    uint32_t offset = 0;  // into PendingMessage::bytes
    uint32_t size = 0;
  };
  struct PendingMessage {
    MessageKey key;
    SteadyTime first_seen;
    size_t chunk_count = 0;
    std::bitset<kMaxChunks> held;
    std::array<ChunkSlot, kMaxChunks> slots;
    std::string bytes;  // chunk bytes in arrival order
  };
  using AgeList = std::pmr::list<PendingMessage>;
  // A message's bookkeeping beyond its bytes: its list node and its index entry.
  static constexpr size_t kMessageOverhead = sizeof(PendingMessage) + 128;

  AgeList::iterator start_message(const MessageKey& key, size_t chunk_count, SteadyTime now);
  void store_chunk(PendingMessage& message, size_t sequence, std::string_view chunk);
  std::string_view assemble(PendingMessage& message);
  // Forgets the message; its buffer is parked for reuse when `keep_buffer` and it is small.
  void release(AgeList::iterator message, bool keep_buffer);
  void enforce_memory_limit();

  GelfChunkLimits limits_;
  GelfChunkCounters counters_;
  size_t held_bytes_ = 0;
  // List nodes and index nodes are recycled through this pool: no heap traffic once warm.
  std::pmr::unsynchronized_pool_resource node_pool_;
  AgeList by_age_;  // oldest first: first chunks arrive in time order
  std::pmr::unordered_map<MessageKey, AgeList::iterator, MessageKeyHash> index_;
  std::vector<std::string> spare_buffers_;  // cleared buffers of finished messages, reused
  std::string assembled_;                   // the last completed message
};

}  // namespace kinesyslog::framing
