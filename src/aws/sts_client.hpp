#pragma once
// STS in the query protocol (form-encoded POST, XML answer). GetCallerIdentity gives the account
// id that goes into every record's `owner` field; the role calls are in sts_role_client.hpp.
#include <string>
#include <string_view>
#include <variant>

#include "aws/service_error.hpp"
#include "aws/signed_client.hpp"

namespace kinesyslog::aws {

inline constexpr std::string_view kStsApiVersion = "2011-06-15";

// The start of every STS form: "Action=GetCallerIdentity&Version=2011-06-15".
std::string sts_form(std::string_view action);

struct AccountId {
  std::string digits;  // 12 digits
};

// The account, or the error STS answered with. Throws HttpTransportError when no answer came.
std::variant<AccountId, ServiceError> get_caller_identity(SignedClient& sts);

}  // namespace kinesyslog::aws
