#include "cli/dump.hpp"

#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include "cli/exit_codes.hpp"
#include "core/gzip_member_reader.hpp"

namespace kinesyslog::cli {
namespace {

// Turns one record's JSON into event lines; the whole record is checked before any of it
// is printed, so a corrupt record never leaves half its events on the output.
class RecordFormatter {
 public:
  // Replaces `lines` with the record's events; returns what is wrong with the record, if anything.
  std::optional<std::string> format(const std::string& record_json, std::string& lines) {
    lines.clear();
    simdjson::dom::element record;
    if (auto error = parser_.parse(record_json).get(record)) {
      return std::string("not JSON (") + simdjson::error_message(error) + ")";
    }
    simdjson::dom::element log_group;
    simdjson::dom::element log_stream;
    simdjson::dom::array events;
    if (record["logGroup"].get(log_group) || !log_group.is_string()) return "no string \"logGroup\"";
    if (record["logStream"].get(log_stream) || !log_stream.is_string()) return "no string \"logStream\"";
    if (record["logEvents"].get(events)) return "no array \"logEvents\"";

    // Strings are re-serialized by simdjson, which escapes them faithfully (and not "/").
    std::string prefix = "{\"logGroup\":" + simdjson::to_string(log_group) +
                         ",\"logStream\":" + simdjson::to_string(log_stream);
    size_t index = 0;
    for (simdjson::dom::element event : events) {
      simdjson::dom::element id;
      simdjson::dom::element timestamp;
      simdjson::dom::element message;
      std::string where = "logEvents[" + std::to_string(index) + "]";
      if (event["id"].get(id) || !id.is_string()) return where + " has no string \"id\"";
      if (event["timestamp"].get(timestamp) || !timestamp.is_number()) return where + " has no numeric \"timestamp\"";
      if (event["message"].get(message) || !message.is_string()) return where + " has no string \"message\"";
      lines += prefix;
      lines += ",\"id\":";
      lines += simdjson::to_string(id);
      lines += ",\"timestamp\":";
      lines += simdjson::to_string(timestamp);
      lines += ",\"message\":";
      lines += simdjson::to_string(message);
      lines += "}\n";
      ++index;
    }
    return std::nullopt;
  }

 private:
  simdjson::dom::parser parser_;
};

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

class DumpRun {
 public:
  DumpRun(std::FILE* in, std::FILE* out, std::FILE* err) : in_(in), out_(out), err_(err) {}

  void dump(const std::string& path) {
    if (path == "-") {
      dump_stream(in_, "standard input");
      return;
    }
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    if (!file) {
      std::fprintf(err_, "kinesyslog dump: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
      missing_input_ = true;
      return;
    }
    dump_stream(file.get(), path);
  }

  // Flushes the output and says how the run went.
  int finish() {
    bool write_failed = std::fflush(out_) != 0 || std::ferror(out_) != 0;
    if (write_failed) std::fprintf(err_, "kinesyslog dump: writing the output failed\n");
    if (missing_input_) return kExitNoInput;
    if (corrupt_data_) return kExitDataError;
    return write_failed ? kExitIoError : kExitOk;
  }

 private:
  void dump_stream(std::FILE* input, const std::string& name) {
    GzipMemberReader reader(input);
    for (size_t record_number = 1;; ++record_number) {
      GzipMemberReader::Status status = reader.next(member_);
      if (status == GzipMemberReader::Status::kEnd) return;
      if (status == GzipMemberReader::Status::kError) {
        report(name, record_number, reader.error());
        // A read failure is missing input; anything else is corrupt data.
        (std::ferror(input) ? missing_input_ : corrupt_data_) = true;
        return;
      }
      if (std::optional<std::string> problem = formatter_.format(member_, lines_)) {
        report(name, record_number, *problem);
        corrupt_data_ = true;
        return;
      }
      std::fwrite(lines_.data(), 1, lines_.size(), out_);
    }
  }

  void report(const std::string& name, size_t record_number, const std::string& problem) {
    std::fprintf(err_, "kinesyslog dump: %s: record %zu: %s\n", name.c_str(), record_number, problem.c_str());
  }

  std::FILE* in_;
  std::FILE* out_;
  std::FILE* err_;
  RecordFormatter formatter_;
  std::string member_;
  std::string lines_;
  bool missing_input_ = false;
  bool corrupt_data_ = false;
};

}  // namespace

int run_dump(std::span<const std::string> files, std::FILE* in, std::FILE* out, std::FILE* err) {
  DumpRun run(in, out, err);
  for (const std::string& path : files) run.dump(path);
  return run.finish();
}

}  // namespace kinesyslog::cli
