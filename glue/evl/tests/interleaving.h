// Systematic exploration of thread interleavings for the proxy rings' tests.
//
// The rings route every access to shared memory through a Hooks policy
// (glue/evl/emul/shared_word.h). Under InterleavingHooks, each access first
// hands control to an explorer that lets one thread run at a time, so a
// program of a few threads runs as a sequence of steps the explorer chooses.
// The threads are coroutines on the caller's thread (they must not block or
// use thread-local state of their own).
// The explorer enumerates the interleavings with dynamic partial-order
// reduction (Flanagan and Godefroid, POPL 2005): it runs one interleaving,
// finds the pairs of conflicting steps of different threads that could have
// run in the other order, and schedules the alternatives, until none is left.
// Interleavings that differ only in the order of independent steps (different
// words, or two reads) are not run twice. Each run starts from fresh objects.
//
// A thread that can make no progress until another one writes (a consumer
// finding nothing, a producer finding no room) calls wait_for_change(): it is
// not scheduled again until a word it has read since its last wait has been
// written since it read it. A state where every unfinished thread waits is reported as a
// deadlock (a lost wakeup).
#ifndef GLUE_EVL_TESTS_INTERLEAVING_H
#define GLUE_EVL_TESTS_INTERLEAVING_H

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "glue/evl/emul/shared_word.h"

namespace oskit::evl::testing {

struct InterleavingHooks {
  static void before(const void* addr, emul::Access access);
  static void wait_for_change();
  // Waits for a write to the word at addr only, after the value the thread
  // last read there (a futex wait, in a model).
  static void wait_for_change_of(const void* addr);
};

// One run's threads and checks, built afresh for each interleaving.
struct InterleavingProgram {
  std::vector<std::function<void()>> threads;
  // Called between any two steps, every thread paused: an invariant.
  // Returns an empty string when it holds, else what is wrong.
  std::function<std::string()> check_step;
  // Called once every thread has finished.
  std::function<std::string()> check_end;
};

struct ExplorationResult {
  uint64_t interleavings = 0;
  uint64_t steps = 0;
  uint64_t blocked = 0;   // runs cut short: every way on was explored already
  bool complete = false;  // every interleaving was explored
  std::string failure;    // the first failure, with the schedule that led to it
};

// Explores the interleavings of the programs make() builds, at most
// max_interleavings of them.
ExplorationResult explore_interleavings(const std::function<InterleavingProgram()>& make, uint64_t max_interleavings);

}  // namespace oskit::evl::testing

#endif  // GLUE_EVL_TESTS_INTERLEAVING_H
