// Compiled by the architecture tests with kinesyslog_parse only: parse's own headers and
// core's are reachable; with KINESYSLOG_PROBE_FORBIDDEN it also includes an AWS header,
// which a stage before deliver must not know, and the build has to refuse it.
#include "core/event.hpp"
#include "parse/syslog_parser.hpp"
#ifdef KINESYSLOG_PROBE_FORBIDDEN
#include "aws/credentials.hpp"
#endif
