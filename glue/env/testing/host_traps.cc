#include "glue/env/testing/host_traps.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <thread>

#include "glue/env/returning.h"

namespace oskit::env::testing {
namespace {

thread_local int t_toolkit = 0;
thread_local int t_env = 0;

constexpr int kRecords = 64;
constexpr int kFrames = 8;

struct Record {
  std::atomic<const char*> what{nullptr};
  void* frames[kFrames];
  std::atomic<int> depth{0};
};

std::atomic<unsigned long> g_uses{0};
std::atomic<int> g_recorded{0};
Record g_records[kRecords];

void note(const char* what) noexcept {
  if (t_toolkit == 0 || t_env != 0 || internal::returning_to_owner()) return;
  g_uses.fetch_add(1, std::memory_order_relaxed);
  const int i = g_recorded.fetch_add(1, std::memory_order_relaxed);
  if (i >= kRecords) return;
  ++t_env;  // backtrace() may allocate
  const int depth = backtrace(g_records[i].frames, kFrames);
  --t_env;
  g_records[i].depth.store(depth, std::memory_order_release);
  g_records[i].what.store(what, std::memory_order_release);
}

std::string describe(void* frame) {
  Dl_info info;
  if (dladdr(frame, &info) != 0 && info.dli_sname != nullptr) return info.dli_sname;
  char text[64];
  snprintf(text, sizeof text, "%p", frame);
  return text;
}

// backtrace() loads its unwinder on first use: do it before any trap.
const bool g_warm = [] {
  void* frames[2];
  return backtrace(frames, 2) > 0;
}();

}  // namespace

ToolkitScope::ToolkitScope() noexcept { ++t_toolkit; }
ToolkitScope::~ToolkitScope() { --t_toolkit; }
EnvScope::EnvScope() noexcept { ++t_env; }
EnvScope::~EnvScope() { --t_env; }

unsigned long host_uses() noexcept { return g_uses.load(); }

std::vector<std::string> host_use_report() {
  std::vector<std::string> out;
  const int n = std::min(g_recorded.load(), kRecords);
  for (int i = 0; i < n; ++i) {
    const char* what = g_records[i].what.load(std::memory_order_acquire);
    if (what == nullptr) continue;
    std::string line = what;
    const int depth = g_records[i].depth.load(std::memory_order_acquire);
    // Frame 0 is note(), 1 the trap: the callers follow.
    for (int f = 2; f < depth; ++f) line += (f == 2 ? " from " : " < ") + describe(g_records[i].frames[f]);
    out.push_back(line);
  }
  return out;
}

void reset_host_uses() noexcept {
  g_uses = 0;
  for (Record& r : g_records) r.what = nullptr;
  g_recorded = 0;
}

}  // namespace oskit::env::testing

using oskit::env::testing::note;

// The definitions the traps forward to (--wrap gives each __real_ name).
extern "C" {
void* __real_malloc(size_t);
void* __real_calloc(size_t, size_t);
void* __real_realloc(void*, size_t);
void __real_free(void*);
void* __real_aligned_alloc(size_t, size_t);
int __real_posix_memalign(void**, size_t, size_t);
void* __real_memalign(size_t, size_t);
void* __real_valloc(size_t);
char* __real_strdup(const char*);
char* __real_strndup(const char*, size_t);
int __real_pthread_create(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
int __real_clock_gettime(clockid_t, struct timespec*);
int __real_gettimeofday(struct timeval*, void*);
time_t __real_time(time_t*);
int __real_nanosleep(const struct timespec*, struct timespec*);
int __real_clock_nanosleep(clockid_t, int, const struct timespec*, struct timespec*);
int __real_usleep(useconds_t);
unsigned __real_sleep(unsigned);
int __real_pthread_cond_timedwait(pthread_cond_t*, pthread_mutex_t*, const struct timespec*);
int __real_pthread_cond_clockwait(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*);
int __real_poll(struct pollfd*, nfds_t, int);
int __real_ppoll(struct pollfd*, nfds_t, const struct timespec*, const sigset_t*);
int __real_epoll_wait(int, struct epoll_event*, int, int);
long __real_syscall(long, long, long, long, long, long, long);
int __real_vfprintf(FILE*, const char*, va_list);
int __real_vprintf(const char*, va_list);
int __real_puts(const char*);
int __real_fputs(const char*, FILE*);
int __real_fputc(int, FILE*);
int __real_putc(int, FILE*);
int __real_putchar(int);
size_t __real_fwrite(const void*, size_t, size_t, FILE*);
void __real_perror(const char*);
void __real__ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE(
    std::thread*, std::unique_ptr<std::thread::_State>, void (*)());
std::chrono::steady_clock::time_point __real__ZNSt6chrono3_V212steady_clock3nowEv();
std::chrono::system_clock::time_point __real__ZNSt6chrono3_V212system_clock3nowEv();
void __real__ZNSt11this_thread11__sleep_forENSt6chrono8durationIlSt5ratioILl1ELl1EEEENS1_IlS2_ILl1ELl1000000000EEEE(
    std::chrono::seconds, std::chrono::nanoseconds);

// Memory.
void* __wrap_malloc(size_t n) {
  note("malloc");
  return __real_malloc(n);
}
void* __wrap_calloc(size_t n, size_t size) {
  note("calloc");
  return __real_calloc(n, size);
}
void* __wrap_realloc(void* p, size_t n) {
  note("realloc");
  return __real_realloc(p, n);
}
void __wrap_free(void* p) {
  if (p != nullptr) note("free");
  __real_free(p);
}
void* __wrap_aligned_alloc(size_t align, size_t n) {
  note("aligned_alloc");
  return __real_aligned_alloc(align, n);
}
int __wrap_posix_memalign(void** out, size_t align, size_t n) {
  note("posix_memalign");
  return __real_posix_memalign(out, align, n);
}
void* __wrap_memalign(size_t align, size_t n) {
  note("memalign");
  return __real_memalign(align, n);
}
void* __wrap_valloc(size_t n) {
  note("valloc");
  return __real_valloc(n);
}
char* __wrap_strdup(const char* s) {
  note("strdup");
  return __real_strdup(s);
}
char* __wrap_strndup(const char* s, size_t n) {
  note("strndup");
  return __real_strndup(s, n);
}

// Threads.
int __wrap_pthread_create(pthread_t* t, const pthread_attr_t* attr, void* (*fn)(void*), void* arg) {
  note("pthread_create");
  return __real_pthread_create(t, attr, fn, arg);
}
void __wrap__ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE(
    std::thread* self, std::unique_ptr<std::thread::_State> state, void (*fn)()) {
  note("std::thread");
  __real__ZNSt6thread15_M_start_threadESt10unique_ptrINS_6_StateESt14default_deleteIS1_EEPFvvE(self, std::move(state),
                                                                                               fn);
}

// Clocks and sleeps.
int __wrap_clock_gettime(clockid_t clock, struct timespec* ts) {
  note("clock_gettime");
  return __real_clock_gettime(clock, ts);
}
int __wrap_gettimeofday(struct timeval* tv, void* tz) {
  note("gettimeofday");
  return __real_gettimeofday(tv, tz);
}
time_t __wrap_time(time_t* t) {
  note("time");
  return __real_time(t);
}
std::chrono::steady_clock::time_point __wrap__ZNSt6chrono3_V212steady_clock3nowEv() {
  note("std::chrono::steady_clock::now");
  return __real__ZNSt6chrono3_V212steady_clock3nowEv();
}
std::chrono::system_clock::time_point __wrap__ZNSt6chrono3_V212system_clock3nowEv() {
  note("std::chrono::system_clock::now");
  return __real__ZNSt6chrono3_V212system_clock3nowEv();
}
int __wrap_nanosleep(const struct timespec* ts, struct timespec* rem) {
  note("nanosleep");
  return __real_nanosleep(ts, rem);
}
int __wrap_clock_nanosleep(clockid_t clock, int flags, const struct timespec* ts, struct timespec* rem) {
  note("clock_nanosleep");
  return __real_clock_nanosleep(clock, flags, ts, rem);
}
int __wrap_usleep(useconds_t us) {
  note("usleep");
  return __real_usleep(us);
}
unsigned __wrap_sleep(unsigned s) {
  note("sleep");
  return __real_sleep(s);
}
void __wrap__ZNSt11this_thread11__sleep_forENSt6chrono8durationIlSt5ratioILl1ELl1EEEENS1_IlS2_ILl1ELl1000000000EEEE(
    std::chrono::seconds s, std::chrono::nanoseconds ns) {
  note("std::this_thread::sleep_for");
  __real__ZNSt11this_thread11__sleep_forENSt6chrono8durationIlSt5ratioILl1ELl1EEEENS1_IlS2_ILl1ELl1000000000EEEE(s, ns);
}
int __wrap_pthread_cond_timedwait(pthread_cond_t* cv, pthread_mutex_t* mu, const struct timespec* ts) {
  note("pthread_cond_timedwait");
  return __real_pthread_cond_timedwait(cv, mu, ts);
}
int __wrap_pthread_cond_clockwait(pthread_cond_t* cv, pthread_mutex_t* mu, clockid_t clock, const struct timespec* ts) {
  note("pthread_cond_clockwait");
  return __real_pthread_cond_clockwait(cv, mu, clock, ts);
}
// Waiting for descriptors is I/O; a finite timeout is a sleep on the host's clock.
int __wrap_poll(struct pollfd* fds, nfds_t n, int timeout) {
  if (timeout > 0) note("poll with a timeout");
  return __real_poll(fds, n, timeout);
}
int __wrap_ppoll(struct pollfd* fds, nfds_t n, const struct timespec* ts, const sigset_t* mask) {
  if (ts != nullptr && (ts->tv_sec != 0 || ts->tv_nsec != 0)) note("ppoll with a timeout");
  return __real_ppoll(fds, n, ts, mask);
}
int __wrap_epoll_wait(int epfd, struct epoll_event* events, int n, int timeout) {
  if (timeout > 0) note("epoll_wait with a timeout");
  return __real_epoll_wait(epfd, events, n, timeout);
}
long __wrap_syscall(long number, ...) {
  va_list ap;
  va_start(ap, number);
  long a[6];
  for (long& x : a) x = va_arg(ap, long);
  va_end(ap);
  if (number == SYS_futex) note("futex");
  if (number == SYS_clock_gettime) note("clock_gettime");
  if (number == SYS_nanosleep || number == SYS_clock_nanosleep) note("nanosleep");
  return __real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

// Logging behind the environment's log.
int __wrap_fprintf(FILE* f, const char* format, ...) {
  note("fprintf");
  va_list ap;
  va_start(ap, format);
  int n = __real_vfprintf(f, format, ap);
  va_end(ap);
  return n;
}
int __wrap_vfprintf(FILE* f, const char* format, va_list ap) {
  note("vfprintf");
  return __real_vfprintf(f, format, ap);
}
int __wrap_printf(const char* format, ...) {
  note("printf");
  va_list ap;
  va_start(ap, format);
  int n = __real_vprintf(format, ap);
  va_end(ap);
  return n;
}
int __wrap_vprintf(const char* format, va_list ap) {
  note("vprintf");
  return __real_vprintf(format, ap);
}
int __wrap_puts(const char* s) {
  note("puts");
  return __real_puts(s);
}
int __wrap_fputs(const char* s, FILE* f) {
  note("fputs");
  return __real_fputs(s, f);
}
int __wrap_fputc(int c, FILE* f) {
  note("fputc");
  return __real_fputc(c, f);
}
int __wrap_putc(int c, FILE* f) {
  note("putc");
  return __real_putc(c, f);
}
int __wrap_putchar(int c) {
  note("putchar");
  return __real_putchar(c);
}
size_t __wrap_fwrite(const void* p, size_t size, size_t n, FILE* f) {
  note("fwrite");
  return __real_fwrite(p, size, n, f);
}
void __wrap_perror(const char* s) {
  note("perror");
  __real_perror(s);
}

}  // extern "C"

// operator new and delete, replaced for the whole program: the C++ library's
// and Abseil's own allocations on the toolkit's behalf are seen too.
namespace {

void* new_block(std::size_t n, std::size_t align) noexcept {
  note("operator new");
  if (n == 0) n = 1;
  if (align <= alignof(std::max_align_t)) return __real_malloc(n);
  void* p = nullptr;
  return __real_posix_memalign(&p, align, n) == 0 ? p : nullptr;
}

void delete_block(void* p) noexcept {
  if (p == nullptr) return;
  note("operator delete");
  __real_free(p);
}

void* new_or_throw(std::size_t n, std::size_t align) {
  void* p = new_block(n, align);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

constexpr std::size_t kPlain = alignof(std::max_align_t);

}  // namespace

void* operator new(std::size_t n) { return new_or_throw(n, kPlain); }
void* operator new[](std::size_t n) { return new_or_throw(n, kPlain); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return new_block(n, kPlain); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return new_block(n, kPlain); }
void* operator new(std::size_t n, std::align_val_t a) { return new_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return new_or_throw(n, static_cast<std::size_t>(a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_block(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return new_block(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { delete_block(p); }
void operator delete[](void* p) noexcept { delete_block(p); }
void operator delete(void* p, std::size_t) noexcept { delete_block(p); }
void operator delete[](void* p, std::size_t) noexcept { delete_block(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { delete_block(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { delete_block(p); }
void operator delete(void* p, std::align_val_t) noexcept { delete_block(p); }
void operator delete[](void* p, std::align_val_t) noexcept { delete_block(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { delete_block(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { delete_block(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { delete_block(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { delete_block(p); }
