#include "cli/install.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "cli/command_line.hpp"
#include "cli/environment.hpp"
#include "cli/exit_codes.hpp"
#include "support/temporary_directory.hpp"

namespace kinesyslog::cli {
namespace {

using kinesyslog::testing::TemporaryDirectory;

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

std::string read(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

InstallSystem system_with_users(std::initializer_list<std::string> users) {
  return InstallSystem{"/opt/kinesyslog/bin/kinesyslog",
                       [users = std::vector<std::string>(users)](const std::string& name) {
                         return std::find(users.begin(), users.end(), name) != users.end();
                       }};
}

// Runs install into a fresh directory with output discarded.
class InstallTest : public ::testing::Test {
 protected:
  int install(const std::string& user = {}, InstallSystem system = system_with_users({"syslog"})) {
    std::FILE* sink = std::tmpfile();
    const int code = run_install(InstallOptions{user, directory_.path().string(), ""}, system, sink, sink);
    std::fclose(sink);
    return code;
  }
  std::filesystem::path unit() const { return directory_.path() / "kinesyslog.service"; }
  std::filesystem::path override_file() const { return directory_.path() / "kinesyslog.service.d" / "override.conf"; }

  TemporaryDirectory directory_;
};

TEST(Unit, StartsThisExecutableWithListenAndTellsSystemdWhenReady) {
  const std::string unit = render_unit("/opt/kinesyslog/bin/kinesyslog");
  EXPECT_TRUE(contains(unit, "\nExecStart=/opt/kinesyslog/bin/kinesyslog listen\n")) << unit;
  for (const char* line :
       {"Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "After=network-online.target",
        "Wants=network-online.target", "WantedBy=multi-user.target"}) {
    EXPECT_TRUE(contains(unit, "\n" + std::string(line) + "\n")) << line;
  }
}

TEST(Unit, StartsAfterTheClockIsSynchronisedWithoutPullingTheTargetIn) {
  const std::string unit = render_unit("/usr/bin/kinesyslog");
  EXPECT_TRUE(contains(unit, "\nAfter=time-sync.target\n")) << unit;
  EXPECT_FALSE(contains(unit, "Wants=time-sync.target")) << unit;
  EXPECT_FALSE(contains(unit, "Requires=time-sync.target")) << unit;
}

TEST(Unit, IsSandboxedButKeepsTheSpoolWritableAndLowPortsBindable) {
  const std::string unit = render_unit("/usr/bin/kinesyslog");
  for (const char* line : {"NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/kinesyslog",
                           "Environment=KINESYSLOG_SPOOL_DIR=/var/lib/kinesyslog", "ProtectHome=yes", "PrivateTmp=true",
                           "AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
                           "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX"}) {
    EXPECT_TRUE(contains(unit, "\n" + std::string(line) + "\n")) << line;
  }
}

TEST(Unit, QuotesAPathWithSpacesAndEscapesPercentSigns) {
  const std::string unit = render_unit("/opt/my relay/100%/kinesyslog");
  EXPECT_TRUE(contains(unit, "\nExecStart=\"/opt/my relay/100%%/kinesyslog\" listen\n")) << unit;
}

TEST(Override, ListsEveryListenOptionCommentedOutWithItsDefault) {
  const std::string text = render_override("");
  for (const ListenOptionDescription& option : listen_option_table()) {
    EXPECT_TRUE(contains(text, "\n#Environment=\"" + environment_variable_for(option.long_name) + "="))
        << option.long_name;
  }
  EXPECT_TRUE(contains(text, "\n#Environment=\"KINESYSLOG_ADDRESS=0.0.0.0\"\n"));
  EXPECT_TRUE(contains(text, "\n#Environment=\"KINESYSLOG_TLS_PORT=6514\"\n"));
  EXPECT_TRUE(contains(text, "\n#Environment=\"KINESYSLOG_GELF=false\"\n"));
  EXPECT_TRUE(contains(text, "\n#Environment=\"KINESYSLOG_PACK_RECORDS=false\"\n"));
  EXPECT_TRUE(contains(text, "\n#Environment=\"KINESYSLOG_STREAM=\"\n"));  // no default value
  EXPECT_TRUE(contains(text, "\n#Environment=\"KINESYSLOG_SPOOL_DIR=/var/lib/kinesyslog\"\n"));
}

TEST(Override, ListsTheAwsVariablesAndKeepsTheMetadataServiceOffTheProxy) {
  const std::string text = render_override("");
  for (const char* variable : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SHARED_CREDENTIALS_FILE",
                               "AWS_CONFIG_FILE", "AWS_PROFILE"}) {
    EXPECT_TRUE(contains(text, "\n#Environment=\"" + std::string(variable) + "=\"\n")) << variable;
  }
  EXPECT_TRUE(contains(text, "\nEnvironment=\"no_proxy=169.254.169.254\"\n"));
}

TEST(Override, SetsTheUserOnlyWhenOneIsGiven) {
  EXPECT_TRUE(contains(render_override(""), "\n#User=\n"));
  EXPECT_TRUE(contains(render_override("syslog"), "\nUser=syslog\n"));
}

TEST(PackageUnit, IsTheInstallUnitForUsrBinRunAsThePackageUserWithItsEnvironmentFile) {
  const std::string unit = render_package_unit();
  EXPECT_TRUE(contains(unit, "\nExecStart=/usr/bin/kinesyslog listen\n")) << unit;
  for (const char* line : {"User=kinesyslog", "Group=kinesyslog", "EnvironmentFile=/etc/default/kinesyslog",
                           "Documentation=man:kinesyslog(1)"}) {
    EXPECT_TRUE(contains(unit, "\n" + std::string(line) + "\n")) << line;
  }
  EXPECT_FALSE(contains(unit, "{")) << unit;
  // Everything of the install unit but its first comment line is in the package's, in order.
  const std::string installed = render_unit("/usr/bin/kinesyslog");
  std::istringstream lines(installed.substr(installed.find('\n') + 1));
  size_t at = 0;
  for (std::string line; std::getline(lines, line);) {
    at = unit.find(line + "\n", at);
    ASSERT_NE(at, std::string::npos) << line;
  }
  EXPECT_FALSE(contains(installed, "EnvironmentFile=")) << installed;
  EXPECT_FALSE(contains(installed, "{")) << installed;
  EXPECT_FALSE(contains(installed, "Documentation=")) << installed;
}

TEST(EnvironmentFile, ListsEveryListenOptionCommentedOutWithItsMeaningAndDefault) {
  const std::string text = render_environment_file();
  for (const ListenOptionDescription& option : listen_option_table()) {
    EXPECT_TRUE(contains(text, "\n# --" + option.long_name + ": " + option.meaning)) << option.long_name;
    EXPECT_TRUE(contains(text, "\n#" + environment_variable_for(option.long_name) + "=")) << option.long_name;
  }
  EXPECT_TRUE(contains(text, "\n#KINESYSLOG_ADDRESS=0.0.0.0\n"));
  EXPECT_TRUE(contains(text, "\n#KINESYSLOG_GELF=false\n"));
  EXPECT_TRUE(contains(text, "\n#KINESYSLOG_STREAM=\n"));
  EXPECT_TRUE(contains(text, "\n#KINESYSLOG_SPOOL_DIR=/var/lib/kinesyslog\n"));
  EXPECT_TRUE(contains(text, "\n#AWS_PROFILE=\n"));
  EXPECT_TRUE(contains(text, "\nno_proxy=169.254.169.254\n"));
  EXPECT_TRUE(contains(text, "systemctl enable --now kinesyslog"));
  // Only no_proxy is set: every other line is a comment or blank.
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] != '#') {
      EXPECT_EQ(line, "no_proxy=169.254.169.254");
    }
  }
}

TEST_F(InstallTest, WritesThePackageFilesAndNothingElseWithPackageFiles) {
  std::FILE* sink = std::tmpfile();
  InstallOptions options;
  options.system_dir = (directory_.path() / "system").string();
  options.package_files_dir = (directory_.path() / "package").string();
  EXPECT_EQ(run_install(options, system_with_users({}), sink, sink), kExitOk);
  std::fclose(sink);
  EXPECT_EQ(read(directory_.path() / "package" / "kinesyslog.service"), render_package_unit());
  EXPECT_EQ(read(directory_.path() / "package" / "kinesyslog.default"), render_environment_file());
  EXPECT_FALSE(std::filesystem::exists(directory_.path() / "system"));
}

TEST(OptionTable, HasEveryListenOptionOfTheHelp) {
  std::vector<std::string> names;
  for (const ListenOptionDescription& option : listen_option_table()) names.push_back(option.long_name);
  EXPECT_EQ(names.size(), 35U);
  for (const char* name : {"stream", "udp-port", "prometheus-port", "spool-dir", "spool-max-bytes", "random-ids",
                           "debug-asyncio", "proxy-from", "client-name", "relp-port", "relp-tls-port",
                           "journal-sync-ms", "pack-records", "kinesis-stream"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

TEST_F(InstallTest, WritesTheUnitAndTheOverrideFile) {
  EXPECT_EQ(install("syslog"), kExitOk);
  EXPECT_TRUE(contains(read(unit()), "ExecStart=/opt/kinesyslog/bin/kinesyslog listen"));
  EXPECT_TRUE(contains(read(override_file()), "\nUser=syslog\n"));
}

TEST_F(InstallTest, ASecondRunReplacesTheUnitButKeepsAnEditedOverrideFile) {
  ASSERT_EQ(install(), kExitOk);
  std::ofstream(override_file()) << "[Service]\nEnvironment=KINESYSLOG_STREAM=mine\n";
  std::ofstream(unit()) << "stale";
  EXPECT_EQ(install("syslog"), kExitOk);
  EXPECT_EQ(read(override_file()), "[Service]\nEnvironment=KINESYSLOG_STREAM=mine\n");
  EXPECT_TRUE(contains(read(unit()), "Type=notify"));
}

TEST_F(InstallTest, AMissingUserIsAConfigurationErrorAndWritesNothing) {
  EXPECT_EQ(install("nosuchuser"), kExitConfig);
  EXPECT_FALSE(std::filesystem::exists(unit()));
  EXPECT_FALSE(std::filesystem::exists(override_file()));
}

TEST_F(InstallTest, AnUnwritableDirectoryIsReported) {
  std::ofstream(directory_.path() / "file") << "x";
  std::FILE* sink = std::tmpfile();
  const int code = run_install(InstallOptions{"", (directory_.path() / "file" / "sub").string(), ""},
                               system_with_users({}), sink, sink);
  std::fclose(sink);
  EXPECT_EQ(code, kExitIoError);
}

TEST(ThisSystem, KnowsItsOwnAbsolutePathAndRoot) {
  const InstallSystem system = this_system();
  EXPECT_TRUE(std::filesystem::path(system.executable).is_absolute());
  EXPECT_TRUE(system.user_exists("root"));
  EXPECT_FALSE(system.user_exists("no-such-user-kinesyslog"));
}

}  // namespace
}  // namespace kinesyslog::cli
