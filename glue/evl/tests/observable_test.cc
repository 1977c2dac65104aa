// Observables (<evl/observable.h>): subscribers (attached or not) each get
// the notices sent, or one of them in turn for a master observable;
// EVL_NOTIFY_ONCHANGE drops repeats; closing ends subscriptions; a sender
// that never subscribed polls for room to send; an
// observable thread receives the core's health-monitoring notices.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <evl/evl.h>
#include <evl/observable.h>

#include "glue/evl/evl_thread.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class ObservableTest : public EvlTest {};

struct evl_notice notice(uint32_t tag, long long value) {
  struct evl_notice n;
  n.tag = tag;
  n.event.lval = value;
  return n;
}

TEST_F(ObservableTest, SubscribersEachGetTheNotices) {
  const int ofd = evl_new_observable(nullptr);
  ASSERT_GE(ofd, 0);
  struct evl_notice none = notice(EVL_NOTICE_USER, 1);
  EXPECT_EQ(evl_update_observable(ofd, &none, 1), 0) << "nobody listens";
  ASSERT_EQ(evl_subscribe(ofd, 4, 0), 0);  // this thread is not attached
  EXPECT_EQ(evl_subscribe(ofd, 4, 0), -EEXIST);
  run_on_evl_thread("observable-sub", [ofd] {
    ASSERT_EQ(evl_subscribe(ofd, 4, 0), 0);
    const struct evl_notice sent[2] = {notice(EVL_NOTICE_USER, 7), notice(EVL_NOTICE_USER + 1, 8)};
    EXPECT_EQ(evl_update_observable(ofd, sent, 2), 2);
    struct evl_notification got[2];
    EXPECT_EQ(evl_read_observable(ofd, got, 2), 2);
    EXPECT_EQ(got[0].tag, static_cast<uint32_t>(EVL_NOTICE_USER));
    EXPECT_EQ(got[0].event.lval, 7);
    EXPECT_EQ(got[0].issuer, getpid());
    EXPECT_EQ(got[1].event.lval, 8);
    EXPECT_LT(got[0].serial, got[1].serial);
    EXPECT_EQ(evl_unsubscribe(ofd), 0);
    EXPECT_EQ(evl_unsubscribe(ofd), -ENOENT);
  });
  struct evl_notification got;
  EXPECT_EQ(evl_read_observable(ofd, &got, 1), 1);
  EXPECT_EQ(got.event.lval, 7);
  EXPECT_EQ(evl_read_observable(ofd, &got, 1), 1);
  EXPECT_EQ(got.event.lval, 8);
  ASSERT_EQ(fcntl(ofd, F_SETFL, O_NONBLOCK), 0);
  EXPECT_EQ(evl_read_observable(ofd, &got, 1), -EAGAIN);
  EXPECT_EQ(evl_unsubscribe(ofd), 0);
  EXPECT_EQ(evl_read_observable(ofd, &got, 1), -ENXIO);
  close(ofd);
}

TEST_F(ObservableTest, ErrorsOfEachCall) {
  const int ofd = evl_new_observable(nullptr);
  ASSERT_GE(ofd, 0);
  EXPECT_EQ(evl_subscribe(ofd, 0, 0), -EINVAL);
  EXPECT_EQ(evl_subscribe(ofd, 4, 0x100), -EINVAL);
  ASSERT_EQ(evl_subscribe(ofd, 1, 0), 0);
  struct evl_notice core_tag = notice(EVL_NOTICE_USER - 1, 0);
  EXPECT_EQ(evl_update_observable(ofd, &core_tag, 1), -EINVAL);
  struct evl_notice one = notice(EVL_NOTICE_USER, 1);
  EXPECT_EQ(evl_update_observable(ofd, &one, 1), 1);
  EXPECT_EQ(evl_update_observable(ofd, &one, 1), 0) << "the backlog is full";
  char odd[3];
  EXPECT_EQ(read(ofd, odd, sizeof odd), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(evl_create_observable(EVL_CLONE_INPUT, nullptr), -EINVAL);
  struct evl_sem sem;
  const int sfd = evl_new_sem(&sem, nullptr);
  ASSERT_GE(sfd, 0);
  EXPECT_EQ(evl_subscribe(sfd, 4, 0), -EPERM);  // not observable
  EXPECT_EQ(evl_close_sem(&sem), 0);
  EXPECT_EQ(evl_subscribe(-1, 4, 0), -EBADF);
  EXPECT_EQ(evl_unsubscribe(ofd), 0);
  close(ofd);
}

TEST_F(ObservableTest, OnChangeDropsRepeats) {
  const int ofd = evl_new_observable(nullptr);
  ASSERT_GE(ofd, 0);
  ASSERT_EQ(evl_subscribe(ofd, 8, EVL_NOTIFY_ONCHANGE), 0);
  for (long long v : {1, 1, 2, 2, 1}) {
    struct evl_notice n = notice(EVL_NOTICE_USER, v);
    EXPECT_EQ(evl_update_observable(ofd, &n, 1), 1);
  }
  struct evl_notification got[8];
  ASSERT_EQ(fcntl(ofd, F_SETFL, O_NONBLOCK), 0);
  ASSERT_EQ(evl_read_observable(ofd, got, 8), 3);
  EXPECT_EQ(got[0].event.lval, 1);
  EXPECT_EQ(got[1].event.lval, 2);
  EXPECT_EQ(got[2].event.lval, 1);
  EXPECT_EQ(evl_unsubscribe(ofd), 0);
  close(ofd);
}

TEST_F(ObservableTest, MasterHandsEachNoticeToOneObserverInTurn) {
  const int ofd = evl_create_observable(EVL_CLONE_MASTER, nullptr);
  ASSERT_GE(ofd, 0);
  std::atomic<int> ready{0};
  std::atomic<long long> sum[2] = {{0}, {0}};
  std::atomic<int> count[2] = {{0}, {0}};
  auto observer = [&](int i) {
    return start_evl_thread(unique_name("observable-worker"), [&, i] {
      ASSERT_EQ(evl_subscribe(ofd, 16, 0), 0);
      ready++;
      struct evl_notification nf;
      while (evl_read_observable(ofd, &nf, 1) == 1) {
        sum[i] += nf.event.lval;
        count[i]++;
      }
    });
  };
  auto a = observer(0);
  ASSERT_TRUE(a.ok());
  while (ready < 1) usleep(1000);
  auto b = observer(1);
  ASSERT_TRUE(b.ok());
  while (ready < 2) usleep(1000);
  for (int v = 1; v <= 8; v++) {
    struct evl_notice n = notice(EVL_NOTICE_USER, v);
    ASSERT_EQ(evl_update_observable(ofd, &n, 1), 1);
  }
  while (count[0] + count[1] < 8) usleep(1000);
  EXPECT_EQ(count[0], 4);
  EXPECT_EQ(count[1], 4);
  EXPECT_EQ(sum[0] + sum[1], 36);
  close(ofd);  // readers get -EBADF and leave
  (*a)->join();
  (*b)->join();
}

TEST_F(ObservableTest, ClosingEndsSubscriptions) {
  const int ofd = evl_new_observable(nullptr);
  ASSERT_GE(ofd, 0);
  std::atomic<int> got{1};
  std::atomic<int> unsubscribed{1};
  auto t = start_blocked_evl_thread("observable-closed", [&] {
    ASSERT_EQ(evl_subscribe(ofd, 4, 0), 0);
    struct evl_notification nf;
    got = evl_read_observable(ofd, &nf, 1);
    // Woken while the close is still under way: the descriptor is gone.
    unsubscribed = evl_unsubscribe(ofd);
  });
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(close(ofd), 0);
  t->join();
  EXPECT_EQ(got, -EBADF);
  EXPECT_EQ(unsubscribed, -EBADF);
}

TEST_F(ObservableTest, ASenderThatNeverSubscribedSeesRoomButNoInput) {
  const int ofd = evl_new_observable(nullptr);
  ASSERT_GE(ofd, 0);
  std::atomic<int> got{0};
  auto t = start_blocked_evl_thread("observable-room", [&] {
    ASSERT_EQ(evl_subscribe(ofd, 1, 0), 0);
    struct evl_notification nf;
    got = evl_read_observable(ofd, &nf, 1);
  });
  ASSERT_NE(t, nullptr);
  run_on_evl_thread("observable-sender", [ofd] {
    EXPECT_EQ(evl_wait_for(ofd, POLLOUT), static_cast<unsigned int>(POLLOUT));
    EXPECT_EQ(evl_wait_for(ofd, POLLIN) & (POLLIN | POLLERR), static_cast<unsigned int>(POLLERR));
    struct evl_notice n = notice(EVL_NOTICE_USER, 5);
    EXPECT_EQ(evl_update_observable(ofd, &n, 1), 1);
  });
  t->join();
  EXPECT_EQ(got, 1);
  close(ofd);
}

TEST_F(ObservableTest, PollReportsNoticesAndRoom) {
  const int ofd = evl_new_observable(nullptr);
  ASSERT_GE(ofd, 0);
  run_on_evl_thread("observable-poll", [ofd] {
    ASSERT_EQ(evl_subscribe(ofd, 1, 0), 0);
    EXPECT_EQ(evl_wait_for(ofd, POLLOUT) & (POLLIN | POLLOUT), POLLOUT);
    struct evl_notice n = notice(EVL_NOTICE_USER, 3);
    ASSERT_EQ(evl_update_observable(ofd, &n, 1), 1);
    EXPECT_EQ(evl_wait_for(ofd, POLLIN) & (POLLIN | POLLOUT), POLLIN);  // no room left
    struct evl_notification nf;
    EXPECT_EQ(evl_read_observable(ofd, &nf, 1), 1);
    EXPECT_EQ(evl_unsubscribe(ofd), 0);
  });
  close(ofd);
}

TEST_F(ObservableTest, ObservableThreadsGetHealthNotices) {
  run_on_evl_thread("observable-plain", [] {
    EXPECT_EQ(evl_subscribe(evl_get_self(), 4, 0), -EPERM);  // not observable
    EXPECT_EQ(evl_set_thread_mode(evl_get_self(), T_HMOBS, nullptr), -EINVAL);
  });
  std::thread t([] {
    const int tfd =
        evl_attach_thread(EVL_CLONE_OBSERVABLE | EVL_CLONE_NONBLOCK, "%s", unique_name("observable-hm").c_str());
    ASSERT_GE(tfd, 0);
    struct evl_notification nf;
    EXPECT_EQ(evl_read_observable(tfd, &nf, 1), -ENXIO);
    ASSERT_EQ(evl_subscribe(tfd, 16, 0), 0);
    int old = -1;
    ASSERT_EQ(evl_set_thread_mode(tfd, T_WOSS | T_HMOBS, &old), 0);
    EXPECT_EQ(old, 0);
    ASSERT_EQ(evl_switch_oob(), 0);
    struct __evl_notification raw;
    ASSERT_EQ(read(tfd, &raw, sizeof raw), static_cast<ssize_t>(sizeof raw));  // in-band: demotes
    EXPECT_EQ(raw.tag, static_cast<uint32_t>(EVL_HMDIAG_SYSDEMOTE));
    EXPECT_EQ(raw.issuer, 0);
    EXPECT_EQ(evl_read_observable(tfd, &nf, 1), -EAGAIN);
    EXPECT_EQ(evl_detach_self(), 0);
  });
  t.join();
}

}  // namespace
}  // namespace oskit::evl::testing
