#include "framing/gelf_chunks.hpp"

#include <algorithm>
#include <utility>

#include "core/hash_seed.hpp"

namespace kinesyslog::framing {
namespace {

constexpr unsigned char kMagic0 = 0x1e;
constexpr unsigned char kMagic1 = 0x0f;
// Spare buffers are kept only while small, so an idle thread does not hold megabytes.
constexpr size_t kMaxSpareBuffers = 8;
constexpr size_t kMaxSpareCapacity = size_t{128} << 10;

// Bytes a buffer holds on the heap; the inline (small-string) storage is part of its owner.
size_t heap_bytes(const std::string& buffer) {
  static const size_t inline_capacity = std::string{}.capacity();
  return buffer.capacity() > inline_capacity ? buffer.capacity() : 0;
}

uint64_t read_big_endian64(const char* bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

}  // namespace

size_t GelfChunkAssembler::MessageKeyHash::operator()(const MessageKey& key) const noexcept {
  uint64_t hash = mix64(seed ^ key.message_id);
  const auto& address = key.sender.bytes();
  for (size_t i = 0; i < address.size(); i += 8) {
    hash = mix64(hash ^ read_big_endian64(reinterpret_cast<const char*>(&address[i])));
  }
  return static_cast<size_t>(mix64(hash ^ key.sender_port));
}

GelfChunkAssembler::GelfChunkAssembler(GelfChunkLimits limits, uint64_t hash_seed)
    : limits_(limits),
      node_pool_(std::pmr::pool_options{0, sizeof(AgeList::value_type) + 64}),
      by_age_(&node_pool_),
      index_(0, MessageKeyHash{mix64(hash_seed)}, std::equal_to<MessageKey>{}, &node_pool_) {
  spare_buffers_.reserve(kMaxSpareBuffers);
}

bool GelfChunkAssembler::is_chunk(std::string_view datagram) {
  return datagram.size() >= 2 && static_cast<unsigned char>(datagram[0]) == kMagic0 &&
         static_cast<unsigned char>(datagram[1]) == kMagic1;
}

std::optional<std::string_view> GelfChunkAssembler::accept(std::string_view datagram, const IpAddress& sender,
                                                           uint16_t sender_port, SteadyTime now) {
  expire(now);
  if (!is_chunk(datagram)) return datagram;
  if (datagram.size() < kHeaderSize || datagram.size() > kMaxDatagramSize) {
    ++counters_.bad_chunks;
    return std::nullopt;
  }
  const size_t sequence = static_cast<unsigned char>(datagram[10]);
  const size_t chunk_count = static_cast<unsigned char>(datagram[11]);
  if (chunk_count == 0 || chunk_count > kMaxChunks || sequence >= chunk_count) {
    ++counters_.bad_chunks;
    return std::nullopt;
  }
  const std::string_view chunk = datagram.substr(kHeaderSize);
  if (chunk_count == 1) {  // a message of one chunk needs no storage
    ++counters_.reassembled;
    return chunk;
  }

  const MessageKey key{sender, sender_port, read_big_endian64(datagram.data() + 2)};
  const auto found = index_.find(key);
  const AgeList::iterator message = found != index_.end() ? found->second : start_message(key, chunk_count, now);
  if (message->chunk_count != chunk_count) {
    ++counters_.bad_chunks;
    return std::nullopt;
  }
  if (message->held.test(sequence)) {
    ++counters_.duplicate_chunks;
    return std::nullopt;
  }
  store_chunk(*message, sequence, chunk);
  if (message->held.count() == message->chunk_count) {
    const std::string_view whole = assemble(*message);
    release(message, /*keep_buffer=*/true);
    enforce_memory_limit();  // the buffer traded out of assembled_ may now be a spare
    ++counters_.reassembled;
    return whole;
  }
  enforce_memory_limit();
  return std::nullopt;
}

void GelfChunkAssembler::expire(SteadyTime now) {
  while (!by_age_.empty() && now - by_age_.front().first_seen >= limits_.timeout) {
    release(by_age_.begin(), /*keep_buffer=*/true);
    ++counters_.incomplete;
  }
}

GelfChunkAssembler::AgeList::iterator GelfChunkAssembler::start_message(const MessageKey& key, size_t chunk_count,
                                                                        SteadyTime now) {
  PendingMessage& message = by_age_.emplace_back();
  message.key = key;
  message.first_seen = now;
  message.chunk_count = chunk_count;
  held_bytes_ += kMessageOverhead;
  if (!spare_buffers_.empty()) {
    message.bytes = std::move(spare_buffers_.back());  // its capacity stays counted in held_bytes_
    spare_buffers_.pop_back();
  }
  const auto inserted = std::prev(by_age_.end());
  index_.emplace(key, inserted);
  return inserted;
}

void GelfChunkAssembler::store_chunk(PendingMessage& message, size_t sequence, std::string_view chunk) {
  const size_t heap_before = heap_bytes(message.bytes);
  message.slots[sequence] = {static_cast<uint32_t>(message.bytes.size()), static_cast<uint32_t>(chunk.size())};
  message.bytes.append(chunk);
  held_bytes_ += heap_bytes(message.bytes) - heap_before;
  message.held.set(sequence);
}

std::string_view GelfChunkAssembler::assemble(PendingMessage& message) {
  bool in_order = true;
  uint32_t expected_offset = 0;
  for (size_t i = 0; i < message.chunk_count && in_order; ++i) {
    in_order = message.slots[i].offset == expected_offset;
    expected_offset += message.slots[i].size;
  }
  if (in_order) {
    // The bytes already are the message: trade buffers instead of copying. The held buffer's
    // capacity leaves the count with it and assembled_'s old buffer enters in its place.
    held_bytes_ -= heap_bytes(message.bytes);
    held_bytes_ += heap_bytes(assembled_);
    assembled_.swap(message.bytes);
    message.bytes.clear();
    return assembled_;
  }
  assembled_.clear();
  for (size_t i = 0; i < message.chunk_count; ++i) {
    assembled_.append(message.bytes, message.slots[i].offset, message.slots[i].size);
  }
  return assembled_;
}

void GelfChunkAssembler::release(AgeList::iterator message, bool keep_buffer) {
  index_.erase(message->key);
  held_bytes_ -= kMessageOverhead;
  std::string bytes = std::move(message->bytes);
  by_age_.erase(message);
  const size_t bytes_held = heap_bytes(bytes);
  if (keep_buffer && spare_buffers_.size() < kMaxSpareBuffers && bytes_held > 0 && bytes_held <= kMaxSpareCapacity) {
    bytes.clear();
    spare_buffers_.push_back(std::move(bytes));
  } else {
    held_bytes_ -= bytes_held;
  }
}

void GelfChunkAssembler::enforce_memory_limit() {
  while (held_bytes_ > limits_.memory_limit && !spare_buffers_.empty()) {
    held_bytes_ -= heap_bytes(spare_buffers_.back());
    spare_buffers_.pop_back();
  }
  while (held_bytes_ > limits_.memory_limit && !by_age_.empty()) {
    release(by_age_.begin(), /*keep_buffer=*/false);
    ++counters_.evicted;
  }
}

}  // namespace kinesyslog::framing
