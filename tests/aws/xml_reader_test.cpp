// The XML reader behind STS answers: entities decoded, names matched whole, and nothing a hostile
// answer could use to make it expand, fetch or recurse.
#include "aws/xml_reader.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kinesyslog::aws {
namespace {

std::optional<std::string> text_of(std::string_view xml, std::string_view name) {
  const auto document = read_xml(xml);
  if (!document) return std::nullopt;
  return document->text_of(name);
}

TEST(StsXml, ElementTextDecodesEntities) {
  EXPECT_EQ(text_of("<a><b>x &amp; y &lt;&gt; &#65;&#x42;&quot;&apos;</b></a>", "b"), "x & y <> AB\"'");
  EXPECT_EQ(text_of("<a><b>&#x10348;&#233;</b></a>", "b"), "\xF0\x90\x8D\x88\xC3\xA9");
  EXPECT_EQ(text_of("<a><b><![CDATA[<not> &amp;]]></b></a>", "b"), "<not> &amp;");
}

TEST(StsXml, AnUndeclaredEntityMakesTheDocumentUnreadable) {
  EXPECT_EQ(read_xml("<a><b>x &unknown;</b></a>"), std::nullopt);
  EXPECT_EQ(read_xml("<a><b>x & y</b></a>"), std::nullopt);
}

TEST(StsXml, ElementNameMustMatchWholly) {
  EXPECT_EQ(text_of("<r><CodeX>no</CodeX><Code>yes</Code></r>", "Code"), "yes");
  EXPECT_EQ(text_of("<Code/>", "Code"), "");
  EXPECT_EQ(text_of("<Code>open", "Code"), std::nullopt);
  EXPECT_EQ(text_of("<r><Other/></r>", "Code"), std::nullopt);
}

TEST(StsXml, TheFirstElementInDocumentOrderIsFound) {
  const auto document = read_xml("<r><a><Code>deep</Code></a><Code>shallow</Code></r>");
  ASSERT_TRUE(document);
  EXPECT_EQ(document->text_of("Code"), "deep");
  EXPECT_EQ(document->text_of("r"), "");  // only the element's own text, not its children's
}

TEST(StsXml, NamespacesAndAttributesAreIgnored) {
  EXPECT_EQ(text_of(R"(<?xml version="1.0" encoding="UTF-8"?>)"
                    R"(<R xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Account id="1">123</Account></R>)",
                    "Account"),
            "123");
}

TEST(StsXml, ADocumentTypeDeclarationIsRefused) {
  // "Billion laughs": nested entities that would expand to gigabytes.
  std::string laughs = "<!DOCTYPE r [<!ENTITY a \"lol\">";
  for (char level = 'b'; level <= 'j'; ++level) {
    laughs += std::string("<!ENTITY ") + level + " \"";
    for (int i = 0; i < 10; ++i) laughs += std::string("&") + static_cast<char>(level - 1) + ";";
    laughs += "\">";
  }
  laughs += "]><r>&j;</r>";
  EXPECT_EQ(read_xml(laughs), std::nullopt);
  EXPECT_EQ(read_xml(R"(<!DOCTYPE r SYSTEM "file:///etc/passwd"><r/>)"), std::nullopt);
  EXPECT_EQ(read_xml(R"(<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>)"), std::nullopt);
}

TEST(StsXml, LimitsRefuseOversizedAndDeepDocuments) {
  std::string deep;
  for (std::size_t i = 0; i < kMaxXmlDepth + 1; ++i) deep += "<a>";
  for (std::size_t i = 0; i < kMaxXmlDepth + 1; ++i) deep += "</a>";
  EXPECT_EQ(read_xml(deep), std::nullopt);
  EXPECT_TRUE(read_xml(deep.substr(3, deep.size() - 7)));  // one level less is read
  EXPECT_EQ(read_xml("<a>" + std::string(kMaxXmlBytes, 'x') + "</a>"), std::nullopt);
  std::string wide = "<a>";
  for (std::size_t i = 0; i < kMaxXmlElements; ++i) wide += "<b/>";
  EXPECT_EQ(read_xml(wide + "</a>"), std::nullopt);
}

TEST(StsXml, TwoRootsOrNoneAreNotADocument) {
  EXPECT_EQ(read_xml("<a/><b/>"), std::nullopt);
  EXPECT_EQ(read_xml(""), std::nullopt);
  EXPECT_EQ(read_xml("text"), std::nullopt);
}

}  // namespace
}  // namespace kinesyslog::aws
