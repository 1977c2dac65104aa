// Memory heaps (libevl <evl/heap.h>; the EVL documentation's "Memory heap"
// page). Every operation is O(1) but for a first-fit scan among free runs of
// one size class when the request is not a power of two pages. The page map
// describes each page; only the first and last page of a free run or of a
// multi-page block are kept exact, which is all coalescing needs. Free runs
// are kept in lists by size class (2^k to 2^(k+1)-1 pages); pages shared by
// blocks of one size in lists by block size.
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "evl/heap.h"

namespace oskit::evl::emul {
namespace {

constexpr uint32_t kNone = UINT32_MAX;
constexpr size_t kPage = EVL_HEAP_PAGE_SIZE;
constexpr size_t kMaxShared = kPage / 2;  // larger requests get whole pages

enum Kind : uint32_t {
  kInner = 0,      // inside a free run or a block: not looked at
  kRunHead = 1,    // info: pages in the run
  kRunTail = 2,    // info: the run's head page
  kShared = 3,     // bits 8-15: log2 of the block size; info: busy bitmap
  kBlockHead = 4,  // info: pages in the block
  kBlockTail = 5,  // info: the block's head page
};

Kind kind_of(const evl_heap_pgentry& e) { return static_cast<Kind>(e.kind & 0xff); }
unsigned shared_log2(const evl_heap_pgentry& e) { return (e.kind >> 8) & 0xff; }

unsigned floor_log2(size_t n) { return 63 - __builtin_clzll(n); }
unsigned ceil_log2(size_t n) { return n <= 1 ? 0 : floor_log2(n - 1) + 1; }

size_t metadata_size(size_t nrpages) {
  return __align_to(sizeof(evl_heap_extent) + __EVL_HEAP_MAP_SIZE(nrpages), EVL_HEAP_MIN_ALIGN);
}

// The pages an extent of raw bytes holds once its page map is taken off.
size_t pages_in(size_t raw) {
  size_t pages = raw / kPage;
  while (pages > 0 && metadata_size(pages) + pages * kPage > raw) pages--;
  return pages;
}

// ---------------------------------------------------------------- lists

// Doubly-linked lists of pages through their page map entries.
void push(evl_heap_extent* ext, uint32_t* head, uint32_t pg) {
  evl_heap_pgentry& e = ext->pagemap[pg];
  e.prev = kNone;
  e.next = *head;
  if (*head != kNone) ext->pagemap[*head].prev = pg;
  *head = pg;
}

void unlink(evl_heap_extent* ext, uint32_t* head, uint32_t pg) {
  evl_heap_pgentry& e = ext->pagemap[pg];
  if (e.prev != kNone) {
    ext->pagemap[e.prev].next = e.next;
  } else {
    *head = e.next;
  }
  if (e.next != kNone) ext->pagemap[e.next].prev = e.prev;
}

// ---------------------------------------------------------------- page runs

void mark_span(evl_heap_extent* ext, uint32_t head, uint32_t pages, Kind head_kind, Kind tail_kind) {
  ext->pagemap[head].kind = head_kind;
  ext->pagemap[head].info = pages;
  if (pages > 1) {
    ext->pagemap[head + pages - 1].kind = tail_kind;
    ext->pagemap[head + pages - 1].info = head;
  }
}

void add_run(evl_heap_extent* ext, uint32_t head, uint32_t pages) {
  mark_span(ext, head, pages, kRunHead, kRunTail);
  push(ext, &ext->free_runs[floor_log2(pages)], head);
}

void remove_run(evl_heap_extent* ext, uint32_t head) {
  unlink(ext, &ext->free_runs[floor_log2(ext->pagemap[head].info)], head);
  const uint32_t pages = ext->pagemap[head].info;
  ext->pagemap[head].kind = kInner;
  if (pages > 1) ext->pagemap[head + pages - 1].kind = kInner;
}

// A free run of at least pages pages, or kNone.
uint32_t find_run(const evl_heap_extent* ext, uint32_t pages) {
  const unsigned cls = floor_log2(pages);
  if ((pages & (pages - 1)) != 0) {  // not every run of this class fits
    for (uint32_t pg = ext->free_runs[cls]; pg != kNone; pg = ext->pagemap[pg].next) {
      if (ext->pagemap[pg].info >= pages) return pg;
    }
  } else if (ext->free_runs[cls] != kNone) {
    return ext->free_runs[cls];
  }
  for (unsigned c = cls + 1; c < 32; c++) {
    if (ext->free_runs[c] != kNone) return ext->free_runs[c];
  }
  return kNone;
}

// Takes pages pages from the front of a free run; returns the first or kNone.
uint32_t take_pages(evl_heap_extent* ext, uint32_t pages) {
  const uint32_t head = find_run(ext, pages);
  if (head == kNone) return kNone;
  const uint32_t run = ext->pagemap[head].info;
  remove_run(ext, head);
  if (run > pages) add_run(ext, head + pages, run - pages);
  return head;
}

// Gives pages back, merged with the free runs around them.
void give_pages(evl_heap_extent* ext, uint32_t head, uint32_t pages) {
  ext->pagemap[head].kind = kInner;
  if (pages > 1) ext->pagemap[head + pages - 1].kind = kInner;
  if (head > 0) {
    const evl_heap_pgentry& before = ext->pagemap[head - 1];
    uint32_t left = kNone;
    if (kind_of(before) == kRunHead) left = head - 1;
    if (kind_of(before) == kRunTail) left = before.info;
    if (left != kNone) {
      const uint32_t left_pages = ext->pagemap[left].info;
      remove_run(ext, left);
      pages += left_pages;
      head = left;
    }
  }
  const uint32_t after = head + pages;
  if (after < ext->nrpages && kind_of(ext->pagemap[after]) == kRunHead) {
    const uint32_t right_pages = ext->pagemap[after].info;
    remove_run(ext, after);
    pages += right_pages;
  }
  add_run(ext, head, pages);
}

// ---------------------------------------------------------------- blocks

char* page_address(const evl_heap_extent* ext, uint32_t pg) {
  return static_cast<char*>(ext->membase) + static_cast<size_t>(pg) * kPage;
}

uint32_t full_bitmap(unsigned log2size) {
  const unsigned blocks = kPage >> log2size;
  return blocks >= 32 ? UINT32_MAX : (uint32_t{1} << blocks) - 1;
}

void* take_from_shared(evl_heap_extent* ext, unsigned log2size) {
  uint32_t* list = &ext->buckets[log2size - EVL_HEAP_MIN_LOG2];
  const uint32_t pg = *list;
  evl_heap_pgentry& e = ext->pagemap[pg];
  const unsigned slot = __builtin_ctz(~e.info);
  e.info |= uint32_t{1} << slot;
  if (e.info == full_bitmap(log2size)) unlink(ext, list, pg);
  return page_address(ext, pg) + (static_cast<size_t>(slot) << log2size);
}

void* alloc_shared(evl_heap* heap, unsigned log2size) {
  for (evl_heap_extent* ext = heap->extents; ext != nullptr; ext = ext->next) {
    if (ext->buckets[log2size - EVL_HEAP_MIN_LOG2] != kNone) return take_from_shared(ext, log2size);
  }
  for (evl_heap_extent* ext = heap->extents; ext != nullptr; ext = ext->next) {
    const uint32_t pg = take_pages(ext, 1);
    if (pg == kNone) continue;
    ext->pagemap[pg].kind = kShared | (log2size << 8);
    ext->pagemap[pg].info = 0;
    push(ext, &ext->buckets[log2size - EVL_HEAP_MIN_LOG2], pg);
    return take_from_shared(ext, log2size);
  }
  return nullptr;
}

void* alloc_pages(evl_heap* heap, uint32_t pages) {
  for (evl_heap_extent* ext = heap->extents; ext != nullptr; ext = ext->next) {
    const uint32_t pg = take_pages(ext, pages);
    if (pg == kNone) continue;
    mark_span(ext, pg, pages, kBlockHead, kBlockTail);
    return page_address(ext, pg);
  }
  return nullptr;
}

evl_heap_extent* extent_of(const evl_heap* heap, const void* block) {
  for (evl_heap_extent* ext = heap->extents; ext != nullptr; ext = ext->next) {
    if (block >= ext->membase && block < ext->memlim) return ext;
  }
  return nullptr;
}

// The size of the busy block at ptr, 0 if there is none.
size_t busy_size(const evl_heap_extent* ext, const void* block) {
  const size_t off = static_cast<const char*>(block) - static_cast<const char*>(ext->membase);
  const evl_heap_pgentry& e = ext->pagemap[off / kPage];
  const size_t in_page = off % kPage;
  switch (kind_of(e)) {
    case kShared: {
      const unsigned log2size = shared_log2(e);
      if (in_page & ((size_t{1} << log2size) - 1)) return 0;
      return (e.info >> (in_page >> log2size)) & 1 ? size_t{1} << log2size : 0;
    }
    case kBlockHead:
      return in_page == 0 ? e.info * kPage : 0;
    default:
      return 0;
  }
}

void free_shared(evl_heap_extent* ext, uint32_t pg, size_t in_page) {
  evl_heap_pgentry& e = ext->pagemap[pg];
  const unsigned log2size = shared_log2(e);
  uint32_t* list = &ext->buckets[log2size - EVL_HEAP_MIN_LOG2];
  if (e.info == full_bitmap(log2size)) push(ext, list, pg);
  e.info &= ~(uint32_t{1} << (in_page >> log2size));
  if (e.info != 0) return;
  unlink(ext, list, pg);
  give_pages(ext, pg, 1);
}

// ---------------------------------------------------------------- extents

int add_extent(evl_heap* heap, void* mem, size_t size, size_t* usable) {
  if (mem == nullptr || reinterpret_cast<uintptr_t>(mem) % EVL_HEAP_MIN_ALIGN != 0) return -EINVAL;
  const size_t pages = pages_in(size);
  if (pages == 0 || pages * kPage > EVL_HEAP_MAX_EXTSZ) return -EINVAL;
  auto* ext = static_cast<evl_heap_extent*>(mem);
  memset(ext, 0, metadata_size(pages));
  ext->membase = static_cast<char*>(mem) + metadata_size(pages);
  ext->memlim = static_cast<char*>(ext->membase) + pages * kPage;
  ext->nrpages = static_cast<uint32_t>(pages);
  for (uint32_t& head : ext->free_runs) head = kNone;
  for (uint32_t& head : ext->buckets) head = kNone;
  add_run(ext, 0, ext->nrpages);
  ext->next = heap->extents;
  heap->extents = ext;
  *usable = pages * kPage;
  return 0;
}

// The heap's lock, held for the scope; failed() tells the caller could not
// take it (not an EVL thread).
class HeapLock {
 public:
  explicit HeapLock(evl_heap* heap) : heap_(heap), rc_(evl_lock_mutex(&heap->lock)) {}
  ~HeapLock() {
    if (rc_ == 0) evl_unlock_mutex(&heap_->lock);
  }
  HeapLock(const HeapLock&) = delete;
  HeapLock& operator=(const HeapLock&) = delete;
  int error() const { return rc_; }

 private:
  evl_heap* heap_;
  int rc_;
};

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;

extern "C" {

int evl_init_heap(struct evl_heap* heap, void* mem, size_t size) {
  heap->extents = nullptr;
  heap->raw_size = heap->usable_size = heap->used_size = 0;
  size_t usable = 0;
  int rc = add_extent(heap, mem, size, &usable);
  if (rc < 0) return rc;
  rc = evl_new_mutex(&heap->lock, nullptr);
  if (rc < 0) {
    heap->extents = nullptr;
    return rc;
  }
  heap->raw_size = size;
  heap->usable_size = usable;
  return 0;
}

int evl_extend_heap(struct evl_heap* heap, void* mem, size_t size) {
  HeapLock lock(heap);
  if (lock.error() != 0) return lock.error();
  size_t usable = 0;
  const int rc = add_extent(heap, mem, size, &usable);
  if (rc < 0) return rc;
  heap->raw_size += size;
  heap->usable_size += usable;
  return 0;
}

void evl_destroy_heap(struct evl_heap* heap) {
  evl_close_mutex(&heap->lock);
  heap->extents = nullptr;
}

void* evl_alloc_block(struct evl_heap* heap, size_t size) {
  if (size == 0 || size > EVL_HEAP_MAX_EXTSZ) return nullptr;
  HeapLock lock(heap);
  if (lock.error() != 0) return nullptr;
  void* block;
  size_t taken;
  if (size <= kMaxShared) {
    const unsigned log2size = size < EVL_HEAP_MIN_ALIGN ? EVL_HEAP_MIN_LOG2 : ceil_log2(size);
    block = alloc_shared(heap, log2size);
    taken = size_t{1} << log2size;
  } else {
    const size_t pages = (size + kPage - 1) / kPage;
    block = alloc_pages(heap, static_cast<uint32_t>(pages));
    taken = pages * kPage;
  }
  if (block != nullptr) heap->used_size += taken;
  return block;
}

int evl_free_block(struct evl_heap* heap, void* block) {
  HeapLock lock(heap);
  if (lock.error() != 0) return lock.error();
  evl_heap_extent* ext = extent_of(heap, block);
  if (ext == nullptr) return -EINVAL;
  const size_t size = busy_size(ext, block);
  if (size == 0) return -EINVAL;
  const size_t off = static_cast<char*>(block) - static_cast<char*>(ext->membase);
  const uint32_t pg = static_cast<uint32_t>(off / kPage);
  if (kind_of(ext->pagemap[pg]) == kShared) {
    free_shared(ext, pg, off % kPage);
  } else {
    give_pages(ext, pg, static_cast<uint32_t>(size / kPage));
  }
  heap->used_size -= size;
  return 0;
}

ssize_t evl_check_block(struct evl_heap* heap, void* block) {
  HeapLock lock(heap);
  if (lock.error() != 0) return lock.error();
  const evl_heap_extent* ext = extent_of(heap, block);
  const size_t size = ext != nullptr ? busy_size(ext, block) : 0;
  return size != 0 ? static_cast<ssize_t>(size) : -EINVAL;
}

size_t evl_heap_raw_size(const struct evl_heap* heap) { return heap->raw_size; }

size_t evl_heap_size(const struct evl_heap* heap) { return heap->usable_size; }

size_t evl_heap_used(const struct evl_heap* heap) { return heap->used_size; }

}  // extern "C"
