#pragma once
// Process exit codes with <sysexits.h> meanings (docs/behaviour.md §10), named so callers need not
// remember the numbers and so tests can say which failure they expect.
namespace kinesyslog::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;         // EX_USAGE: the command line is wrong
inline constexpr int kExitDataError = 65;     // EX_DATAERR: input data is corrupt
inline constexpr int kExitNoInput = 66;       // EX_NOINPUT: an input file is missing or unreadable
inline constexpr int kExitSoftware = 70;      // EX_SOFTWARE: an internal error
inline constexpr int kExitIoError = 74;       // EX_IOERR: writing the output failed
inline constexpr int kExitNoPermission = 77;  // EX_NOPERM: e.g. binding port 514 without privilege
inline constexpr int kExitConfig = 78;        // EX_CONFIG: any other configuration error

}  // namespace kinesyslog::cli
