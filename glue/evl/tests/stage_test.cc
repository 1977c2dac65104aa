// Stage tracking: the proxy's oob_write path causes no stage violation; an
// in-band system call from an out-of-band thread is counted, logged or
// aborts as configured.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <thread>

#include <evl/evl.h>
#include "glue/env/counting_env.h"
#include "glue/evl/emul/seams.h"
#include "glue/evl/evl_thread.h"
#include "glue/evl/stage.h"

#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class StageTest : public EvlTest {
 protected:
  void SetUp() override { oskit_evl_stage_reset(); }
};

TEST_F(StageTest, UnattachedThreadsAreAlwaysInband) {
  EXPECT_EQ(oskit_evl_stage_current(), OSKIT_EVL_STAGE_UNATTACHED);
  EXPECT_TRUE(evl_is_inband());
  EXPECT_EQ(evl_get_self(), -EPERM);
  EXPECT_EQ(evl_switch_oob(), -EPERM);
  EXPECT_EQ(evl_detach_self(), -EPERM);
  Pipe p;
  ASSERT_EQ(write(p.w, "x", 1), 1);
  EXPECT_EQ(oskit_evl_stage_violations(), 0u);
}

TEST_F(StageTest, AttachDetachAndSwitches) {
  std::thread t([] {
    int fd = evl_attach_self("stage-attach:%d", getpid());
    ASSERT_GE(fd, 0);
    EXPECT_EQ(evl_get_self(), fd);
    EXPECT_EQ(evl_attach_self("again"), -EBUSY);
    EXPECT_EQ(oskit_evl_stage_current(), OSKIT_EVL_STAGE_INBAND);
    EXPECT_EQ(evl_switch_oob(), 0);
    EXPECT_FALSE(evl_is_inband());
    EXPECT_EQ(evl_switch_inband(), 0);
    EXPECT_TRUE(evl_is_inband());
    EXPECT_EQ(evl_detach_thread(1), -EINVAL);
    EXPECT_EQ(evl_detach_self(), 0);
    EXPECT_EQ(evl_get_self(), -EPERM);
  });
  t.join();
  EXPECT_EQ(evl_attach_thread(EVL_CLONE_INPUT, "bad-flags"), -EINVAL);
}

TEST_F(StageTest, ThreadNamesAreUnique) {
  std::thread a([] {
    ASSERT_GE(evl_attach_self("unique:%d", getpid()), 0);
    std::thread b([] { EXPECT_EQ(evl_attach_self("unique:%d", getpid()), -EEXIST); });
    b.join();
    evl_detach_self();
  });
  a.join();
}

TEST_F(StageTest, ProxyOobWritePathCausesNoViolation) {
  Pipe p;
  ASSERT_EQ(fcntl(p.w, F_SETPIPE_SZ, 4096), 4096);
  std::string fill(4096, 'f');
  ASSERT_EQ(::write(p.w, fill.data(), fill.size()), 4096);  // the relay blocks: writes pile up
  int fd = evl_new_proxy(p.w, 1 << 16, nullptr);
  ASSERT_GE(fd, 0);
  std::thread producer([&] {
    ASSERT_GE(evl_attach_self("rt-producer:%d", getpid()), 0);
    oskit_evl_stage_reset();
    char rec[64] = {0};
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(oob_write(fd, rec, sizeof rec), 64);
    EXPECT_EQ(evl_send_proxy(fd, rec, sizeof rec), 64);  // oob: the same path
    EXPECT_EQ(evl_print_proxy(fd, "%s", "formatted"), 9);
    EXPECT_EQ(oskit_evl_stage_current(), OSKIT_EVL_STAGE_OOB);
    EXPECT_EQ(oskit_evl_stage_thread_violations(), 0u);
    evl_switch_inband();
    evl_detach_self();
  });
  producer.join();
  EXPECT_EQ(oskit_evl_stage_violations(), 0u);
  oskit_evl_proxy_stats st;
  ASSERT_EQ(oskit_evl_proxy_get_stats(fd, &st), 0);
  // At most the empty-to-non-empty transition, and only if the worker had
  // gone to sleep by then (it polls for a while first).
  EXPECT_LE(st.worker_wakeups, 1u);
  EXPECT_LE(st.worker_wakeups, st.worker_sleeps);
  std::string sink(4096 + 1001 * 64 + 9, 0);
  ASSERT_TRUE(read_fully(p.r, &sink[0], sink.size()));
  close(fd);
}

TEST_F(StageTest, InbandCallFromOobIsCounted) {
  Pipe p;
  int fd = evl_new_proxy(p.w, 64, nullptr);
  ASSERT_GE(fd, 0);
  std::thread t([&] {
    ASSERT_GE(evl_attach_self("violator:%d", getpid()), 0);
    oskit_evl_stage_reset();
    ASSERT_EQ(oob_write(fd, "a", 1), 1);
    EXPECT_EQ(oskit_evl_stage_current(), OSKIT_EVL_STAGE_OOB);
    ASSERT_EQ(write(fd, "b", 1), 1);  // in-band write(2) while out-of-band
    EXPECT_EQ(oskit_evl_stage_thread_violations(), 1u);
    EXPECT_EQ(oskit_evl_stage_current(), OSKIT_EVL_STAGE_INBAND);  // demoted
    ASSERT_EQ(write(fd, "c", 1), 1);                               // in-band already: no violation
    EXPECT_EQ(oskit_evl_stage_thread_violations(), 1u);
    ASSERT_EQ(oob_write(fd, "d", 1), 1);
    int other = evl_new_proxy(p.w, 64, nullptr);  // creation is in-band
    EXPECT_GE(other, 0);
    EXPECT_EQ(oskit_evl_stage_thread_violations(), 2u);
    close(other);
    evl_detach_self();
  });
  t.join();
  EXPECT_EQ(oskit_evl_stage_violations(), 2u);
  char buf[4];
  ASSERT_TRUE(read_fully(p.r, buf, 4));
  EXPECT_EQ(memcmp(buf, "abcd", 4), 0);
  close(fd);
}

TEST_F(StageTest, ViolationsAreLoggedWhenConfigured) {
  env::CountingEnvironment counting;
  env::ScopedEnvironment scope(&counting);
  ASSERT_TRUE(scope.status().ok());
  ASSERT_EQ(oskit_evl_stage_set_action(OSKIT_EVL_STAGE_LOG), OSKIT_EVL_STAGE_COUNT);
  Pipe p;
  int fd = evl_new_proxy(p.w, 64, nullptr);
  std::thread t([&] {
    ASSERT_GE(evl_attach_self("logged:%d", getpid()), 0);
    ASSERT_EQ(oob_write(fd, "a", 1), 1);
    ASSERT_EQ(write(p.w, "b", 1), 1);
    evl_detach_self();
  });
  t.join();
  EXPECT_EQ(oskit_evl_stage_set_action(OSKIT_EVL_STAGE_COUNT), OSKIT_EVL_STAGE_LOG);
  EXPECT_EQ(oskit_evl_stage_set_action(7), -EINVAL);
  bool found = false;
  for (const std::string& line : counting.log_lines()) {
    if (line.find("stage violation: in-band write") != std::string::npos && line.find("logged:") != std::string::npos) {
      found = true;
    }
  }
  EXPECT_TRUE(found);
  close(fd);
}

TEST_F(StageTest, ViolationAbortsWhenConfigured) {
  EXPECT_DEATH(
      {
        oskit_evl_stage_set_action(OSKIT_EVL_STAGE_ABORT);
        evl_attach_self("aborter");
        evl_switch_oob();
        close(-1);
      },
      "");
}

TEST_F(StageTest, EvlThreadThroughEnvironment) {
  env::CountingEnvironment counting;
  env::ScopedEnvironment scope(&counting);
  ASSERT_TRUE(scope.status().ok());
  int self_fd = -1;
  auto t = start_evl_thread("env-evl-thread", [&] { self_fd = evl_get_self(); });
  ASSERT_TRUE(t.ok()) << t.status();
  (*t)->join();
  EXPECT_GE(self_fd, 0);
  EXPECT_EQ(counting.threads_started(), 1);
}

}  // namespace
}  // namespace oskit::evl::testing
