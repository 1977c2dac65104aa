#include "glue/env/env.h"

#include <sched.h>

#include <atomic>
#include <thread>

#include "glue/env/counting_env.h"
#include "glue/env/osenv.h"
#include "gtest/gtest.h"
#include "oskit/com/implements.h"
#include "oskit/com/listener.h"

namespace oskit::env {
namespace {

class Quiet : public Implements<Quiet, oskit_listener> {
 public:
  OSKIT_COMDECL notify(oskit_iunknown*) noexcept override { return 0; }

 protected:
  Quiet() = default;
  ~Quiet() override = default;
};

TEST(Environment, HostIsTheDefault) {
  EXPECT_EQ(installed(), &host());
  const std::int64_t t0 = current().monotonic_ns();
  EXPECT_GE(current().monotonic_ns(), t0);
}

TEST(Environment, AHarnessSeesEveryAllocationAndThread) {
  CountingEnvironment counting;
  {
    ScopedEnvironment scope(&counting);
    ASSERT_TRUE(scope.status().ok()) << scope.status();
    EXPECT_EQ(installed(), &counting);
    {
      ComPtr<Quiet> q = make<Quiet>();
      ASSERT_TRUE(q);
      EXPECT_EQ(counting.allocations(), 1);
      EXPECT_EQ(live_objects(), 1);
    }
    EXPECT_EQ(counting.live_allocations(), 0);
    EXPECT_EQ(live_objects(), 0);
    std::atomic<int> ran{0};
    {
      auto worker = current().start_thread("probe", [&ran] { ran++; });
      ASSERT_TRUE(worker.ok());
      (*worker)->join();
      EXPECT_EQ(ran, 1);
      EXPECT_EQ(counting.threads_started(), 1);
      EXPECT_GT(counting.live_allocations(), 0) << "the worker's records come from the environment";
    }
    EXPECT_EQ(counting.live_allocations(), 0);
    logf(LogLevel::kInfo, "%d objects", 0);
    ASSERT_EQ(counting.log_lines().size(), 1u);
    EXPECT_EQ(counting.log_lines()[0], "0 objects");
  }
  EXPECT_EQ(installed(), &host());
}

TEST(Environment, CannotChangeWhileObjectsAreAlive) {
  ComPtr<Quiet> b = make<Quiet>();
  CountingEnvironment counting;
  absl::Status s = install(&counting);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(installed(), &host());
  b.reset();
  EXPECT_TRUE(install(&counting).ok());
  EXPECT_TRUE(install(nullptr).ok());
}

struct LineHits {
  std::atomic<int> calls{0};
};

void count_hit(void* arg) { static_cast<LineHits*>(arg)->calls++; }

TEST(Environment, WhatAnEnvironmentGaveOutGoesBackToIt) {
  CountingEnvironment first, second;
  void* block = nullptr;
  oskit_osenv_thread_handle_t* thread = nullptr;
  std::atomic<bool> release{false};
  LineHits hits;
  {
    ScopedEnvironment scope(&first);
    ASSERT_TRUE(scope.status().ok());
    block = current().allocate(10, 8);
    ASSERT_NE(block, nullptr);
    ASSERT_EQ(oskit_env_thread_start(
                  "held",
                  [](void* arg) {
                    while (!static_cast<std::atomic<bool>*>(arg)->load()) sched_yield();
                  },
                  &release, &thread),
              0);
    ASSERT_EQ(oskit_env_irq_request(5, count_hit, &hits), 0);
  }
  ScopedEnvironment scope(&second);
  ASSERT_TRUE(scope.status().ok());
  const long held = first.live_allocations();  // the block, the thread's records
  EXPECT_GE(held, 2);
  current().deallocate(block, 10, 8);
  EXPECT_EQ(first.live_allocations(), held - 1);
  release = true;
  EXPECT_EQ(oskit_env_thread_join(thread), 0);
  EXPECT_EQ(first.live_allocations(), 0);
  EXPECT_EQ(first.threads_started(), 1);
  ASSERT_EQ(oskit_env_irq_raise(5), 0);
  while (hits.calls == 0) sched_yield();
  ASSERT_EQ(oskit_env_irq_free(5), 0);
  EXPECT_EQ(second.allocations(), 0) << "nothing of it went to the second";
  EXPECT_EQ(second.threads_started(), 0);
}

TEST(Environment, AWakeReachesThreadsSleepingOnAReplacedEnvironment) {
  CountingEnvironment first;
  std::uint32_t word = 0;
  std::atomic<oskit_error_t> rc{1};
  std::thread sleeper;
  {
    ScopedEnvironment scope(&first);
    ASSERT_TRUE(scope.status().ok());
    sleeper = std::thread([&] { rc = oskit_env_wait(&word, 0, OSKIT_OSENV_FOREVER); });
    oskit_env_usage usage;
    do {
      sched_yield();
      oskit_env_get_usage(&usage);
    } while (usage.sleepers == 0);
  }
  // The host's is installed again; the sleeper is still on the first's clock.
  __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
  while (rc.load() == 1) {
    oskit_env_wake(&word, 1);
    sched_yield();
  }
  sleeper.join();
  EXPECT_NE(rc.load(), 1);
}

// An environment whose clock stands still at 42.
class StoppedClock : public CountingEnvironment {
 public:
  std::int64_t monotonic_ns() noexcept override { return 42; }
};

TEST(Environment, AThreadKeepsTheClockOfTheEnvironmentThatStartedIt) {
  StoppedClock stopped;
  std::atomic<bool> go{false};
  std::atomic<std::int64_t> seen{0};
  std::unique_ptr<WorkerThread> worker;
  {
    ScopedEnvironment scope(&stopped);
    ASSERT_TRUE(scope.status().ok());
    auto started = current().start_thread("home", [&] {
      while (!go) sched_yield();
      seen = current().monotonic_ns();
    });
    ASSERT_TRUE(started.ok());
    worker = std::move(started).value();
  }
  EXPECT_GT(current().monotonic_ns(), 42) << "the host's clock here";
  go = true;
  worker->join();
  EXPECT_EQ(seen, 42) << "the stopped clock there";
  worker.reset();
  EXPECT_EQ(stopped.live_allocations(), 0);
}

// Calls from several threads while environments are installed and replaced
// under them: every block goes back to the environment that gave it, and no
// call uses an environment that was let go (TSan checks the hand-offs).
TEST(Environment, InstallingWhileOtherThreadsCallIn) {
  CountingEnvironment envs[3];
  std::atomic<bool> stop{false};
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t) {
    callers.emplace_back([&stop, t] {
      std::uint32_t word = 0;
      while (!stop) {
        void* p = oskit_env_alloc(32 + t, OSKIT_OSENV_MEM_MAYBLOCK, 16, "stress");
        EXPECT_GE(oskit_env_now(), 0);
        oskit_env_wake(&word, 1);
        EXPECT_EQ(oskit_env_wait(&word, 1, OSKIT_OSENV_FOREVER), OSKIT_EAGAIN);
        oskit_env_free(p, 32 + t, 16);
      }
    });
  }
  for (int round = 0; round < 60; ++round) {
    ASSERT_TRUE(install(&envs[round % 3]).ok());
    sched_yield();
  }
  ASSERT_TRUE(install(nullptr).ok());
  stop = true;
  for (std::thread& t : callers) t.join();
  for (const CountingEnvironment& e : envs) EXPECT_EQ(e.live_allocations(), 0);
}

TEST(Environment, UsageCountsWhatIsOutstanding) {
  oskit_env_usage before;
  oskit_env_get_usage(&before);
  void* p = oskit_env_alloc(100, OSKIT_OSENV_MEM_MAYBLOCK, 16, "usage test");
  ASSERT_NE(p, nullptr);
  oskit_env_usage during;
  oskit_env_get_usage(&during);
  EXPECT_EQ(during.allocations, before.allocations + 1);
  EXPECT_EQ(during.live_allocations, before.live_allocations + 1);
  EXPECT_EQ(during.live_bytes, before.live_bytes + 100);
  oskit_env_free(p, 100, 16);
  oskit_env_usage after;
  oskit_env_get_usage(&after);
  EXPECT_EQ(after.live_allocations, before.live_allocations);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
}

TEST(Environment, ScopesNestAndRestoreCEnvironments) {
  CountingEnvironment outer, inner;
  ScopedEnvironment a(&outer);
  ASSERT_TRUE(a.status().ok());
  {
    ScopedEnvironment b(&inner);
    ASSERT_TRUE(b.status().ok());
    EXPECT_EQ(installed(), &inner);
    logf(LogLevel::kInfo, "inner");
  }
  EXPECT_EQ(installed(), &outer);
  logf(LogLevel::kInfo, "outer");
  EXPECT_EQ(inner.log_lines(), std::vector<std::string>{"inner"});
  EXPECT_EQ(outer.log_lines(), std::vector<std::string>{"outer"});

  // A C environment (here: the host's log under the outer's memory) is
  // restored by a scope nested in it.
  oskit_osenv c_env;
  oskit_env_current(&c_env);
  oskit_osenv host_objects;
  oskit_env_host(&host_objects);
  c_env.log = host_objects.log;
  ASSERT_EQ(oskit_env_install(&c_env), 0);
  EXPECT_EQ(installed(), nullptr);
  {
    ScopedEnvironment b(&inner);
    ASSERT_TRUE(b.status().ok());
  }
  oskit_osenv back;
  oskit_env_current(&back);
  EXPECT_EQ(back.log, host_objects.log);
  EXPECT_EQ(back.mem, c_env.mem);
}

TEST(Environment, LongMessagesAreTruncatedOnTheStack) {
  CountingEnvironment counting;
  ScopedEnvironment scope(&counting);
  ASSERT_TRUE(scope.status().ok());
  const std::string big(2000, 'x');
  logf(LogLevel::kInfo, "%s", big);
  oskit_env_logf(OSKIT_OSENV_LOG_INFO, "%s", big.c_str());
  ASSERT_EQ(counting.log_lines().size(), 2u);
  EXPECT_EQ(counting.log_lines()[0], big.substr(0, OSKIT_ENV_LOG_MAX - 1));
  EXPECT_EQ(counting.log_lines()[1], big.substr(0, OSKIT_ENV_LOG_MAX - 1));
  EXPECT_EQ(counting.allocations(), 0) << "logging allocates nothing";
}

TEST(StrictEnvironment, MissingServicesAndTheHostsRefuseAndAreCounted) {
  oskit_osenv host_objects;
  oskit_env_host(&host_objects);
  oskit_osenv strict = {host_objects.mem, nullptr, nullptr, nullptr, nullptr, OSKIT_OSENV_STRICT};
  // The host's memory object, given explicitly, refuses too while strict.
  ASSERT_EQ(oskit_env_install(&strict), 0);
  EXPECT_EQ(oskit_env_strict_violations(), 0u);
  EXPECT_EQ(oskit_env_alloc(8, 0, 8, "refused"), nullptr);
  EXPECT_EQ(oskit_env_strict_violations(), 1u);
  EXPECT_STREQ(oskit_env_strict_last(), "host memory");
  oskit_env_logf(OSKIT_OSENV_LOG_ERROR, "nobody hears this");
  EXPECT_STREQ(oskit_env_strict_last(), "log");
  EXPECT_EQ(oskit_env_now(), 0);
  EXPECT_STREQ(oskit_env_strict_last(), "clock");
  oskit_osenv_thread_handle_t* t = nullptr;
  EXPECT_EQ(oskit_env_thread_start(
                "no", [](void*) {}, nullptr, &t),
            OSKIT_ENOMEM)
      << "no memory for its record";
  EXPECT_EQ(t, nullptr);
  EXPECT_EQ(oskit_env_irq_request(
                1, [](void*) {}, nullptr),
            OSKIT_EPERM);
  EXPECT_EQ(host_objects.clock->now(), 0) << "the host's own objects refuse";
  EXPECT_EQ(host().monotonic_ns(), 0);
  EXPECT_EQ(oskit_env_strict_violations(), 7u);
  auto worker = current().start_thread("no", [] {});
  EXPECT_EQ(worker.status().code(), absl::StatusCode::kResourceExhausted) << "no memory for its record";
  ASSERT_EQ(oskit_env_install(nullptr), 0);
  EXPECT_GT(host_objects.clock->now(), 0);
}

TEST(Environment, InstallingTheCurrentViewChangesNothing) {
  CountingEnvironment counting;
  ScopedEnvironment scope(&counting);
  ASSERT_TRUE(scope.status().ok());
  EXPECT_TRUE(install(&current()).ok());
  EXPECT_EQ(installed(), &counting);
}

}  // namespace
}  // namespace oskit::env
