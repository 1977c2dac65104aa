// Conformance suite for oskit_osenv_threads (oskit/osenv.h): start runs the
// body with its argument on a thread of its own, concurrently with others;
// join waits for the body to return; a thread joining itself gets
// OSKIT_EDEADLK and stays joinable; NULL arguments are refused; the name is
// optional.
//
// Factory (constructed for each test, destroyed after it):
//   oskit_osenv_threads* threads();  // borrowed, valid while the factory lives
// Instantiate, inside namespace oskit::testing:
//   INSTANTIATE_TYPED_TEST_SUITE_P(Name, OsenvThreadsConformance, ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_OSENV_THREADS_CONFORMANCE_H
#define OSKIT_TESTING_OSENV_THREADS_CONFORMANCE_H

#include <atomic>
#include <string>
#include <thread>

#include "gtest/gtest.h"
#include "oskit/osenv.h"

namespace oskit::testing {

template <class Factory>
class OsenvThreadsConformance : public ::testing::Test {
 protected:
  oskit_osenv_threads* threads() { return factory_.threads(); }

 private:
  Factory factory_;
};

TYPED_TEST_SUITE_P(OsenvThreadsConformance);

namespace osenv_threads {

struct Run {
  std::atomic<int> count{0};
  std::atomic<bool> release{false};
  std::atomic<std::thread::id> ran_on{};
};

inline void count_and_wait(void* arg) {
  auto* run = static_cast<Run*>(arg);
  run->ran_on = std::this_thread::get_id();
  run->count++;
  while (!run->release) std::this_thread::yield();
}

struct SelfJoin {
  oskit_osenv_threads* threads = nullptr;
  std::atomic<oskit_osenv_thread_handle_t*> self{nullptr};
  oskit_error_t rc = 1;
};

inline void join_myself(void* arg) {
  auto* s = static_cast<SelfJoin*>(arg);
  while (s->self.load() == nullptr) std::this_thread::yield();
  s->rc = s->threads->join(s->self.load());
}

}  // namespace osenv_threads

TYPED_TEST_P(OsenvThreadsConformance, StartRunsTheBodyAndJoinWaitsForIt) {
  osenv_threads::Run run;
  oskit_osenv_thread_handle_t* t = nullptr;
  ASSERT_EQ(this->threads()->start("conformance", osenv_threads::count_and_wait, &run, &t), 0);
  ASSERT_NE(t, nullptr);
  while (run.count == 0) std::this_thread::yield();
  EXPECT_NE(run.ran_on.load(), std::this_thread::get_id());
  run.release = true;
  EXPECT_EQ(oskit_osenv_threads_join(this->threads(), t), 0);
  EXPECT_EQ(run.count, 1);
}

TYPED_TEST_P(OsenvThreadsConformance, ThreadsRunConcurrently) {
  constexpr int kThreads = 6;
  osenv_threads::Run run;
  oskit_osenv_thread_handle_t* t[kThreads] = {};
  for (int i = 0; i < kThreads; ++i) {
    const std::string name = "conformance-" + std::to_string(i);
    ASSERT_EQ(oskit_osenv_threads_start(this->threads(), name.c_str(), osenv_threads::count_and_wait, &run, &t[i]), 0);
  }
  // Every body is running at once before any may return.
  while (run.count < kThreads) std::this_thread::yield();
  run.release = true;
  for (auto* thread : t) EXPECT_EQ(this->threads()->join(thread), 0);
}

TYPED_TEST_P(OsenvThreadsConformance, AThreadCannotJoinItself) {
  osenv_threads::SelfJoin s;
  s.threads = this->threads();
  oskit_osenv_thread_handle_t* t = nullptr;
  ASSERT_EQ(this->threads()->start("self-join", osenv_threads::join_myself, &s, &t), 0);
  s.self = t;
  EXPECT_EQ(this->threads()->join(t), 0);
  EXPECT_EQ(s.rc, OSKIT_EDEADLK);
}

TYPED_TEST_P(OsenvThreadsConformance, NullArgumentsAreRefused) {
  osenv_threads::Run run;
  run.release = true;
  oskit_osenv_thread_handle_t* t = reinterpret_cast<oskit_osenv_thread_handle_t*>(&run);
  EXPECT_EQ(this->threads()->start("x", nullptr, &run, &t), OSKIT_E_POINTER);
  EXPECT_EQ(t, nullptr);
  EXPECT_EQ(this->threads()->start("x", osenv_threads::count_and_wait, &run, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(this->threads()->join(nullptr), OSKIT_EINVAL);
  EXPECT_EQ(run.count, 0);
}

TYPED_TEST_P(OsenvThreadsConformance, TheNameIsOptionalAndMayBeLong) {
  osenv_threads::Run run;
  run.release = true;
  const std::string long_name(300, 'n');
  oskit_osenv_thread_handle_t* a = nullptr;
  oskit_osenv_thread_handle_t* b = nullptr;
  ASSERT_EQ(this->threads()->start(nullptr, osenv_threads::count_and_wait, &run, &a), 0);
  ASSERT_EQ(this->threads()->start(long_name.c_str(), osenv_threads::count_and_wait, &run, &b), 0);
  EXPECT_EQ(this->threads()->join(a), 0);
  EXPECT_EQ(this->threads()->join(b), 0);
  EXPECT_EQ(run.count, 2);
}

REGISTER_TYPED_TEST_SUITE_P(OsenvThreadsConformance, StartRunsTheBodyAndJoinWaitsForIt, ThreadsRunConcurrently,
                            AThreadCannotJoinItself, NullArgumentsAreRefused, TheNameIsOptionalAndMayBeLong);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_OSENV_THREADS_CONFORMANCE_H
