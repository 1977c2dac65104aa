// Conformance suite for oskit_osenv_clock (oskit/osenv.h): now() never
// decreases; wait returns OSKIT_EAGAIN at once when the word differs,
// OSKIT_ETIMEDOUT when its deadline passes (at once for one passed), 0 when
// woken; wake wakes at most count sleepers and says how many; sleep_until
// returns once the clock has reached its deadline and refuses
// OSKIT_OSENV_FOREVER. Deadlines are absolute times on the clock under test,
// which may be virtual: the suite makes time pass through the factory.
//
// Factory (constructed for each test, destroyed after it):
//   oskit_osenv_clock* clock();      // borrowed, valid while the factory lives
//   void advance(std::int64_t ns);   // lets at least ns pass on the clock (a real
//                                    // clock passes by itself: nothing to do)
// Instantiate, inside namespace oskit::testing:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, OsenvClockConformance, ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_OSENV_CLOCK_CONFORMANCE_H
#define OSKIT_TESTING_OSENV_CLOCK_CONFORMANCE_H

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/osenv.h"

namespace oskit::testing {

template <class Factory>
class OsenvClockConformance : public ::testing::Test {
 protected:
  oskit_osenv_clock* clock() { return factory_.clock(); }
  void advance(std::int64_t ns) { factory_.advance(ns); }

  // Wakes one sleeper on word at a time until done is set (by the sleepers
  // leaving); returns how many wakes said they woke someone.
  oskit_u32_t wake_until(const oskit_u32_t* word, const std::atomic<int>& done, int expected) {
    oskit_u32_t woken = 0;
    while (done.load() < expected) {
      const oskit_u32_t n = clock()->wake(word, 1);
      EXPECT_LE(n, 1u);
      woken += n;
      std::this_thread::yield();
    }
    return woken;
  }

 private:
  Factory factory_;
};

TYPED_TEST_SUITE_P(OsenvClockConformance);

constexpr std::int64_t kMillisecond = 1000000;

TYPED_TEST_P(OsenvClockConformance, NowNeverDecreases) {
  oskit_osenv_clock* c = this->clock();
  std::vector<std::thread> threads;
  std::atomic<bool> backwards{false};
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([c, &backwards] {
      oskit_s64_t last = oskit_osenv_clock_now(c);
      for (int i = 0; i < 10000; ++i) {
        oskit_s64_t now = c->now();
        if (now < last) backwards = true;
        last = now;
      }
    });
  }
  this->advance(kMillisecond);
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(backwards);
  EXPECT_GE(c->now(), 0);
}

TYPED_TEST_P(OsenvClockConformance, WaitOnAWordThatDiffersReturnsAtOnce) {
  const oskit_u32_t word = 7;
  EXPECT_EQ(this->clock()->wait(&word, 8, OSKIT_OSENV_FOREVER), OSKIT_EAGAIN);
  EXPECT_EQ(oskit_osenv_clock_wait(this->clock(), &word, 6, this->clock()->now() - 1), OSKIT_EAGAIN)
      << "the word is checked before the deadline";
}

TYPED_TEST_P(OsenvClockConformance, WaitWithADeadlinePassedTimesOutAtOnce) {
  const oskit_u32_t word = 0;
  const oskit_s64_t now = this->clock()->now();
  EXPECT_EQ(this->clock()->wait(&word, 0, now - 1), OSKIT_ETIMEDOUT);
  EXPECT_EQ(this->clock()->wait(&word, 0, INT64_MIN), OSKIT_ETIMEDOUT);
}

TYPED_TEST_P(OsenvClockConformance, WaitTimesOutWhenItsDeadlinePasses) {
  oskit_osenv_clock* c = this->clock();
  const oskit_u32_t word = 0;
  const oskit_s64_t deadline = c->now() + kMillisecond;
  oskit_error_t rc = 1;
  std::thread sleeper([&] {
    do {
      rc = c->wait(&word, 0, deadline);
    } while (rc == 0);  // spurious wakeups
  });
  this->advance(kMillisecond);
  sleeper.join();
  EXPECT_EQ(rc, OSKIT_ETIMEDOUT);
  EXPECT_GE(c->now(), deadline);
}

TYPED_TEST_P(OsenvClockConformance, WakeWakesASleeper) {
  oskit_osenv_clock* c = this->clock();
  oskit_u32_t word = 0;
  oskit_error_t rc = 1;
  std::atomic<int> done{0};
  std::thread sleeper([&] {
    rc = c->wait(&word, 0, OSKIT_OSENV_FOREVER);
    done = 1;
  });
  EXPECT_LE(this->wake_until(&word, done, 1), 1u);
  sleeper.join();
  EXPECT_EQ(rc, 0);
}

TYPED_TEST_P(OsenvClockConformance, WakeWithoutSleepersWakesNobody) {
  const oskit_u32_t word = 0;
  EXPECT_EQ(this->clock()->wake(&word, 1), 0u);
  EXPECT_EQ(oskit_osenv_clock_wake(this->clock(), &word, UINT32_MAX), 0u);
}

TYPED_TEST_P(OsenvClockConformance, WakeWakesAtMostCountSleepers) {
  oskit_osenv_clock* c = this->clock();
  oskit_u32_t word = 0;
  std::atomic<int> returned{0};
  std::vector<std::thread> sleepers;
  for (int i = 0; i < 3; ++i) {
    sleepers.emplace_back([&] {
      EXPECT_EQ(c->wait(&word, 0, OSKIT_OSENV_FOREVER), 0);
      returned++;
    });
  }
  const oskit_u32_t woken = this->wake_until(&word, returned, 3);
  for (std::thread& t : sleepers) t.join();
  EXPECT_GE(woken, 1u);
  EXPECT_LE(woken, 3u);
}

TYPED_TEST_P(OsenvClockConformance, SleepUntilAPassedDeadlineReturnsAtOnce) {
  EXPECT_EQ(this->clock()->sleep_until(this->clock()->now() - 1), 0);
  EXPECT_EQ(oskit_osenv_clock_sleep_until(this->clock(), INT64_MIN), 0);
}

TYPED_TEST_P(OsenvClockConformance, SleepUntilReturnsOnceTheClockReachesTheDeadline) {
  oskit_osenv_clock* c = this->clock();
  const oskit_s64_t deadline = c->now() + kMillisecond;
  oskit_error_t rc = 1;
  oskit_s64_t woke_at = 0;
  std::thread sleeper([&] {
    rc = c->sleep_until(deadline);
    woke_at = c->now();
  });
  this->advance(kMillisecond);
  sleeper.join();
  EXPECT_EQ(rc, 0);
  EXPECT_GE(woke_at, deadline);
}

TYPED_TEST_P(OsenvClockConformance, SleepingForeverIsRefused) {
  EXPECT_EQ(this->clock()->sleep_until(OSKIT_OSENV_FOREVER), OSKIT_EINVAL);
}

TYPED_TEST_P(OsenvClockConformance, WaitNeedsAWord) {
  EXPECT_EQ(this->clock()->wait(nullptr, 0, OSKIT_OSENV_FOREVER), OSKIT_E_POINTER);
}

REGISTER_TYPED_TEST_SUITE_P(OsenvClockConformance, NowNeverDecreases, WaitOnAWordThatDiffersReturnsAtOnce,
                            WaitWithADeadlinePassedTimesOutAtOnce, WaitTimesOutWhenItsDeadlinePasses, WakeWakesASleeper,
                            WakeWithoutSleepersWakesNobody, WakeWakesAtMostCountSleepers,
                            SleepUntilAPassedDeadlineReturnsAtOnce, SleepUntilReturnsOnceTheClockReachesTheDeadline,
                            SleepingForeverIsRefused, WaitNeedsAWord);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_OSENV_CLOCK_CONFORMANCE_H
