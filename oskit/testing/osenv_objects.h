// A factory for the oskit_osenv_* conformance suites over the objects of an
// oskit_osenv: a factory derives from OsenvObjects and fills env in its
// constructor. Its time passes and its interrupts arrive by themselves, and
// its log cannot say what it recorded; a factory that can do better hides
// advance(), deliver() or last_message() with its own.
#ifndef OSKIT_TESTING_OSENV_OBJECTS_H
#define OSKIT_TESTING_OSENV_OBJECTS_H

#include <cstdint>
#include <string>
#include <vector>

#include "oskit/osenv.h"

namespace oskit::testing {

struct OsenvObjects {
  oskit_osenv_mem* mem() { return env.mem; }
  oskit_osenv_log* log() { return env.log; }
  bool last_message(std::string*) { return false; }
  oskit_osenv_clock* clock() { return env.clock; }
  void advance(std::int64_t) {}
  oskit_osenv_threads* threads() { return env.threads; }
  oskit_osenv_irq* irq() { return env.irq; }
  void deliver() {}

  oskit_osenv env{};
};

// The last of a log's lines into *out, for last_message(); false if none.
inline bool last_log_line(const std::vector<std::string>& lines, std::string* out) {
  if (lines.empty()) return false;
  *out = lines.back();
  return true;
}

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_OSENV_OBJECTS_H
