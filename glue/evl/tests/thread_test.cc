// EVL threads (<evl/thread.h>, <evl/sched.h>): mode bits, state reports,
// scheduling attributes, the control calls of the scheduler, and the errors
// of each call.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <string>
#include <thread>

#include <evl/evl.h>

#include "glue/evl/config.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class ThreadTest : public EvlTest {};

TEST_F(ThreadTest, ModeBitsFollowTheCoresRules) {
  run_on_evl_thread("thread-modes", [] {
    const int self = evl_get_self();
    int old = -1;
    ASSERT_EQ(evl_set_thread_mode(self, T_WOSS | T_WOLI | T_WOSX, &old), 0);
    EXPECT_EQ(old, 0);
    ASSERT_EQ(evl_set_thread_mode(self, 0, &old), 0);
    EXPECT_EQ(old, T_WOSS | T_WOLI | T_WOSX | T_HMSIG) << "SIGDEBUG is the default channel";
    ASSERT_EQ(evl_clear_thread_mode(self, T_WOSS, &old), 0);
    ASSERT_EQ(evl_clear_thread_mode(self, T_WOLI | T_WOSX, &old), 0);
    EXPECT_EQ(old, T_WOLI | T_WOSX | T_HMSIG);
    ASSERT_EQ(evl_set_thread_mode(self, 0, &old), 0);
    EXPECT_EQ(old, 0) << "no warning left: the channel goes too";
    EXPECT_EQ(evl_set_thread_mode(self, T_HMOBS, &old), -EINVAL);  // not observable
    EXPECT_EQ(evl_set_thread_mode(self, T_SUSP, &old), -EINVAL);   // not a mode bit
    EXPECT_EQ(evl_set_thread_mode(self, 0, nullptr), 0);
    EXPECT_EQ(evl_set_thread_mode(-1, 0, nullptr), -EBADF);
  });
}

TEST_F(ThreadTest, StateReportsAttributesAndBits) {
  run_on_evl_thread("thread-state", [] {
    const int self = evl_get_self();
    struct evl_thread_state state;
    ASSERT_EQ(evl_get_state(self, &state), 0);
    EXPECT_EQ(state.eattrs.sched_policy, SCHED_WEAK) << "attached from SCHED_OTHER";
    EXPECT_EQ(state.eattrs.sched_priority, 0);
    EXPECT_TRUE(state.state & T_USER);
    EXPECT_TRUE(state.state & T_WEAK);
    EXPECT_EQ(evl_get_state(self, reinterpret_cast<struct evl_thread_state*>(-1L)), -EFAULT);
    struct evl_sched_attrs attrs = {};
    attrs.sched_policy = SCHED_FIFO;
    attrs.sched_priority = 3;
    ASSERT_EQ(evl_set_schedattr(self, &attrs), 0);
    ASSERT_EQ(evl_get_state(self, &state), 0);
    EXPECT_EQ(state.eattrs.sched_policy, SCHED_FIFO);
    EXPECT_EQ(state.eattrs.sched_priority, 3);
    EXPECT_FALSE(state.state & T_WEAK);
    struct evl_sched_attrs back = {};
    ASSERT_EQ(evl_get_schedattr(self, &back), 0);
    EXPECT_EQ(back.sched_policy, SCHED_FIFO);
    EXPECT_EQ(back.sched_priority, 3);
    attrs.sched_priority = 0;
    EXPECT_EQ(evl_set_schedattr(self, &attrs), -EINVAL);
    attrs.sched_policy = SCHED_OTHER;
    attrs.sched_priority = 1;
    EXPECT_EQ(evl_set_schedattr(self, &attrs), -EINVAL);
    attrs.sched_policy = SCHED_QUOTA;
    EXPECT_EQ(evl_set_schedattr(self, &attrs), -EOPNOTSUPP);
    attrs.sched_policy = SCHED_TP;
    EXPECT_EQ(evl_set_schedattr(self, &attrs), -EOPNOTSUPP);
    attrs.sched_policy = 1234;
    EXPECT_EQ(evl_set_schedattr(self, &attrs), -EINVAL);
    EXPECT_EQ(evl_yield(), 0);
  });
  EXPECT_EQ(evl_yield(), -EPERM);
}

TEST_F(ThreadTest, AttachingInheritsTheInbandPolicy) {
  std::thread t([] {
    struct sched_param param = {};
    param.sched_priority = 2;
    if (pthread_setschedparam(pthread_self(), SCHED_FIFO, &param) != 0) {
      GTEST_SKIP() << "setting SCHED_FIFO needs privileges this run does not have";
    }
    const int self = evl_attach_self("%s", unique_name("thread-fifo").c_str());
    ASSERT_GE(self, 0);
    struct evl_thread_state state;
    ASSERT_EQ(evl_get_state(self, &state), 0);
    EXPECT_EQ(state.eattrs.sched_policy, SCHED_FIFO);
    EXPECT_EQ(state.eattrs.sched_priority, 2);
    EXPECT_EQ(evl_detach_self(), 0);
  });
  t.join();
}

TEST_F(ThreadTest, DetachedThreadsAreStale) {
  const std::string name = unique_name("thread-stale");
  int extra = -1;
  std::thread t([&] {
    ASSERT_GE(evl_attach_self("/%s", name.c_str()), 0);
    extra = open((std::string(oskit_evl_root()) + "/thread/" + name).c_str(), O_RDWR);
    EXPECT_EQ(evl_detach_self(), 0);
  });
  t.join();
  ASSERT_GE(extra, 0);
  struct evl_thread_state state;
  EXPECT_EQ(evl_get_state(extra, &state), -ESTALE);
  EXPECT_EQ(evl_unblock_thread(extra), -ESTALE);
  close(extra);
}

TEST_F(ThreadTest, SchedulerControlCalls) {
  union evl_sched_ctlparam param = {};
  union evl_sched_ctlinfo info = {};
  EXPECT_EQ(evl_control_sched(SCHED_QUOTA, &param, &info, 0), -EOPNOTSUPP);
  EXPECT_EQ(evl_control_sched(SCHED_TP, &param, &info, 0), -EOPNOTSUPP);
  EXPECT_EQ(evl_control_sched(SCHED_FIFO, &param, &info, 0), -EINVAL);
  int state = 0;
  ASSERT_EQ(evl_get_cpustate(0, &state), 0);
  EXPECT_TRUE(state & EVL_CPU_OOB);
  EXPECT_EQ(evl_get_cpustate(-1, &state), -EINVAL);
  EXPECT_EQ(evl_get_cpustate(1 << 20, &state), -EINVAL);
}

}  // namespace
}  // namespace oskit::evl::testing
