// Helpers shared by the glue/evl tests.
#ifndef TESTS_EVL_TEST_UTIL_H
#define TESTS_EVL_TEST_UTIL_H

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <string>

#include <evl/evl.h>

#include "gtest/gtest.h"

namespace oskit::evl::testing {

// evl_init() once per test program; the public root under the test's tmpdir.
class EvlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
};

// A pipe closed at scope exit.
struct Pipe {
  int r = -1, w = -1;
  Pipe();
  ~Pipe();
};

// Reads exactly n bytes (blocking); false on EOF or error.
bool read_fully(int fd, void* buf, size_t n);

// The revents poll(2) reports right now for fd.
short kernel_revents(int fd, short events);

// Waits (no deadline) until evl_poll reports want on fd.
unsigned int evl_wait_for(int fd, unsigned int want);

// Waits until poll(2) on fd reports want.
short kernel_wait_for(int fd, short want);

}  // namespace oskit::evl::testing

#endif  // TESTS_EVL_TEST_UTIL_H
