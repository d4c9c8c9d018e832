#pragma once
// The XML answers of AWS query-protocol services (STS), read with expat into a small tree of
// elements and their text. Entities are decoded by expat; a document type declaration is refused,
// so no external entity is fetched and no entity expands (the "billion laughs" attack).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinesyslog::aws {

struct XmlElement {
  std::string name;  // as written, prefix included: "Code"
  std::string text;  // the element's own character data, entities decoded (children's text excluded)
  std::vector<XmlElement> children;

  // This element or the first one named `name` below it, in document order; nullptr when none.
  const XmlElement* find(std::string_view element_name) const;
  // find(name)'s text, or nullopt when there is no such element.
  std::optional<std::string> text_of(std::string_view element_name) const;
};

// AWS answers are a few KiB; the transport stops reading at 1 MiB too.
inline constexpr std::size_t kMaxXmlBytes = 1 << 20;
// STS answers nest five deep; the limits keep hostile input from costing stack or memory.
inline constexpr std::size_t kMaxXmlDepth = 32;
inline constexpr std::size_t kMaxXmlElements = 10'000;

// The root element of `xml` read as UTF-8, or nullopt when it is not a well-formed document, has a
// DOCTYPE, or exceeds the limits above.
std::optional<XmlElement> read_xml(std::string_view xml);

}  // namespace kinesyslog::aws
