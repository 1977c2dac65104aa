#include "glue/evl/emul/core.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "glue/env/env.h"
#include "glue/evl/emul/device.h"
#include "glue/evl/emul/real.h"
#include "glue/evl/stage.h"

namespace oskit::evl::emul {

// ---------------------------------------------------------------- events

namespace {

long futex(unsigned int* word, int op, unsigned int val, const struct timespec* ts, unsigned int bitset) {
  return syscall(SYS_futex, word, op, val, ts, nullptr, bitset);
}

bool waitq_wait(oskit_evl_waitq* q, unsigned int ticket, const struct timespec* deadline) {
  __atomic_fetch_add(&q->waiters, 1, __ATOMIC_SEQ_CST);
  bool in_time = true;
  while (__atomic_load_n(&q->seq, __ATOMIC_SEQ_CST) == ticket) {
    long rc = futex(&q->seq, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, ticket, deadline, FUTEX_BITSET_MATCH_ANY);
    if (rc < 0 && errno == ETIMEDOUT) {
      in_time = false;
      break;
    }
  }
  __atomic_fetch_sub(&q->waiters, 1, __ATOMIC_SEQ_CST);
  return in_time;
}

void waitq_wake(oskit_evl_waitq* q) {
  __atomic_fetch_add(&q->seq, 1, __ATOMIC_SEQ_CST);
  if (__atomic_load_n(&q->waiters, __ATOMIC_SEQ_CST) != 0) {
    futex(&q->seq, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, INT32_MAX, nullptr, 0);
  }
}

}  // namespace

bool Event::wait(std::uint32_t ticket, const struct timespec* deadline) const {
  return waitq_wait(&q_, ticket, deadline);
}

void Event::wake_all() const { waitq_wake(&q_); }

void sleep_ns(long ns) {
  struct timespec ts = {ns / 1000000000, ns % 1000000000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// ---------------------------------------------------------------- stages

namespace {

thread_local ThreadState tls_state = {0, -1, 0, {0}};
std::atomic<unsigned long> g_violations{0};

int initial_action() {
  const char* v = getenv("OSKIT_EVL_STAGE_VIOLATION");
  if (v == nullptr) return OSKIT_EVL_STAGE_COUNT;
  if (strcmp(v, "log") == 0) return OSKIT_EVL_STAGE_LOG;
  if (strcmp(v, "abort") == 0) return OSKIT_EVL_STAGE_ABORT;
  return OSKIT_EVL_STAGE_COUNT;
}

std::atomic<int>& action() {
  static std::atomic<int> a{initial_action()};
  return a;
}

}  // namespace

ThreadState& self() { return tls_state; }

void inband_syscall(const char* what) {
  ThreadState& t = tls_state;
  if (t.stage != OSKIT_EVL_STAGE_OOB) return;
  t.stage = OSKIT_EVL_STAGE_INBAND;
  t.violations++;
  g_violations.fetch_add(1, std::memory_order_relaxed);
  int act = action().load(std::memory_order_relaxed);
  if (act == OSKIT_EVL_STAGE_COUNT) return;
  oskit::env::logf(oskit::env::LogLevel::kWarning, "evl: stage violation: in-band %s from out-of-band thread '%s'",
                   what, t.name);
  if (act == OSKIT_EVL_STAGE_ABORT) abort();
}

// ---------------------------------------------------------------- file table

namespace {

constexpr int kChunkBits = 10;
constexpr int kChunkSize = 1 << kChunkBits;
constexpr int kChunks = 1024;  // descriptors below 2^20

// Layout shared with interpose.c, which reads it without instrumentation.
struct Slot {
  std::atomic<File*> file{nullptr};
  std::atomic<int> users{0};
};
static_assert(sizeof(Slot) == 16, "interpose.c reads slots as {void *, int}");

}  // namespace
}  // namespace oskit::evl::emul

extern "C" {
std::atomic<oskit::evl::emul::Slot*> oskit_evl_fd_table[1024];
}

namespace oskit::evl::emul {
namespace {

std::atomic<Slot*>* const g_chunks = oskit_evl_fd_table;
static_assert(kChunks == 1024, "interpose.c knows the table size");

Slot* slot(int fd, bool create) {
  if (fd < 0 || fd >= kChunkSize * kChunks) return nullptr;
  std::atomic<Slot*>& chunk = g_chunks[fd >> kChunkBits];
  Slot* s = chunk.load(std::memory_order_acquire);
  if (s == nullptr) {
    if (!create) return nullptr;
    Slot* fresh = new Slot[kChunkSize];
    if (chunk.compare_exchange_strong(s, fresh, std::memory_order_acq_rel)) {
      s = fresh;
    } else {
      delete[] fresh;
    }
  }
  return &s[fd & (kChunkSize - 1)];
}

File* unpublish(int fd) {
  Slot* s = slot(fd, false);
  if (s == nullptr) return nullptr;
  File* f = s->file.exchange(nullptr, std::memory_order_seq_cst);
  if (f == nullptr) return nullptr;
  // Lookups that saw f take their reference before leaving the slot.
  while (s->users.load(std::memory_order_seq_cst) != 0) sched_yield();
  return f;
}

}  // namespace

FileRef lookup(int fd) {
  Slot* s = slot(fd, false);
  if (s == nullptr) return FileRef();
  s->users.fetch_add(1, std::memory_order_seq_cst);
  File* f = s->file.load(std::memory_order_seq_cst);
  if (f != nullptr) f->get();
  s->users.fetch_sub(1, std::memory_order_release);
  return FileRef(f);
}

bool is_ours(int fd) {
  Slot* s = slot(fd, false);
  return s != nullptr && s->file.load(std::memory_order_relaxed) != nullptr;
}

// ---------------------------------------------------------------- readiness

namespace {

constexpr size_t kFiller = 4000;  // beyond a quarter of the minimum SO_SNDBUF

int make_pair(int sv[2]) {
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -errno;
  int small = 1;  // the kernel rounds up to its minimum
  setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  return 0;
}

}  // namespace

void File::sync_readiness() {
  static const char filler[kFiller] = {0};
  std::lock_guard<std::mutex> lock(ready_mu_);
  if (kernel_closed_) return;
  unsigned int m = poll(0);
  // An error turns the descriptor readable, as a socket's pending error does:
  // a poller wakes and learns the rest from the file's own poll.
  bool in = (m & (POLLIN | POLLRDNORM | POLLERR)) != 0;
  bool out = (m & (POLLOUT | POLLWRNORM)) != 0;
  if (in != has_in_) {
    char c = 't';
    ssize_t rc = in ? real::send(dfd, &c, 1, MSG_DONTWAIT) : real::recv(ufd, &c, 1, MSG_DONTWAIT);
    if (rc == 1) has_in_ = in;
  }
  if (out != has_out_) {
    static thread_local char sink[kFiller];
    ssize_t rc = out ? real::recv(dfd, sink, sizeof sink, MSG_DONTWAIT) : real::send(ufd, filler, kFiller, MSG_DONTWAIT);
    if (rc == static_cast<ssize_t>(kFiller)) has_out_ = out;
  }
}

void File::close_kernel_side() {
  std::lock_guard<std::mutex> lock(ready_mu_);
  kernel_closed_ = true;
  if (dfd >= 0) real::close(dfd);
  dfd = -1;
}

namespace {

// Refreshes kernel readiness for files notified out-of-band: the emulation's
// stand-in for the irq_work EVL uses to reach the in-band stage.
class Relay {
 public:
  void enqueue(File* f) {
    if (f->relay_queued.exchange(true, std::memory_order_acq_rel)) return;
    f->get();
    File* head = head_.load(std::memory_order_relaxed);
    do {
      f->relay_next = head;
    } while (!head_.compare_exchange_weak(head, f, std::memory_order_release, std::memory_order_relaxed));
    event_.wake_all();
  }
  void start() {
    auto t = oskit::env::current().start_thread("evl-relay", [this] { run(); });
    if (t.ok()) thread_ = std::move(t).value();
  }
  bool running() const { return thread_ != nullptr; }

 private:
  void run() {
    for (;;) {
      std::uint32_t ticket = event_.ticket();
      File* list = head_.exchange(nullptr, std::memory_order_acquire);
      if (list == nullptr) {
        event_.wait(ticket);
        continue;
      }
      while (list != nullptr) {
        File* next = list->relay_next;
        list->relay_queued.store(false, std::memory_order_release);
        list->sync_readiness();
        list->put();
        list = next;
      }
    }
  }
  std::atomic<File*> head_{nullptr};
  Event event_;
  std::unique_ptr<oskit::env::WorkerThread> thread_;
};

Relay& relay() {
  static Relay* r = new Relay;
  return *r;
}

const Event g_poll_event;

}  // namespace

const Event& poll_event() { return g_poll_event; }

void notify(File* file) {
  g_poll_event.wake_all();
  if (caller_is_oob() && relay().running()) {
    relay().enqueue(file);
  } else {
    file->sync_readiness();
  }
}

// ---------------------------------------------------------------- open/close

int open_file(Device* dev, const oskit_evl_file_operations* fops, void* private_data, int flags) {
  inband_syscall("socketpair");
  int sv[2];
  int rc = make_pair(sv);
  if (rc < 0) return rc;
  if (flags & O_NONBLOCK) fcntl(sv[0], F_SETFL, O_NONBLOCK);
  File* f = new (std::nothrow) File;
  if (f == nullptr) {
    real::close(sv[0]);
    real::close(sv[1]);
    return -ENOMEM;
  }
  f->cfile.fd = sv[0];
  f->cfile.device = reinterpret_cast<oskit_evl_device*>(dev);
  f->cfile.private_data = private_data;
  f->fops = fops;
  f->dev = dev;
  f->flags.store(flags, std::memory_order_relaxed);
  f->ufd = sv[0];
  f->dfd = sv[1];
  if (fops->open != nullptr) {
    rc = fops->open(&f->cfile);
    if (rc != 0) {
      f->close_kernel_side();
      real::close(sv[0]);
      delete f;
      return rc < 0 ? rc : -rc;
    }
  }
  if (dev != nullptr) dev->opened();
  Slot* s = slot(sv[0], true);
  if (s == nullptr) {
    if (fops->release) fops->release(&f->cfile);
    if (dev != nullptr) dev->closed();
    f->close_kernel_side();
    real::close(sv[0]);
    delete f;
    return -EMFILE;
  }
  f->sync_readiness();
  s->file.store(f, std::memory_order_seq_cst);
  return sv[0];
}

int close_file(int fd) {
  File* f = unpublish(fd);
  if (f == nullptr) return -EBADF;
  inband_syscall("close");
  f->closing.store(true, std::memory_order_seq_cst);
  if (f->fops->flush != nullptr) f->fops->flush(&f->cfile);
  while (f->refs.load(std::memory_order_acquire) > 1) sleep_ns(20000);
  if (f->fops->release != nullptr) f->fops->release(&f->cfile);
  f->close_kernel_side();
  if (f->dev != nullptr) f->dev->closed();
  int rc = real::close(fd);
  int err = errno;
  delete f;
  return rc == 0 ? 0 : -err;
}

// ---------------------------------------------------------------- names

int check_name(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return -EINVAL;
  for (unsigned char c : name) {
    if (c == '/' || c < 0x20 || c == 0x7f) return -EINVAL;
  }
  return 0;
}

bool vformat(std::string* out, const char* fmt, va_list ap) {
  va_list copy;
  va_copy(copy, ap);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, copy);
  va_end(copy);
  if (n < 0) return false;
  if (static_cast<size_t>(n) < sizeof small) {
    out->assign(small, n);
    return true;
  }
  out->resize(n + 1);
  vsnprintf(&(*out)[0], n + 1, fmt, ap);
  out->resize(n);
  return true;
}

// ---------------------------------------------------------------- init

namespace {

std::mutex g_init_mu;
std::atomic<bool> g_init{false};
std::string* g_root = nullptr;

std::string default_root() {
  const char* env = getenv("OSKIT_EVL_ROOT");
  return env != nullptr && *env != '\0' ? env : "/tmp/evl";
}

}  // namespace

bool initialised() { return g_init.load(std::memory_order_acquire); }

std::string root_dir() {
  std::lock_guard<std::mutex> lock(g_init_mu);
  return g_root != nullptr ? *g_root : default_root();
}

void start_relay() { relay().start(); }

int set_root(const char* dir) {
  if (dir == nullptr) return -EINVAL;
  if (strlen(dir) >= PATH_MAX) return -ENAMETOOLONG;
  std::lock_guard<std::mutex> lock(g_init_mu);
  if (g_init.load()) return -EBUSY;
  if (g_root == nullptr) g_root = new std::string;
  *g_root = dir;
  return 0;
}

int ensure_init() {
  if (initialised()) return 0;
  int rc;
  {
    std::lock_guard<std::mutex> lock(g_init_mu);
    if (g_init.load()) return 0;
    if (!relay().running()) start_relay();
    if (!relay().running()) return -ENOMEM;
    g_init.store(true, std::memory_order_release);
  }
  rc = setup_std_proxies();
  return rc;
}

}  // namespace oskit::evl::emul

extern "C" {

unsigned long oskit_evl_stage_violations(void) {
  return oskit::evl::emul::g_violations.load(std::memory_order_relaxed);
}

unsigned long oskit_evl_stage_thread_violations(void) { return oskit::evl::emul::tls_state.violations; }

void oskit_evl_stage_reset(void) {
  oskit::evl::emul::g_violations.store(0, std::memory_order_relaxed);
  oskit::evl::emul::tls_state.violations = 0;
}

int oskit_evl_stage_set_action(int a) {
  if (a < OSKIT_EVL_STAGE_COUNT || a > OSKIT_EVL_STAGE_ABORT) return -EINVAL;
  return oskit::evl::emul::action().exchange(a);
}

int oskit_evl_stage_current(void) { return oskit::evl::emul::tls_state.stage; }

int oskit_evl_set_root(const char* dir) { return oskit::evl::emul::set_root(dir); }

const char* oskit_evl_root(void) {
  static thread_local std::string copy;
  copy = oskit::evl::emul::root_dir();
  return copy.c_str();
}

unsigned int oskit_evl_waitq_ticket(struct oskit_evl_waitq* q) { return __atomic_load_n(&q->seq, __ATOMIC_SEQ_CST); }

int oskit_evl_waitq_wait(struct oskit_evl_waitq* q, unsigned int ticket) {
  oskit::evl::emul::waitq_wait(q, ticket, nullptr);
  return 0;
}

void oskit_evl_waitq_wake_all(struct oskit_evl_waitq* q) { oskit::evl::emul::waitq_wake(q); }

int oskit_evl_file_flags(const struct oskit_evl_file* file) {
  return oskit::evl::emul::File::from(file)->flags.load(std::memory_order_relaxed);
}

int oskit_evl_file_set_nonblock(struct oskit_evl_file* file, int on) {
  auto& flags = oskit::evl::emul::File::from(file)->flags;
  int old = flags.load(std::memory_order_relaxed);
  while (!flags.compare_exchange_weak(old, on ? (old | O_NONBLOCK) : (old & ~O_NONBLOCK), std::memory_order_relaxed)) {
  }
  return 0;
}

long oskit_evl_reply_fionread(unsigned long arg, size_t count) {
  void* user = reinterpret_cast<void*>(arg);
  if (oskit_evl_check_user(user, sizeof(int)) != 0) return -EFAULT;
  const int n = count > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(count);
  memcpy(user, &n, sizeof n);
  return 0;
}

int oskit_evl_file_closing(const struct oskit_evl_file* file) {
  return oskit::evl::emul::File::from(file)->closing.load(std::memory_order_acquire) ? 1 : 0;
}

void oskit_evl_file_notify(struct oskit_evl_file* file) { oskit::evl::emul::notify(oskit::evl::emul::File::from(file)); }

int oskit_evl_check_user(const void* ptr, size_t len) {
  uintptr_t p = reinterpret_cast<uintptr_t>(ptr);
  if (len == 0) return 0;
  if (p < 4096 || p + len < p || p + len > (uintptr_t{1} << 47)) return -EFAULT;
  return 0;
}

}  // extern "C"
