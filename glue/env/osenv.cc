// Installing an environment and dispatching the toolkit's calls to it
// (glue/env/osenv.h).
//
// An installed environment lives in a slot. A call pins the current slot for
// its duration; install publishes a new slot and waits until the calls that
// pinned the old one are done. What an environment gave out goes back to
// that environment, whatever is installed by then: a block of memory carries
// its slot in a header before it, a thread handle is a record naming its
// slot, a requested interrupt line is remembered with its slot, and a thread
// sleeping on a clock counts in its slot's sleepers (wakes reach every slot
// with sleepers). A replaced slot keeps its references until all of that has
// come back, then drops them and is free for a later install.
#include "glue/env/osenv.h"

#include <sched.h>
#include <stdio.h>

#include <atomic>
#include <cstdint>
#include <new>

#include "glue/env/internal.h"
#include "glue/env/returning.h"
#include "glue/env/static_object.h"
#include "oskit/com/heap.h"
#include "oskit/sync/mutex.h"

namespace oskit::env::internal {
namespace {

struct Slot {
  oskit_osenv env{};  // every member set
  bool strict = false;
  std::atomic<bool> installed{false};  // holds references to env
  std::atomic<bool> retired{false};    // replaced, waiting for its things back
  std::atomic<bool> closing{false};    // settle() is deciding to drop env
  std::atomic<long> users{0};          // calls in progress
  std::atomic<long> outstanding{0};    // blocks, threads and lines given out
  std::atomic<oskit_u32_t> sleepers{0};
  std::atomic<oskit_u64_t> allocations{0};
  std::atomic<oskit_u64_t> frees{0};
  std::atomic<oskit_u64_t> live_bytes{0};
  std::atomic<oskit_u64_t> threads_started{0};
  std::atomic<oskit_u64_t> threads_joined{0};
  std::atomic<oskit_u32_t> irq_lines{0};

  void reset_counts() noexcept {
    allocations = 0;
    frees = 0;
    live_bytes = 0;
    threads_started = 0;
    threads_joined = 0;
    irq_lines = 0;
  }
};

constexpr int kSlots = 8;
Slot g_slots[kSlots];
std::atomic<Slot*> g_current{nullptr};
std::atomic<bool> g_strict{false};
std::atomic<unsigned long> g_violations{0};
std::atomic<const char*> g_last_violation{nullptr};

// The host's environment when installed, and the home of what it gave out:
// its own objects, which serve even while a strict environment is installed
// (a thread the host started, or a block it gave, keeps going back to it).
Slot& host_slot() noexcept {
  static Slot* slot = [] {
    alignas(Slot) static unsigned char storage[sizeof(Slot)];
    Slot* s = new (storage) Slot;
    unguarded_host_services(&s->env);
    return s;
  }();
  return *slot;
}

Mutex& install_mu() noexcept {
  static Mutex mu;
  return mu;
}

Slot* current_slot() noexcept {
  Slot* s = g_current.load(std::memory_order_seq_cst);
  return s != nullptr ? s : &host_slot();
}

Mutex& settle_mu() noexcept {
  static Mutex mu;
  return mu;
}

// Drops a replaced slot's references once nothing of it is in use. A thread
// pinning a replaced slot (Pin::pin) and settle() each announce
// themselves before looking at the other (users, closing), so one of them
// sees the other.
void settle(Slot* s) noexcept {
  if (!s->retired.load(std::memory_order_seq_cst)) return;
  MutexLock lock(&settle_mu());
  if (!s->retired.load(std::memory_order_seq_cst)) return;
  s->closing.store(true, std::memory_order_seq_cst);
  if (s->users.load(std::memory_order_seq_cst) != 0 || s->outstanding.load(std::memory_order_seq_cst) != 0 ||
      s->sleepers.load(std::memory_order_seq_cst) != 0) {
    s->closing.store(false, std::memory_order_seq_cst);
    return;
  }
  s->retired.store(false, std::memory_order_seq_cst);
  release_all(s->env);
  s->installed.store(false, std::memory_order_seq_cst);
  s->closing.store(false, std::memory_order_seq_cst);
}

// A slot held in use for the length of a call.
class Pin {
 public:
  // Pins the current slot.
  Pin() noexcept {
    for (;;) {
      slot_ = current_slot();
      slot_->users.fetch_add(1, std::memory_order_seq_cst);
      if (current_slot() == slot_) return;
      unpin();
    }
  }
  // Pins nothing.
  explicit Pin(std::nullptr_t) noexcept : slot_(nullptr) {}
  Pin(Pin&& other) noexcept : slot_(other.slot_) { other.slot_ = nullptr; }
  ~Pin() { unpin(); }
  Pin(const Pin&) = delete;
  Pin& operator=(const Pin&) = delete;
  Pin& operator=(Pin&&) = delete;

  Slot* operator->() const noexcept { return slot_; }
  Slot* get() const noexcept { return slot_; }
  explicit operator bool() const noexcept { return slot_ != nullptr; }

  // Pins s unless it has dropped, or is dropping, its environment.
  static Pin pin(Slot* s) noexcept {
    Pin p(nullptr);
    s->users.fetch_add(1, std::memory_order_seq_cst);
    p.slot_ = s;
    const bool usable = s == &host_slot() ||
                        (s->installed.load(std::memory_order_seq_cst) && !s->closing.load(std::memory_order_seq_cst));
    if (!usable) p.unpin();
    return p;
  }

  // Lets go of the slot (settling it if it was replaced meanwhile).
  void unpin() noexcept {
    Slot* s = slot_;
    if (s == nullptr) return;
    slot_ = nullptr;
    s->users.fetch_sub(1, std::memory_order_seq_cst);
    settle(s);
  }

 private:
  Slot* slot_;
};

// A thread counted among its slot's sleepers instead of its users: a sleeper
// may stay for ever, and install does not wait for it.
class Sleeping {
 public:
  explicit Sleeping(Pin* pin) noexcept : slot_(pin->get()) {
    slot_->sleepers.fetch_add(1, std::memory_order_seq_cst);
    pin->unpin();
  }
  ~Sleeping() {
    slot_->sleepers.fetch_sub(1, std::memory_order_seq_cst);
    settle(slot_);
  }
  Sleeping(const Sleeping&) = delete;
  Sleeping& operator=(const Sleeping&) = delete;
  Slot* slot() const noexcept { return slot_; }

 private:
  Slot* const slot_;
};

// Before every block handed out: its slot, so that it goes back there.
struct alignas(16) Header {
  Slot* slot;
  oskit_size_t size;
};
static_assert(sizeof(Header) == 16, "a header is 16 bytes");

oskit_size_t header_room(oskit_size_t align) noexcept { return align > sizeof(Header) ? align : sizeof(Header); }

Header* header_of(void* block) noexcept { return reinterpret_cast<Header*>(block) - 1; }

// A thread handle given to the toolkit: the slot's own, and the slot.
struct ThreadRecord {
  Slot* slot;
  oskit_osenv_thread_handle_t* thread;
  oskit_osenv_thread_body_t body;
  void* arg;
};

// The slot that started the calling thread (nullptr for other threads). A
// thread keeps the clock of the environment that started it for its whole
// life: its deadlines and sleeps stay in one time.
thread_local Slot* t_home = nullptr;

void run_thread(void* raw) {
  auto* record = static_cast<ThreadRecord*>(raw);
  t_home = record->slot;
  record->body(record->arg);
}

// The slot whose clock the calling thread uses, pinned.
Pin pin_clock() noexcept {
  if (t_home != nullptr) {
    Pin pin = Pin::pin(t_home);
    if (pin) return pin;
  }
  return Pin();
}

std::atomic<Slot*> g_line_owner[OSKIT_OSENV_IRQ_LINES];

// The slot a line was requested from, pinned; or the current slot.
Pin pin_line_owner(oskit_u32_t line) noexcept {
  if (line < OSKIT_OSENV_IRQ_LINES) {
    Slot* owner = g_line_owner[line].load(std::memory_order_seq_cst);
    if (owner != nullptr) {
      Pin pin = Pin::pin(owner);
      if (pin) return pin;
    }
  }
  return Pin();
}

// The services of a strict environment's NULL members: each use is counted
// and fails.
class RefusedMem final : public StaticObject<oskit_osenv_mem> {
 public:
  void* OSKIT_COMCALL alloc(oskit_size_t, oskit_u32_t, oskit_size_t, const char*) noexcept override {
    note_violation("memory");
    return nullptr;
  }
  OSKIT_COMDECL_V free(void* block, oskit_size_t, oskit_size_t) noexcept override {
    if (block != nullptr) note_violation("memory");
  }
};

class RefusedLog final : public StaticObject<oskit_osenv_log> {
 public:
  OSKIT_COMDECL log(oskit_u32_t, const char*, oskit_size_t) noexcept override {
    note_violation("log");
    return OSKIT_EPERM;
  }
};

class RefusedClock final : public StaticObject<oskit_osenv_clock> {
 public:
  oskit_s64_t OSKIT_COMCALL now() noexcept override {
    note_violation("clock");
    return 0;
  }
  OSKIT_COMDECL wait(const oskit_u32_t*, oskit_u32_t, oskit_s64_t) noexcept override {
    note_violation("clock");
    return OSKIT_EPERM;
  }
  oskit_u32_t OSKIT_COMCALL wake(const oskit_u32_t*, oskit_u32_t) noexcept override {
    note_violation("clock");
    return 0;
  }
  OSKIT_COMDECL sleep_until(oskit_s64_t) noexcept override {
    note_violation("clock");
    return OSKIT_EPERM;
  }
};

class RefusedThreads final : public StaticObject<oskit_osenv_threads> {
 public:
  OSKIT_COMDECL start(const char*, oskit_osenv_thread_body_t, void*,
                      oskit_osenv_thread_handle_t** out_thread) noexcept override {
    if (out_thread != nullptr) *out_thread = nullptr;
    note_violation("threads");
    return OSKIT_EPERM;
  }
  OSKIT_COMDECL join(oskit_osenv_thread_handle_t*) noexcept override {
    note_violation("threads");
    return OSKIT_EPERM;
  }
};

class RefusedIrq final : public StaticObject<oskit_osenv_irq> {
 public:
  OSKIT_COMDECL request(oskit_u32_t, oskit_osenv_irq_handler_t, void*) noexcept override {
    note_violation("interrupts");
    return OSKIT_EPERM;
  }
  OSKIT_COMDECL free(oskit_u32_t) noexcept override {
    note_violation("interrupts");
    return OSKIT_EPERM;
  }
  OSKIT_COMDECL raise(oskit_u32_t) noexcept override {
    note_violation("interrupts");
    return OSKIT_EPERM;
  }
};

RefusedMem g_refused_mem;
RefusedLog g_refused_log;
RefusedClock g_refused_clock;
RefusedThreads g_refused_threads;
RefusedIrq g_refused_irq;

template <class I>
I* chosen(I* given, I* host, I* refused, bool strict) noexcept {
  if (given != nullptr) return given;
  return strict ? refused : host;
}

void fill(const oskit_osenv& given, bool strict, oskit_osenv* out) noexcept {
  const oskit_osenv& host = host_slot().env;
  out->mem = chosen<oskit_osenv_mem>(given.mem, host.mem, &g_refused_mem, strict);
  out->log = chosen<oskit_osenv_log>(given.log, host.log, &g_refused_log, strict);
  out->clock = chosen<oskit_osenv_clock>(given.clock, host.clock, &g_refused_clock, strict);
  out->threads = chosen<oskit_osenv_threads>(given.threads, host.threads, &g_refused_threads, strict);
  out->irq = chosen<oskit_osenv_irq>(given.irq, host.irq, &g_refused_irq, strict);
  out->flags = strict ? OSKIT_OSENV_STRICT : 0;
}

Slot* free_slot() noexcept {
  for (Slot& s : g_slots) {
    if (!s.installed.load(std::memory_order_seq_cst) && s.users.load(std::memory_order_seq_cst) == 0) return &s;
  }
  return nullptr;
}

void* heap_alloc(void*, oskit_size_t size, oskit_size_t align, const char* tag) {
  return oskit_env_alloc(size, OSKIT_OSENV_MEM_MAYBLOCK, align, tag);
}

void heap_free(void*, void* ptr, oskit_size_t size, oskit_size_t align) { oskit_env_free(ptr, size, align); }

// COM objects made by make<T>() draw on the installed environment.
oskit_error_t route_object_heap() noexcept {
  static const oskit_heap_hooks hooks{heap_alloc, heap_free, nullptr};
  static std::atomic<bool> routed{false};
  if (routed.load(std::memory_order_acquire)) return 0;
  oskit_error_t rc = oskit_heap_set_hooks(&hooks);
  if (rc == 0) routed.store(true, std::memory_order_release);
  return rc;
}

// From program start, so that objects made before any install are counted.
const bool g_heap_routed = route_object_heap() == 0;

}  // namespace

void note_violation(const char* service) noexcept {
  g_violations.fetch_add(1, std::memory_order_relaxed);
  g_last_violation.store(service, std::memory_order_relaxed);
}

bool host_refuses(const char* service) noexcept {
  if (!g_strict.load(std::memory_order_acquire)) return false;
  note_violation(service);
  return true;
}

}  // namespace oskit::env::internal

using oskit::env::internal::Pin;
using oskit::env::internal::Sleeping;
using oskit::env::internal::Slot;

extern "C" {

oskit_error_t oskit_env_install(const struct oskit_osenv* env) {
  using namespace oskit::env::internal;
  oskit::MutexLock lock(&install_mu());
  if (oskit_live_objects() != 0) return OSKIT_EBUSY;
  oskit_error_t rc = route_object_heap();
  if (rc != 0) return rc;
  const bool strict = env != nullptr && (env->flags & OSKIT_OSENV_STRICT) != 0;
  Slot* old = current_slot();
  Slot* next = &host_slot();
  if (env != nullptr) {
    next = free_slot();
    if (next == nullptr) return OSKIT_EBUSY;  // replaced environments still hold things
    fill(*env, strict, &next->env);
    next->strict = strict;
    addref_all(next->env);
    next->installed.store(true, std::memory_order_seq_cst);
  }
  next->reset_counts();
  if (strict) {
    g_violations.store(0, std::memory_order_relaxed);
    g_last_violation.store(nullptr, std::memory_order_relaxed);
  }
  g_current.store(next, std::memory_order_seq_cst);
  g_strict.store(strict, std::memory_order_release);
  if (old != &host_slot() && old != next) {
    old->retired.store(true, std::memory_order_seq_cst);
    // Calls that pinned the old environment finish with it first.
    while (old->users.load(std::memory_order_seq_cst) != 0) sched_yield();
    settle(old);
  }
  return 0;
}

void oskit_env_current(struct oskit_osenv* out) {
  Pin env;
  *out = env->env;
}

void oskit_env_host(struct oskit_osenv* out) { oskit::env::internal::host_services(out); }

void oskit_env_host_services(struct oskit_osenv* out) { oskit::env::internal::unguarded_host_services(out); }

void oskit_env_get_usage(struct oskit_env_usage* out) {
  Pin env;
  const oskit_u64_t allocations = env->allocations.load();
  const oskit_u64_t started = env->threads_started.load();
  out->allocations = allocations;
  out->live_allocations = allocations - env->frees.load();
  out->live_bytes = env->live_bytes.load();
  out->threads_started = started;
  out->live_threads = started - env->threads_joined.load();
  out->irq_lines = env->irq_lines.load();
  out->sleepers = env->sleepers.load();
  out->live_objects = oskit_live_objects();
}

unsigned long oskit_env_strict_violations(void) {
  return oskit::env::internal::g_violations.load(std::memory_order_relaxed);
}

const char* oskit_env_strict_last(void) {
  return oskit::env::internal::g_last_violation.load(std::memory_order_relaxed);
}

void* oskit_env_alloc(oskit_size_t size, oskit_u32_t flags, oskit_size_t align, const char* tag) {
  using namespace oskit::env::internal;
  if (align == 0 || (align & (align - 1)) != 0) return nullptr;
  const oskit_size_t room = header_room(align);
  if (size > SIZE_MAX - room) return nullptr;
  Pin env;
  auto* raw = static_cast<char*>(env->env.mem->alloc(size + room, flags, room, tag));
  if (raw == nullptr) return nullptr;
  void* block = raw + room;
  *header_of(block) = Header{env.get(), size};
  env->outstanding.fetch_add(1, std::memory_order_seq_cst);
  env->allocations.fetch_add(1, std::memory_order_relaxed);
  env->live_bytes.fetch_add(size, std::memory_order_relaxed);
  return block;
}

void oskit_env_free(void* block, oskit_size_t size, oskit_size_t align) {
  using namespace oskit::env::internal;
  if (block == nullptr) return;
  Slot* owner = header_of(block)->slot;
  const oskit_size_t room = header_room(align);
  ReturningToOwner returning;
  owner->env.mem->free(static_cast<char*>(block) - room, size + room, room);
  owner->frees.fetch_add(1, std::memory_order_relaxed);
  owner->live_bytes.fetch_sub(size, std::memory_order_relaxed);
  owner->outstanding.fetch_sub(1, std::memory_order_seq_cst);
  settle(owner);
}

void oskit_env_log(oskit_u32_t level, const char* message, oskit_size_t length) {
  Pin env;
  env->env.log->log(level, message, length);
}

void oskit_env_vlogf(oskit_u32_t level, const char* format, va_list args) {
  char message[OSKIT_ENV_LOG_MAX];
  int n = vsnprintf(message, sizeof message, format, args);
  if (n < 0) return;
  if (static_cast<size_t>(n) >= sizeof message) n = sizeof message - 1;
  oskit_env_log(level, message, static_cast<oskit_size_t>(n));
}

void oskit_env_logf(oskit_u32_t level, const char* format, ...) {
  va_list args;
  va_start(args, format);
  oskit_env_vlogf(level, format, args);
  va_end(args);
}

oskit_s64_t oskit_env_now(void) {
  Pin env = oskit::env::internal::pin_clock();
  return env->env.clock->now();
}

oskit_s64_t oskit_env_deadline_after(oskit_s64_t delay) {
  const oskit_s64_t now = oskit_env_now();
  if (delay <= 0) return now;
  return delay >= OSKIT_OSENV_FOREVER - now ? OSKIT_OSENV_FOREVER : now + delay;
}

oskit_error_t oskit_env_wait(const oskit_u32_t* word, oskit_u32_t expected, oskit_s64_t deadline) {
  Pin env = oskit::env::internal::pin_clock();
  Sleeping sleeping(&env);
  return sleeping.slot()->env.clock->wait(word, expected, deadline);
}

oskit_u32_t oskit_env_wake(const oskit_u32_t* word, oskit_u32_t count) {
  using namespace oskit::env::internal;
  oskit_u32_t woken;
  Slot* current;
  {
    Pin env;
    current = env.get();
    woken = env->env.clock->wake(word, count);
  }
  // Threads that went to sleep on an environment since replaced.
  for (Slot* s : {&host_slot(), &g_slots[0], &g_slots[1], &g_slots[2], &g_slots[3], &g_slots[4], &g_slots[5],
                  &g_slots[6], &g_slots[7]}) {
    if (woken >= count) break;
    if (s == current || s->sleepers.load(std::memory_order_seq_cst) == 0) continue;
    Pin pin = Pin::pin(s);
    ReturningToOwner returning;
    if (pin) woken += s->env.clock->wake(word, count - woken);
  }
  return woken;
}

oskit_error_t oskit_env_sleep_until(oskit_s64_t deadline) {
  Pin env = oskit::env::internal::pin_clock();
  Sleeping sleeping(&env);
  return sleeping.slot()->env.clock->sleep_until(deadline);
}

oskit_error_t oskit_env_thread_start(const char* name, oskit_osenv_thread_body_t body, void* arg,
                                     oskit_osenv_thread_handle_t** out_thread) {
  using oskit::env::internal::ThreadRecord;
  if (out_thread == nullptr) return OSKIT_E_POINTER;
  *out_thread = nullptr;
  if (body == nullptr) return OSKIT_E_POINTER;
  Pin env;
  auto* record = static_cast<ThreadRecord*>(
      oskit_env_alloc(sizeof(ThreadRecord), OSKIT_OSENV_MEM_MAYBLOCK, alignof(ThreadRecord), "thread record"));
  if (record == nullptr) return OSKIT_ENOMEM;
  record->slot = env.get();
  record->body = body;
  record->arg = arg;
  oskit_error_t rc = env->env.threads->start(name, oskit::env::internal::run_thread, record, &record->thread);
  if (rc != 0) {
    oskit_env_free(record, sizeof(ThreadRecord), alignof(ThreadRecord));
    return rc;
  }
  env->outstanding.fetch_add(1, std::memory_order_seq_cst);
  env->threads_started.fetch_add(1, std::memory_order_relaxed);
  *out_thread = reinterpret_cast<oskit_osenv_thread_handle_t*>(record);
  return 0;
}

oskit_error_t oskit_env_thread_join(oskit_osenv_thread_handle_t* thread) {
  using oskit::env::internal::settle;
  using oskit::env::internal::ThreadRecord;
  if (thread == nullptr) return OSKIT_EINVAL;
  auto* record = reinterpret_cast<ThreadRecord*>(thread);
  Slot* owner = record->slot;
  oskit::env::internal::ReturningToOwner returning;
  oskit_error_t rc = owner->env.threads->join(record->thread);
  if (rc != 0) return rc;
  owner->threads_joined.fetch_add(1, std::memory_order_relaxed);
  oskit_env_free(record, sizeof(ThreadRecord), alignof(ThreadRecord));
  owner->outstanding.fetch_sub(1, std::memory_order_seq_cst);
  settle(owner);
  return 0;
}

oskit_error_t oskit_env_irq_request(oskit_u32_t line, oskit_osenv_irq_handler_t handler, void* arg) {
  using oskit::env::internal::g_line_owner;
  Pin env;
  oskit_error_t rc = env->env.irq->request(line, handler, arg);
  if (rc != 0) return rc;
  env->outstanding.fetch_add(1, std::memory_order_seq_cst);
  env->irq_lines.fetch_add(1, std::memory_order_relaxed);
  g_line_owner[line].store(env.get(), std::memory_order_seq_cst);
  return 0;
}

oskit_error_t oskit_env_irq_free(oskit_u32_t line) {
  using oskit::env::internal::g_line_owner;
  Pin owner = oskit::env::internal::pin_line_owner(line);
  oskit::env::internal::ReturningToOwner returning;
  oskit_error_t rc = owner->env.irq->free(line);
  if (rc != 0) return rc;
  g_line_owner[line].store(nullptr, std::memory_order_seq_cst);
  owner->irq_lines.fetch_sub(1, std::memory_order_relaxed);
  owner->outstanding.fetch_sub(1, std::memory_order_seq_cst);
  return 0;
}

oskit_error_t oskit_env_irq_raise(oskit_u32_t line) {
  Pin owner = oskit::env::internal::pin_line_owner(line);
  return owner->env.irq->raise(line);
}

}  // extern "C"
