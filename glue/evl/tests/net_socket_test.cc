// Out-of-band UDP sockets (the EVL documentation's "UDP over IPv4" page):
// socket(2) with SOCK_OOB, the in-band socket calls on the descriptor,
// oob_sendmsg/oob_recvmsg/oob_read/oob_write over the kernel's UDP on the
// loopback interface, readiness, closing, stages and evl_net_solicit. The
// error codes have a test each in net_errors_test.cc.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <evl/evl.h>

#include "glue/evl/stage.h"
#include "glue/evl/testing/evl_testing.h"
#include "glue/evl/testing/net_testing.h"

namespace oskit::evl::testing {
namespace {

using NetSocketTest = LoopbackSocketTest;

std::string pattern(size_t len, unsigned seed) {
  std::string s(len, '\0');
  for (size_t i = 0; i < len; i++) s[i] = static_cast<char>((i * 131 + seed) & 0xff);
  return s;
}

sockaddr* sa(sockaddr_in* a) { return reinterpret_cast<sockaddr*>(a); }

TEST_F(NetSocketTest, SocketCallsReachTheKernelSocket) {
  EXPECT_EQ(addr_.sin_family, AF_INET);
  EXPECT_NE(addr_.sin_port, 0) << "port 0 picks one";
  EXPECT_EQ(addr_.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
  int value = 0;
  socklen_t len = sizeof value;
  ASSERT_EQ(getsockopt(fd_, SOL_SOCKET, SO_TYPE, &value, &len), 0);
  EXPECT_EQ(value, SOCK_DGRAM);
  ASSERT_EQ(getsockopt(fd_, SOL_SOCKET, SO_PROTOCOL, &value, &len), 0);
  EXPECT_EQ(value, IPPROTO_UDP);
  value = 1 << 20;
  EXPECT_EQ(setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &value, sizeof value), 0);
  value = 1;
  EXPECT_EQ(setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &value, sizeof value), 0);
  ASSERT_EQ(getsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &value, &len), 0);
  EXPECT_EQ(value, 1);
  sockaddr_in peer;
  len = sizeof peer;
  EXPECT_EQ(getpeername(fd_, sa(&peer), &len), -1);
  EXPECT_EQ(errno, ENOTCONN);
  UdpPeer other(loopback(0));
  sockaddr_in to = other.address();
  ASSERT_EQ(connect(fd_, sa(&to), sizeof to), 0);
  len = sizeof peer;
  ASSERT_EQ(getpeername(fd_, sa(&peer), &len), 0);
  EXPECT_EQ(peer.sin_port, to.sin_port);
  EXPECT_EQ(listen(fd_, 1), -1);
  EXPECT_EQ(errno, EOPNOTSUPP);
  EXPECT_EQ(accept(fd_, nullptr, nullptr), -1);
  EXPECT_EQ(errno, EOPNOTSUPP);
  UdpPeer clash(loopback(0));
  sockaddr_in taken = clash.address();
  int second = socket(AF_INET, SOCK_DGRAM | SOCK_OOB, 0);
  ASSERT_GE(second, 0);
  EXPECT_EQ(bind(second, sa(&taken), sizeof taken), -1);
  EXPECT_EQ(errno, EADDRINUSE);
  EXPECT_EQ(close(second), 0);
  EXPECT_EQ(close(fd_), 0);
  fd_ = -1;
}

TEST_F(NetSocketTest, SocketFlagsApplyToTheDescriptor) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_OOB | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  EXPECT_NE(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
  char byte;
  EXPECT_EQ(recv(fd, &byte, 1, 0), -1);
  EXPECT_EQ(errno, EAGAIN);
  close(fd);
}

TEST_F(NetSocketTest, DatagramsGoBothWaysWithTheSendersAddress) {
  UdpPeer peer(loopback(0));
  const sockaddr_in peer_addr = peer.address();
  const std::string hello = "Mellow sword!";
  ASSERT_EQ(sendto(peer.fd, hello.data(), hello.size(), 0, sa(&addr_), sizeof addr_),
            static_cast<ssize_t>(hello.size()));
  run_on_evl_thread("udp-both-ways", [&] {
    char buf[64];
    sockaddr_in from;
    int flags = -1;
    ASSERT_EQ(oob_receive(fd_, buf, sizeof buf, &from, &flags), static_cast<ssize_t>(hello.size()));
    EXPECT_EQ(std::string(buf, hello.size()), hello);
    EXPECT_EQ(from.sin_family, AF_INET);
    EXPECT_EQ(from.sin_port, peer_addr.sin_port);
    EXPECT_EQ(from.sin_addr.s_addr, peer_addr.sin_addr.s_addr);
    EXPECT_EQ(flags, 0);
    ASSERT_EQ(oob_send_to(fd_, "reply", 5, &peer_addr), 5);
  });
  char buf[16];
  sockaddr_in from;
  socklen_t len = sizeof from;
  ASSERT_EQ(recvfrom(peer.fd, buf, sizeof buf, 0, sa(&from), &len), 5);
  EXPECT_EQ(std::string(buf, 5), "reply");
  EXPECT_EQ(from.sin_port, addr_.sin_port);
}

TEST_F(NetSocketTest, EveryPayloadSizeFromZeroToTheLimit) {
  int big = 4 << 20;
  ASSERT_EQ(setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &big, sizeof big), 0);
  const int other = oob_socket_bound(loopback(0));
  ASSERT_GE(other, 0);
  ASSERT_EQ(setsockopt(other, SOL_SOCKET, SO_RCVBUF, &big, sizeof big), 0);
  const sockaddr_in other_addr = local_address(other);
  const std::vector<size_t> sizes = {0, 1, 2, 63, 64, 65, 1400, 1472, 1473, 4096, 9000, 32768, 65506, 65507};
  run_on_evl_thread("udp-sizes", [&] {
    std::string buf(70000, '\0');
    for (size_t size : sizes) {
      const std::string data = pattern(size, static_cast<unsigned>(size));
      ASSERT_EQ(oob_send_to(fd_, data.data(), data.size(), &other_addr), static_cast<ssize_t>(size)) << size;
      sockaddr_in from;
      int flags = -1;
      ASSERT_EQ(oob_receive(other, &buf[0], buf.size(), &from, &flags), static_cast<ssize_t>(size)) << size;
      EXPECT_EQ(flags & MSG_TRUNC, 0) << size;
      EXPECT_EQ(buf.compare(0, size, data), 0) << size;
      EXPECT_EQ(from.sin_port, addr_.sin_port);
      // and back, gathered from two buffers
      struct iovec iov[2] = {{&buf[0], size / 2}, {&buf[size / 2], size - size / 2}};
      struct oob_msghdr msg = {};
      msg.msg_iov = iov;
      msg.msg_iovlen = 2;
      msg.msg_name = &from;
      msg.msg_namelen = sizeof from;
      ASSERT_EQ(oob_sendmsg(other, &msg, nullptr, 0), static_cast<ssize_t>(size)) << size;
      std::string back(size + 1, '\0');
      ASSERT_EQ(oob_receive(fd_, &back[0], back.size()), static_cast<ssize_t>(size)) << size;
      EXPECT_EQ(back.compare(0, size, data), 0) << size;
    }
  });
  close(other);
}

TEST_F(NetSocketTest, AConnectedSocketSendsWithoutAnAddress) {
  UdpPeer peer(loopback(0));
  sockaddr_in peer_addr = peer.address();
  ASSERT_EQ(connect(fd_, sa(&peer_addr), sizeof peer_addr), 0);
  ASSERT_EQ(connect(peer.fd, sa(&addr_), sizeof addr_), 0);
  run_on_evl_thread("udp-connected", [&] {
    EXPECT_EQ(oob_send_to(fd_, "one", 3, nullptr), 3);
    EXPECT_EQ(oob_write(fd_, "two", 3), 3);
    EXPECT_EQ(oob_write(fd_, "", 0), 0) << "as write(2) on a socket: nothing is sent";
  });
  char buf[8];
  ASSERT_EQ(recv(peer.fd, buf, sizeof buf, 0), 3);
  EXPECT_EQ(std::string(buf, 3), "one");
  ASSERT_EQ(recv(peer.fd, buf, sizeof buf, 0), 3);
  EXPECT_EQ(std::string(buf, 3), "two");
  ASSERT_EQ(send(peer.fd, "three", 5, 0), 5);
  run_on_evl_thread("udp-oob-read", [&] {
    char in[8];
    EXPECT_EQ(oob_read(fd_, in, sizeof in), 5);
    EXPECT_EQ(std::string(in, 5), "three");
  });
  sockaddr_in none;
  std::memset(&none, 0, sizeof none);
  none.sin_family = AF_UNSPEC;
  ASSERT_EQ(connect(fd_, sa(&none), sizeof none), 0) << "AF_UNSPEC disconnects";
  run_on_evl_thread("udp-disconnected", [&] { EXPECT_EQ(oob_send_to(fd_, "x", 1, nullptr), -EDESTADDRREQ); });
}

TEST_F(NetSocketTest, ATruncatedDatagramSetsMsgTruncAndLeavesNothingBehind) {
  UdpPeer peer(loopback(0));
  const std::string big = pattern(100, 7);
  ASSERT_EQ(sendto(peer.fd, big.data(), big.size(), 0, sa(&addr_), sizeof addr_), 100);
  ASSERT_EQ(sendto(peer.fd, "next", 4, 0, sa(&addr_), sizeof addr_), 4);
  run_on_evl_thread("udp-trunc", [&] {
    char buf[10];
    int flags = 0;
    ASSERT_EQ(oob_receive(fd_, buf, sizeof buf, nullptr, &flags), 10);
    EXPECT_EQ(std::string(buf, 10), big.substr(0, 10));
    EXPECT_NE(flags & MSG_TRUNC, 0);
    char rest[16];
    ASSERT_EQ(oob_receive(fd_, rest, sizeof rest, nullptr, &flags), 4);
    EXPECT_EQ(std::string(rest, 4), "next");
    EXPECT_EQ(flags & MSG_TRUNC, 0);
  });
}

TEST_F(NetSocketTest, MsgFlagsEchoTheCallsFlags) {
  UdpPeer peer(loopback(0));
  ASSERT_EQ(sendto(peer.fd, "abc", 3, 0, sa(&addr_), sizeof addr_), 3);
  run_on_evl_thread("udp-flags", [&] {
    char buf[4];
    int flags = -1;
    ASSERT_EQ(oob_receive(fd_, buf, sizeof buf, nullptr, &flags), 3);
    EXPECT_EQ(flags, 0);
    ASSERT_EQ(sendto(peer.fd, "abcdef", 6, 0, sa(&addr_), sizeof addr_), 6);
    ASSERT_NE(evl_wait_for(fd_, POLLIN) & POLLIN, 0u);
    ASSERT_EQ(oob_receive(fd_, buf, sizeof buf, nullptr, &flags, MSG_DONTWAIT), 4);
    EXPECT_EQ(flags, MSG_DONTWAIT | MSG_TRUNC);
  });
}

TEST_F(NetSocketTest, DontwaitAndNonblockingFailWithEagain) {
  run_on_evl_thread("udp-eagain", [&] {
    char buf[8];
    EXPECT_EQ(oob_receive(fd_, buf, sizeof buf, nullptr, nullptr, MSG_DONTWAIT), -EAGAIN);
    EXPECT_EQ(errno, EAGAIN);
    EXPECT_EQ(EAGAIN, EWOULDBLOCK);
  });
  ASSERT_EQ(fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK), 0);
  run_on_evl_thread("udp-nonblock", [&] {
    char buf[8];
    EXPECT_EQ(oob_receive(fd_, buf, sizeof buf), -EAGAIN);
    EXPECT_EQ(oob_read(fd_, buf, sizeof buf), -1);
    EXPECT_EQ(errno, EAGAIN);
  });
  char byte;
  EXPECT_EQ(read(fd_, &byte, 1), -1);
  EXPECT_EQ(errno, EAGAIN);
}

TEST_F(NetSocketTest, AnAbsoluteTimeoutExpiresWithEtimedout) {
  run_on_evl_thread("udp-timeout", [&] {
    char buf[8];
    const auto start = std::chrono::steady_clock::now();
    struct timespec deadline = deadline_in(50000000);
    EXPECT_EQ(oob_receive(fd_, buf, sizeof buf, nullptr, nullptr, 0, &deadline), -ETIMEDOUT);
    EXPECT_EQ(errno, ETIMEDOUT);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50))
        << "returned before the deadline";
    struct timespec past = {1, 0};
    EXPECT_EQ(oob_receive(fd_, buf, sizeof buf, nullptr, nullptr, 0, &past), -ETIMEDOUT) << "a deadline long past";
  });
}

TEST_F(NetSocketTest, AZeroTimeoutMeansNoLimit) {
  UdpPeer peer(loopback(0));
  std::atomic<bool> waiting{false};
  std::thread late([&] {
    while (!waiting) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    sendto(peer.fd, "late", 4, 0, sa(&addr_), sizeof addr_);
  });
  run_on_evl_thread("udp-zero-timeout", [&] {
    char buf[8];
    struct timespec zero = {0, 0};
    waiting = true;
    EXPECT_EQ(oob_receive(fd_, buf, sizeof buf, nullptr, nullptr, 0, &zero), 4);
  });
  late.join();
}

TEST_F(NetSocketTest, ManyDatagramsArriveInOrder) {
  const int other = oob_socket_bound(loopback(0));
  ASSERT_GE(other, 0);
  const sockaddr_in other_addr = local_address(other);
  constexpr int kCount = 20000;
  constexpr int kWindow = 64;  // in flight at most: well within the kernel's buffer
  std::atomic<int> received{0};
  std::atomic<bool> ordered{true};
  std::thread receiver([&] {
    ASSERT_GE(evl_attach_self("udp-order-rx:%d", getpid()), 0);
    for (int i = 0; i < kCount; i++) {
      int seq = -1;
      if (oob_receive(other, &seq, sizeof seq) != sizeof seq || seq != i) ordered = false;
      received.store(i + 1, std::memory_order_release);
    }
    evl_detach_self();
  });
  run_on_evl_thread("udp-order-tx", [&] {
    for (int i = 0; i < kCount; i++) {
      while (i - received.load(std::memory_order_acquire) >= kWindow) std::this_thread::yield();
      ASSERT_EQ(oob_send_to(fd_, &i, sizeof i, &other_addr), static_cast<ssize_t>(sizeof i));
    }
  });
  receiver.join();
  EXPECT_TRUE(ordered);
  EXPECT_EQ(received, kCount);
  close(other);
}

TEST_F(NetSocketTest, QueuedDatagramsStillLeaveAfterClose) {
  UdpPeer peer(loopback(0));
  int big = 4 << 20;
  ASSERT_EQ(setsockopt(peer.fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big), 0);
  const sockaddr_in peer_addr = peer.address();
  constexpr int kCount = 200;
  run_on_evl_thread("udp-close-drain", [&] {
    for (int i = 0; i < kCount; i++) ASSERT_EQ(oob_send_to(fd_, &i, sizeof i, &peer_addr), 4);
  });
  ASSERT_EQ(close(fd_), 0);
  fd_ = -1;
  for (int i = 0; i < kCount; i++) {
    int seq = -1;
    ASSERT_EQ(recv(peer.fd, &seq, sizeof seq, MSG_DONTWAIT), 4) << "datagram " << i << " lost at close";
    EXPECT_EQ(seq, i);
  }
}

TEST_F(NetSocketTest, PollAndEvlPollSeeTheQueues) {
  EXPECT_EQ(kernel_revents(fd_, POLLIN | POLLOUT), POLLOUT);
  UdpPeer peer(loopback(0));
  ASSERT_EQ(sendto(peer.fd, "ping", 4, 0, sa(&addr_), sizeof addr_), 4);
  EXPECT_NE(kernel_wait_for(fd_, POLLIN) & POLLIN, 0);
  run_on_evl_thread("udp-evl-poll", [&] { EXPECT_NE(evl_wait_for(fd_, POLLIN) & POLLIN, 0u); });
  int waiting = -1;
  ASSERT_EQ(ioctl(fd_, FIONREAD, &waiting), 0);
  EXPECT_EQ(waiting, 4) << "FIONREAD: the next datagram's size";
  char buf[8];
  ASSERT_EQ(recv(fd_, buf, sizeof buf, 0), 4);
  EXPECT_EQ(kernel_revents(fd_, POLLIN), 0) << "an in-band receiver clears POLLIN at once";
  ASSERT_EQ(ioctl(fd_, FIONREAD, &waiting), 0);
  EXPECT_EQ(waiting, 0);
  ASSERT_EQ(sendto(peer.fd, "pong", 4, 0, sa(&addr_), sizeof addr_), 4);
  kernel_wait_for(fd_, POLLIN);
  run_on_evl_thread("udp-poll", [&] {
    ASSERT_EQ(oob_receive(fd_, buf, sizeof buf), 4);
    int n = -1;
    EXPECT_EQ(oob_ioctl(fd_, FIONREAD, &n), 0);
    EXPECT_EQ(n, 0);
  });
  while (kernel_revents(fd_, POLLIN) != 0) std::this_thread::yield();  // relayed in-band
}

TEST_F(NetSocketTest, InbandCallsShareTheQueues) {
  UdpPeer peer(loopback(0));
  sockaddr_in peer_addr = peer.address();
  for (const char* word : {"alpha", "beta", "gamma", "delta"}) {
    ASSERT_EQ(sendto(peer.fd, word, strlen(word), 0, sa(&addr_), sizeof addr_), static_cast<ssize_t>(strlen(word)));
  }
  char buf[16];
  sockaddr_in from;
  socklen_t len = sizeof from;
  ASSERT_EQ(recvfrom(fd_, buf, sizeof buf, MSG_PEEK, sa(&from), &len), 5);
  EXPECT_EQ(len, sizeof from);
  EXPECT_EQ(from.sin_port, peer_addr.sin_port);
  ASSERT_EQ(recv(fd_, buf, 2, MSG_TRUNC), 5) << "MSG_TRUNC: the datagram's real length";
  EXPECT_EQ(std::string(buf, 2), "al");
  struct iovec iov = {buf, sizeof buf};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  ASSERT_EQ(recvmsg(fd_, &msg, 0), 4);
  EXPECT_EQ(std::string(buf, 4), "beta");
  EXPECT_EQ(msg.msg_flags, 0);
  ASSERT_EQ(read(fd_, buf, 3), 3) << "read(2): one datagram, truncated";
  EXPECT_EQ(std::string(buf, 3), "gam");
  struct mmsghdr one = {};
  one.msg_hdr.msg_iov = &iov;
  one.msg_hdr.msg_iovlen = 1;
  ASSERT_EQ(recvmmsg(fd_, &one, 1, 0, nullptr), 1);
  EXPECT_EQ(one.msg_len, 5u);
  EXPECT_EQ(std::string(buf, 5), "delta");

  ASSERT_EQ(connect(fd_, sa(&peer_addr), sizeof peer_addr), 0);
  ASSERT_EQ(send(fd_, "s1", 2, 0), 2);
  ASSERT_EQ(write(fd_, "s2", 2), 2);
  struct iovec two[2] = {{const_cast<char*>("s"), 1}, {const_cast<char*>("3"), 1}};
  struct mmsghdr out[2] = {};
  out[0].msg_hdr.msg_iov = two;
  out[0].msg_hdr.msg_iovlen = 2;
  out[1].msg_hdr.msg_iov = two;
  out[1].msg_hdr.msg_iovlen = 1;
  ASSERT_EQ(sendmmsg(fd_, out, 2, 0), 2);
  for (const char* want : {"s1", "s2", "s3", "s"}) {
    ASSERT_EQ(recv(peer.fd, buf, sizeof buf, 0), static_cast<ssize_t>(strlen(want)));
    EXPECT_EQ(std::string(buf, strlen(want)), want);
  }
}

TEST_F(NetSocketTest, SoRcvtimeoBoundsInbandReceives) {
  struct timeval tv = {0, 30000};
  ASSERT_EQ(setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
  char byte;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(recv(fd_, &byte, 1, 0), -1);
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(30));
}

TEST_F(NetSocketTest, ShutdownForReadingWakesABlockedReceiver) {
  std::atomic<bool> started{false};
  std::thread closer([&] {
    while (!started) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    shutdown(fd_, SHUT_RD);
  });
  run_on_evl_thread("udp-shut-rd", [&] {
    char buf[8];
    started = true;
    EXPECT_EQ(oob_receive(fd_, buf, sizeof buf), 0) << "end of input, as recv(2) on a shut-down socket";
  });
  closer.join();
  EXPECT_NE(kernel_revents(fd_, POLLIN) & POLLIN, 0);
}

TEST_F(NetSocketTest, CloseWakesABlockedReceiverWithEbadf) {
  const int fd = fd_;
  std::atomic<bool> started{false};
  std::thread closer([&] {
    while (!started) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    close(fd);
  });
  run_on_evl_thread("udp-close-wakes", [&] {
    char buf[8];
    started = true;
    EXPECT_EQ(oob_receive(fd, buf, sizeof buf), -EBADF);
  });
  closer.join();
  fd_ = -1;
}

TEST_F(NetSocketTest, AnIcmpRefusalIsReportedAsEconnrefused) {
  sockaddr_in gone;
  {
    UdpPeer closed(loopback(0));
    gone = closed.address();
  }
  ASSERT_EQ(connect(fd_, sa(&gone), sizeof gone), 0);
  run_on_evl_thread("udp-refused", [&] {
    char buf[8];
    ASSERT_EQ(oob_send_to(fd_, "x", 1, nullptr), 1) << "queued; the kernel answers later";
    EXPECT_EQ(oob_receive(fd_, buf, sizeof buf), -ECONNREFUSED) << "reported as Linux reports it";
    EXPECT_EQ(oob_receive(fd_, buf, sizeof buf, nullptr, nullptr, MSG_DONTWAIT), -EAGAIN) << "reported once";
  });
  // Taking the error out-of-band refreshes the kernel descriptor's readiness
  // through the relay thread, after the call returned.
  while (kernel_revents(fd_, POLLIN) & POLLIN) std::this_thread::yield();
  run_on_evl_thread("udp-refused-again", [&] { ASSERT_EQ(oob_send_to(fd_, "y", 1, nullptr), 1); });
  kernel_wait_for(fd_, POLLIN);  // a pending error turns the descriptor readable
  int err = 0;
  socklen_t len = sizeof err;
  ASSERT_EQ(getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  EXPECT_EQ(err, ECONNREFUSED);
  ASSERT_EQ(getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len), 0);
  EXPECT_EQ(err, 0);
}

TEST_F(NetSocketTest, OutOfBandPathsCauseNoStageViolation) {
  const int other = oob_socket_bound(loopback(0));
  ASSERT_GE(other, 0);
  const sockaddr_in other_addr = local_address(other);
  run_on_evl_thread("udp-stage", [&] {
    oskit_evl_stage_reset();
    char buf[1500] = {0};
    for (int i = 0; i < 2000; i++) {
      ASSERT_EQ(oob_send_to(fd_, buf, 64 + i % 1400, &other_addr), 64 + i % 1400);
      ASSERT_EQ(oob_receive(other, buf, sizeof buf), 64 + i % 1400);
      EXPECT_EQ(evl_is_inband(), false);
    }
    EXPECT_EQ(oskit_evl_stage_thread_violations(), 0u);
    ASSERT_EQ(sendto(other, buf, 1, 0, sa(&addr_), sizeof addr_), 1);
    EXPECT_EQ(oskit_evl_stage_thread_violations(), 1u) << "an in-band socket call made out-of-band is counted";
  });
  close(other);
}

TEST_F(NetSocketTest, SolicitingTheLoopbackPeerSucceeds) {
  sockaddr_in peer = loopback(9);
  EXPECT_EQ(evl_net_solicit(fd_, sa(&peer), EVL_NEIGH_PERMANENT), 0);
  EXPECT_EQ(evl_net_solicit(fd_, sa(&addr_), 0), 0);
}

}  // namespace
}  // namespace oskit::evl::testing
