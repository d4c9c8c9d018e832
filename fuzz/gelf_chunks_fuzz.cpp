// Datagrams from a few senders, over time, through GelfChunkAssembler: it must never crash,
// must pass non-chunks through untouched, and must never hold more than its memory limit.
//
// Input: [limit byte] then records [control][length][length bytes]. control bits 0-1 pick the
// sender, bit 2 wraps the bytes as a chunk ([id][sequence][count][bytes...] -> a 12-byte
// header with a small id, so messages do complete), bits 3-7 advance the clock by 250 ms each.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "framing/gelf_chunks.hpp"
#include "require.hpp"

namespace {

using kinesyslog::IpAddress;
using kinesyslog::SteadyTime;
using kinesyslog::framing::GelfChunkAssembler;
using kinesyslog::framing::GelfChunkLimits;

std::string as_chunk(std::string_view record) {
  std::string datagram{"\x1e\x0f"};
  const char id = record.empty() ? '\0' : static_cast<char>(record[0] & 3);
  datagram.append(7, '\0');
  datagram.push_back(id);
  datagram.push_back(record.size() > 1 ? record[1] : '\0');
  datagram.push_back(record.size() > 2 ? record[2] : '\1');
  if (record.size() > 3) datagram.append(record.substr(3));
  return datagram;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view input{reinterpret_cast<const char*>(data), size};
  const size_t memory_limit = 512 + static_cast<uint8_t>(input[0]) * size_t{64};
  input.remove_prefix(1);

  GelfChunkAssembler assembler{GelfChunkLimits{.memory_limit = memory_limit}, /*hash_seed=*/42};
  // The last two are one host on two ports: still two senders.
  const IpAddress senders[] = {*IpAddress::parse("192.0.2.1"), *IpAddress::parse("192.0.2.2"),
                               *IpAddress::parse("2001:db8::1"), *IpAddress::parse("2001:db8::1")};
  SteadyTime now{};
  while (input.size() >= 2) {
    const auto control = static_cast<uint8_t>(input[0]);
    const size_t length = std::min<size_t>(static_cast<uint8_t>(input[1]), input.size() - 2);
    const std::string_view record = input.substr(2, length);
    input.remove_prefix(2 + length);

    now += std::chrono::milliseconds{250} * (control >> 3);
    const std::string datagram = (control & 4) != 0 ? as_chunk(record) : std::string{record};
    const size_t sender = control & 3;
    const auto payload = assembler.accept(datagram, senders[sender], static_cast<uint16_t>(1000 + sender), now);
    if (!GelfChunkAssembler::is_chunk(datagram)) require(payload && *payload == datagram, "non-chunks pass through");
    if (payload) require(payload->size() <= GelfChunkAssembler::kMaxChunks * 255, "a message is at most 128 chunks");
    require(assembler.held_bytes() <= memory_limit, "memory stays within the limit");
  }
  assembler.expire(now + std::chrono::seconds{5});
  require(assembler.pending_messages() == 0, "every message expires 5 s after its first chunk");
  return 0;
}
