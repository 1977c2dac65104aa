// Proxies under faults a careless or hostile caller brings (docs/design.md,
// "Proxies"): a target that is itself an EVL file, inaccessible buffers, a
// target losing its reader, a writer blocked on a full ring, a public proxy
// whose root cannot hold its entry.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <evl/evl.h>
#include <evl/poll.h>
#include <evl/proxy.h>
#include <evl/syscall.h>

#include <atomic>
#include <string>
#include <thread>

#include "glue/evl/config.h"
#include "glue/evl/driver.h"
#include "glue/evl/emul/seams.h"
#include "glue/evl/loopback.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class ProxyFaultsTest : public AttachedEvlTest {};

// ---------------------------------------------------------------- targets that are EVL files

// A proxy (*inner) onto the write end of p, and a proxy (*outer) onto it.
void chain_proxies(const Pipe& p, int* inner, int* outer) {
  *inner = evl_new_proxy(p.w, 4096, nullptr);
  ASSERT_GE(*inner, 0);
  *outer = evl_new_proxy(*inner, 4096, nullptr);
  ASSERT_GE(*outer, 0);
}

TEST_F(ProxyFaultsTest, ProxyOntoAProxyDelivers) {
  Pipe p;
  int inner, outer;
  ASSERT_NO_FATAL_FAILURE(chain_proxies(p, &inner, &outer));
  run_on_evl_thread("onto-proxy", [&] { EXPECT_EQ(oob_write(outer, "through two", 11), 11); });
  EXPECT_EQ(read_exactly(p.r, 11), "through two");
  EXPECT_EQ(close(outer), 0);
  EXPECT_EQ(close(inner), 0);
}

// The proxy keeps its target open: closing the inner descriptor first does
// not cut the chain, and closing the outer one then drains both.
TEST_F(ProxyFaultsTest, ProxyOntoAProxyOutlivesTheInnerDescriptor) {
  Pipe p;
  int inner, outer;
  ASSERT_NO_FATAL_FAILURE(chain_proxies(p, &inner, &outer));
  EXPECT_EQ(close(inner), 0);
  EXPECT_EQ(write(outer, "after", 5), 5);
  EXPECT_EQ(close(outer), 0);
  EXPECT_EQ(read_exactly(p.r, 5), "after");
}

TEST_F(ProxyFaultsTest, ProxyOntoAnOobDeviceDelivers) {
  const std::string name = unique_name("lb-target");
  ASSERT_EQ(oskit_loopback_register(name.c_str(), 4096), 0);
  const int dev = oskit_evl_open(name.c_str(), O_RDWR);
  ASSERT_GE(dev, 0);
  const int proxy = evl_new_proxy(dev, 1024, nullptr);
  ASSERT_GE(proxy, 0);
  run_on_evl_thread("onto-device", [&] { EXPECT_EQ(oob_write(proxy, "to the device", 13), 13); });
  EXPECT_TRUE(evl_wait_for(proxy, POLLOUT) & POLLOUT);
  char buf[32];
  EXPECT_EQ(read(dev, buf, sizeof buf), 13);
  EXPECT_EQ(std::string(buf, 13), "to the device");
  EXPECT_EQ(close(proxy), 0);
  EXPECT_EQ(close(dev), 0);
  EXPECT_EQ(oskit_loopback_unregister(name.c_str()), 0);
}

// An input proxy over an input proxy reads the data, not the readiness
// bytes of the inner file's kernel descriptor.
TEST_F(ProxyFaultsTest, InputProxyOverAnEmulatedFileReadsData) {
  Pipe p;
  const int inner = evl_create_proxy(p.r, 4096, 0, EVL_CLONE_INPUT, nullptr);
  ASSERT_GE(inner, 0);
  const int outer = evl_create_proxy(inner, 4096, 0, EVL_CLONE_INPUT, nullptr);
  ASSERT_GE(outer, 0);
  ASSERT_EQ(write(p.w, "payload", 7), 7);
  std::string got;
  char buf[16];
  while (got.size() < 7) {
    const ssize_t n = read(outer, buf, sizeof buf);
    ASSERT_GT(n, 0);
    got.append(buf, n);
  }
  EXPECT_EQ(got, "payload");
  EXPECT_EQ(close(outer), 0);
  EXPECT_EQ(close(inner), 0);
}

// ---------------------------------------------------------------- inaccessible buffers

// A page that is mapped but not accessible, one that is only readable, and
// one that is not mapped. Made on the thread that uses them, after any thread
// starts (a new thread's stack could fill the hole).
struct BadPages {
  BadPages() {
    void* m = mmap(nullptr, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    base = static_cast<char*>(m);
    mprotect(base, 4096, PROT_NONE);
    mprotect(base + 4096, 4096, PROT_READ);
    munmap(base + 2 * 4096, 4096);
  }
  ~BadPages() { munmap(base, 2 * 4096); }
  char* none() const { return base; }
  char* read_only() const { return base + 4096; }
  char* unmapped() const { return base + 2 * 4096; }
  char* base;
};

TEST_F(ProxyFaultsTest, OobWriteFromAnInaccessibleBufferIsEfault) {
  Pipe p;
  const int fd = evl_new_proxy(p.w, 4096, nullptr);
  ASSERT_GE(fd, 0);
  run_on_evl_thread("efault-write", [&] {
    BadPages bad;
    for (const char* buf : {bad.none(), bad.unmapped(), bad.read_only() + 4000}) {
      EXPECT_TRUE(fails_with(EFAULT, [&] { return oob_write(fd, buf, 200); }));
    }
    EXPECT_EQ(oob_write(fd, bad.read_only(), 16), 16);  // readable is enough
  });
  EXPECT_EQ(read_exactly(p.r, 16), std::string(16, '\0'));
  EXPECT_EQ(close(fd), 0);
}

TEST_F(ProxyFaultsTest, OobReadIntoAnInaccessibleBufferIsEfault) {
  Pipe p;
  const int fd = evl_create_proxy(p.r, 4096, 0, EVL_CLONE_INPUT, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(p.w, "abcd", 4), 4);
  ASSERT_TRUE(evl_wait_for(fd, POLLIN) & POLLIN);
  run_on_evl_thread("efault-read", [&] {
    BadPages bad;
    for (char* buf : {bad.none(), bad.unmapped(), bad.read_only()}) {
      EXPECT_TRUE(fails_with(EFAULT, [&] { return oob_read(fd, buf, 4); }));
      EXPECT_TRUE(fails_with(EFAULT, [&] { return oob_ioctl(fd, FIONREAD, buf); }));
    }
    char ok[4];
    EXPECT_EQ(oob_read(fd, ok, 4), 4);  // nothing was taken by the refused reads
    EXPECT_EQ(std::string(ok, 4), "abcd");
  });
  EXPECT_EQ(close(fd), 0);
}

TEST_F(ProxyFaultsTest, IoctlOnAnOobDeviceWithAnInaccessibleArgumentIsEfault) {
  const std::string name = unique_name("lb-efault");
  ASSERT_EQ(oskit_loopback_register(name.c_str(), 64), 0);
  const int dev = oskit_evl_open(name.c_str(), O_RDWR);
  ASSERT_GE(dev, 0);
  BadPages bad;
  for (char* arg : {bad.none(), bad.unmapped(), bad.read_only()}) {
    EXPECT_TRUE(fails_with(EFAULT, [&] { return ioctl(dev, OSKIT_LOOPBACK_GET_STATS, arg); }));
    EXPECT_TRUE(fails_with(EFAULT, [&] { return oob_ioctl(dev, FIONREAD, arg); }));
  }
  EXPECT_TRUE(fails_with(EFAULT, [&] { return ioctl(dev, OSKIT_LOOPBACK_SET_CAPACITY, bad.unmapped()); }));
  oskit_loopback_config c{};
  EXPECT_EQ(ioctl(dev, OSKIT_LOOPBACK_GET_CONFIG, &c), 0);
  EXPECT_EQ(c.capacity, 64u);
  EXPECT_EQ(close(dev), 0);
  EXPECT_EQ(oskit_loopback_unregister(name.c_str()), 0);
}

// A fault that is not a probe's still reaches the handler installed before.
sigjmp_buf g_fault_jump;
void on_test_fault(int) { siglongjmp(g_fault_jump, 1); }

TEST_F(ProxyFaultsTest, OtherFaultsReachThePreviousHandler) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitized builds leave SIGSEGV to the sanitizer runtime (no probe handler to chain)";
#endif
  Pipe p;
  const int fd = evl_new_proxy(p.w, 64, nullptr);  // the emulation's handler is in place
  ASSERT_GE(fd, 0);
  struct sigaction mine = {}, before = {};
  mine.sa_handler = on_test_fault;
  mine.sa_flags = SA_NODEFER;
  sigemptyset(&mine.sa_mask);
  // Installed over the emulation's: a fault goes to the test's handler.
  ASSERT_EQ(sigaction(SIGSEGV, &mine, &before), 0);
  BadPages bad;
  volatile bool faulted = false;
  if (sigsetjmp(g_fault_jump, 1) == 0) {
    *reinterpret_cast<volatile char*>(bad.none()) = 1;
  } else {
    faulted = true;
  }
  EXPECT_TRUE(faulted);
  ASSERT_EQ(sigaction(SIGSEGV, &before, nullptr), 0);
  close(fd);
}

// ---------------------------------------------------------------- a target losing its reader

TEST_F(ProxyFaultsTest, TargetWithoutReaderIsEpipeNotSigpipe) {
  struct sigaction dfl = {}, before = {};
  dfl.sa_handler = SIG_DFL;
  ASSERT_EQ(sigaction(SIGPIPE, &dfl, &before), 0);
  Pipe p;
  close(p.r);
  p.r = -1;
  const int fd = evl_new_proxy(p.w, 64, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(write(fd, "lost", 4), 4);
  EXPECT_TRUE(evl_wait_for(fd, POLLOUT) & POLLOUT);  // given up: the ring is empty
  EXPECT_TRUE(fails_with(EPIPE, [&] { return write(fd, "more", 4); }));
  oskit_evl_proxy_stats s{};
  ASSERT_EQ(oskit_evl_proxy_get_stats(fd, &s), 0);
  EXPECT_EQ(s.last_error, EPIPE);
  EXPECT_EQ(s.bytes_dropped, 4u);
  EXPECT_EQ(close(fd), 0);
  sigaction(SIGPIPE, &before, nullptr);
}

// ---------------------------------------------------------------- a blocked writer

int64_t thread_cpu_ns(pthread_t t) {
  clockid_t clock;
  if (pthread_getcpuclockid(t, &clock) != 0) return -1;
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

// Fills the pipe behind p.w without leaving it non-blocking.
void fill_pipe(const Pipe& p) {
  const int flags = fcntl(p.w, F_GETFL);
  fcntl(p.w, F_SETFL, flags | O_NONBLOCK);
  char chunk[4096] = {};
  while (write(p.w, chunk, sizeof chunk) > 0) {
  }
  fcntl(p.w, F_SETFL, flags);
}

TEST_F(ProxyFaultsTest, ABlockedWriterSleeps) {
  Pipe p;
  fill_pipe(p);
  const int fd = evl_new_proxy(p.w, 64, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, std::string(64, 'a').data(), 64), 64);  // the ring is full, the target too
  std::atomic<bool> entered{false}, done{false};
  std::thread writer([&] {
    entered = true;
    EXPECT_EQ(write(fd, "b", 1), 1);
    done = true;
  });
  while (!entered) usleep(1000);
  usleep(50000);  // into its wait
  ASSERT_FALSE(done);
  const int64_t cpu_before = thread_cpu_ns(writer.native_handle());
  usleep(300000);
  const int64_t cpu_used = thread_cpu_ns(writer.native_handle()) - cpu_before;
  EXPECT_FALSE(done);
  EXPECT_LT(cpu_used, 30000000) << "CPU time the blocked writer used in 300 ms, ns";
  char sink[65536];
  while (!done) {  // the target drains: the writer goes on (and may finish after its byte is read)
    struct pollfd readable = {p.r, POLLIN, 0};
    if (poll(&readable, 1, 10) > 0 && read(p.r, sink, sizeof sink) <= 0) break;
  }
  writer.join();
  EXPECT_EQ(close(fd), 0);
}

// ---------------------------------------------------------------- public proxy, unusable root

TEST_F(ProxyFaultsTest, PublicProxyUnderAnUnusableRootIsEnxio) {
  const std::string dir = std::string(oskit_evl_root()) + "/proxy";
  const std::string aside = dir + ".aside";
  mkdir(oskit_evl_root(), 0755);
  mkdir(dir.c_str(), 0755);
  ASSERT_EQ(rename(dir.c_str(), aside.c_str()), 0);
  const int blocker = open(dir.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);  // a file where the directory was
  ASSERT_GE(blocker, 0);
  close(blocker);
  Pipe p;
  EXPECT_EQ(evl_create_proxy(p.w, 64, 0, EVL_CLONE_PUBLIC, "%s", unique_name("no-root").c_str()), -ENXIO);
  const int priv = evl_new_proxy(p.w, 64, nullptr);  // a private proxy needs no root
  EXPECT_GE(priv, 0);
  close(priv);
  unlink(dir.c_str());
  ASSERT_EQ(rename(aside.c_str(), dir.c_str()), 0);
}

}  // namespace
}  // namespace oskit::evl::testing
