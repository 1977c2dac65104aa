// Every error the EVL "File proxy" page lists for evl_create_proxy, and the
// proxy-specific codes of its "Out-of-band I/O services" page (EFBIG, EINVAL,
// EAGAIN, EBADF, ENOTTY, EFAULT).
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <evl/evl.h>
#include "glue/env/env.h"
#include "glue/evl/config.h"

#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class ProxyErrorsTest : public AttachedEvlTest {};

TEST_F(ProxyErrorsTest, ExistingNameIsEexist) {
  Pipe p;
  int a = evl_new_proxy(p.w, 64, "dup-name:%d", getpid());
  ASSERT_GE(a, 0);
  EXPECT_EQ(evl_new_proxy(p.w, 64, "dup-name:%d", getpid()), -EEXIST);
  close(a);
  int b = evl_new_proxy(p.w, 64, "dup-name:%d", getpid());  // released on close
  EXPECT_GE(b, 0);
  close(b);
}

TEST_F(ProxyErrorsTest, BadFlagsAreEinval) {
  Pipe p;
  EXPECT_EQ(evl_create_proxy(p.w, 64, 0, 1 << 3, nullptr), -EINVAL);
  EXPECT_EQ(evl_create_proxy(p.w, 64, 0, EVL_CLONE_OBSERVABLE, nullptr), -EINVAL);
  EXPECT_EQ(evl_create_proxy(p.w, 64, 0, EVL_CLONE_UNICAST, nullptr), -EINVAL);
}

TEST_F(ProxyErrorsTest, BufszAbove2To30IsEinval) {
  Pipe p;
  EXPECT_EQ(evl_new_proxy(p.w, (size_t{1} << 30) + 1, nullptr), -EINVAL);
}

TEST_F(ProxyErrorsTest, BufszNotMultipleOfGranularityIsEinval) {
  Pipe p;
  EXPECT_EQ(evl_create_proxy(p.w, 100, 8, 0, nullptr), -EINVAL);
  EXPECT_EQ(evl_create_proxy(p.w, 4, 8, 0, nullptr), -EINVAL);
  int ok = evl_create_proxy(p.w, 96, 8, 0, nullptr);
  EXPECT_GE(ok, 0);
  close(ok);
}

TEST_F(ProxyErrorsTest, ZeroBufszWithDirectionIsEinval) {
  Pipe p;
  EXPECT_EQ(evl_create_proxy(p.w, 0, 0, EVL_CLONE_OUTPUT, nullptr), -EINVAL);
  EXPECT_EQ(evl_create_proxy(p.w, 0, 0, EVL_CLONE_INPUT, nullptr), -EINVAL);
}

TEST_F(ProxyErrorsTest, BadlyFormedNamesAreEinval) {
  Pipe p;
  EXPECT_EQ(evl_new_proxy(p.w, 64, "%s", ""), -EINVAL);
  EXPECT_EQ(evl_new_proxy(p.w, 64, "a/b"), -EINVAL);
  EXPECT_EQ(evl_new_proxy(p.w, 64, "/a/b"), -EINVAL);
  EXPECT_EQ(evl_new_proxy(p.w, 64, "/.."), -EINVAL);
  EXPECT_EQ(evl_new_proxy(p.w, 64, ".."), -EINVAL);
  EXPECT_EQ(evl_new_proxy(p.w, 64, "tab\there"), -EINVAL);
  EXPECT_EQ(evl_create_proxy(p.w, 64, 0, EVL_CLONE_PUBLIC, nullptr), -EINVAL);  // public needs a name
}

TEST_F(ProxyErrorsTest, InvalidTargetIsEbadf) {
  EXPECT_EQ(evl_new_proxy(-1, 64, nullptr), -EBADF);
  EXPECT_EQ(evl_new_proxy(100000, 64, nullptr), -EBADF);
}

TEST_F(ProxyErrorsTest, OverlongPathIsEnametoolong) {
  Pipe p;
  std::string name(PATH_MAX, 'n');
  EXPECT_EQ(evl_new_proxy(p.w, 64, "%s", name.c_str()), -ENAMETOOLONG);
}

TEST_F(ProxyErrorsTest, DescriptorLimitIsEmfile) {
  Pipe p;
  struct rlimit saved;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  std::vector<int> held;
  // Use up every descriptor below a low limit, then lower it.
  struct rlimit low = {64, saved.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  for (;;) {
    int fd = dup(0);
    if (fd < 0) break;
    held.push_back(fd);
  }
  int rc = evl_new_proxy(p.w, 64, nullptr);
  for (int fd : held) close(fd);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_EQ(rc, -EMFILE);
}

// An environment whose allocations above a size fail.
class StingyEnvironment : public env::Environment {
 public:
  void* allocate(std::size_t size, std::size_t align) noexcept override {
    return size > (1 << 20) ? nullptr : env::host().allocate(size, align);
  }
  void deallocate(void* p, std::size_t size, std::size_t align) noexcept override {
    env::host().deallocate(p, size, align);
  }
  void log(env::LogLevel level, absl::string_view m) noexcept override { env::host().log(level, m); }
  std::int64_t monotonic_ns() noexcept override { return env::host().monotonic_ns(); }
  absl::StatusOr<std::unique_ptr<env::WorkerThread>> start_thread(std::string name,
                                                                  std::function<void()> body) override {
    return env::host().start_thread(std::move(name), std::move(body));
  }
};

TEST_F(ProxyErrorsTest, NoMemoryIsEnomem) {
  Pipe p;
  StingyEnvironment stingy;
  env::ScopedEnvironment scope(&stingy);
  ASSERT_TRUE(scope.status().ok());
  EXPECT_EQ(evl_new_proxy(p.w, 8 << 20, nullptr), -ENOMEM);
  int ok = evl_new_proxy(p.w, 4096, nullptr);
  EXPECT_GE(ok, 0);
  close(ok);
}

TEST_F(ProxyErrorsTest, WriteLargerThanBufferIsEfbig) {
  Pipe p;
  int fd = evl_new_proxy(p.w, 16, nullptr);
  ASSERT_GE(fd, 0);
  char buf[17] = {0};
  EXPECT_TRUE(fails_with(EFBIG, [&] { return oob_write(fd, buf, 17); }));
  EXPECT_TRUE(fails_with(EFBIG, [&] { return write(fd, buf, 17); }));
  EXPECT_EQ(evl_send_proxy(fd, buf, 17), -EFBIG);
  close(fd);
}

TEST_F(ProxyErrorsTest, CountNotMultipleOfGranularityIsEinval) {
  Pipe p;
  int fd = evl_create_proxy(p.w, 32, 4, EVL_CLONE_OUTPUT | EVL_CLONE_INPUT, nullptr);
  ASSERT_GE(fd, 0);
  char buf[6] = {0};
  EXPECT_TRUE(fails_with(EINVAL, [&] { return oob_write(fd, buf, 6); }));
  EXPECT_TRUE(fails_with(EINVAL, [&] { return oob_read(fd, buf, 6); }));
  close(fd);
}

TEST_F(ProxyErrorsTest, NonBlockingFullRingIsEagain) {
  Pipe p;
  // The target never drains: fill the pipe first.
  ASSERT_EQ(fcntl(p.w, F_SETFL, O_NONBLOCK), 0);
  std::vector<char> junk(1 << 16, 'j');
  while (::write(p.w, junk.data(), junk.size()) > 0) {
  }
  ASSERT_EQ(fcntl(p.w, F_SETFL, 0), 0);
  int fd = evl_create_proxy(p.w, 32, 0, EVL_CLONE_NONBLOCK, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(oob_write(fd, junk.data(), 32), 32);
  EXPECT_TRUE(fails_with(EAGAIN, [&] { return oob_write(fd, junk.data(), 1); }));
  EXPECT_TRUE(fails_with(EAGAIN, [&] { return write(fd, junk.data(), 1); }));
  // The reader goes: the blocked relay fails with EPIPE, close reports the drop.
  signal(SIGPIPE, SIG_IGN);
  close(p.r);
  p.r = -1;
  EXPECT_EQ(close(fd), 0);
}

TEST_F(ProxyErrorsTest, FcntlNonblockTakesEffect) {
  Pipe p;
  int fd = evl_create_proxy(p.r, 16, 0, EVL_CLONE_INPUT, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  char c;
  EXPECT_TRUE(fails_with(EAGAIN, [&] { return oob_read(fd, &c, 1); }));
  EXPECT_TRUE(fails_with(EAGAIN, [&] { return read(fd, &c, 1); }));
  close(fd);
}

TEST_F(ProxyErrorsTest, OobCallsOnOrdinaryDescriptorAreEbadf) {
  Pipe p;
  char c = 0;
  EXPECT_TRUE(fails_with(EBADF, [&] { return oob_write(p.w, &c, 1); }));
  EXPECT_TRUE(fails_with(EBADF, [&] { return oob_read(p.r, &c, 1); }));
  EXPECT_TRUE(fails_with(EBADF, [&] { return oob_ioctl(p.r, 0); }));
  EXPECT_TRUE(fails_with(EBADF, [&] { return oob_write(-1, &c, 1); }));
}

TEST_F(ProxyErrorsTest, ProxyHasNoOobIoctl) {
  Pipe p;
  int fd = evl_new_proxy(p.w, 16, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(fails_with(ENOTTY, [&] { return oob_ioctl(fd, 0x1234); }));
  close(fd);
}

TEST_F(ProxyErrorsTest, BadBufferIsEfault) {
  Pipe p;
  int fd = evl_create_proxy(p.w, 16, 0, EVL_CLONE_INPUT | EVL_CLONE_OUTPUT, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(fails_with(EFAULT, [&] { return oob_write(fd, nullptr, 4); }));
  EXPECT_TRUE(fails_with(EFAULT, [&] { return oob_read(fd, reinterpret_cast<void*>(16), 4); }));
  close(fd);
}

TEST_F(ProxyErrorsTest, DisabledDirectionIsEnxio) {
  OneWayProxies proxies(16);
  char c = 0;
  EXPECT_TRUE(fails_with(ENXIO, [&] { return oob_read(proxies.out, &c, 1); }));  // as the EVL core answers
  EXPECT_TRUE(fails_with(ENXIO, [&] { return oob_write(proxies.in, &c, 1); }));
}

TEST_F(ProxyErrorsTest, ClosedProxyIsEbadf) {
  Pipe p;
  int fd = evl_new_proxy(p.w, 16, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(close(fd), 0);
  EXPECT_TRUE(fails_with(EBADF, [&] { return oob_write(fd, "x", 1); }));
}

}  // namespace
}  // namespace oskit::evl::testing
