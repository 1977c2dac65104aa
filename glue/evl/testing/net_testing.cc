#include "glue/evl/testing/net_testing.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <thread>

#include <evl/net/socket.h>

#include "absl/strings/str_format.h"

namespace oskit::evl::testing {

sockaddr_in inet(const char* ip, unsigned short port) {
  sockaddr_in a;
  std::memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

sockaddr_in loopback(unsigned short port) { return inet("127.0.0.1", port); }

sockaddr_in local_address(int fd) {
  sockaddr_in a;
  std::memset(&a, 0, sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return a;
}

UdpPeer::UdpPeer(const sockaddr_in& addr) {
  fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    fd = -1;
  }
}

UdpPeer::~UdpPeer() {
  if (fd >= 0) close(fd);
}

int oob_socket_bound(const sockaddr_in& addr) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_OOB, 0);
  if (fd < 0) return -errno;
  if (bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    close(fd);
    return -err;
  }
  return fd;
}

void LoopbackSocketTest::SetUp() {
  fd_ = oob_socket_bound(loopback(0));
  ASSERT_GE(fd_, 0) << strerror(-fd_);
  addr_ = local_address(fd_);
}

void LoopbackSocketTest::TearDown() {
  if (fd_ >= 0) close(fd_);
}

struct timespec deadline_in(long ns) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  const long nsec = ts.tv_nsec + ns % 1000000000;
  ts.tv_sec += ns / 1000000000 + nsec / 1000000000;
  ts.tv_nsec = nsec % 1000000000;
  return ts;
}

ssize_t oob_send_to(int fd, const void* data, size_t len, const sockaddr_in* dest, int flags,
                    const struct timespec* timeout) {
  struct iovec iov = {const_cast<void*>(data), len};
  struct oob_msghdr msg;
  std::memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_name = const_cast<sockaddr_in*>(dest);
  msg.msg_namelen = dest != nullptr ? sizeof *dest : 0;
  return oob_sendmsg(fd, &msg, timeout, flags);
}

ssize_t oob_receive(int fd, void* buf, size_t len, sockaddr_in* from, int* msg_flags, int flags,
                    const struct timespec* timeout) {
  struct iovec iov = {buf, len};
  struct oob_msghdr msg;
  std::memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_name = from;
  msg.msg_namelen = from != nullptr ? sizeof *from : 0;
  ssize_t n = oob_recvmsg(fd, &msg, timeout, flags);
  if (msg_flags != nullptr) *msg_flags = msg.msg_flags;
  return n;
}

namespace {

bool run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

}  // namespace

std::unique_ptr<VethPair> VethPair::create(std::string* why) {
  if (geteuid() != 0) {
    *why = "network namespaces and veth pairs need root";
    return nullptr;
  }
  if (!run("ip -V")) {
    *why = "ip(8) is not installed";
    return nullptr;
  }
  const int id = static_cast<int>(getpid());
  std::unique_ptr<VethPair> pair(new VethPair(absl::StrFormat("oskit%da", id), absl::StrFormat("oskit%db", id)));
  const std::string& a = pair->name_a_;
  const std::string& b = pair->name_b_;
  const std::string va = absl::StrFormat("ov%da", id), vb = absl::StrFormat("ov%db", id);
  run("ip netns del " + a);  // left by an earlier process with this id
  run("ip netns del " + b);
  const bool ok = run("ip netns add " + a) && run("ip netns add " + b) &&
                  run("ip link add " + va + " type veth peer name " + vb) && run("ip link set " + va + " netns " + a) &&
                  run("ip link set " + vb + " netns " + b) &&
                  run("ip -n " + a + " addr add " + kAddressA + "/24 dev " + va) &&
                  run("ip -n " + b + " addr add " + kAddressB + "/24 dev " + vb) &&
                  run("ip -n " + a + " link set " + va + " up") && run("ip -n " + b + " link set " + vb + " up") &&
                  run("ip -n " + a + " link set lo up") && run("ip -n " + b + " link set lo up");
  if (!ok) {
    run("ip link del " + va);
    *why = "ip(8) could not set up the namespaces and the veth pair";
    return nullptr;  // the destructor removes what was made
  }
  return pair;
}

VethPair::~VethPair() {
  run("ip netns del " + name_a_);
  run("ip netns del " + name_b_);
}

void VethPair::run_in(const std::string& ns, const std::function<void()>& fn) {
  std::thread t([&] {
    int fd = open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) std::abort();
    close(fd);
    fn();
  });
  t.join();
}

}  // namespace oskit::evl::testing
