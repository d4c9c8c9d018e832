// Any bytes as an STS answer for the XML reader: nothing may crash, the limits hold, the tree never
// holds more bytes than the input (entities only shrink), and reading twice gives the same tree.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aws/xml_reader.hpp"
#include "require.hpp"

namespace {

namespace aws = kinesyslog::aws;

struct TreeSize {
  std::size_t elements = 0;
  std::size_t bytes = 0;  // names and text
  std::size_t depth = 0;
};

void measure(const aws::XmlElement& element, std::size_t depth, TreeSize& size) {
  ++size.elements;
  size.bytes += element.name.size() + element.text.size();
  if (depth > size.depth) size.depth = depth;
  for (const aws::XmlElement& child : element.children) measure(child, depth + 1, size);
}

bool same_tree(const aws::XmlElement& a, const aws::XmlElement& b) {
  if (a.name != b.name || a.text != b.text || a.children.size() != b.children.size()) return false;
  for (std::size_t i = 0; i < a.children.size(); ++i) {
    if (!same_tree(a.children[i], b.children[i])) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto document = aws::read_xml(text);
  const auto again = aws::read_xml(text);
  require(document.has_value() == again.has_value());
  if (!document) return 0;
  require(same_tree(*document, *again));
  TreeSize tree;
  measure(*document, 1, tree);
  require(tree.elements <= aws::kMaxXmlElements);
  require(tree.depth <= aws::kMaxXmlDepth);
  require(tree.bytes <= size);
  require(!document->name.empty());
  require(document->find(document->name) == &*document);
  if (!document->children.empty()) {
    const aws::XmlElement& first = document->children.front();
    const aws::XmlElement* found = document->find(first.name);
    require(found != nullptr && found->name == first.name);
  }
  return 0;
}
