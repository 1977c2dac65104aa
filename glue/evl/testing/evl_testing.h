// Test helpers for code over glue/evl: the library initialised once per test
// program, bodies run on attached EVL threads (to their end, or until they
// block), deadlines, errno checks, pipes and proxies, and waits on readiness.
#ifndef GLUE_EVL_TESTING_EVL_TESTING_H
#define GLUE_EVL_TESTING_EVL_TESTING_H

#include <errno.h>
#include <stddef.h>
#include <time.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "glue/evl/evl_thread.h"
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

// Starts body on a new thread attached to the EVL core (a unique name is made
// from prefix) and waits (no deadline) until that thread first blocks in the
// core. The thread's descriptor goes to *thread_fd if it is not null. Returns
// the thread to join; null, and the calling test failed, if it cannot start or
// attach.
std::unique_ptr<env::WorkerThread> start_blocked_evl_thread(const std::string& prefix, std::function<void()> body,
                                                            int* thread_fd = nullptr);

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

// The absolute time delay from now on clock, as the EVL calls taking a
// deadline want it.
struct timespec time_after(clockid_t clock, std::chrono::nanoseconds delay);

// Whether call (of a function reporting errors through errno), run with errno
// cleared, fails with err: returns -1 and leaves errno at err. For
// EXPECT_TRUE(fails_with(EBADF, [&] { return oob_read(fd, buf, n); })).
template <typename Call>
::testing::AssertionResult fails_with(int err, Call call) {
  errno = 0;
  const long rc = static_cast<long>(call());
  const int got = errno;
  if (rc == -1 && got == err) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "returned " << rc << " with errno " << got << ", not -1 with errno " << err;
}

// A pipe (close-on-exec), closed at scope exit.
struct Pipe {
  Pipe();
  ~Pipe();
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  int r = -1;
  int w = -1;
};

// An output-only proxy on a pipe's write end and an input-only proxy on its
// read end, each with a bufsz-byte buffer, closed at scope exit. Fails the
// calling test if either cannot be made (its descriptor is then negative).
struct OneWayProxies {
  explicit OneWayProxies(size_t bufsz);
  ~OneWayProxies();
  OneWayProxies(const OneWayProxies&) = delete;
  OneWayProxies& operator=(const OneWayProxies&) = delete;
  Pipe pipe;
  int out = -1;
  int in = -1;
};

}  // namespace oskit::evl::testing

#endif  // GLUE_EVL_TESTING_EVL_TESTING_H
