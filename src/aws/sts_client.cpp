#include "aws/sts_client.hpp"

#include <algorithm>

namespace kinesyslog::aws {

std::variant<AccountId, ServiceError> get_caller_identity(SignedClient& sts) {
  const HttpResponse response = sts.send(query_request("Action=GetCallerIdentity&Version=2011-06-15"));
  if (response.status != 200) return query_service_error(response);
  const std::string_view account = xml_element_text(response.body, "Account");
  const bool twelve_digits = account.size() == 12 && std::all_of(account.begin(), account.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (!twelve_digits) {
    return ServiceError{response.status, "MalformedAnswer",
                        "GetCallerIdentity answered without a 12-digit <Account>: " + response.body.substr(0, 200)};
  }
  return AccountId{std::string(account)};
}

}  // namespace kinesyslog::aws
