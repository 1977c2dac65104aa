#include "glue/evl/testing/evl_testing.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

#include <evl/evl.h>

#include "absl/strings/str_format.h"
#include "glue/evl/config.h"
#include "glue/evl/evl_thread.h"
#include "oskit/testing/temp_dir.h"

namespace oskit::evl::testing {

void init_evl() {
  static const int rc = [] {
    oskit_evl_set_root(oskit::testing::temp_path("evl-root").c_str());
    return evl_init();
  }();
  ASSERT_EQ(rc, 0) << "evl_init failed";
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return absl::StrFormat("%s-%d-%d", prefix, getpid(), counter.fetch_add(1));
}

void AttachedEvlTest::SetUp() { ASSERT_GE(evl_attach_self("%s", unique_name("test").c_str()), 0); }

void AttachedEvlTest::TearDown() { EXPECT_EQ(evl_detach_self(), 0); }

ScopedAttach::ScopedAttach(const std::string& prefix) : fd_(evl_attach_self("%s", unique_name(prefix).c_str())) {
  EXPECT_GE(fd_, 0) << "cannot attach: " << strerror(-fd_);
}

ScopedAttach::~ScopedAttach() {
  if (fd_ >= 0) evl_detach_self();
}

void run_on_evl_thread(const std::string& prefix, std::function<void()> body) {
  auto thread = start_evl_thread(unique_name(prefix), std::move(body));
  ASSERT_TRUE(thread.ok()) << thread.status();
  (*thread)->join();
}

std::unique_ptr<env::WorkerThread> start_blocked_evl_thread(const std::string& prefix, std::function<void()> body,
                                                            int* thread_fd) {
  // Written by the thread before body runs, read here before returning.
  std::atomic<int> fd{-1};
  auto thread = start_evl_thread(unique_name(prefix), [&fd, body = std::move(body)] {
    fd = evl_get_self();
    body();
  });
  EXPECT_TRUE(thread.ok()) << thread.status();
  if (!thread.ok()) return nullptr;
  while (fd < 0) usleep(1000);
  wait_until_blocked(fd);
  if (thread_fd != nullptr) *thread_fd = fd;
  return std::move(thread).value();
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool read_fully(int fd, void* buf, size_t n) {
  char* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t k = read(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

std::string read_exactly(int fd, size_t n) {
  std::string out(n, '\0');
  size_t done = 0;
  while (done < n) {
    ssize_t k = read(fd, &out[done], n - done);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    done += static_cast<size_t>(k);
  }
  out.resize(done);
  return out;
}

// The kernel's own answer (what epoll and select see), past the emulation's
// poll(2), which answers for its descriptors with the file's own events.
int kernel_poll(struct pollfd* p, const struct timespec* timeout) {
  return static_cast<int>(syscall(SYS_ppoll, p, 1, timeout, nullptr, _NSIG / 8));
}

short kernel_revents(int fd, short events) {
  struct pollfd p = {fd, events, 0};
  const struct timespec now = {0, 0};
  return kernel_poll(&p, &now) == 1 ? p.revents : 0;
}

short kernel_wait_for(int fd, short want) {
  struct pollfd p = {fd, want, 0};
  for (;;) {
    int n = kernel_poll(&p, nullptr);
    if (n == 1 && (p.revents & want)) return p.revents;
  }
}

unsigned int evl_wait_for(int fd, unsigned int want) {
  int set = evl_new_poll();
  if (set < 0) return 0;
  evl_add_pollfd(set, fd, want, evl_nil);
  struct evl_poll_event ev = {};
  int n = evl_poll(set, &ev, 1);
  close(set);
  return n == 1 ? ev.events : 0;
}

void wait_until_blocked(int thread_fd) {
  for (;;) {
    struct evl_thread_state state;
    if (evl_get_state(thread_fd, &state) == 0 && (state.state & (T_PEND | T_DELAY))) return;
    usleep(1000);
  }
}

struct timespec time_after(clockid_t clock, std::chrono::nanoseconds delay) {
  struct timespec now;
  clock_gettime(clock, &now);
  const std::chrono::nanoseconds at = std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec) + delay;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(at);
  return {static_cast<time_t>(seconds.count()), static_cast<long>((at - seconds).count())};
}

Pipe::Pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) == 0) {
    r = fds[0];
    w = fds[1];
  }
}

Pipe::~Pipe() {
  if (r >= 0) close(r);
  if (w >= 0) close(w);
}

OneWayProxies::OneWayProxies(size_t bufsz)
    : out(evl_new_proxy(pipe.w, bufsz, nullptr)), in(evl_create_proxy(pipe.r, bufsz, 0, EVL_CLONE_INPUT, nullptr)) {
  EXPECT_GE(out, 0) << "output proxy: " << strerror(-out);
  EXPECT_GE(in, 0) << "input proxy: " << strerror(-in);
}

OneWayProxies::~OneWayProxies() {
  if (out >= 0) close(out);
  if (in >= 0) close(in);
}

}  // namespace oskit::evl::testing
