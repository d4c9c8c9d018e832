#include "aws/xml_reader.hpp"

#include <expat.h>

#include <memory>

namespace kinesyslog::aws {
namespace {

// Builds the tree from expat's callbacks; stops the parser at the first thing it refuses.
class TreeBuilder {
 public:
  explicit TreeBuilder(XML_Parser parser) : parser_(parser) {}

  static void on_start(void* self, const XML_Char* name, const XML_Char** /*attributes*/) {
    static_cast<TreeBuilder*>(self)->start(name);
  }
  static void on_end(void* self, const XML_Char* /*name*/) { static_cast<TreeBuilder*>(self)->open_.pop_back(); }
  static void on_text(void* self, const XML_Char* text, int length) {
    auto& builder = *static_cast<TreeBuilder*>(self);
    if (!builder.open_.empty()) builder.open_.back()->text.append(text, static_cast<std::size_t>(length));
  }
  static void on_doctype(void* self, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    static_cast<TreeBuilder*>(self)->refuse();
  }

  std::optional<XmlElement> take_root() { return refused_ ? std::nullopt : std::move(root_); }

 private:
  void start(const XML_Char* name) {
    if (open_.size() >= kMaxXmlDepth || ++elements_ > kMaxXmlElements) return refuse();
    XmlElement* element = nullptr;
    if (open_.empty()) {
      root_.emplace();
      element = &*root_;
    } else {
      element = &open_.back()->children.emplace_back();
    }
    element->name = name;
    // Safe to keep: an element's children vector only grows while it is the innermost open one.
    open_.push_back(element);
  }

  void refuse() {
    refused_ = true;
    XML_StopParser(parser_, XML_FALSE);
  }

  XML_Parser parser_;
  std::optional<XmlElement> root_;
  std::vector<XmlElement*> open_;
  std::size_t elements_ = 0;
  bool refused_ = false;
};

struct ParserFree {
  void operator()(XML_Parser parser) const { XML_ParserFree(parser); }
};

}  // namespace

const XmlElement* XmlElement::find(std::string_view element_name) const {
  if (name == element_name) return this;
  for (const XmlElement& child : children) {
    if (const XmlElement* found = child.find(element_name)) return found;
  }
  return nullptr;
}

std::optional<std::string> XmlElement::text_of(std::string_view element_name) const {
  const XmlElement* element = find(element_name);
  if (element == nullptr) return std::nullopt;
  return element->text;
}

std::optional<XmlElement> read_xml(std::string_view xml) {
  if (xml.size() > kMaxXmlBytes) return std::nullopt;
  // "UTF-8" overrides any encoding the document declares: AWS answers in UTF-8.
  const std::unique_ptr<XML_ParserStruct, ParserFree> parser(XML_ParserCreate("UTF-8"));
  if (!parser) return std::nullopt;
  TreeBuilder builder(parser.get());
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), &TreeBuilder::on_start, &TreeBuilder::on_end);
  XML_SetCharacterDataHandler(parser.get(), &TreeBuilder::on_text);
  XML_SetStartDoctypeDeclHandler(parser.get(), &TreeBuilder::on_doctype);
  XML_SetParamEntityParsing(parser.get(), XML_PARAM_ENTITY_PARSING_NEVER);
  if (XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE) != XML_STATUS_OK) return std::nullopt;
  return builder.take_root();
}

}  // namespace kinesyslog::aws
