// Test helpers for UDP over glue/evl: addresses, plain kernel sockets as
// peers, and two network namespaces joined by a veth pair (root only).
#ifndef GLUE_EVL_TESTING_NET_TESTING_H
#define GLUE_EVL_TESTING_NET_TESTING_H

#include <netinet/in.h>
#include <time.h>

#include <functional>
#include <memory>
#include <string>

#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {

// 127.0.0.1:port (host order).
sockaddr_in loopback(unsigned short port);
// ip:port, ip dotted.
sockaddr_in inet(const char* ip, unsigned short port);
// The address a socket is bound to.
sockaddr_in local_address(int fd);

// A plain kernel UDP socket bound to addr (port 0: any), closed at scope exit.
struct UdpPeer {
  explicit UdpPeer(const sockaddr_in& addr);
  ~UdpPeer();
  UdpPeer(const UdpPeer&) = delete;
  UdpPeer& operator=(const UdpPeer&) = delete;
  sockaddr_in address() const { return local_address(fd); }
  int fd = -1;
};

// socket(AF_INET, SOCK_DGRAM | SOCK_OOB, 0) bound to addr; -errno on failure.
int oob_socket_bound(const sockaddr_in& addr);

// A fixture holding an out-of-band socket bound to 127.0.0.1 on a port the
// kernel picks: fd_ and its address addr_.
class LoopbackSocketTest : public EvlTest {
 protected:
  void SetUp() override;
  void TearDown() override;
  int fd_ = -1;
  sockaddr_in addr_ = {};
};

// The absolute CLOCK_MONOTONIC time ns from now.
struct timespec deadline_in(long ns);

// One datagram through oob_sendmsg from a single buffer (dest nullptr: the
// connected peer). Returns what oob_sendmsg returns.
ssize_t oob_send_to(int fd, const void* data, size_t len, const sockaddr_in* dest, int flags = 0,
                    const struct timespec* timeout = nullptr);
// One datagram through oob_recvmsg into a single buffer; *from and
// *msg_flags get what oob_recvmsg fills in. Returns what it returns.
ssize_t oob_receive(int fd, void* buf, size_t len, sockaddr_in* from = nullptr, int* msg_flags = nullptr, int flags = 0,
                    const struct timespec* timeout = nullptr);

// Two network namespaces joined by a veth pair: a at 10.77.0.1/24, b at
// 10.77.0.2/24, loopback up in both. Deleted with the object.
class VethPair {
 public:
  // Sets the pair up, or returns nullptr and says why (not root, no ip(8)).
  static std::unique_ptr<VethPair> create(std::string* why);
  ~VethPair();
  VethPair(const VethPair&) = delete;
  VethPair& operator=(const VethPair&) = delete;

  // Runs fn on a new thread inside namespace a or b and waits for it: the
  // sockets it makes belong to that namespace.
  void in_a(const std::function<void()>& fn) const { run_in(name_a_, fn); }
  void in_b(const std::function<void()>& fn) const { run_in(name_b_, fn); }

  static constexpr const char* kAddressA = "10.77.0.1";
  static constexpr const char* kAddressB = "10.77.0.2";
  // An address on the link nobody answers for.
  static constexpr const char* kNobody = "10.77.0.99";

 private:
  VethPair(std::string a, std::string b) : name_a_(std::move(a)), name_b_(std::move(b)) {}
  static void run_in(const std::string& ns, const std::function<void()>& fn);
  std::string name_a_;
  std::string name_b_;
};

// A test suite over one VethPair (pair_), made for the whole suite after
// init_evl(); each test skips, saying why, when the pair cannot be made.
// Base: the fixture extended (EvlTest, a leak-checking fixture...).
template <class Base>
class VethPairSuite : public Base {
 protected:
  static void SetUpTestSuite() {
    init_evl();
    pair_ = VethPair::create(&why_).release();
  }
  static void TearDownTestSuite() {
    delete pair_;
    pair_ = nullptr;
  }
  void SetUp() override {
    Base::SetUp();
    if (pair_ == nullptr) GTEST_SKIP() << why_;
  }

  static VethPair* pair_;
  static std::string why_;
};

template <class Base>
VethPair* VethPairSuite<Base>::pair_ = nullptr;
template <class Base>
std::string VethPairSuite<Base>::why_;

}  // namespace oskit::evl::testing

#endif  // GLUE_EVL_TESTING_NET_TESTING_H
