#include "parse/gelf_timestamp.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>

#include "parse/decimal_digits.hpp"

namespace kinesyslog::parse {
namespace {

// 9.2e12 s (~292,000 years) keeps the exponent path's microseconds inside int64 (9.22e18);
// the digits path holds to the same range so both forms accept the same values.
constexpr size_t kMaxSecondsDigits = 13;
constexpr int64_t kMaxAbsSeconds = 9'200'000'000'000;

// Exponent forms are rare (some JSON encoders write large doubles that way): go through a
// double, rounded to microseconds first so 1.001e0 gives 1001 ms and not 1000.
std::optional<int64_t> exponent_seconds_to_ms(std::string_view number) {
  double seconds = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), seconds);
  if (error != std::errc{} || end != number.data() + number.size()) return std::nullopt;
  if (!std::isfinite(seconds) || std::fabs(seconds) > static_cast<double>(kMaxAbsSeconds)) return std::nullopt;
  return static_cast<int64_t>(std::llround(seconds * 1e6)) / 1000;  // toward zero, as without exponent
}

}  // namespace

std::optional<int64_t> seconds_text_to_ms(std::string_view number) {
  size_t at = 0;
  const bool negative = at < number.size() && number[at] == '-';
  if (negative) ++at;
  const size_t integer_begin = at;
  int64_t seconds = 0;
  for (; at < number.size() && is_digit(number[at]); ++at) {
    if (at - integer_begin == kMaxSecondsDigits) return std::nullopt;
    seconds = seconds * 10 + (number[at] - '0');
  }
  if (at == integer_begin || seconds > kMaxAbsSeconds) return std::nullopt;
  int64_t millis = 0;
  if (at < number.size() && number[at] == '.') {
    unsigned fraction = 0;
    const size_t digits = read_fraction_millis(number.substr(++at), fraction);
    if (digits == 0) return std::nullopt;
    at += digits;
    millis = fraction;
  }
  if (at < number.size() && (number[at] == 'e' || number[at] == 'E')) return exponent_seconds_to_ms(number);
  if (at != number.size()) return std::nullopt;
  const int64_t total = seconds * 1000 + millis;
  return negative ? -total : total;
}

struct GelfTimestampReader::Parser {
  simdjson::ondemand::parser json;
};

GelfTimestampReader::GelfTimestampReader() : parser_(std::make_unique<Parser>()) {}
GelfTimestampReader::~GelfTimestampReader() = default;

std::optional<int64_t> GelfTimestampReader::read_ms(std::string_view json) {
  const size_t padded_size = json.size() + simdjson::SIMDJSON_PADDING;
  if (padded_.size() < padded_size) padded_.resize(padded_size);
  if (!json.empty()) std::memcpy(padded_.data(), json.data(), json.size());
  std::memset(padded_.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);

  simdjson::ondemand::document document;
  if (parser_->json.iterate(padded_.data(), json.size(), padded_.size()).get(document)) return std::nullopt;
  simdjson::ondemand::object object;
  if (document.get_object().get(object)) return std::nullopt;
  simdjson::ondemand::value timestamp;
  if (object.find_field("timestamp").get(timestamp)) return std::nullopt;
  simdjson::ondemand::json_type type;
  if (timestamp.type().get(type) || type != simdjson::ondemand::json_type::number) return std::nullopt;
  std::string_view number = timestamp.raw_json_token();
  while (!number.empty() && (number.back() == ' ' || number.back() == '\t' || number.back() == '\n' ||
                             number.back() == '\r')) {
    number.remove_suffix(1);  // the raw token carries the whitespace after it
  }
  return seconds_text_to_ms(number);
}

}  // namespace kinesyslog::parse
