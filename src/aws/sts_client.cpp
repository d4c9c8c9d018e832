#include "aws/sts_client.hpp"

#include "aws/xml_reader.hpp"
#include "core/record.hpp"

namespace kinesyslog::aws {

std::string sts_form(std::string_view action) {
  return "Action=" + std::string(action) + "&Version=" + std::string(kStsApiVersion);
}

std::variant<AccountId, ServiceError> get_caller_identity(SignedClient& sts) {
  const HttpResponse response = sts.send(query_request(sts_form("GetCallerIdentity")));
  if (response.status != 200) return query_service_error(response);
  const auto document = read_xml(response.body);
  const std::string account = document ? document->text_of("Account").value_or("") : std::string();
  if (!is_account_id(account)) {
    return ServiceError{response.status, "MalformedAnswer",
                        "GetCallerIdentity answered without a 12-digit <Account>: " + response.body.substr(0, 200)};
  }
  return AccountId{account};
}

}  // namespace kinesyslog::aws
