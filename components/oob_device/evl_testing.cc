#include "components/oob_device/evl_testing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <memory>

#include <evl/evl.h>

#include "absl/strings/str_format.h"
#include "glue/evl/config.h"
#include "glue/evl/evl_thread.h"
#include "gtest/gtest.h"

namespace oskit::evl::testing {

std::string temp_path(const std::string& name) {
  const char* tmp = getenv("TEST_TMPDIR");
  return std::string(tmp ? tmp : "/tmp") + "/" + name;
}

void init_evl() {
  static const int rc = [] {
    oskit_evl_set_root(temp_path("evl-root").c_str());
    return evl_init();
  }();
  ASSERT_EQ(rc, 0) << "evl_init failed";
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  return absl::StrFormat("%s-%d-%d", prefix, getpid(), counter.fetch_add(1));
}

void run_on_evl_thread(const std::string& prefix, std::function<void()> body) {
  auto thread = start_evl_thread(unique_name(prefix), std::move(body));
  ASSERT_TRUE(thread.ok()) << thread.status();
  (*thread)->join();
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
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

}  // namespace oskit::evl::testing
