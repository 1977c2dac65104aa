// Regression tests of defects the proxy fuzz target and the soak test found
// in the EVL proxy emulation (glue/evl/emul/proxy.cc). Each names the defect
// it reproduced and checks the documented behaviour (the EVL documentation's
// "File proxy" page, docs/design.md, "Proxies").
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <evl/evl.h>
#include <evl/poll.h>
#include <evl/proxy.h>
#include <evl/syscall.h>
#include <evl/thread.h>

#include <cstdio>
#include <string>
#include <thread>

#include "glue/evl/emul/seams.h"
#include "glue/evl/testing/evl_testing.h"
#include "glue/evl/testing/scripted_target.h"
#include "gtest/gtest.h"

namespace oskit::fuzz {
namespace {

using evl::testing::evl_wait_for;
using evl::testing::EvlTest;
using evl::testing::Fault;
using evl::testing::run_on_evl_thread;
using evl::testing::ScriptedTarget;

class ProxyDefects : public EvlTest {};

// Defect: close(2) can return with output still in the ring, neither relayed
// nor reported. The relay worker checks the ring (empty), then stopping (set
// by close meanwhile): a write that lands between the two is dropped without
// a word. Close must drain what was accepted before it (docs/design.md,
// "Proxies": close drains pending output).
TEST_F(ProxyDefects, CloseRightAfterAWriteDeliversIt) {
  run_on_evl_thread("close-race", [] {
    int lost_rounds = 0;
    for (int round = 0; round < 200; ++round) {
      ScriptedTarget target(0);
      ASSERT_TRUE(target.ok());
      target.set_delay_us(100);
      const int fd = evl_new_proxy(target.proxy_fd(), 1024, nullptr);
      ASSERT_GE(fd, 0);
      ASSERT_EQ(oskit_evl_proxy_set_target_io(fd, target.io()), 0);
      ASSERT_EQ(oob_write(fd, "0123456789", 10), 10);
      ASSERT_TRUE(evl_wait_for(fd, POLLOUT) & POLLOUT);  // all of it reached the target
      ASSERT_EQ(oob_write(fd, "x", 1), 1);
      ASSERT_EQ(close(fd), 0);
      if (target.delivered() != "0123456789x") ++lost_rounds;
    }
    EXPECT_EQ(lost_rounds, 0) << "rounds in which close dropped an accepted write without a report";
  });
}

// Defect: a record's 8-byte header and its padding count against the ring's
// storage, so one-byte writes get EAGAIN after about bufsz/16 records instead
// of bufsz ("File proxy": bufsz is the size of the buffer where the relayed
// data is kept). With the target full, a non-blocking writer must be able to
// queue bufsz payload bytes, whatever the record sizes.
TEST_F(ProxyDefects, SmallWritesFillTheWholeRing) {
  run_on_evl_thread("small-writes", [] {
    ScriptedTarget target(0);
    ASSERT_TRUE(target.ok());
    constexpr size_t kBufsz = 4096;
    const int fd = evl_create_proxy(target.proxy_fd(), kBufsz, 0, EVL_CLONE_OUTPUT | EVL_CLONE_NONBLOCK, nullptr);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(oskit_evl_proxy_set_target_io(fd, target.io()), 0);
    target.set_gate(true);  // full: nothing leaves the ring
    size_t queued = 0;
    while (oob_write(fd, "x", 1) == 1) ++queued;
    EXPECT_EQ(errno, EAGAIN);
    EXPECT_EQ(queued, kBufsz) << "one-byte records queued before EAGAIN";
    target.set_gate(false);
    EXPECT_TRUE(evl_wait_for(fd, POLLOUT) & POLLOUT);
    EXPECT_EQ(target.delivered_size(), queued);
    close(fd);
  });
}

// Defect: close(2) never returns while the target stays full: the relay's
// retry loop never looks at stopping. Close must return promptly, counting
// and logging what it leaves undelivered (docs/design.md, "Proxies").
TEST_F(ProxyDefects, CloseReturnsWhileTheTargetStaysFull) {
  run_on_evl_thread("close-full", [] {
    ScriptedTarget target(0);
    ASSERT_TRUE(target.ok());
    const int fd = evl_new_proxy(target.proxy_fd(), 1024, nullptr);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(oskit_evl_proxy_set_target_io(fd, target.io()), 0);
    target.set_gate(true);
    ASSERT_EQ(oob_write(fd, "pending", 7), 7);
    EXPECT_EQ(close(fd), 0);
    EXPECT_TRUE(target.gated()) << "close returned without the target draining";
    EXPECT_EQ(target.delivered_size(), 0u);
  });
}

// Defect: after a permanent input failure is reported once, a non-blocking
// read says EAGAIN (and a blocking one waits for ever) although nothing will
// ever come. A permanent failure stays visible: every later read returns it,
// or end of file.
TEST_F(ProxyDefects, PermanentInputFailureStaysVisible) {
  run_on_evl_thread("input-failure", [] {
    ScriptedTarget target(0);
    ASSERT_TRUE(target.ok());
    target.plan_input({Fault::kPermanent, EBADF});
    const int fd = evl_create_proxy(target.proxy_fd(), 1024, 0, EVL_CLONE_INPUT | EVL_CLONE_NONBLOCK, nullptr);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(oskit_evl_proxy_set_target_io(fd, target.io()), 0);
    ASSERT_EQ(target.feed("data", 4), 4u);
    char buf[16];
    // The target is read when a reader asks: the first read asks and finds
    // nothing yet; the failure then turns the proxy readable (POLLERR).
    ASSERT_EQ(oob_read(fd, buf, sizeof buf), -1);
    EXPECT_EQ(errno, EAGAIN);
    EXPECT_TRUE(evl_wait_for(fd, POLLERR) & POLLERR);
    ASSERT_EQ(oob_read(fd, buf, sizeof buf), -1);
    EXPECT_EQ(errno, EBADF);
    for (int i = 0; i < 3; ++i) {
      const ssize_t rc = oob_read(fd, buf, sizeof buf);
      EXPECT_TRUE(rc == 0 || (rc == -1 && errno == EBADF))
          << "read " << i << " after the failure gave " << rc << " errno " << errno;
    }
    close(fd);
  });
}

// The resident set size of the process, in bytes.
long resident_bytes() {
  long pages = 0, resident = 0;
  FILE* f = fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  const int n = fscanf(f, "%ld %ld", &pages, &resident);
  fclose(f);
  return n == 2 ? resident * sysconf(_SC_PAGESIZE) : -1;
}

// Defect: a ring commits and zeroes three times bufsz at creation, so the
// largest legal proxy (bufsz 2^30, "File proxy") takes 3 GiB and seconds
// before anything is written. Creating any legal proxy must cost little until
// the ring is used.
TEST_F(ProxyDefects, LargestRingCostsNothingUntilUsed) {
  evl::testing::Pipe p;
  const long before = resident_bytes();
  const int fd = evl_new_proxy(p.w, size_t{1} << 30, nullptr);
  ASSERT_GE(fd, 0);
  const long after = resident_bytes();
  EXPECT_LT(after - before, 64l << 20) << "resident bytes added by creating the proxy";
  close(fd);
}

// Defect: with a granularity, a transient error from the target in the middle
// of a unit throws away the part of the unit already read: the bytes are lost
// and every later unit is shifted. A transient error is retried without
// losing data ("File proxy": with a granularity, each transfer moves exactly
// that many bytes; docs/design.md, "Proxies").
TEST_F(ProxyDefects, TransientInputErrorKeepsThePartialUnit) {
  run_on_evl_thread("input-partial-unit", [] {
    ScriptedTarget target(0);
    ASSERT_TRUE(target.ok());
    target.plan_input({Fault::kShort, 4});        // half a unit arrives
    target.plan_input({Fault::kTransient, EIO});  // then the target fails once
    const int fd = evl_create_proxy(target.proxy_fd(), 64, 8, EVL_CLONE_INPUT, nullptr);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(oskit_evl_proxy_set_target_io(fd, target.io()), 0);
    ASSERT_EQ(target.feed("0123456789abcdef", 16), 16u);
    char unit[8];
    ssize_t rc = oob_read(fd, unit, sizeof unit);
    if (rc == -1 && errno == EIO) rc = oob_read(fd, unit, sizeof unit);  // the error, reported once
    ASSERT_EQ(rc, 8);
    EXPECT_EQ(std::string(unit, 8), "01234567");
    close(fd);
  });
}

}  // namespace
}  // namespace oskit::fuzz
