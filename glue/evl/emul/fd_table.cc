#include "glue/evl/emul/fd_table.h"

#include <atomic>

#include "glue/evl/emul/asymmetric_fence.h"
#include "glue/evl/emul/event.h"

namespace oskit::evl::emul {
namespace {

constexpr int kChunkBits = 10;
constexpr int kChunkSize = 1 << kChunkBits;
constexpr int kChunks = 1024;  // descriptors below 2^20

// Layout shared with interpose.c, which reads it without instrumentation.
struct Slot {
  std::atomic<File*> file{nullptr};
  std::atomic<int> users{0};  // counted lookups between reading file and taking a reference
};
static_assert(sizeof(Slot) == 16, "interpose.c reads slots as {void *, int, int}");

}  // namespace
}  // namespace oskit::evl::emul

extern "C" {
std::atomic<oskit::evl::emul::Slot*> oskit_evl_fd_table[1024];
}

namespace oskit::evl::emul {
namespace {

std::atomic<Slot*>* const g_chunks = oskit_evl_fd_table;
static_assert(kChunks == 1024, "interpose.c knows the table size");

// What a slot holds while its descriptor is being closed.
File* const kClosing = reinterpret_cast<File*>(alignof(File));

Slot* slot(int fd, bool create) {
  if (fd < 0 || fd >= kChunkSize * kChunks) return nullptr;
  std::atomic<Slot*>& chunk = g_chunks[fd >> kChunkBits];
  Slot* s = chunk.load(std::memory_order_acquire);
  if (s == nullptr) {
    if (!create) return nullptr;
    Slot* fresh = new (std::nothrow) Slot[kChunkSize];
    if (fresh == nullptr) return nullptr;
    if (chunk.compare_exchange_strong(s, fresh, std::memory_order_acq_rel)) {
      s = fresh;
    } else {
      delete[] fresh;
    }
  }
  return &s[fd & (kChunkSize - 1)];
}

// ---------------------------------------------------------------- hazards

constexpr int kHazards = 4;
// Threads that hold a record at once; more look files up with counted
// references.
constexpr int kRecords = 256;

// A thread's hazard slots, on a cache line of their own. Records live in
// static storage (no memory is taken for them, from the environment or
// behind its back): a thread that ends gives its record back for another to
// take.
struct alignas(64) HazardRecord {
  std::atomic<const File*> hazard[kHazards] = {};
  std::atomic<bool> taken{false};
  HazardRecord* next = nullptr;
};

HazardRecord g_record_storage[kRecords];
std::atomic<int> g_records_made{0};
std::atomic<HazardRecord*> g_records{nullptr};

// Wakes closers waiting for hazard slots or counted lookups to let go.
const Event g_let_go;

HazardRecord* take_record() {
  for (HazardRecord* r = g_records.load(std::memory_order_acquire); r != nullptr; r = r->next) {
    bool free = false;
    if (!r->taken.load(std::memory_order_relaxed) &&
        r->taken.compare_exchange_strong(free, true, std::memory_order_acquire)) {
      return r;
    }
  }
  const int made = g_records_made.fetch_add(1, std::memory_order_relaxed);
  if (made >= kRecords) return nullptr;
  HazardRecord* r = &g_record_storage[made];
  r->taken.store(true, std::memory_order_relaxed);
  HazardRecord* head = g_records.load(std::memory_order_relaxed);
  do {
    r->next = head;
  } while (!g_records.compare_exchange_weak(head, r, std::memory_order_release, std::memory_order_relaxed));
  return r;
}

// The calling thread's record and which of its slots are free. Trivially
// destructible: it stays usable while the thread ends; once the thread has
// given its record back, lookups count references instead.
struct ThreadHazards {
  HazardRecord* record;
  unsigned free;
};
constexpr unsigned kAllFree = (1u << kHazards) - 1;
thread_local ThreadHazards tls_hazards = {nullptr, kAllFree};

// Gives the record back when the thread ends.
struct GiveBack {
  void arm() {}
  ~GiveBack() {
    if (tls_hazards.record != nullptr) tls_hazards.record->taken.store(false, std::memory_order_release);
    tls_hazards.record = nullptr;
    tls_hazards.free = 0;
  }
};
thread_local GiveBack tls_give_back;

// A free slot of the thread's record, or -1 (all in use, or the thread ends).
int take_slot() {
  ThreadHazards& t = tls_hazards;
  if (t.free == 0) return -1;
  if (t.record == nullptr) {
    tls_give_back.arm();
    t.record = take_record();
    if (t.record == nullptr) {  // every record is taken: counted lookups from now on
      t.free = 0;
      return -1;
    }
  }
  const int i = __builtin_ctz(t.free);
  t.free &= ~(1u << i);
  return i;
}

bool hazard_held(const File* f) {
  for (HazardRecord* r = g_records.load(std::memory_order_acquire); r != nullptr; r = r->next) {
    for (const auto& h : r->hazard) {
      if (h.load(std::memory_order_acquire) == f) return true;
    }
  }
  return false;
}

// A lookup with a reference count, for threads out of hazard slots: the
// slot's users count tells unpublish to wait until the reference is taken.
File* counted_lookup(Slot* s) {
  s->users.fetch_add(1, std::memory_order_seq_cst);
  File* f = s->file.load(std::memory_order_seq_cst);
  if (f == kClosing) f = nullptr;
  if (f != nullptr) f->get();
  s->users.fetch_sub(1, std::memory_order_seq_cst);
  g_let_go.wake_waiters();
  return f;
}

}  // namespace

FileRef& FileRef::operator=(FileRef&& o) noexcept {
  if (this != &o) {
    reset();
    f_ = o.f_;
    hazard_ = o.hazard_;
    o.f_ = nullptr;
  }
  return *this;
}

void FileRef::reset() {
  if (f_ == nullptr) return;
  if (hazard_ < 0) {
    f_->put();
  } else {
    tls_hazards.record->hazard[hazard_].store(nullptr, std::memory_order_release);
    tls_hazards.free |= 1u << hazard_;
    light_fence();
    if (g_let_go.has_waiters()) g_let_go.wake_all();
  }
  f_ = nullptr;
}

FileRef lookup(int fd) {
  Slot* s = slot(fd, false);
  if (s == nullptr) return FileRef();
  const int i = take_slot();
  if (i < 0) return FileRef(counted_lookup(s), -1);
  std::atomic<const File*>& hazard = tls_hazards.record->hazard[i];
  File* f = s->file.load(std::memory_order_acquire);
  while (f != nullptr && f != kClosing) {
    hazard.store(f, std::memory_order_relaxed);
    light_fence();
    File* again = s->file.load(std::memory_order_acquire);
    if (again == f) return FileRef(f, i);
    f = again;
  }
  hazard.store(nullptr, std::memory_order_relaxed);
  tls_hazards.free |= 1u << i;
  return FileRef();
}

bool is_ours(int fd) {
  Slot* s = slot(fd, false);
  return s != nullptr && s->file.load(std::memory_order_relaxed) != nullptr;
}

bool publish(int fd, File* f) {
  Slot* s = slot(fd, true);
  if (s == nullptr) return false;
  s->file.store(f, std::memory_order_seq_cst);
  return true;
}

File* unpublish(int fd) {
  Slot* s = slot(fd, false);
  if (s == nullptr) return nullptr;
  File* f = s->file.load(std::memory_order_seq_cst);
  do {
    if (f == nullptr || f == kClosing) return nullptr;
  } while (!s->file.compare_exchange_weak(f, kClosing, std::memory_order_seq_cst));
  // Counted lookups that saw f take their reference before leaving the slot.
  g_let_go.await([s] { return s->users.load(std::memory_order_seq_cst) == 0; });
  return f;
}

void forget(int fd) {
  Slot* s = slot(fd, false);
  if (s == nullptr) return;
  File* closing = kClosing;
  // A descriptor opened with the number since the kernel closed it keeps its File.
  s->file.compare_exchange_strong(closing, nullptr, std::memory_order_seq_cst);
}

void await_no_hazard(const File* f) {
  g_let_go.await([f] {
    heavy_fence();  // a lookup's hazard store, or its second read of the slot, is seen
    return !hazard_held(f);
  });
}

}  // namespace oskit::evl::emul
