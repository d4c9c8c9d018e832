#include "aws/sts_client.hpp"

#include "core/record.hpp"

namespace kinesyslog::aws {

std::variant<AccountId, ServiceError> get_caller_identity(SignedClient& sts) {
  const HttpResponse response = sts.send(query_request("Action=GetCallerIdentity&Version=2011-06-15"));
  if (response.status != 200) return query_service_error(response);
  const std::string_view account = xml_element_text(response.body, "Account");
  if (!is_account_id(account)) {
    return ServiceError{response.status, "MalformedAnswer",
                        "GetCallerIdentity answered without a 12-digit <Account>: " + response.body.substr(0, 200)};
  }
  return AccountId{std::string(account)};
}

}  // namespace kinesyslog::aws
