#include "net/port_claim.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net/listener.hpp"

namespace kinesyslog::net {
namespace {

using ::testing::HasSubstr;

const IpAddress kLoopback = *IpAddress::parse("127.0.0.1");

// A port number no other test run on this machine claims at the same time (names only, nothing is bound).
uint16_t test_port(uint16_t offset) { return static_cast<uint16_t>(10000 + (::getpid() % 20000) * 2 + offset); }

// A child process that holds a claim (after `become`) until the test is done with it.
class ClaimingChild {
 public:
  ClaimingChild(std::string_view protocol, uint16_t port, const std::function<void()>& become = [] {},
                const IpAddress& address = kLoopback) {
    int ready[2];
    int done[2];
    EXPECT_EQ(::pipe(ready), 0);
    EXPECT_EQ(::pipe(done), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(done[1]);
      become();
      char status = 'y';
      try {
        claim_port(protocol, address, port, "child");
      } catch (...) {
        status = 'n';
      }
      (void)!::write(ready[1], &status, 1);
      char ignored = 0;
      (void)!::read(done[0], &ignored, 1);
      ::_exit(0);
    }
    ::close(ready[1]);
    ::close(done[0]);
    done_ = done[1];
    char status = 0;
    EXPECT_EQ(::read(ready[0], &status, 1), 1);
    EXPECT_EQ(status, 'y');
    ::close(ready[0]);
  }
  ~ClaimingChild() {
    ::close(done_);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int done_ = -1;
};

TEST(PortClaim, NameSaysProtocolAddressAndPort) {
  EXPECT_EQ(port_claim_name("udp", kLoopback, 514), "kinesyslog/udp/127.0.0.1/514");
  EXPECT_EQ(port_claim_name("tcp", *IpAddress::parse("::"), 6514), "kinesyslog/tcp/::/6514");
}

TEST(PortClaim, TheSocketsOfOneProcessShareItsClaim) {
  claim_port("tcp", kLoopback, test_port(0), "TCP test");
  EXPECT_NO_THROW(claim_port("tcp", kLoopback, test_port(0), "TCP test"));
}

TEST(PortClaim, AnotherProcessHoldingThePortIsNamedWithItsPid) {
  ClaimingChild holder("udp", test_port(1));
  try {
    claim_port("udp", kLoopback, test_port(1), "UDP 127.0.0.1:" + std::to_string(test_port(1)));
    FAIL() << "claimed a port another process holds";
  } catch (const BindError& error) {
    EXPECT_EQ(error.error_number(), EADDRINUSE);
    EXPECT_THAT(error.what(), HasSubstr("UDP 127.0.0.1:" + std::to_string(test_port(1))));
    EXPECT_THAT(error.what(), HasSubstr("pid " + std::to_string(holder.pid())));
  }
}

TEST(PortClaim, TcpAndUdpOfOnePortAreDifferentClaims) {
  ClaimingChild holder("tcp", test_port(2));
  EXPECT_NO_THROW(claim_port("udp", kLoopback, test_port(2), "UDP test"));
}

TEST(PortClaim, AWildcardAndAnAddressItCoversAreOnePort) {
  const IpAddress any4 = *IpAddress::parse("0.0.0.0");
  const IpAddress any6 = *IpAddress::parse("::");
  {
    ClaimingChild wildcard("tcp", test_port(4), [] {}, any4);
    try {
      claim_port("tcp", kLoopback, test_port(4), "TCP 127.0.0.1");
      FAIL() << "claimed an address a wildcard of another process covers";
    } catch (const BindError& error) {
      EXPECT_THAT(error.what(), HasSubstr("pid " + std::to_string(wildcard.pid())));
      EXPECT_THAT(error.what(), HasSubstr("0.0.0.0"));
    }
  }
  ClaimingChild specific("udp", test_port(5));
  EXPECT_THROW(claim_port("udp", any6, test_port(5), "UDP [::]"), BindError);  // dual-stack covers IPv4
  EXPECT_NO_THROW(claim_port("udp", *IpAddress::parse("127.0.0.2"), test_port(5), "UDP 127.0.0.2"));
  EXPECT_NO_THROW(claim_port("udp", *IpAddress::parse("::1"), test_port(5), "UDP [::1]"));
}

TEST(PortClaim, AHolderOfAnotherUserCannotKeepTheRelayFromStarting) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to start a holder as another user";
  ClaimingChild squatter("tcp", test_port(3), [] { (void)!::setresuid(65534, 65534, 65534); });
  EXPECT_NO_THROW(claim_port("tcp", kLoopback, test_port(3), "TCP test"));
}

}  // namespace
}  // namespace kinesyslog::net
