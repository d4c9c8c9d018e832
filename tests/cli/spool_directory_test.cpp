#include "cli/spool_directory.hpp"

#include <sys/stat.h>

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/validate.hpp"
#include "cli_test_support.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::cli {
namespace {

using ::testing::HasSubstr;
using testing::fake_environment;
using testing::Variables;

std::string chosen(Variables variables, bool as_root) {
  return default_spool_dir(fake_environment(std::move(variables)), as_root);
}

TEST(DefaultSpoolDir, SystemdStateDirectoryComesFirstAndOnlyItsFirstPath) {
  EXPECT_EQ(chosen({{"STATE_DIRECTORY", "/var/lib/kinesyslog"}}, true), "/var/lib/kinesyslog");
  EXPECT_EQ(chosen({{"STATE_DIRECTORY", "/var/lib/a:/var/lib/b"}, {"HOME", "/home/u"}}, false), "/var/lib/a");
}

TEST(DefaultSpoolDir, RootWithoutSystemdUsesVarLib) {
  EXPECT_EQ(chosen({{"HOME", "/root"}, {"XDG_STATE_HOME", "/root/.state"}, {"TMPDIR", "/tmp"}}, true),
            "/var/lib/kinesyslog");
}

TEST(DefaultSpoolDir, OtherUsersUseTheirXdgStateHome) {
  EXPECT_EQ(chosen({{"HOME", "/home/u"}, {"XDG_STATE_HOME", "/srv/state"}}, false), "/srv/state/kinesyslog");
  EXPECT_EQ(chosen({{"HOME", "/home/u"}}, false), "/home/u/.local/state/kinesyslog");
}

TEST(DefaultSpoolDir, EmptyOrRelativeVariablesAreIgnored) {
  EXPECT_EQ(chosen({{"STATE_DIRECTORY", ""}, {"HOME", "/home/u"}, {"XDG_STATE_HOME", "state"}}, false),
            "/home/u/.local/state/kinesyslog");
}

TEST(DefaultSpoolDir, NeverTheSharedTemporaryDirectory) {
  EXPECT_EQ(chosen({{"TMPDIR", "/tmp"}}, false), "/var/lib/kinesyslog");
}

class SpoolDirectoryOnDisk : public ::testing::Test {
 protected:
  std::filesystem::path make(const std::string& name, mode_t mode) {
    const auto path = root_.path() / name;
    std::filesystem::create_directory(path);
    ::chmod(path.c_str(), mode);  // not subject to the umask
    return path;
  }
  kinesyslog::testing::TemporaryDirectory root_;
};

TEST_F(SpoolDirectoryOnDisk, CreatesTheDirectoryAndItsParentsPrivate) {
  const auto spool = root_.path() / "home" / ".local" / "state" / "kinesyslog";
  EXPECT_EQ(create_private_directory(spool.string()), std::nullopt);
  struct stat status{};
  ASSERT_EQ(::stat(spool.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0700u);
  ASSERT_EQ(::stat((root_.path() / "home").c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 07777, 0700u);
  EXPECT_EQ(create_private_directory(spool.string()), std::nullopt);  // already there
}

TEST_F(SpoolDirectoryOnDisk, ReportsADirectoryThatCannotBeCreated) {
  root_.write("file", "x");
  const auto spool = root_.path() / "file" / "kinesyslog";
  const std::optional<std::string> failure = create_private_directory(spool.string());
  ASSERT_TRUE(failure);
  EXPECT_THAT(*failure, HasSubstr(spool.string()));
}

TEST_F(SpoolDirectoryOnDisk, WorldWritableWithoutStickyBitIsRefused) {
  const auto open = make("open", 0777);
  const std::optional<std::string> refusal = shared_spool_refusal(open.string());
  ASSERT_TRUE(refusal);
  EXPECT_THAT(*refusal, HasSubstr(open.string()));
  EXPECT_THAT(*refusal, HasSubstr("world-writable"));
}

TEST_F(SpoolDirectoryOnDisk, PrivateAndStickyDirectoriesAreAccepted) {
  EXPECT_EQ(shared_spool_refusal(make("private", 0700).string()), std::nullopt);
  EXPECT_EQ(shared_spool_refusal(make("group", 0770).string()), std::nullopt);
  EXPECT_EQ(shared_spool_refusal(make("sticky", 01777).string()), std::nullopt);
}

TEST_F(SpoolDirectoryOnDisk, AStickyWorldWritableDirectoryIsWarnedAbout) {
  EXPECT_THAT(spool_warnings(make("sticky", 01777).string()), ::testing::Contains(HasSubstr("world-writable")));
  EXPECT_THAT(spool_warnings(make("private", 0700).string()), ::testing::Not(::testing::Contains(HasSubstr("world"))));
}

TEST_F(SpoolDirectoryOnDisk, ATmpfsSpoolIsWarnedAbout) {
  if (!std::filesystem::is_directory("/dev/shm")) GTEST_SKIP() << "no /dev/shm";
  EXPECT_THAT(spool_warnings("/dev/shm"), ::testing::Contains(HasSubstr("tmpfs")));
}

TEST_F(SpoolDirectoryOnDisk, ValidatePathsRefusesAWorldWritableSpoolDir) {
  ListenOptions options = testing::parse_listen({"--udp-port", "514", "--stream", "s", "--spool-dir",
                                                 make("open", 0777).string()});
  const std::optional<ConfigError> error = validate_paths(options);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->option, "--spool-dir");
}

TEST_F(SpoolDirectoryOnDisk, ValidatePathsCreatesTheDefaultSpoolDirOnly) {
  const auto state = root_.path() / "state";
  ListenOptions options = testing::parse_listen({"--udp-port", "514", "--stream", "s"},
                                                {{"STATE_DIRECTORY", state.string()}});
  EXPECT_EQ(validate_paths(options), std::nullopt);
  EXPECT_TRUE(std::filesystem::is_directory(state));
  const std::string given = (root_.path() / "given").string();
  options = testing::parse_listen({"--udp-port", "514", "--stream", "s", "--spool-dir", given});
  ASSERT_TRUE(validate_paths(options));
  EXPECT_FALSE(std::filesystem::exists(root_.path() / "given"));
}

}  // namespace
}  // namespace kinesyslog::cli
