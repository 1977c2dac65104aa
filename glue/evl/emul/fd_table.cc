#include "glue/evl/emul/fd_table.h"

#include <atomic>
#include <new>

#include "glue/evl/emul/event.h"

namespace oskit::evl::emul {
namespace {

constexpr int kChunkBits = 10;
constexpr int kChunkSize = 1 << kChunkBits;
constexpr int kChunks = 1024;  // descriptors below 2^20

// Layout shared with interpose.c, which reads it without instrumentation.
struct Slot {
  std::atomic<File*> file{nullptr};
  std::atomic<int> users{0};  // lookups between reading file and taking a reference
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

// Wakes an unpublish waiting for lookups to leave a slot.
const Event g_slot_left;

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

}  // namespace

FileRef lookup(int fd) {
  Slot* s = slot(fd, false);
  if (s == nullptr) return FileRef();
  s->users.fetch_add(1, std::memory_order_seq_cst);
  File* f = s->file.load(std::memory_order_seq_cst);
  if (f != nullptr) f->get();
  s->users.fetch_sub(1, std::memory_order_seq_cst);
  g_slot_left.wake_waiters();
  return FileRef(f);
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
  File* f = s->file.exchange(nullptr, std::memory_order_seq_cst);
  if (f == nullptr) return nullptr;
  // Lookups that saw f take their reference before leaving the slot.
  g_slot_left.await([s] { return s->users.load(std::memory_order_seq_cst) == 0; });
  return f;
}

}  // namespace oskit::evl::emul
