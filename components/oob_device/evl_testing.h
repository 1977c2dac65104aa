// Test helpers for components over glue/evl: the library initialised once per
// test program, and bodies run on attached EVL threads.
#ifndef COMPONENTS_OOB_DEVICE_EVL_TESTING_H
#define COMPONENTS_OOB_DEVICE_EVL_TESTING_H

#include <stddef.h>

#include <functional>
#include <string>
#include <vector>

namespace oskit::evl::testing {

// evl_init() once for the program, with the emulated /dev/evl under the
// test's temporary directory. Fails the calling test if it cannot.
void init_evl();

// Runs body on a new thread attached to the EVL core (a unique name is made
// from prefix) and waits for it to end. Fails the calling test if the thread
// cannot start or attach.
void run_on_evl_thread(const std::string& prefix, std::function<void()> body);

// A name unique in this program: prefix, the process id and a counter.
std::string unique_name(const std::string& prefix);

// A path for name in the test's temporary directory.
std::string temp_path(const std::string& name);

// The lines of the file at path, without their newlines.
std::vector<std::string> lines_of(const std::string& path);

// Reads n bytes from fd, blocking; fewer only at end of file or on an error.
std::string read_exactly(int fd, size_t n);

// A pipe, closed at scope exit.
struct Pipe {
  Pipe();
  ~Pipe();
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int r = -1;
  int w = -1;
};

}  // namespace oskit::evl::testing

#endif  // COMPONENTS_OOB_DEVICE_EVL_TESTING_H
