// The interleaving explorer on programs whose interleavings are known.
#include "glue/evl/tests/interleaving.h"

#include <memory>

#include "gtest/gtest.h"

namespace oskit::evl::testing {
namespace {

using Word = emul::SharedWord<int, InterleavingHooks>;

InterleavingProgram writers(int threads, int writes, bool same_word) {
  auto words = std::make_shared<std::vector<std::unique_ptr<Word>>>();
  for (int i = 0; i < threads; ++i) words->emplace_back(new Word(0));
  InterleavingProgram prog;
  for (int t = 0; t < threads; ++t) {
    prog.threads.push_back([words, t, writes, same_word] {
      Word& w = *(*words)[same_word ? 0 : t];
      for (int i = 0; i < writes; ++i) w.fetch_add(1, std::memory_order_relaxed);
    });
  }
  return prog;
}

TEST(InterleavingTest, IndependentThreadsRunOnce) {
  ExplorationResult r = explore_interleavings([] { return writers(3, 4, false); }, 1000);
  EXPECT_EQ(r.failure, "");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.interleavings, 1u);
}

TEST(InterleavingTest, ConflictingWritesRunInEveryOrder) {
  // Two threads, three writes each to one word: C(6, 3) orders.
  ExplorationResult r = explore_interleavings([] { return writers(2, 3, true); }, 1000);
  EXPECT_EQ(r.failure, "");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.interleavings, 20u);
}

TEST(InterleavingTest, FindsALostUpdate) {
  // Two unsynchronised increments (load, then store): one may be lost.
  auto make = [] {
    auto w = std::make_shared<Word>(0);
    InterleavingProgram prog;
    for (int t = 0; t < 2; ++t) {
      prog.threads.push_back([w] { w->store(w->load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); });
    }
    prog.check_end = [w] { return w->load(std::memory_order_relaxed) == 2 ? "" : "lost update"; };
    return prog;
  };
  ExplorationResult r = explore_interleavings(make, 1000);
  EXPECT_NE(r.failure.find("lost update"), std::string::npos) << r.failure;
}

TEST(InterleavingTest, ReportsALostWakeup) {
  // The waiter checks the flag, then waits; the setter never sets it.
  auto make = [] {
    auto flag = std::make_shared<Word>(0);
    auto other = std::make_shared<Word>(0);
    InterleavingProgram prog;
    prog.threads.push_back([flag] {
      while (flag->load(std::memory_order_relaxed) == 0) InterleavingHooks::wait_for_change();
    });
    prog.threads.push_back([other] { other->store(1, std::memory_order_relaxed); });
    return prog;
  };
  ExplorationResult r = explore_interleavings(make, 1000);
  EXPECT_NE(r.failure.find("deadlock"), std::string::npos) << r.failure;
}

TEST(InterleavingTest, AWaiterRunsAgainOnceItsWordChanges) {
  auto make = [] {
    auto flag = std::make_shared<Word>(0);
    InterleavingProgram prog;
    prog.threads.push_back([flag] {
      while (flag->load(std::memory_order_relaxed) == 0) InterleavingHooks::wait_for_change();
    });
    prog.threads.push_back([flag] { flag->store(1, std::memory_order_relaxed); });
    return prog;
  };
  ExplorationResult r = explore_interleavings(make, 1000);
  EXPECT_EQ(r.failure, "");
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.interleavings, 2u);  // the waiter sees the flag first time, or after waiting
}

}  // namespace
}  // namespace oskit::evl::testing
