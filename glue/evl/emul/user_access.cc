#include "glue/evl/emul/user_access.h"

#include <signal.h>
#include <stdint.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

namespace oskit::evl::emul {
namespace {

constexpr uintptr_t kPage = 4096;
// Below the first page and past the user half of the address space nothing
// is ever accessible.
constexpr uintptr_t kUserEnd = uintptr_t{1} << 47;

bool plausible(uintptr_t p, std::size_t len) { return p >= kPage && p + len >= p && p + len <= kUserEnd; }

// Probes each page of [p, p + len) with probe(page address).
template <typename Probe>
bool each_page(uintptr_t p, std::size_t len, Probe probe) {
  if (len == 0) return true;
  if (!plausible(p, len)) return false;
  const uintptr_t last = p + len - 1;
  for (uintptr_t at = p;; at = (at & ~(kPage - 1)) + kPage) {
    if (!probe(at)) return false;
    if ((at | (kPage - 1)) >= last) return true;
  }
}

}  // namespace
}  // namespace oskit::evl::emul

// Sanitizer runtimes own SIGSEGV (they report it, or intercept the handlers
// installed over theirs): their builds use the system-call probe.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define OSKIT_EVL_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OSKIT_EVL_SANITIZED 1
#endif

#if defined(__x86_64__) && !defined(OSKIT_EVL_SANITIZED)

// probe_read / probe_write return 0, or -1 through the fixup when the marked
// instruction faults. The write probe is an atomic OR of zero: it changes
// nothing, even with another thread writing the byte.
extern "C" {
int oskit_evl_probe_read(const void* p);
int oskit_evl_probe_write(void* p);
extern const char oskit_evl_probe_read_insn[];
extern const char oskit_evl_probe_write_insn[];
extern const char oskit_evl_probe_fixup[];
}

asm(R"(
	.text
	.p2align 4
	.globl oskit_evl_probe_read
	.hidden oskit_evl_probe_read
	.type oskit_evl_probe_read, @function
oskit_evl_probe_read:
	.globl oskit_evl_probe_read_insn
	.hidden oskit_evl_probe_read_insn
oskit_evl_probe_read_insn:
	movb (%rdi), %al
	xorl %eax, %eax
	ret
	.size oskit_evl_probe_read, .-oskit_evl_probe_read

	.p2align 4
	.globl oskit_evl_probe_write
	.hidden oskit_evl_probe_write
	.type oskit_evl_probe_write, @function
oskit_evl_probe_write:
	.globl oskit_evl_probe_write_insn
	.hidden oskit_evl_probe_write_insn
oskit_evl_probe_write_insn:
	lock orb $0, (%rdi)
	xorl %eax, %eax
	ret
	.size oskit_evl_probe_write, .-oskit_evl_probe_write

	.globl oskit_evl_probe_fixup
	.hidden oskit_evl_probe_fixup
oskit_evl_probe_fixup:
	movl $-1, %eax
	ret
)");

namespace oskit::evl::emul {
namespace {

struct sigaction g_previous[2];  // SIGSEGV's, SIGBUS's
std::atomic<bool> g_installed{false};

void on_fault(int sig, siginfo_t* info, void* context) {
  auto* uc = static_cast<ucontext_t*>(context);
  greg_t& ip = uc->uc_mcontext.gregs[REG_RIP];
  if (ip == reinterpret_cast<greg_t>(oskit_evl_probe_read_insn) ||
      ip == reinterpret_cast<greg_t>(oskit_evl_probe_write_insn)) {
    ip = reinterpret_cast<greg_t>(oskit_evl_probe_fixup);
    return;
  }
  struct sigaction* previous = &g_previous[sig == SIGSEGV ? 0 : 1];
  if (previous->sa_flags & SA_SIGINFO) {
    if (previous->sa_sigaction != nullptr) previous->sa_sigaction(sig, info, context);
    return;
  }
  if (previous->sa_handler == SIG_DFL || previous->sa_handler == SIG_IGN) {
    // Returning re-runs the faulting instruction, which now ends the process
    // as it would have without us.
    signal(sig, SIG_DFL);
    return;
  }
  previous->sa_handler(sig);
}

bool probe_readable(uintptr_t at) { return oskit_evl_probe_read(reinterpret_cast<const void*>(at)) == 0; }
bool probe_writable(uintptr_t at) { return oskit_evl_probe_write(reinterpret_cast<void*>(at)) == 0; }

}  // namespace

void install_user_access() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa = {};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_previous[0]);
    sigaction(SIGBUS, &sa, &g_previous[1]);
    g_installed.store(true, std::memory_order_release);
  });
}

bool user_readable(const void* ptr, std::size_t len) {
  if (!g_installed.load(std::memory_order_acquire)) install_user_access();
  return each_page(reinterpret_cast<uintptr_t>(ptr), len, probe_readable);
}

bool user_writable(void* ptr, std::size_t len) {
  if (!g_installed.load(std::memory_order_acquire)) install_user_access();
  return each_page(reinterpret_cast<uintptr_t>(ptr), len, probe_writable);
}

}  // namespace oskit::evl::emul

#else  // no probe instructions, or a sanitized build: one system call per page

namespace oskit::evl::emul {
namespace {

bool copy_byte(uintptr_t at, char* byte, bool write) {
  struct iovec local = {byte, 1};
  struct iovec remote = {reinterpret_cast<void*>(at), 1};
  const ssize_t n = write ? process_vm_writev(getpid(), &local, 1, &remote, 1, 0)
                          : process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
  return n == 1;
}

}  // namespace

void install_user_access() {}

bool user_readable(const void* ptr, std::size_t len) {
  return each_page(reinterpret_cast<uintptr_t>(ptr), len, [](uintptr_t at) {
    char c;
    return copy_byte(at, &c, false);
  });
}

bool user_writable(void* ptr, std::size_t len) {
  return each_page(reinterpret_cast<uintptr_t>(ptr), len, [](uintptr_t at) {
    char c;
    return copy_byte(at, &c, false) && copy_byte(at, &c, true);
  });
}

}  // namespace oskit::evl::emul

#endif
