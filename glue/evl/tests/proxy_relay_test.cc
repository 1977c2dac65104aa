// Proxies relaying to and from targets: in-band and oob transfers, echo over
// pipes, the eventfd relay of the EVL "File proxy" page, program order and no
// loss under short writes and intermittent target failures, close with
// pending output.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <evl/evl.h>
#include "glue/evl/emul/seams.h"

#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class ProxyRelayTest : public AttachedEvlTest {};

TEST_F(ProxyRelayTest, OobWriteReachesTarget) {
  Pipe p;
  int fd = evl_new_proxy(p.w, 4096, "relay-basic:%d", getpid());
  ASSERT_GE(fd, 0) << strerror(-fd);
  ASSERT_EQ(oob_write(fd, "hello", 5), 5);
  char buf[5];
  ASSERT_TRUE(read_fully(p.r, buf, 5));
  EXPECT_EQ(memcmp(buf, "hello", 5), 0);
  EXPECT_EQ(close(fd), 0);
}

TEST_F(ProxyRelayTest, InbandWriteAndSendProxyReachTarget) {
  Pipe p;
  int fd = evl_new_proxy(p.w, 4096, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "ab", 2), 2);
  ASSERT_EQ(evl_send_proxy(fd, "cd", 2), 2);
  ASSERT_EQ(evl_send_proxy(fd, "", 0), 0);
  ASSERT_EQ(evl_print_proxy(fd, "%d-%s", 42, "x"), 4);
  char buf[8];
  ASSERT_TRUE(read_fully(p.r, buf, 8));
  EXPECT_EQ(std::string(buf, 8), "abcd42-x");
  close(fd);
}

TEST_F(ProxyRelayTest, EchoThroughInputAndOutputProxies) {
  Pipe to_echo, from_echo;
  int in = evl_create_proxy(to_echo.r, 1024, 0, EVL_CLONE_INPUT, "echo-in:%d", getpid());
  int out = evl_create_proxy(from_echo.w, 1024, 0, EVL_CLONE_OUTPUT, "echo-out:%d", getpid());
  ASSERT_GE(in, 0);
  ASSERT_GE(out, 0);
  std::thread echo([&] {
    ASSERT_GE(evl_attach_self("echo:%d", getpid()), 0);
    char buf[256];
    size_t total = 0;
    while (total < 3 * 100) {
      ssize_t n = oob_read(in, buf, sizeof buf);
      ASSERT_GT(n, 0);
      ASSERT_EQ(oob_write(out, buf, n), n);
      total += n;
    }
    evl_detach_self();
  });
  std::string sent, got;
  for (int i = 0; i < 100; ++i) {
    char msg[4];
    snprintf(msg, sizeof msg, "%03d", i);
    sent += msg;
    ASSERT_EQ(write(to_echo.w, msg, 3), 3);
  }
  got.resize(sent.size());
  ASSERT_TRUE(read_fully(from_echo.r, &got[0], got.size()));
  echo.join();
  EXPECT_EQ(got, sent);
  close(in);
  close(out);
}

TEST_F(ProxyRelayTest, InbandReadFromInputProxy) {
  Pipe p;
  int fd = evl_create_proxy(p.r, 64, 0, EVL_CLONE_INPUT, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(p.w, "xyz", 3), 3);
  char buf[3];
  ASSERT_TRUE(read_fully(fd, buf, 3));
  EXPECT_EQ(memcmp(buf, "xyz", 3), 0);
  ASSERT_EQ(evl_read_proxy(fd, buf, 0), 0);
  close(fd);
}

// The "File proxy" page: "allow up to 3 notifications to pile up", 64-bit transfers.
TEST_F(ProxyRelayTest, EventfdRelayWithGranularity8) {
  int evntfd = eventfd(0, EFD_SEMAPHORE);
  ASSERT_GE(evntfd, 0);
  int fd = evl_create_proxy(evntfd, sizeof(uint64_t) * 3, sizeof(uint64_t), 0, "event-relay:%d", getpid());
  ASSERT_GE(fd, 0) << strerror(-fd);
  std::thread waker([&] {
    ASSERT_GE(evl_attach_self("waker:%d", getpid()), 0);
    for (int i = 0; i < 10; ++i) {
      uint64_t val = 1;
      ASSERT_EQ(oob_write(fd, &val, sizeof val), static_cast<ssize_t>(sizeof val));
    }
    uint64_t three[2] = {1, 1};
    ASSERT_EQ(oob_write(fd, three, sizeof three), static_cast<ssize_t>(sizeof three));
    evl_detach_self();
  });
  for (int i = 0; i < 12; ++i) {
    uint64_t val = 0;
    ASSERT_EQ(read(evntfd, &val, sizeof val), static_cast<ssize_t>(sizeof val));
    EXPECT_EQ(val, 1u);  // EFD_SEMAPHORE: one per wakeup
  }
  waker.join();
  uint64_t half = 0;
  EXPECT_TRUE(fails_with(EINVAL, [&] { return oob_write(fd, &half, 4); }));  // not a multiple of the granularity
  close(fd);
  close(evntfd);
}

// A target that accepts at most a few bytes per call and fails every so often.
struct Flaky {
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> failures{0};
  static ssize_t writev(void* ctx, int fd, const struct iovec* iov, int iovcnt) {
    auto* self = static_cast<Flaky*>(ctx);
    uint64_t n = self->calls.fetch_add(1) + 1;
    if (n % 97 == 0) {
      self->failures.fetch_add(1);
      errno = EIO;
      return -1;
    }
    size_t limit = 1 + (n * 7919) % 3000;  // short writes of varying size
    struct iovec v[64];
    int k = 0;
    for (int i = 0; i < iovcnt && k < 64 && limit > 0; ++i) {
      size_t len = std::min(iov[i].iov_len, limit);
      v[k++] = {iov[i].iov_base, len};
      limit -= len;
    }
    return ::writev(fd, v, k);
  }
  static ssize_t read(void*, int fd, void* buf, size_t n) { return ::read(fd, buf, n); }
};

long records_per_producer() {
  const char* env = getenv("EVL_STRESS_RECORDS");
  if (env != nullptr) return atol(env);
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  return 100000;
#else
  return 1000000;
#endif
}

// 4 producers x N records, each record (producer, sequence) of 16 bytes, into
// one proxy whose target writes short and fails intermittently. A checker
// reads the socket and verifies every producer's sequence arrives complete
// and in order.
TEST_F(ProxyRelayTest, OrderAndNoLossUnderShortWritesAndFailures) {
  const int kProducers = 4;
  const long kRecords = records_per_producer();
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  int fd = evl_new_proxy(sv[0], 64 * 1024, "stress:%d", getpid());
  ASSERT_GE(fd, 0);
  Flaky flaky;
  oskit_evl_target_io io = {Flaky::writev, Flaky::read, &flaky};
  ASSERT_EQ(oskit_evl_proxy_set_target_io(fd, &io), 0);

  std::atomic<long> reported_errors{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      ASSERT_GE(evl_attach_self("producer-%d:%d", p, getpid()), 0);
      for (long i = 0; i < kRecords;) {
        uint64_t rec[2] = {static_cast<uint64_t>(p), static_cast<uint64_t>(i)};
        ssize_t n = oob_write(fd, rec, sizeof rec);
        if (n == static_cast<ssize_t>(sizeof rec)) {
          ++i;
          continue;
        }
        ASSERT_EQ(n, -1);
        ASSERT_EQ(errno, EIO);  // a target failure, reported once: resend
        reported_errors.fetch_add(1);
      }
      evl_detach_self();
    });
  }
  std::vector<long> next(kProducers, 0);
  long total = 0;
  bool ordered = true;
  while (total < kProducers * kRecords) {
    uint64_t rec[2];
    ASSERT_TRUE(read_fully(sv[1], rec, sizeof rec));
    ASSERT_LT(rec[0], static_cast<uint64_t>(kProducers));
    if (static_cast<long>(rec[1]) != next[rec[0]]) ordered = false;
    next[rec[0]] = static_cast<long>(rec[1]) + 1;
    ++total;
  }
  for (auto& t : producers) t.join();
  EXPECT_TRUE(ordered);
  for (int p = 0; p < kProducers; ++p) EXPECT_EQ(next[p], kRecords);
  // The worker counts a batch after the target took it, and empties the
  // ring after that: POLLOUT, then the counters are final.
  EXPECT_TRUE(evl_wait_for(fd, POLLOUT) & POLLOUT);
  oskit_evl_proxy_stats st;
  ASSERT_EQ(oskit_evl_proxy_get_stats(fd, &st), 0);
  EXPECT_GT(flaky.failures.load(), 0u);
  EXPECT_EQ(st.target_errors, flaky.failures.load());
  EXPECT_EQ(st.last_error, EIO);
  EXPECT_EQ(st.bytes_dropped, 0u);
  EXPECT_EQ(st.bytes_relayed_out, static_cast<uint64_t>(kProducers * kRecords * 16));
  ASSERT_EQ(close(fd), 0);
  close(sv[0]);
  close(sv[1]);
}

TEST_F(ProxyRelayTest, CloseFlushesPendingOutput) {
  Pipe p;
  int fd = evl_new_proxy(p.w, 1 << 20, nullptr);
  ASSERT_GE(fd, 0);
  std::string data(200000, 'q');
  std::thread reader([&] {
    std::string got(data.size(), 0);
    ASSERT_TRUE(read_fully(p.r, &got[0], got.size()));
    EXPECT_EQ(got, data);
  });
  ASSERT_EQ(oob_write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  ASSERT_EQ(close(fd), 0);  // returns once the ring reached the pipe
  reader.join();
}

TEST_F(ProxyRelayTest, PermanentTargetErrorIsReportedAndDropsAreCounted) {
  Pipe p;
  int fd = evl_new_proxy(p.w, 4096, nullptr);
  ASSERT_GE(fd, 0);
  close(p.r);
  p.r = -1;
  signal(SIGPIPE, SIG_IGN);
  ASSERT_EQ(oob_write(fd, "lost", 4), 4);
  EXPECT_NE(evl_wait_for(fd, POLLOUT) & POLLERR, 0u);
  EXPECT_NE(kernel_wait_for(fd, POLLIN) & POLLIN, 0) << "the error turns the descriptor readable, as a socket's does";
  EXPECT_TRUE(fails_with(EPIPE, [&] { return oob_write(fd, "more", 4); }));
  oskit_evl_proxy_stats st;
  ASSERT_EQ(oskit_evl_proxy_get_stats(fd, &st), 0);
  EXPECT_EQ(st.bytes_dropped, 4u);
  EXPECT_EQ(st.last_error, EPIPE);
  close(fd);
}

TEST_F(ProxyRelayTest, BlockingWriterWaitsForRoom) {
  Pipe p;
  int fd = evl_new_proxy(p.w, 16, nullptr);
  ASSERT_GE(fd, 0);
  std::thread writer([&] {
    ScopedAttach attached("blocking-writer");
    for (int i = 0; i < 64; ++i) ASSERT_EQ(oob_write(fd, "0123456789abcdef", 16), 16);
  });
  std::string got(64 * 16, 0);
  ASSERT_TRUE(read_fully(p.r, &got[0], got.size()));
  writer.join();
  for (int i = 0; i < 64; ++i) EXPECT_EQ(got.substr(i * 16, 16), "0123456789abcdef");
  close(fd);
}

TEST_F(ProxyRelayTest, PrintfGoesThroughStdoutProxy) {
  ASSERT_GE(proxy_outfd, 0);
  ASSERT_GE(proxy_errfd, 0);
  EXPECT_EQ(evl_stdout(), proxy_outfd);
  EXPECT_EQ(evl_printf("evl_printf %d\n", 7), 13);
  EXPECT_EQ(evl_eprintf("evl_eprintf\n"), 12);
  EXPECT_EQ(evl_wait_for(proxy_outfd, POLLOUT) & POLLOUT, static_cast<unsigned>(POLLOUT));
}

}  // namespace
}  // namespace oskit::evl::testing
