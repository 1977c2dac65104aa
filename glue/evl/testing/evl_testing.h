// Test helpers for code over glue/evl: the library initialised once per test
// program, bodies run on attached EVL threads, pipes, and waits on readiness.
#ifndef GLUE_EVL_TESTING_EVL_TESTING_H
#define GLUE_EVL_TESTING_EVL_TESTING_H

#include <stddef.h>

#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace oskit::evl::testing {

// evl_init() once for the program, with the emulated /dev/evl under the
// test's temporary directory. Fails the calling test if it cannot.
void init_evl();

// A fixture whose suite calls init_evl() first.
class EvlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { init_evl(); }
};

// A fixture whose test bodies run attached to the EVL core (the core refuses
// out-of-band calls to other threads): the test thread attaches before each
// test and detaches after.
class AttachedEvlTest : public EvlTest {
 protected:
  void SetUp() override;
  void TearDown() override;
};

// Attaches the calling thread for its scope (a unique name is made from
// prefix). Fails the calling test if it cannot.
class ScopedAttach {
 public:
  explicit ScopedAttach(const std::string& prefix);
  ~ScopedAttach();
  ScopedAttach(const ScopedAttach&) = delete;
  ScopedAttach& operator=(const ScopedAttach&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Runs body on a new thread attached to the EVL core (a unique name is made
// from prefix) and waits for it to end. Fails the calling test if the thread
// cannot start or attach.
void run_on_evl_thread(const std::string& prefix, std::function<void()> body);

// A name unique in this program: prefix, the process id and a counter.
std::string unique_name(const std::string& prefix);

// The lines of the file at path, without their newlines.
std::vector<std::string> lines_of(const std::string& path);

// Reads n bytes from fd, blocking; fewer only at end of file or on an error.
std::string read_exactly(int fd, size_t n);

// Reads exactly n bytes into buf (blocking); false on end of file or error.
bool read_fully(int fd, void* buf, size_t n);

// The revents the kernel reports right now for fd: the readiness epoll(7)
// and select(2) see (poll(2) itself answers with the file's own events).
short kernel_revents(int fd, short events);

// Waits (no deadline) until the kernel reports one of want on fd; returns
// revents.
short kernel_wait_for(int fd, short want);

// Waits (no deadline) until evl_poll reports one of want on fd; returns the
// events, 0 if the poll set cannot be made.
unsigned int evl_wait_for(int fd, unsigned int want);

// Waits (no deadline) until the EVL thread whose descriptor is thread_fd
// blocks in the core (T_PEND or T_DELAY in its state).
void wait_until_blocked(int thread_fd);

// A pipe (close-on-exec), closed at scope exit.
struct Pipe {
  Pipe();
  ~Pipe();
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int r = -1;
  int w = -1;
};

}  // namespace oskit::evl::testing

#endif  // GLUE_EVL_TESTING_EVL_TESTING_H
