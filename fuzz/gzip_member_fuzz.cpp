// Any bytes through GzipMemberReader, as `dump` and the spool checks read records: it must
// never crash, what it returns stays within its limit, and gzip members made the way the
// encoder makes them (libdeflate) read back as they were written.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <libdeflate.h>

#include "core/gzip_member_reader.hpp"
#include "require.hpp"

namespace {

using kinesyslog::GzipMemberReader;

// The reader checks its limit between output chunks of 256 KiB, so a member that ends inside
// the chunk that crossed the limit may be up to one chunk larger.
constexpr uint64_t kOutputChunk = 256 * 1024;

// Reads every member; returns them (kept or skipped) and checks the size of each.
std::vector<std::string> read_all(GzipMemberReader& reader, uint64_t max_member_bytes, bool keep) {
  std::vector<std::string> members;
  for (;;) {
    std::string member;
    const GzipMemberReader::Status status = keep ? reader.next(member) : reader.skip();
    if (status == GzipMemberReader::Status::kEnd) {
      require(reader.error().empty());
      return members;
    }
    if (status == GzipMemberReader::Status::kError) {
      require(!reader.error().empty());
      return members;
    }
    require(member.size() <= max_member_bytes + kOutputChunk);
    members.push_back(std::move(member));
  }
}

std::string gzip_member(libdeflate_compressor* compressor, std::string_view text) {
  std::string out(libdeflate_gzip_compress_bound(compressor, text.size()), '\0');
  const size_t written = libdeflate_gzip_compress(compressor, text.data(), text.size(), out.data(), out.size());
  require(written > 0);
  out.resize(written);
  return out;
}

}  // namespace

// Input layout: 1 byte choosing the member limit, then the bytes.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint64_t max_member_bytes = uint64_t{1} << (data[0] % 24);  // 1 B .. 8 MiB
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

  // Arbitrary bytes, from memory and from a stream, kept and skipped.
  {
    GzipMemberReader reader(bytes, max_member_bytes);
    (void)read_all(reader, max_member_bytes, true);
  }
  {
    GzipMemberReader reader(bytes, max_member_bytes);
    (void)read_all(reader, max_member_bytes, false);
  }
  if (!bytes.empty()) {
    std::FILE* file = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
    require(file != nullptr);
    GzipMemberReader reader(file, max_member_bytes);
    (void)read_all(reader, max_member_bytes, true);
    std::fclose(file);
  }

  // The bytes split in two, each compressed as a record is: both members read back whole.
  static libdeflate_compressor* const compressor = libdeflate_alloc_compressor(6);
  require(compressor != nullptr);
  const std::string_view first = bytes.substr(0, bytes.size() / 2);
  const std::string_view second = bytes.substr(bytes.size() / 2);
  const std::string records = gzip_member(compressor, first) + gzip_member(compressor, second);
  GzipMemberReader reader(records, GzipMemberReader::kMaxMemberBytes);
  const std::vector<std::string> members = read_all(reader, GzipMemberReader::kMaxMemberBytes, true);
  require(members.size() == 2 && members[0] == first && members[1] == second);
  return 0;
}
