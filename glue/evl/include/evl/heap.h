/* Memory heaps (libevl <evl/heap.h>; the EVL documentation's "Memory heap"
 * page): a deterministic allocator over memory the caller provides, for
 * out-of-band code which must not call malloc(3). Memory is managed in
 * EVL_HEAP_PAGE_SIZE pages; a request up to half a page gets a power-of-two
 * block from a page shared with blocks of that size, a larger one whole
 * contiguous pages. The page map lives past the pages, so a heap made of
 * EVL_HEAP_RAW_SIZE(n) bytes offers exactly n usable bytes. Calls lock the
 * heap with an EVL mutex: callers are EVL threads. */
#ifndef _EVL_HEAP_H
#define _EVL_HEAP_H

#include <evl/compiler.h>
#include <evl/mutex.h>
#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#define EVL_HEAP_PAGE_SHIFT 9 /* 512-byte pages */
#define EVL_HEAP_PAGE_SIZE (1UL << EVL_HEAP_PAGE_SHIFT)
#define EVL_HEAP_PAGE_MASK (~(EVL_HEAP_PAGE_SIZE - 1))
#define EVL_HEAP_MIN_LOG2 4 /* smallest block: 16 bytes */
#define EVL_HEAP_MIN_ALIGN (1U << EVL_HEAP_MIN_LOG2)
/* Block sizes from 2^EVL_HEAP_MIN_LOG2 to half a page share pages. */
#define EVL_HEAP_MAX_BUCKETS (EVL_HEAP_PAGE_SHIFT - EVL_HEAP_MIN_LOG2)
/* Largest extent: 4 GiB less a page. */
#define EVL_HEAP_MAX_EXTSZ (4294967295U - EVL_HEAP_PAGE_SIZE + 1)

/* What the heap knows of one page of an extent. */
struct evl_heap_pgentry {
  uint32_t kind;       /* free run head or tail, shared page, block head or tail */
  uint32_t info;       /* free run head, block head: pages; free run tail,
                          block tail: head page; shared page: busy-block bitmap */
  uint32_t prev, next; /* links in a free-run or shared-page list (page numbers) */
};

/* An extent: memory given to evl_init_heap() or evl_extend_heap(). Its page
 * map follows this header; its pages follow the map. */
/* A flexible array member, as libevl declares it: ISO C99, an extension in C++. */
#ifdef __cplusplus
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#ifdef __clang__
#pragma GCC diagnostic ignored "-Wc99-extensions"
#endif
#endif
struct evl_heap_extent {
  struct evl_heap_extent *next;
  void *membase; /* first page */
  void *memlim;  /* past the last page */
  uint32_t nrpages;
  uint32_t free_runs[32];                 /* free runs of 2^k to 2^(k+1)-1 pages */
  uint32_t buckets[EVL_HEAP_MAX_BUCKETS]; /* shared pages with a free block, by block size */
  struct evl_heap_pgentry pagemap[];
};
#ifdef __cplusplus
#pragma GCC diagnostic pop
#endif

struct evl_heap {
  struct evl_mutex lock;
  struct evl_heap_extent *extents;
  size_t raw_size;
  size_t usable_size;
  size_t used_size;
};

#define __EVL_HEAP_MAP_SIZE(__nrpages) ((__nrpages) * sizeof(struct evl_heap_pgentry))

#define __EVL_HEAP_RAW_SIZE(__size)                                                                             \
  ((__size) + __align_to(sizeof(struct evl_heap_extent) + __EVL_HEAP_MAP_SIZE((__size) >> EVL_HEAP_PAGE_SHIFT), \
                         EVL_HEAP_MIN_ALIGN))

/* The memory a heap of __user_size usable bytes needs, page map included. */
#define EVL_HEAP_RAW_SIZE(__user_size) __EVL_HEAP_RAW_SIZE(__align_to((size_t)(__user_size), EVL_HEAP_PAGE_SIZE))

#ifdef __cplusplus
extern "C" {
#endif

/* Makes a heap of the size bytes at mem (16-byte aligned): 0, -EINVAL (too
 * small for one page, too large, misaligned), -ENXIO (library not
 * initialised), or an error creating its mutex. */
int evl_init_heap(struct evl_heap *heap, void *mem, size_t size);

/* Adds the size bytes at mem to the heap: 0, -EINVAL. */
int evl_extend_heap(struct evl_heap *heap, void *mem, size_t size);

/* Forgets the heap (its memory stays the caller's). */
void evl_destroy_heap(struct evl_heap *heap);

/* A block of at least size bytes, 16-byte aligned, or NULL when none is free
 * or size is 0. */
void *evl_alloc_block(struct evl_heap *heap, size_t size) __alloc_size(2);

/* Gives a block back: 0, -EINVAL (not a block of this heap, or not busy). */
int evl_free_block(struct evl_heap *heap, void *block);

/* The size of a busy block, or -EINVAL. */
ssize_t evl_check_block(struct evl_heap *heap, void *block);

/* The memory given to the heap, its usable part, and what is allocated. */
size_t evl_heap_raw_size(const struct evl_heap *heap);
size_t evl_heap_size(const struct evl_heap *heap);
size_t evl_heap_used(const struct evl_heap *heap);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_HEAP_H */
