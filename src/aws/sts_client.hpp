#pragma once
// STS GetCallerIdentity (query protocol, API version 2011-06-15): the account id that goes into
// every record's `owner` (SPEC §4).
#include <string>
#include <variant>

#include "aws/service_error.hpp"
#include "aws/signed_client.hpp"

namespace kinesyslog::aws {

struct AccountId {
  std::string digits;  // 12 digits
};

// The account, or the error STS answered with. Throws HttpTransportError when no answer came.
std::variant<AccountId, ServiceError> get_caller_identity(SignedClient& sts);

}  // namespace kinesyslog::aws
