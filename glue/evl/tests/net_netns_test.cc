// Out-of-band UDP sockets between two network namespaces joined by a veth
// pair: datagrams of every size, neighbour solicitation (evl_net_solicit),
// and refusals the kernel reports after oob_sendmsg returned. Needs root: the
// tests skip, saying why, without it.
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <evl/evl.h>

#include "glue/evl/testing/evl_testing.h"
#include "glue/evl/testing/net_testing.h"

namespace oskit::evl::testing {
namespace {

class NetNamespaceTest : public VethPairSuite<EvlTest> {
 protected:
  void SetUp() override {
    VethPairSuite::SetUp();
    if (IsSkipped()) return;
    pair_->in_a([&] { a_ = oob_socket_bound(inet(VethPair::kAddressA, 0)); });
    pair_->in_b([&] { b_ = oob_socket_bound(inet(VethPair::kAddressB, 0)); });
    ASSERT_GE(a_, 0) << strerror(-a_);
    ASSERT_GE(b_, 0) << strerror(-b_);
    addr_a_ = local_address(a_);
    addr_b_ = local_address(b_);
  }
  void TearDown() override {
    if (a_ >= 0) close(a_);
    if (b_ >= 0) close(b_);
  }

  int a_ = -1;
  int b_ = -1;
  sockaddr_in addr_a_;
  sockaddr_in addr_b_;
};

std::string pattern(size_t len) {
  std::string s(len, '\0');
  for (size_t i = 0; i < len; i++) s[i] = static_cast<char>((i * 7 + len) & 0xff);
  return s;
}

// What `ip neigh` says about addr in namespace a.
std::string neighbour_entry(const std::string& ns_a_probe, const char* addr) {
  std::string out;
  FILE* p = popen(("ip -n " + ns_a_probe + " neigh show " + addr + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) return out;
  char line[256];
  while (fgets(line, sizeof line, p) != nullptr) out += line;
  pclose(p);
  return out;
}

TEST_F(NetNamespaceTest, SolicitingThePeerMakesItsEntryPermanent) {
  // First in the suite: nothing has resolved the peer yet. Called from a
  // thread of the initial namespace: the socket's namespace is used.
  EXPECT_EQ(evl_net_solicit(a_, reinterpret_cast<const sockaddr*>(&addr_b_), EVL_NEIGH_PERMANENT), 0);
  const std::string entry = neighbour_entry("oskit" + std::to_string(getpid()) + "a", VethPair::kAddressB);
  EXPECT_NE(entry.find("PERMANENT"), std::string::npos) << entry;
  EXPECT_EQ(evl_net_solicit(b_, reinterpret_cast<const sockaddr*>(&addr_a_), 0), 0);
}

TEST_F(NetNamespaceTest, DatagramsOfEverySizeCrossTheLink) {
  int big = 4 << 20;
  ASSERT_EQ(setsockopt(a_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big), 0);
  ASSERT_EQ(setsockopt(b_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big), 0);
  const std::vector<size_t> sizes = {0, 1, 64, 1400, 1472, 1473, 8000, 30000, 65506, 65507};
  run_on_evl_thread("udp-veth", [&] {
    std::string buf(70000, '\0');
    for (size_t size : sizes) {
      const std::string data = pattern(size);
      ASSERT_EQ(oob_send_to(a_, data.data(), size, &addr_b_), static_cast<ssize_t>(size));
      sockaddr_in from;
      int flags = -1;
      ASSERT_EQ(oob_receive(b_, &buf[0], buf.size(), &from, &flags), static_cast<ssize_t>(size)) << size;
      EXPECT_EQ(buf.compare(0, size, data), 0) << size;
      EXPECT_EQ(from.sin_addr.s_addr, addr_a_.sin_addr.s_addr);
      EXPECT_EQ(from.sin_port, addr_a_.sin_port);
      EXPECT_EQ(flags, 0);
      ASSERT_EQ(oob_send_to(b_, data.data(), size, &from), static_cast<ssize_t>(size));
      ASSERT_EQ(oob_receive(a_, &buf[0], buf.size()), static_cast<ssize_t>(size)) << size;
      EXPECT_EQ(buf.compare(0, size, data), 0) << size;
    }
  });
}

TEST_F(NetNamespaceTest, SolicitingAnAddressNobodyAnswersForTimesOut) {
  const sockaddr_in nobody = inet(VethPair::kNobody, 9);
  EXPECT_EQ(evl_net_solicit(a_, reinterpret_cast<const sockaddr*>(&nobody), 0), -ETIMEDOUT);
}

TEST_F(NetNamespaceTest, SolicitingWithoutARouteFails) {
  const sockaddr_in far = inet("192.0.2.1", 9);  // TEST-NET-1: no route in the namespace
  EXPECT_EQ(evl_net_solicit(a_, reinterpret_cast<const sockaddr*>(&far), 0), -ENETUNREACH);
}

TEST_F(NetNamespaceTest, ARefusalAfterSendingIsReportedByTheNextCall) {
  const sockaddr_in far = inet("192.0.2.1", 9);
  run_on_evl_thread("udp-unreachable", [&] {
    ASSERT_EQ(oob_send_to(a_, "x", 1, &far), 1) << "queued: the kernel refuses it later";
    char buf[4];
    EXPECT_EQ(oob_receive(a_, buf, sizeof buf), -ENETUNREACH) << "the pending error";
    EXPECT_EQ(oob_send_to(a_, "y", 1, &addr_b_), 1) << "reported once";
    EXPECT_EQ(oob_receive(b_, buf, sizeof buf), 1);
  });
}

}  // namespace
}  // namespace oskit::evl::testing
