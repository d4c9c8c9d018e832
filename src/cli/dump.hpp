#pragma once
// `kinesyslog dump FILE...` (docs/behaviour.md §1.4): prints the log events held in files of concatenated
// gzip records (S3 objects written by Firehose, spool files, --output-dir files).
#include <cstdio>
#include <span>
#include <string>

namespace kinesyslog::cli {

// Prints one line per event, `{"logGroup":…,"logStream":…,"id":…,"timestamp":N,"message":…}`,
// to `out`; "-" reads `in`. Problems go to `err`, naming the file (and the record, counted
// from 1); a corrupt file is abandoned and the next one read. Returns kExitNoInput if a file
// could not be opened or read, else kExitDataError if a record was corrupt, else kExitOk
// (kExitIoError if writing `out` failed).
int run_dump(std::span<const std::string> files, std::FILE* in, std::FILE* out, std::FILE* err);

}  // namespace kinesyslog::cli
