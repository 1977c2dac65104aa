// The harness's own tests: its environment passes the oskit_osenv_*
// conformance suites (its clock moved by hand, its interrupts delivered by
// hand); virtual time, interrupt delivery, fault schedules and leak reports
// behave; and the campaigns over its driver stacks surface every failure and
// leak nothing.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include <evl/evl.h>
#include <evl/poll.h>

#include "examples/harness/campaign.h"
#include "examples/harness/harness.h"
#include "examples/harness/scenarios.h"
#include "glue/env/osenv.h"
#include "gtest/gtest.h"
#include "oskit/testing/osenv_clock_conformance.h"
#include "oskit/testing/osenv_irq_conformance.h"
#include "oskit/testing/osenv_log_conformance.h"
#include "oskit/testing/osenv_mem_conformance.h"
#include "oskit/testing/osenv_objects.h"
#include "oskit/testing/osenv_threads_conformance.h"
#include "oskit/testing/temp_dir.h"

constexpr oskit_s64_t kSecond = 1000000000;

// A harness, not installed: the suites call its objects directly.
struct HarnessObjects : oskit::testing::OsenvObjects {
  HarnessObjects() : h(harness_create(kSecond)) { harness_osenv(h, &env); }
  ~HarnessObjects() {
    EXPECT_TRUE(harness_all_returned(h));
    harness_destroy(h);
  }
  bool last_message(std::string* out) {
    char line[256];
    if (harness_last_log(h, line, sizeof line) != 0) return false;
    *out = line;
    return true;
  }
  void advance(std::int64_t ns) { harness_advance(h, ns); }
  void deliver() { harness_deliver(h); }
  harness* h;
};

namespace oskit::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Harness, OsenvMemConformance, ::testing::Types<HarnessObjects>);
INSTANTIATE_TYPED_TEST_SUITE_P(Harness, OsenvLogConformance, ::testing::Types<HarnessObjects>);
INSTANTIATE_TYPED_TEST_SUITE_P(Harness, OsenvClockConformance, ::testing::Types<HarnessObjects>);
INSTANTIATE_TYPED_TEST_SUITE_P(Harness, OsenvThreadsConformance, ::testing::Types<HarnessObjects>);
INSTANTIATE_TYPED_TEST_SUITE_P(Harness, OsenvIrqConformance, ::testing::Types<HarnessObjects>);
}  // namespace oskit::testing

namespace {

// A harness installed for a test.
class HarnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The EVL emulation plays the kernel: started before the harness, what it
    // keeps for the process's lifetime stays the host's.
    ASSERT_EQ(evl_init(), 0);
    h_ = harness_create(kSecond);
    ASSERT_NE(h_, nullptr);
    ASSERT_EQ(harness_install(h_), 0);
  }
  void TearDown() override {
    EXPECT_EQ(harness_uninstall(h_), 0);
    EXPECT_TRUE(harness_all_returned(h_)) << report();
    harness_destroy(h_);
  }
  std::string report() {
    char* text = nullptr;
    size_t size = 0;
    FILE* f = open_memstream(&text, &size);
    harness_report(h_, f);
    fclose(f);
    std::string out(text, size);
    free(text);
    return out;
  }
  harness* h_ = nullptr;
};

TEST_F(HarnessTest, ATenSecondTimeoutTakesNoRealTime) {
  std::uint32_t word = 0;
  oskit_error_t rc = 1;
  const oskit_s64_t start = oskit_env_now();
  std::thread waiter([&] { rc = oskit_env_wait(&word, 0, oskit_env_deadline_after(10 * kSecond)); });
  harness_await_sleepers(h_, 1);
  EXPECT_EQ(harness_now(h_), start) << "nothing moves the clock but the harness";
  harness_advance(h_, 9 * kSecond);
  EXPECT_EQ(harness_sleepers(h_), 1u) << "9 s in, still waiting";
  ASSERT_EQ(harness_advance_to_next_deadline(h_), 1);
  waiter.join();
  EXPECT_EQ(rc, OSKIT_ETIMEDOUT);
  EXPECT_EQ(oskit_env_now() - start, 10 * kSecond);
  EXPECT_EQ(harness_advance_to_next_deadline(h_), 0) << "no sleeper left";
}

TEST_F(HarnessTest, PeriodicSleepsFollowTheClock) {
  std::atomic<int> ticks{0};
  std::thread loop([&] {
    oskit_s64_t next = oskit_env_now();
    for (int i = 0; i < 5; ++i) {
      next += kSecond / 10;
      ASSERT_EQ(oskit_env_sleep_until(next), 0);
      ticks++;
    }
  });
  for (int i = 1; i <= 5; ++i) {
    harness_await_sleepers(h_, 1);
    EXPECT_EQ(ticks, i - 1);
    harness_advance_to_next_deadline(h_);
    while (ticks < i) std::this_thread::yield();
  }
  loop.join();
  harness_stats s;
  harness_get_stats(h_, &s);
  EXPECT_EQ(s.elapsed, kSecond / 2);
}

struct Interrupt {
  std::atomic<int> calls{0};
  std::thread::id ran_on;
};

void on_interrupt(void* arg) {
  auto* i = static_cast<Interrupt*>(arg);
  i->ran_on = std::this_thread::get_id();
  i->calls++;
}

TEST_F(HarnessTest, InterruptsRunWhereAndWhenTheHarnessDelivers) {
  Interrupt irq;
  ASSERT_EQ(oskit_env_irq_request(12, on_interrupt, &irq), 0);
  std::thread device([] { EXPECT_EQ(oskit_env_irq_raise(12), 0); });
  device.join();
  EXPECT_EQ(irq.calls, 0) << "nothing runs before the harness delivers";
  EXPECT_EQ(harness_deliver(h_), 1u);
  EXPECT_EQ(irq.calls, 1);
  EXPECT_EQ(irq.ran_on, std::this_thread::get_id()) << "in the harness's own context";
  EXPECT_EQ(harness_deliver(h_), 0u);
  harness_stats s;
  harness_get_stats(h_, &s);
  EXPECT_EQ(s.irq_raised, 1u);
  EXPECT_EQ(s.irq_delivered, 1u);
  EXPECT_EQ(oskit_env_irq_free(12), 0);
}

TEST_F(HarnessTest, AllocationsFailOnSchedule) {
  auto alloc = [](const char* tag) { return oskit_env_alloc(32, OSKIT_OSENV_MEM_MAYBLOCK, 8, tag); };
  auto release = [](void* p) { oskit_env_free(p, 32, 8); };

  harness_fail_nth(h_, 2);
  void* a = alloc("first");
  void* b = alloc("second");
  void* c = alloc("third");
  EXPECT_NE(a, nullptr);
  EXPECT_EQ(b, nullptr);
  EXPECT_NE(c, nullptr);
  release(a);
  release(c);

  harness_faults_off(h_);
  harness_fail_every(h_, 3);
  int failed = 0;
  for (int i = 1; i <= 9; ++i) {
    void* p = alloc("every");
    if (p == nullptr) {
      failed++;
      EXPECT_EQ(i % 3, 0) << i;
    }
    release(p);
  }
  EXPECT_EQ(failed, 3);
  harness_faults_off(h_);

  harness_fail_tag(h_, "chosen", 2);
  void* x = alloc("chosen");
  void* other = alloc("other");
  void* y = alloc("chosen");
  EXPECT_NE(x, nullptr);
  EXPECT_NE(other, nullptr);
  EXPECT_EQ(y, nullptr);
  harness_stats s;
  harness_get_stats(h_, &s);
  EXPECT_STREQ(s.last_failed_tag, "chosen");
  release(x);
  release(other);
  harness_faults_off(h_);
}

TEST_F(HarnessTest, ThreadStartsFailOnSchedule) {
  harness_fail_thread_nth(h_, 1);
  oskit_osenv_thread_handle_t* t = nullptr;
  EXPECT_EQ(oskit_env_thread_start(
                "refused", [](void*) {}, nullptr, &t),
            OSKIT_EAGAIN);
  EXPECT_EQ(t, nullptr);
  ASSERT_EQ(oskit_env_thread_start(
                "second", [](void*) {}, nullptr, &t),
            0);
  EXPECT_EQ(oskit_env_thread_join(t), 0);
  harness_faults_off(h_);
}

TEST_F(HarnessTest, WhatIsNotReturnedIsReported) {
  void* p = oskit_env_alloc(100, OSKIT_OSENV_MEM_MAYBLOCK, 16, "forgotten");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(harness_all_returned(h_));
  const std::string text = report();
  // The size includes the room glue/env keeps before each block.
  EXPECT_NE(text.find("bytes tagged \"forgotten\""), std::string::npos) << text;
  EXPECT_NE(text.find("NOT everything was returned"), std::string::npos) << text;
  oskit_env_free(p, 100, 16);
  EXPECT_TRUE(harness_all_returned(h_));
  EXPECT_NE(report().find("every object, thread, line and byte was returned"), std::string::npos);
}

TEST_F(HarnessTest, TheLogIsTheHarnesss) {
  oskit_env_logf(OSKIT_OSENV_LOG_WARNING, "disk %d is %s", 3, "slow");
  char line[64];
  ASSERT_EQ(harness_last_log(h_, line, sizeof line), 0);
  EXPECT_STREQ(line, "disk 3 is slow");
  harness_stats s;
  harness_get_stats(h_, &s);
  EXPECT_EQ(s.log_lines[OSKIT_OSENV_LOG_WARNING], 1u);
}

// Every allocation and thread start of a scenario fails in turn; each
// failure reaches the scenario as out-of-memory (or is absorbed where the
// stack has another way), and nothing leaks.
void expect_clean_campaign(harness* h, harness_scenario_t fn, void* arg, const char* name) {
  harness_campaign c;
  const int rc = harness_campaign_run(h, fn, arg, &c);
  harness_campaign_print(name, &c, stdout);
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(c.clean_result, 0);
  EXPECT_GT(c.allocations, 0u);
  EXPECT_EQ(c.injected, c.runs - 2) << "one clean run for memory, one for threads";
  EXPECT_EQ(c.wrong_error, 0u) << oskit_error_string(c.first_wrong_error) << " after failing "
                               << (c.first_wrong_tag ? c.first_wrong_tag : "?");
  EXPECT_EQ(c.leaky_runs, 0u);
  EXPECT_EQ(c.surfaced + c.absorbed, c.injected);
}

TEST_F(HarnessTest, BlockStackCampaign) {
  const std::string disk = oskit::testing::temp_path("harness-disk.img");
  int fd = open(disk.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 64 * 1024), 0);
  close(fd);
  expect_clean_campaign(h_, harness_scenario_blocks, const_cast<char*>(disk.c_str()), "blocks");
  unlink(disk.c_str());
}

TEST_F(HarnessTest, SensorStackCampaign) { expect_clean_campaign(h_, harness_scenario_sensor, nullptr, "sensor"); }

TEST_F(HarnessTest, DmaStackCampaign) { expect_clean_campaign(h_, harness_scenario_dma, nullptr, "dma"); }

TEST_F(HarnessTest, TheDmaStackDrawsItself) {
  char* text = nullptr;
  size_t size = 0;
  FILE* f = open_memstream(&text, &size);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(harness_scenario_dma(h_, f), 0);
  fclose(f);
  const std::string picture(text, size);
  free(text);
  EXPECT_NE(picture.find("dma_engine (device 1, 8-slot ring, disabled)"), std::string::npos) << picture;
  EXPECT_NE(picture.find("membufio"), std::string::npos) << picture;
  EXPECT_NE(picture.find("dma_space (IOVA space"), std::string::npos) << picture;
  EXPECT_NE(picture.find("as space"), std::string::npos) << picture;
}

// An EVL poll with a 10-second timeout, on the emulation's clock (the
// environment's): it ends when the harness moves time, not before.
TEST_F(HarnessTest, AnEvlPollTimeoutFollowsVirtualTime) {
  const int set = evl_new_poll();
  ASSERT_GE(set, 0);
  struct Poller {
    int set;
    oskit_s64_t deadline;
    std::atomic<int> result{1};
  } poller{set, harness_now(h_) + 10 * kSecond};
  oskit_osenv_thread_handle_t* t = nullptr;
  ASSERT_EQ(oskit_env_thread_start(
                "poller",
                [](void* arg) {
                  auto* p = static_cast<Poller*>(arg);
                  const struct timespec ts = {static_cast<time_t>(p->deadline / kSecond),
                                              static_cast<long>(p->deadline % kSecond)};
                  struct evl_poll_event ev;
                  // An EVL poll is an out-of-band call: the thread attaches first.
                  const int attached = evl_attach_self("harness-poller:%d", getpid());
                  if (attached < 0) {
                    p->result = attached;
                    return;
                  }
                  p->result = evl_timedpoll(p->set, &ev, 1, &ts);
                  evl_detach_self();
                },
                &poller, &t),
            0);
  harness_await_sleepers(h_, 1);
  harness_advance(h_, 9 * kSecond);
  EXPECT_EQ(poller.result.load(), 1) << "9 s in, still polling";
  EXPECT_EQ(harness_advance_to_next_deadline(h_), 1);
  EXPECT_EQ(oskit_env_thread_join(t), 0);
  EXPECT_EQ(poller.result.load(), -ETIMEDOUT);
  EXPECT_EQ(harness_now(h_), poller.deadline);
  close(set);
}

TEST_F(HarnessTest, TtyStackCampaign) {
  harness_pty pty;
  if (harness_pty_open(&pty) != 0) GTEST_SKIP() << "no pseudo-terminal available";
  expect_clean_campaign(h_, harness_scenario_tty, &pty, "tty");
  harness_pty_close(&pty);
}

}  // namespace
