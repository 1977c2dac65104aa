// Scratch space for tests, benchmarks and examples: Bazel's TEST_TMPDIR, or
// /tmp outside Bazel.
#ifndef OSKIT_TESTING_TEMP_DIR_H
#define OSKIT_TESTING_TEMP_DIR_H

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace oskit::testing {

// The directory a test may write to.
inline std::string temp_dir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

// A path for name in temp_dir().
inline std::string temp_path(const std::string& name) { return temp_dir() + "/" + name; }

// A new file in temp_dir() named from prefix, already unlinked: it goes away
// with its last descriptor. Returns the descriptor (read-write), or -1.
inline int unlinked_temp_file(const std::string& prefix) {
  std::string path = temp_path(prefix + "XXXXXX");
  int fd = mkstemp(path.data());
  if (fd >= 0) unlink(path.c_str());
  return fd;
}

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_TEMP_DIR_H
