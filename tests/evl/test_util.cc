#include "tests/evl/test_util.h"

#include <stdlib.h>

#include "glue/evl/config.h"

namespace oskit::evl::testing {

void EvlTest::SetUpTestSuite() {
  static bool done = false;
  if (done) return;
  done = true;
  const char* tmp = getenv("TEST_TMPDIR");
  std::string root = std::string(tmp ? tmp : "/tmp") + "/evl-root";
  oskit_evl_set_root(root.c_str());
  ASSERT_EQ(evl_init(), 0);
}

Pipe::Pipe() {
  int fds[2];
  if (pipe(fds) == 0) {
    r = fds[0];
    w = fds[1];
  }
}

Pipe::~Pipe() {
  if (r >= 0) close(r);
  if (w >= 0) close(w);
}

bool read_fully(int fd, void* buf, size_t n) {
  char* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t k = read(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= k;
  }
  return true;
}

short kernel_revents(int fd, short events) {
  struct pollfd p = {fd, events, 0};
  return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

unsigned int evl_wait_for(int fd, unsigned int want) {
  int set = evl_new_poll();
  if (set < 0) return 0;
  evl_add_pollfd(set, fd, want);
  struct evl_poll_event ev = {0, 0};
  int n = evl_poll(set, &ev, 1);
  close(set);
  return n == 1 ? ev.events : 0;
}

short kernel_wait_for(int fd, short want) {
  struct pollfd p = {fd, want, 0};
  for (;;) {
    int n = poll(&p, 1, -1);
    if (n == 1 && (p.revents & want)) return p.revents;
  }
}

}  // namespace oskit::evl::testing
