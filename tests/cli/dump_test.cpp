// docs/behaviour.md §1.4 `kinesyslog dump FILE...`: one JSON event a line from files of concatenated gzip
// records; missing files exit 66, corrupt ones 65.
#include "cli/dump.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/exit_codes.hpp"
#include "core/gzip_member_reader.hpp"

namespace kinesyslog::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

// One gzip member (RFC 1952) holding `text`, as the encoder writes a record.
std::string gzip(std::string_view text) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string compressed(deflateBound(&stream, static_cast<uLong>(text.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(compressed.data());
  stream.avail_out = static_cast<uInt>(compressed.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  compressed.resize(stream.total_out);
  deflateEnd(&stream);
  return compressed;
}

struct TestEvent {
  std::string id;
  int64_t timestamp;
  std::string message_json;  // already a JSON string literal, quotes included
};

// A record as docs/behaviour.md §4.3 lays it out.
std::string record_json(std::string_view group, std::string_view stream, const std::vector<TestEvent>& events) {
  std::string json = R"({"owner":"000000000000","logGroup":")" + std::string(group) + R"(","logStream":")" +
                     std::string(stream) + R"(","subscriptionFilters":[")" + std::string(group) +
                     R"("],"messageType":"DATA_MESSAGE","logEvents":[)";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) json += ",";
    json += R"({"id":")" + events[i].id + R"(","timestamp":)" + std::to_string(events[i].timestamp) +
            R"(,"message":)" + events[i].message_json + "}";
  }
  return json + "]}";
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

// An anonymous temporary file standing in for stdin, stdout or stderr.
class CapturedStream {
 public:
  CapturedStream() : file_(std::tmpfile()) {}
  explicit CapturedStream(std::string_view contents) : CapturedStream() {
    std::fwrite(contents.data(), 1, contents.size(), file_.get());
    std::rewind(file_.get());
  }
  std::FILE* get() const { return file_.get(); }
  std::string text() const {
    std::fflush(file_.get());
    std::rewind(file_.get());
    std::string contents;
    char buffer[4096];
    size_t count;
    while ((count = std::fread(buffer, 1, sizeof buffer, file_.get())) > 0) contents.append(buffer, count);
    return contents;
  }

 private:
  std::unique_ptr<std::FILE, FileCloser> file_;
};

const std::string kRecordOne = record_json("/kinesyslog/syslog/514", "192.0.2.1",
                                           {{"1001", 1519247270239, R"("<13>first")"},
                                            {"1002", 1519247270240, R"("<13>second")"}});
const std::string kRecordTwo =
    record_json("/kinesyslog/gelf/12201", "2001:db8::1", {{"2001", 1519247271000, R"("{\"short_message\":\"x\"}")"}});
const std::string kRecordOneLines =
    R"({"logGroup":"/kinesyslog/syslog/514","logStream":"192.0.2.1","id":"1001","timestamp":1519247270239,"message":"<13>first"})"
    "\n"
    R"({"logGroup":"/kinesyslog/syslog/514","logStream":"192.0.2.1","id":"1002","timestamp":1519247270240,"message":"<13>second"})"
    "\n";
const std::string kRecordTwoLines =
    R"({"logGroup":"/kinesyslog/gelf/12201","logStream":"2001:db8::1","id":"2001","timestamp":1519247271000,"message":"{\"short_message\":\"x\"}"})"
    "\n";

class Dump : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("kinesyslog-dump-test-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string write_file(const std::string& name, std::string_view bytes) {
    std::string path = (directory_ / name).string();
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  int dump(const std::vector<std::string>& files, std::string_view input = "") {
    CapturedStream in(input);
    int code = run_dump(files, in.get(), out_.get(), err_.get());
    out_text_ = out_.text();
    err_text_ = err_.text();
    return code;
  }

  std::filesystem::path directory_;
  CapturedStream out_;
  CapturedStream err_;
  std::string out_text_;
  std::string err_text_;
};

TEST_F(Dump, PrintsEveryEventOfConcatenatedRecordsInOrderWithGroupAndStream) {
  std::string path = write_file("s3-object", gzip(kRecordOne) + gzip(kRecordTwo));
  EXPECT_EQ(dump({path}), kExitOk);
  EXPECT_EQ(out_text_, kRecordOneLines + kRecordTwoLines);
  EXPECT_THAT(err_text_, IsEmpty());
}

TEST_F(Dump, DashReadsTheInputStream) {
  EXPECT_EQ(dump({"-"}, gzip(kRecordTwo)), kExitOk);
  EXPECT_EQ(out_text_, kRecordTwoLines);
}

TEST_F(Dump, FilesArePrintedInTheOrderGiven) {
  std::string first = write_file("first", gzip(kRecordTwo));
  std::string second = write_file("second", gzip(kRecordOne));
  EXPECT_EQ(dump({first, second}), kExitOk);
  EXPECT_EQ(out_text_, kRecordTwoLines + kRecordOneLines);
}

TEST_F(Dump, StringsAreReEncodedFaithfullyAndSlashesAreNotEscaped) {
  std::string message = R"("a \"quote\", a \\ backslash, a\nnewline, \u0001, caf\u00e9, \\xff, a/b")";
  std::string path = write_file("record", gzip(record_json("/kinesyslog/syslog/514", "10.0.0.1",
                                                           {{"7", 1, message}})));
  EXPECT_EQ(dump({path}), kExitOk);
  EXPECT_THAT(out_text_,
              HasSubstr(R"("message":"a \"quote\", a \\ backslash, a\nnewline, \u0001, café, \\xff, a/b"})"));
}

TEST_F(Dump, EmptyFileHoldsNoEvents) {
  EXPECT_EQ(dump({write_file("empty", "")}), kExitOk);
  EXPECT_THAT(out_text_, IsEmpty());
}

TEST_F(Dump, RecordSpanningManyReadsIsPrintedWhole) {
  // Varied text so the compressed member is far larger than one read.
  std::vector<TestEvent> events;
  uint32_t state = 12345;
  for (int i = 0; i < 3000; ++i) {
    std::string message(500, 'x');
    for (char& c : message) {
      state = state * 1103515245u + 12345u;
      c = static_cast<char>('a' + (state >> 16) % 26);
    }
    events.push_back({std::to_string(i), i, "\"" + message + "\""});
  }
  std::string compressed = gzip(record_json("/g", "s", events));
  ASSERT_GT(compressed.size(), 256u * 1024);
  EXPECT_EQ(dump({write_file("big", compressed + gzip(kRecordTwo))}), kExitOk);
  EXPECT_EQ(std::count(out_text_.begin(), out_text_.end(), '\n'), 3001);
  EXPECT_THAT(out_text_, HasSubstr(R"("id":"2999","timestamp":2999,)"));
}

TEST_F(Dump, MissingFileExits66NamingItAndOtherFilesAreStillPrinted) {
  std::string missing = (directory_ / "no-such-file").string();
  std::string present = write_file("present", gzip(kRecordTwo));
  EXPECT_EQ(dump({missing, present}), kExitNoInput);
  EXPECT_THAT(err_text_, HasSubstr(missing));
  EXPECT_EQ(out_text_, kRecordTwoLines);
}

TEST_F(Dump, CorruptGzipNamesFileAndRecordThenContinuesWithTheNextFile) {
  std::string second_member = gzip(kRecordTwo);
  second_member[second_member.size() / 2] ^= 0x55;
  std::string corrupt = write_file("corrupt", gzip(kRecordOne) + second_member);
  std::string good = write_file("good", gzip(kRecordTwo));
  EXPECT_EQ(dump({corrupt, good}), kExitDataError);
  EXPECT_THAT(err_text_, HasSubstr(corrupt + ": record 2"));
  EXPECT_EQ(out_text_, kRecordOneLines + kRecordTwoLines);
}

TEST_F(Dump, BytesThatAreNotGzipAreCorrupt) {
  std::string path = write_file("text", "not gzip at all\n");
  EXPECT_EQ(dump({path}), kExitDataError);
  EXPECT_THAT(err_text_, HasSubstr(path + ": record 1"));
}

TEST_F(Dump, TruncatedRecordIsCorrupt) {
  std::string member = gzip(kRecordOne);
  std::string path = write_file("truncated", member.substr(0, member.size() - 5));
  EXPECT_EQ(dump({path}), kExitDataError);
  EXPECT_THAT(err_text_, HasSubstr(path + ": record 1: truncated"));
  EXPECT_THAT(out_text_, IsEmpty());
}

TEST_F(Dump, CorruptJsonNamesFileAndRecordAndPrintsNoneOfIt) {
  std::string path = write_file("bad-json", gzip(kRecordOne) + gzip(R"({"logGroup":"g","logStream")"));
  EXPECT_EQ(dump({path}), kExitDataError);
  EXPECT_THAT(err_text_, HasSubstr(path + ": record 2"));
  EXPECT_EQ(out_text_, kRecordOneLines);
}

TEST_F(Dump, EventWithoutAStringMessageIsCorruptAndNoneOfTheRecordIsPrinted) {
  std::string record = record_json("/g", "s", {{"1", 1, R"("fine")"}, {"2", 2, "5"}});
  EXPECT_EQ(dump({write_file("bad-event", gzip(record))}), kExitDataError);
  EXPECT_THAT(err_text_, HasSubstr("logEvents[1]"));
  EXPECT_THAT(out_text_, IsEmpty());
}

TEST_F(Dump, MissingFileOutranksCorruptData) {
  std::string corrupt = write_file("corrupt", "garbage");
  EXPECT_EQ(dump({corrupt, (directory_ / "absent").string()}), kExitNoInput);
}

TEST(GzipMemberReader, ReadsOneMemberAtATime) {
  CapturedStream input(gzip("one") + gzip("two") + gzip(""));
  GzipMemberReader reader(input.get());
  std::string member;
  ASSERT_EQ(reader.next(member), GzipMemberReader::Status::kMember);
  EXPECT_EQ(member, "one");
  ASSERT_EQ(reader.next(member), GzipMemberReader::Status::kMember);
  EXPECT_EQ(member, "two");
  ASSERT_EQ(reader.next(member), GzipMemberReader::Status::kMember);
  EXPECT_EQ(member, "");
  EXPECT_EQ(reader.next(member), GzipMemberReader::Status::kEnd);
}

TEST(GzipMemberReader, RefusesAMemberThatInflatesPastTheLimit) {
  CapturedStream input(gzip(std::string(2'000'000, '\0')));
  GzipMemberReader reader(input.get(), 1'000'000);
  std::string member;
  EXPECT_EQ(reader.next(member), GzipMemberReader::Status::kError);
  EXPECT_THAT(reader.error(), HasSubstr("1000000"));
}

}  // namespace
}  // namespace kinesyslog::cli
