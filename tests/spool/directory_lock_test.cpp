#include "spool/directory_lock.hpp"

#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temporary_directory.hpp"

namespace kinesyslog::spool {
namespace {

using ::testing::HasSubstr;
using testing::TemporaryDirectory;

std::string message_of_second_lock(const std::filesystem::path& directory) {
  try {
    DirectoryLock second(directory);
  } catch (const DirectoryLockError& error) {
    return error.what();
  }
  return "<locked twice>";
}

TEST(DirectoryLock, ASecondLockOnTheSameDirectoryIsRefusedNamingItAndTheHolder) {
  TemporaryDirectory directory;
  DirectoryLock first(directory.path());
  const std::string message = message_of_second_lock(directory.path());
  EXPECT_THAT(message, HasSubstr(directory.path().string()));
  EXPECT_THAT(message, HasSubstr("pid " + std::to_string(::getpid())));
}

TEST(DirectoryLock, TheLockFileHoldsTheHoldersPid) {
  TemporaryDirectory directory;
  DirectoryLock lock(directory.path());
  std::ifstream file(directory.path() / DirectoryLock::kFileName);
  long pid = 0;
  file >> pid;
  EXPECT_EQ(pid, ::getpid());
}

TEST(DirectoryLock, IsFreeAgainOnceTheHolderIsGoneAndAStaleFileDoesNotMatter) {
  TemporaryDirectory directory;
  directory.write(std::string(DirectoryLock::kFileName), "999999\n");  // left by a process that died
  std::optional<DirectoryLock> first(std::in_place, directory.path());
  first.reset();
  EXPECT_NO_THROW(DirectoryLock again(directory.path()));
}

TEST(DirectoryLock, OtherDirectoriesAreIndependent) {
  TemporaryDirectory one;
  TemporaryDirectory two;
  DirectoryLock first(one.path());
  EXPECT_NO_THROW(DirectoryLock second(two.path()));
}

TEST(DirectoryLock, AMissingDirectoryIsAnErrorNamingIt) {
  TemporaryDirectory directory;
  const auto missing = directory.path() / "absent";
  try {
    DirectoryLock lock(missing);
    FAIL() << "locked a missing directory";
  } catch (const DirectoryLockError& error) {
    EXPECT_THAT(error.what(), HasSubstr(missing.string()));
  }
}

}  // namespace
}  // namespace kinesyslog::spool
