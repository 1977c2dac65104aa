// Poll events of a proxy (the EVL "File proxy" page, "Events pollable from a
// proxy file descriptor"), through evl_poll and through poll(2)/epoll on the
// descriptor.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <thread>

#include <evl/evl.h>

#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class ProxyPollTest : public AttachedEvlTest {};

// A deadline already passed: evl_timedpoll reports what is ready now.
struct timespec past() {
  struct timespec ts = {0, 1};
  return ts;
}

unsigned int evl_ready_now(int fd, unsigned int events) {
  int set = evl_new_poll();
  evl_add_pollfd(set, fd, events, evl_nil);
  struct evl_poll_event ev = {0, 0};
  struct timespec deadline = past();
  int n = evl_timedpoll(set, &ev, 1, &deadline);
  close(set);
  return n == 1 ? ev.events : 0;
}

TEST_F(ProxyPollTest, PolloutWhenOutputRingEmptyAndAllocated) {
  Pipe p;
  int fd = evl_new_proxy(p.w, 64, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(evl_ready_now(fd, POLLOUT | POLLWRNORM), static_cast<unsigned>(POLLOUT | POLLWRNORM));
  EXPECT_EQ(kernel_revents(fd, POLLOUT | POLLWRNORM), POLLOUT | POLLWRNORM);
  close(fd);
}

TEST_F(ProxyPollTest, NoPolloutWhileOutputPendingThenPolloutOnceDrained) {
  Pipe p;
  ASSERT_EQ(fcntl(p.w, F_SETPIPE_SZ, 4096), 4096);
  std::string fill(4096, 'f');
  ASSERT_EQ(::write(p.w, fill.data(), fill.size()), 4096);  // the target is full
  int fd = evl_new_proxy(p.w, 64, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "pending", 7), 7);  // in-band: the descriptor is updated at once
  EXPECT_EQ(evl_ready_now(fd, POLLOUT) & POLLOUT, 0u);
  EXPECT_EQ(kernel_revents(fd, POLLOUT) & POLLOUT, 0);
  int ep = epoll_create1(0);
  struct epoll_event ev = {EPOLLOUT, {.fd = fd}};
  ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
  EXPECT_EQ(epoll_wait(ep, &ev, 1, 0), 0);
  std::string sink(4096 + 7, 0);
  ASSERT_TRUE(read_fully(p.r, &sink[0], sink.size()));
  EXPECT_EQ(sink.substr(4096), "pending");
  EXPECT_NE(kernel_wait_for(fd, POLLOUT) & POLLOUT, 0);
  EXPECT_EQ(epoll_wait(ep, &ev, 1, -1), 1);
  EXPECT_EQ(ev.events & EPOLLOUT, static_cast<unsigned>(EPOLLOUT));
  EXPECT_EQ(evl_wait_for(fd, POLLOUT | POLLWRNORM), static_cast<unsigned>(POLLOUT | POLLWRNORM));
  close(ep);
  close(fd);
}

TEST_F(ProxyPollTest, OobWriteClearsPolloutOnceTheRelayRuns) {
  Pipe p;
  ASSERT_EQ(fcntl(p.w, F_SETPIPE_SZ, 4096), 4096);
  std::string fill(4096, 'f');
  ASSERT_EQ(::write(p.w, fill.data(), fill.size()), 4096);
  int fd = evl_new_proxy(p.w, 64, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(oob_write(fd, "x", 1), 1);
  EXPECT_EQ(evl_ready_now(fd, POLLOUT) & POLLOUT, 0u);  // evl_poll sees the ring at once
  std::string sink(4097, 0);
  ASSERT_TRUE(read_fully(p.r, &sink[0], sink.size()));
  EXPECT_NE(kernel_wait_for(fd, POLLOUT) & POLLOUT, 0);
  close(fd);
}

TEST_F(ProxyPollTest, ZeroSizedProxyNeverRaisesPolloutAndReportsPollerr) {
  int memfd = memfd_create("poll-map", 0);
  ASSERT_GE(memfd, 0);
  int fd = evl_new_proxy(memfd, 0, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(evl_ready_now(fd, POLLOUT | POLLIN), static_cast<unsigned>(POLLERR));
  EXPECT_EQ(kernel_revents(fd, POLLOUT | POLLIN) & (POLLOUT | POLLIN), 0);
  close(fd);
  close(memfd);
}

TEST_F(ProxyPollTest, PollinWhenInputDataAvailable) {
  Pipe p;
  int fd = evl_create_proxy(p.r, 64, 0, EVL_CLONE_INPUT, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(evl_ready_now(fd, POLLIN) & POLLIN, 0u);
  EXPECT_EQ(kernel_revents(fd, POLLIN), 0);
  ASSERT_EQ(::write(p.w, "in", 2), 2);
  EXPECT_EQ(evl_wait_for(fd, POLLIN | POLLRDNORM), static_cast<unsigned>(POLLIN | POLLRDNORM));
  EXPECT_EQ(kernel_wait_for(fd, POLLIN | POLLRDNORM) & (POLLIN | POLLRDNORM), POLLIN | POLLRDNORM);
  int ep = epoll_create1(0);
  struct epoll_event ev = {EPOLLIN, {.fd = fd}};
  ASSERT_EQ(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
  ASSERT_EQ(epoll_wait(ep, &ev, 1, -1), 1);
  EXPECT_EQ(ev.events, static_cast<unsigned>(EPOLLIN));
  EXPECT_EQ(ev.data.fd, fd);
  char buf[2];
  ASSERT_TRUE(read_fully(fd, buf, 2));  // in-band: POLLIN goes at once
  EXPECT_EQ(kernel_revents(fd, POLLIN), 0);
  EXPECT_EQ(evl_ready_now(fd, POLLIN), 0u);
  EXPECT_EQ(epoll_wait(ep, &ev, 1, 0), 0);
  close(ep);
  close(fd);
}

// As the core does, a proxy reads from its target when a reader asks, not
// ahead: pollers see the target's input, which stays there until then.
TEST_F(ProxyPollTest, InputIsReadFromTheTargetOnlyWhenAReaderAsks) {
  const int efd = eventfd(7, EFD_CLOEXEC);
  ASSERT_GE(efd, 0);
  int fd = evl_create_proxy(efd, 8, 8, EVL_CLONE_INPUT | EVL_CLONE_OUTPUT, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(evl_wait_for(fd, POLLIN), static_cast<unsigned>(POLLIN));
  uint64_t value = 0;
  ASSERT_EQ(oob_read(fd, &value, sizeof value), static_cast<ssize_t>(sizeof value));
  EXPECT_EQ(value, 7u);
  value = 9;
  ASSERT_EQ(oob_write(fd, &value, sizeof value), static_cast<ssize_t>(sizeof value));
  EXPECT_EQ(kernel_wait_for(fd, POLLIN) & POLLIN, POLLIN) << "the target has input again";
  ASSERT_EQ(::read(efd, &value, sizeof value), static_cast<ssize_t>(sizeof value));
  EXPECT_EQ(value, 9u) << "the proxy left it in the target";
  close(fd);
  close(efd);
}

TEST_F(ProxyPollTest, PollerrOnDirectionNotEnabled) {
  OneWayProxies proxies(64);
  EXPECT_EQ(evl_ready_now(proxies.out, POLLIN) & POLLERR, static_cast<unsigned>(POLLERR));
  EXPECT_EQ(evl_ready_now(proxies.in, POLLOUT) & POLLERR, static_cast<unsigned>(POLLERR));
  EXPECT_EQ(evl_ready_now(proxies.in, POLLOUT) & POLLOUT, 0u);  // never POLLOUT without an output ring
  EXPECT_EQ(kernel_revents(proxies.in, POLLOUT), 0);
  EXPECT_EQ(evl_ready_now(proxies.out, POLLOUT), static_cast<unsigned>(POLLOUT));
}

TEST_F(ProxyPollTest, BothDirectionsReportIndependently) {
  Pipe a, b;
  int fd = evl_create_proxy(a.r, 64, 0, EVL_CLONE_INPUT | EVL_CLONE_OUTPUT, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(kernel_revents(fd, POLLIN | POLLOUT), POLLOUT);
  ASSERT_EQ(::write(a.w, "z", 1), 1);
  EXPECT_EQ(evl_wait_for(fd, POLLIN), static_cast<unsigned>(POLLIN));
  kernel_wait_for(fd, POLLIN);
  EXPECT_EQ(kernel_revents(fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
  close(fd);
}

TEST_F(ProxyPollTest, PollSetErrors) {
  Pipe p;
  int set = evl_new_poll();
  ASSERT_GE(set, 0);
  struct evl_poll_event ev;
  EXPECT_EQ(evl_poll(p.r, &ev, 1), -EBADF);
  EXPECT_EQ(evl_poll(set, &ev, 0), -EINVAL);
  EXPECT_EQ(evl_add_pollfd(set, p.r, POLLIN, evl_nil), -EBADF);  // not oob-capable
  EXPECT_EQ(evl_add_pollfd(set, set, POLLIN, evl_nil), -ELOOP);
  int fd = evl_create_proxy(p.r, 64, 0, EVL_CLONE_INPUT | EVL_CLONE_OUTPUT, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(evl_add_pollfd(set, fd, POLLIN, evl_nil), 0);
  EXPECT_EQ(evl_add_pollfd(set, fd, POLLIN, evl_nil), -EEXIST);
  struct timespec deadline = past();
  EXPECT_EQ(evl_timedpoll(set, &ev, 1, &deadline), -ETIMEDOUT);  // no input yet
  EXPECT_EQ(evl_mod_pollfd(set, fd, POLLOUT, evl_nil), 0);
  EXPECT_EQ(evl_poll(set, &ev, 1), 1);
  EXPECT_EQ(ev.fd, static_cast<__u32>(fd));
  EXPECT_EQ(ev.events, static_cast<__u32>(POLLOUT));
  EXPECT_EQ(evl_del_pollfd(set, fd), 0);
  EXPECT_EQ(evl_del_pollfd(set, fd), -ENOENT);
  EXPECT_EQ(evl_mod_pollfd(set, fd, POLLIN, evl_nil), -ENOENT);
  close(fd);
  close(set);
}

TEST_F(ProxyPollTest, EvlPollWakesOnInputFromAnotherThread) {
  Pipe p;
  int fd = evl_create_proxy(p.r, 64, 0, EVL_CLONE_INPUT, nullptr);
  ASSERT_GE(fd, 0);
  int set = evl_new_poll();
  ASSERT_EQ(evl_add_pollfd(set, fd, POLLIN, evl_nil), 0);
  std::thread poller([&] {
    ASSERT_GE(evl_attach_self("poller:%d", getpid()), 0);
    struct evl_poll_event ev;
    EXPECT_EQ(evl_poll(set, &ev, 1), 1);
    EXPECT_EQ(ev.events, static_cast<__u32>(POLLIN));
    char c;
    EXPECT_EQ(oob_read(fd, &c, 1), 1);
    EXPECT_EQ(c, 'w');
    evl_detach_self();
  });
  ASSERT_EQ(::write(p.w, "w", 1), 1);
  poller.join();
  close(set);
  close(fd);
}

}  // namespace
}  // namespace oskit::evl::testing
