// The proxy producer path makes no system call while the relay worker is
// awake (docs/design.md, "Proxies": the producer path is real-time). A
// seccomp filter on the producer thread traps every system call but the few
// a signal return and the thread's end need; the trap handler counts them.
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <evl/evl.h>
#include <evl/proxy.h>
#include <evl/syscall.h>

#include <atomic>
#include <string>
#include <thread>

#include "glue/evl/emul/seams.h"
#include "glue/evl/stage.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

std::atomic<int> g_trapped{0};
std::atomic<long> g_first_trapped{-1};

void on_sigsys(int, siginfo_t* info, void*) {
  long expected = -1;
  g_first_trapped.compare_exchange_strong(expected, info->si_syscall);
  g_trapped.fetch_add(1);
}

// Traps every system call of the calling thread but rt_sigreturn, exit and
// exit_group. Returns 0 or an errno.
int trap_system_calls() {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 3, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  // Without SECCOMP_FILTER_FLAG_TSYNC: this thread only.
  if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return errno;
  return 0;
}

class ProducerSyscallTest : public EvlTest {};

TEST_F(ProducerSyscallTest, OobWriteWithRoomMakesNoSystemCall) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "sanitizer runtimes make system calls of their own inside the calls they intercept";
#endif
  Pipe p;
  const int fd = evl_new_proxy(p.w, 1 << 20, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(oskit_evl_proxy_hold_awake(fd, 1), 0);  // the worker polls: no wakeup is due
  struct sigaction sa = {}, before = {};
  sa.sa_sigaction = on_sigsys;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGSYS, &sa, &before), 0);
  constexpr int kRecords = 2000;
  std::atomic<int> written{0}, filter_error{0}, trapped{-1};
  std::thread producer([&] {
    if (evl_attach_self("%s", unique_name("no-syscall").c_str()) < 0) return;
    char rec[64] = "a record of sixty-four bytes, the size loggers write most";
    // One record first: the thread's first call sets up its own state.
    if (oob_write(fd, rec, sizeof rec) != sizeof rec) return;
    const int err = trap_system_calls();
    if (err != 0) {
      filter_error = err;
      return;
    }
    for (int i = 0; i < kRecords; ++i) {
      if (oob_write(fd, rec, sizeof rec) == sizeof rec) written.fetch_add(1, std::memory_order_relaxed);
    }
    trapped = g_trapped.load();
    // Ends with the filter in place (what its end calls is trapped, and
    // not counted).
  });
  producer.join();
  if (filter_error == EACCES || filter_error == EINVAL || filter_error == ENOSYS) {
    GTEST_SKIP() << "seccomp filters are not available here (errno " << filter_error.load() << ")";
  }
  EXPECT_EQ(written.load(), kRecords);
  EXPECT_EQ(trapped.load(), 0) << "system calls trapped on the producer path, the first: " << g_first_trapped.load();
  sigaction(SIGSYS, &before, nullptr);
  ASSERT_EQ(oskit_evl_proxy_hold_awake(fd, 0), 0);
  EXPECT_EQ(read_exactly(p.r, 64 * (kRecords + 1)).size(), 64u * (kRecords + 1));
  EXPECT_EQ(close(fd), 0);
}

}  // namespace
}  // namespace oskit::evl::testing
