// Token files: the whole file, without the line ends and spaces it ends with.
#include "aws/token_file.hpp"

#include <gtest/gtest.h>

#include "aws/config_error.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::aws {
namespace {

class TokenFile : public ::testing::Test {
 protected:
  std::string read(const std::string& contents) {
    return read_token_file(directory_.write("token", contents), "the token file");
  }
  kinesyslog::testing::TemporaryDirectory directory_;
};

TEST_F(TokenFile, TrailingLineEndsAndSpacesAreNoPartOfTheToken) {
  EXPECT_EQ(read("eyJ.a.b"), "eyJ.a.b");
  EXPECT_EQ(read("eyJ.a.b\n"), "eyJ.a.b");
  EXPECT_EQ(read("eyJ.a.b\r\n"), "eyJ.a.b");
  EXPECT_EQ(read("eyJ.a.b \n\n"), "eyJ.a.b");
}

TEST_F(TokenFile, InnerAndLeadingTextIsKeptAsWritten) {
  EXPECT_EQ(read(" a\nb\tc\t"), " a\nb\tc\t");
  EXPECT_EQ(read("\n\n"), "");
}

TEST_F(TokenFile, AnUnreadableOrEmptyFileNamesWhatWasRead) {
  try {
    read_token_file(directory_.path() / "missing", "the web identity token file x");
    FAIL() << "no exception";
  } catch (const AwsConfigError& error) {
    EXPECT_STREQ(error.what(), "cannot read the web identity token file x");
  }
  EXPECT_THROW(read(""), AwsConfigError);
  EXPECT_THROW(read_token_file(directory_.path(), "a directory"), AwsConfigError);
}

}  // namespace
}  // namespace kinesyslog::aws
