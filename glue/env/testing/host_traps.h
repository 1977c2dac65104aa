// Traps on the host's services for tests proving that the toolkit takes
// everything from the installed environment (docs/design.md, "Embedding").
// Linked into a test (statically: cc_test linkstatic = True), this library
// sees every call the toolkit's code makes to the C heap (malloc, free and
// friends, operator new and delete, wherever they are called from), to
// thread creation (pthread_create, std::thread), to clocks and sleeps
// (clock_gettime, steady_clock, nanosleep, usleep, sleep_for, timed poll and
// condition waits, futex system calls) and to stdio logging (fprintf, puts,
// fwrite...), and counts those made while the calling thread runs toolkit
// code: inside a ToolkitScope, or on a thread the strict environment started.
// What the environment itself does is not counted (EnvScope).
#ifndef GLUE_ENV_TESTING_HOST_TRAPS_H
#define GLUE_ENV_TESTING_HOST_TRAPS_H

#include <string>
#include <vector>

namespace oskit::env::testing {

// The calling thread runs toolkit code for the scope's lifetime.
class ToolkitScope {
 public:
  ToolkitScope() noexcept;
  ~ToolkitScope();
  ToolkitScope(const ToolkitScope&) = delete;
  ToolkitScope& operator=(const ToolkitScope&) = delete;
};

// The calling thread runs the environment's own code (not counted).
class EnvScope {
 public:
  EnvScope() noexcept;
  ~EnvScope();
  EnvScope(const EnvScope&) = delete;
  EnvScope& operator=(const EnvScope&) = delete;
};

// Uses of the host's services from toolkit code since the last reset.
unsigned long host_uses() noexcept;
// The first uses recorded (at most 64), as "what (called from symbol)".
std::vector<std::string> host_use_report();
void reset_host_uses() noexcept;

}  // namespace oskit::env::testing

#endif  // GLUE_ENV_TESTING_HOST_TRAPS_H
