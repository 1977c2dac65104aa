// Every error of out-of-band sockets: those the EVL documentation's "UDP over
// IPv4" page and the EVL core give for oob_sendmsg/oob_recvmsg/oob_read/
// oob_write/evl_net_solicit, and those Linux gives for UDP.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

#include <evl/evl.h>

#include "glue/evl/emul/net_seams.h"
#include "glue/evl/testing/evl_testing.h"
#include "glue/evl/testing/net_testing.h"

namespace oskit::evl::testing {
namespace {

class NetErrorsTest : public LoopbackSocketTest {
 protected:
  // Runs body on an EVL thread.
  void oob(const std::function<void()>& body) { run_on_evl_thread("udp-errors", body); }
};

sockaddr* sa(sockaddr_in* a) { return reinterpret_cast<sockaddr*>(a); }

// libevl's failure convention for oob_sendmsg/oob_recvmsg: -err returned
// and errno set to err.
::testing::AssertionResult failed_with(ssize_t rc, int err) {
  const int seen = errno;
  if (rc == -err && seen == err) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "returned " << rc << " with errno " << seen << " (" << strerror(seen)
                                       << "), expected " << -err << " (" << strerror(err) << ")";
}
#define EXPECT_OOB_ERROR(call, err) EXPECT_TRUE(failed_with((errno = 0, (call)), (err)))

TEST_F(NetErrorsTest, EpermFromAThreadNotAttachedToTheCore) {
  char buf[4];
  EXPECT_OOB_ERROR(oob_send_to(fd_, "x", 1, &addr_), EPERM);
  EXPECT_OOB_ERROR(oob_receive(fd_, buf, sizeof buf, nullptr, nullptr, MSG_DONTWAIT), EPERM);
  EXPECT_EQ(oob_read(fd_, buf, sizeof buf), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(oob_write(fd_, "x", 1), -1);
  EXPECT_EQ(errno, EPERM);
}

TEST_F(NetErrorsTest, EbadfForWhatIsNoOutOfBandDescriptor) {
  Pipe pipe;
  UdpPeer plain(loopback(0));
  const int closed = fd_;
  close(fd_);
  fd_ = -1;
  oob([&] {
    char buf[4];
    for (int fd : {-1, closed, 1 << 22, pipe.r, plain.fd}) {
      EXPECT_OOB_ERROR(oob_send_to(fd, "x", 1, &addr_), EBADF);
      EXPECT_OOB_ERROR(oob_receive(fd, buf, sizeof buf), EBADF);
    }
    EXPECT_EQ(oob_write(plain.fd, "x", 1), -1);
    EXPECT_EQ(errno, EBADF);
  });
  sockaddr_in peer = loopback(9);
  EXPECT_EQ(evl_net_solicit(closed, sa(&peer), 0), -EBADF);
  EXPECT_EQ(evl_net_solicit(plain.fd, sa(&peer), 0), -ENOTTY) << "an ioctl a plain socket does not serve";
}

TEST_F(NetErrorsTest, SocketCallsOnOtherEvlFiles) {
  Pipe pipe;
  int proxy = evl_new_proxy(pipe.w, 64, nullptr);
  ASSERT_GE(proxy, 0);
  oob([&] {
    char buf[4];
    EXPECT_OOB_ERROR(oob_send_to(proxy, "x", 1, &addr_), ENOTTY) << "the core's answer to an unserved socket ioctl";
    EXPECT_OOB_ERROR(oob_receive(proxy, buf, sizeof buf), ENOTTY);
  });
  EXPECT_EQ(bind(proxy, sa(&addr_), sizeof addr_), -1);
  EXPECT_EQ(errno, ENOTSOCK);
  EXPECT_EQ(sendto(proxy, "x", 1, 0, sa(&addr_), sizeof addr_), -1);
  EXPECT_EQ(errno, ENOTSOCK);
  sockaddr_in peer = loopback(9);
  EXPECT_EQ(evl_net_solicit(proxy, sa(&peer), 0), -ENOTTY);
  close(proxy);
}

TEST_F(NetErrorsTest, OnlyIpv4UdpSocketsGetOutOfBandCapabilities) {
  EXPECT_EQ(socket(AF_INET6, SOCK_DGRAM | SOCK_OOB, 0), -1);
  EXPECT_EQ(errno, EPROTONOSUPPORT);
  EXPECT_EQ(socket(AF_INET, SOCK_STREAM | SOCK_OOB, 0), -1);
  EXPECT_EQ(errno, EPROTONOSUPPORT);
  EXPECT_EQ(socket(AF_INET, SOCK_DGRAM | SOCK_OOB, IPPROTO_TCP), -1);
  EXPECT_EQ(errno, EPROTONOSUPPORT);
  EXPECT_EQ(socket(AF_INET, SOCK_DGRAM | SOCK_OOB | 0x100000, 0), -1) << "unknown type flags";
  EXPECT_EQ(errno, EINVAL);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_OOB, IPPROTO_UDP);
  EXPECT_GE(fd, 0);
  close(fd);
}

TEST_F(NetErrorsTest, EinvalForFlagsOtherThanMsgDontwait) {
  oob([&] {
    char buf[4];
    const int kRefused[] = {MSG_PEEK, MSG_TRUNC, MSG_WAITALL, MSG_DONTWAIT | MSG_PEEK, MSG_OOB};
    for (int flags : kRefused) {
      EXPECT_OOB_ERROR(oob_send_to(fd_, "x", 1, &addr_, flags), EINVAL);
      EXPECT_OOB_ERROR(oob_receive(fd_, buf, sizeof buf, nullptr, nullptr, flags), EINVAL);
    }
  });
}

TEST_F(NetErrorsTest, EinvalForBadAddressesAndLengths) {
  oob([&] {
    struct iovec iov = {const_cast<char*>("x"), 1};
    struct oob_msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_name = &addr_;
    msg.msg_namelen = sizeof addr_ - 1;
    EXPECT_OOB_ERROR(oob_sendmsg(fd_, &msg, nullptr, 0), EINVAL) << "short address";
    EXPECT_OOB_ERROR(oob_recvmsg(fd_, &msg, nullptr, MSG_DONTWAIT), EINVAL) << "short address";
    msg.msg_name = nullptr;
    msg.msg_namelen = sizeof addr_;
    EXPECT_OOB_ERROR(oob_recvmsg(fd_, &msg, nullptr, MSG_DONTWAIT), EINVAL) << "a length without a name";
    sockaddr_in zero_port = addr_;
    zero_port.sin_port = 0;
    EXPECT_OOB_ERROR(oob_send_to(fd_, "x", 1, &zero_port), EINVAL);
    sockaddr_in zero_host = addr_;
    zero_host.sin_addr.s_addr = 0;
    EXPECT_OOB_ERROR(oob_send_to(fd_, "x", 1, &zero_host), EINVAL);
    msg.msg_name = &addr_;
    msg.msg_namelen = sizeof addr_;
    msg.msg_iovlen = 1025;  // beyond UIO_MAXIOV
    EXPECT_OOB_ERROR(oob_sendmsg(fd_, &msg, nullptr, 0), EINVAL);
  });
}

TEST_F(NetErrorsTest, EinvalForABadTimeout) {
  oob([&] {
    char buf[4];
    for (long nsec : {-1L, 1000000000L}) {
      struct timespec bad = {5, nsec};
      EXPECT_OOB_ERROR(oob_receive(fd_, buf, sizeof buf, nullptr, nullptr, 0, &bad), EINVAL);
      EXPECT_OOB_ERROR(oob_send_to(fd_, "x", 1, &addr_, 0, &bad), EINVAL);
    }
  });
}

TEST_F(NetErrorsTest, EfaultForBadPointers) {
  oob([&] {
    EXPECT_OOB_ERROR(oob_sendmsg(fd_, nullptr, nullptr, 0), EFAULT);
    EXPECT_OOB_ERROR(oob_recvmsg(fd_, nullptr, nullptr, 0), EFAULT);
    struct oob_msghdr msg = {};
    msg.msg_iov = nullptr;
    msg.msg_iovlen = 1;
    msg.msg_name = &addr_;
    msg.msg_namelen = sizeof addr_;
    EXPECT_OOB_ERROR(oob_sendmsg(fd_, &msg, nullptr, 0), EFAULT);
    struct iovec iov = {nullptr, 10};
    msg.msg_iov = &iov;
    EXPECT_OOB_ERROR(oob_recvmsg(fd_, &msg, nullptr, MSG_DONTWAIT), EFAULT);
  });
  EXPECT_EQ(evl_net_solicit(fd_, nullptr, 0), -EFAULT);
}

TEST_F(NetErrorsTest, EafnosupportForAnotherFamily) {
  sockaddr_in other = addr_;
  other.sin_family = AF_INET6;
  oob([&] { EXPECT_OOB_ERROR(oob_send_to(fd_, "x", 1, &other), EAFNOSUPPORT); });
  EXPECT_EQ(sendto(fd_, "x", 1, 0, sa(&other), sizeof other), -1);
  EXPECT_EQ(errno, EAFNOSUPPORT);
  EXPECT_EQ(evl_net_solicit(fd_, sa(&other), 0), -EAFNOSUPPORT);
}

TEST_F(NetErrorsTest, EmsgsizeAboveTheDatagramLimit) {
  std::string big(65508, 'b');
  oob([&] {
    EXPECT_OOB_ERROR(oob_send_to(fd_, big.data(), big.size(), &addr_), EMSGSIZE);
    EXPECT_EQ(oob_send_to(fd_, big.data(), 65507, &addr_), 65507) << "the largest datagram is fine";
  });
  EXPECT_EQ(sendto(fd_, big.data(), big.size(), 0, sa(&addr_), sizeof addr_), -1);
  EXPECT_EQ(errno, EMSGSIZE);
}

TEST_F(NetErrorsTest, EdestaddrreqWithoutAnAddressWhenNotConnected) {
  oob([&] {
    EXPECT_OOB_ERROR(oob_send_to(fd_, "x", 1, nullptr), EDESTADDRREQ);
    EXPECT_EQ(oob_write(fd_, "x", 1), -1);
    EXPECT_EQ(errno, EDESTADDRREQ);
  });
  EXPECT_EQ(send(fd_, "x", 1, 0), -1);
  EXPECT_EQ(errno, EDESTADDRREQ);
}

// Fills the send queue while the worker is held; returns how many went in.
int fill_send_queue(int fd, const sockaddr_in& to) {
  static const std::string big(60000, 'f');
  int queued = 0;
  while (oob_send_to(fd, big.data(), big.size(), &to, MSG_DONTWAIT) == static_cast<ssize_t>(big.size())) queued++;
  return queued;
}

TEST_F(NetErrorsTest, EagainWhenNothingWaitsOrTheQueueIsFull) {
  UdpPeer sink(loopback(0));
  const sockaddr_in sink_addr = sink.address();
  oskit_evl_net_hold_worker(1);
  oob([&] {
    char buf[4];
    EXPECT_OOB_ERROR(oob_receive(fd_, buf, sizeof buf, nullptr, nullptr, MSG_DONTWAIT), EWOULDBLOCK);
    EXPECT_GT(fill_send_queue(fd_, sink_addr), 0);
    EXPECT_OOB_ERROR(oob_send_to(fd_, "x", 60000, &sink_addr, MSG_DONTWAIT), EAGAIN);
  });
  while (kernel_revents(fd_, POLLOUT) != 0) std::this_thread::yield();  // a full queue is not writable
  static const std::string big(60000, 'g');
  EXPECT_EQ(sendto(fd_, big.data(), big.size(), MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&sink_addr),
                   sizeof sink_addr),
            -1);
  EXPECT_EQ(errno, EAGAIN);
  oskit_evl_net_hold_worker(0);
  EXPECT_NE(kernel_wait_for(fd_, POLLOUT) & POLLOUT, 0) << "writable again once sent";
}

TEST_F(NetErrorsTest, EtimedoutWhenTheDeadlinePasses) {
  UdpPeer sink(loopback(0));
  const sockaddr_in sink_addr = sink.address();
  oob([&] {
    char buf[4];
    struct timespec soon = deadline_in(1000000);
    EXPECT_OOB_ERROR(oob_receive(fd_, buf, sizeof buf, nullptr, nullptr, 0, &soon), ETIMEDOUT);
  });
  oskit_evl_net_hold_worker(1);
  oob([&] {
    fill_send_queue(fd_, sink_addr);
    struct timespec soon = deadline_in(1000000);
    EXPECT_OOB_ERROR(oob_send_to(fd_, "x", 60000, &sink_addr, 0, &soon), ETIMEDOUT) << "no room in time";
  });
  oskit_evl_net_hold_worker(0);
}

TEST_F(NetErrorsTest, EpipeAfterShutdownForWriting) {
  EXPECT_EQ(shutdown(fd_, SHUT_WR), -1) << "not connected: Linux says so, and shuts down anyway";
  EXPECT_EQ(errno, ENOTCONN);
  oob([&] { EXPECT_OOB_ERROR(oob_send_to(fd_, "x", 1, &addr_), EPIPE); });
  EXPECT_EQ(sendto(fd_, "x", 1, MSG_NOSIGNAL, sa(&addr_), sizeof addr_), -1);
  EXPECT_EQ(errno, EPIPE);
}

TEST_F(NetErrorsTest, InbandCallsRefuseWhatTheEmulationDoesNotCarry) {
  EXPECT_EQ(sendto(fd_, "x", 1, MSG_OOB, sa(&addr_), sizeof addr_), -1);
  EXPECT_EQ(errno, EOPNOTSUPP);
  EXPECT_EQ(sendto(fd_, "x", 1, MSG_MORE, sa(&addr_), sizeof addr_), -1);
  EXPECT_EQ(errno, EOPNOTSUPP);
  char control[CMSG_SPACE(sizeof(int))] = {};
  struct iovec iov = {const_cast<char*>("x"), 1};
  struct msghdr msg = {};
  msg.msg_name = &addr_;
  msg.msg_namelen = sizeof addr_;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  EXPECT_EQ(sendmsg(fd_, &msg, 0), -1);
  EXPECT_EQ(errno, EOPNOTSUPP);
  char buf[4];
  EXPECT_EQ(recv(fd_, buf, sizeof buf, MSG_ERRQUEUE), -1);
  EXPECT_EQ(errno, EAGAIN) << "errors are pending errors, never queued";
}

TEST_F(NetErrorsTest, SolicitRefusesBadArguments) {
  sockaddr_in peer = loopback(9);
  EXPECT_EQ(evl_net_solicit(fd_, sa(&peer), 0x10), -EINVAL);
}

}  // namespace
}  // namespace oskit::evl::testing
