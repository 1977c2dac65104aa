// Memory heaps (<evl/heap.h>): every usable byte can be allocated in blocks of
// a power of two, freeing gives them all back, bad frees are refused, and the
// heap is locked with an EVL mutex (callers are EVL threads).
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <set>
#include <vector>

#include <evl/heap.h>

#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class HeapTest : public EvlTest {};

// A heap of usable bytes over memory of its own.
struct TestHeap {
  explicit TestHeap(size_t usable) : raw(EVL_HEAP_RAW_SIZE(usable)), mem(aligned_alloc(16, raw)) {}
  ~TestHeap() { free(mem); }
  size_t raw;
  void* mem;
  struct evl_heap heap;
};

TEST_F(HeapTest, EveryBlockOfEverySizeFitsAndComesBack) {
  run_on_evl_thread("heap-sizes", [] {
    TestHeap h(16384);
    ASSERT_EQ(evl_init_heap(&h.heap, h.mem, h.raw), 0);
    EXPECT_EQ(evl_heap_size(&h.heap), 16384u);
    EXPECT_EQ(evl_heap_raw_size(&h.heap), h.raw);
    for (size_t size = 16; size <= 8192; size <<= 1) {
      std::vector<void*> blocks;
      for (void* p; (p = evl_alloc_block(&h.heap, size)) != nullptr;) blocks.push_back(p);
      EXPECT_EQ(blocks.size(), 16384 / size) << size;
      EXPECT_EQ(evl_heap_used(&h.heap), 16384u);
      std::set<uintptr_t> distinct;
      for (void* p : blocks) {
        EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % EVL_HEAP_MIN_ALIGN, 0u);
        EXPECT_EQ(evl_check_block(&h.heap, p), static_cast<ssize_t>(size));
        memset(p, 0xa5, size);
        distinct.insert(reinterpret_cast<uintptr_t>(p));
      }
      EXPECT_EQ(distinct.size(), blocks.size());
      for (size_t i = 0; i < blocks.size(); i += 2) EXPECT_EQ(evl_free_block(&h.heap, blocks[i]), 0);
      for (size_t i = 1; i < blocks.size(); i += 2) EXPECT_EQ(evl_free_block(&h.heap, blocks[i]), 0);
      EXPECT_EQ(evl_heap_used(&h.heap), 0u);
    }
    evl_destroy_heap(&h.heap);
  });
}

TEST_F(HeapTest, OddSizesRoundUpAndCoalesceBack) {
  run_on_evl_thread("heap-odd", [] {
    TestHeap h(8192);
    ASSERT_EQ(evl_init_heap(&h.heap, h.mem, h.raw), 0);
    void* small = evl_alloc_block(&h.heap, 3);
    ASSERT_NE(small, nullptr);
    EXPECT_EQ(evl_check_block(&h.heap, small), 16);
    void* mid = evl_alloc_block(&h.heap, 300);
    ASSERT_NE(mid, nullptr);
    EXPECT_EQ(evl_check_block(&h.heap, mid), 512);
    void* big = evl_alloc_block(&h.heap, 1500);
    ASSERT_NE(big, nullptr);
    EXPECT_EQ(evl_check_block(&h.heap, big), 1536);
    EXPECT_EQ(evl_heap_used(&h.heap), 16u + 512 + 1536);
    EXPECT_EQ(evl_free_block(&h.heap, mid), 0);
    EXPECT_EQ(evl_free_block(&h.heap, small), 0);
    EXPECT_EQ(evl_free_block(&h.heap, big), 0);
    void* all = evl_alloc_block(&h.heap, 8192);
    EXPECT_NE(all, nullptr) << "free pages did not coalesce";
    EXPECT_EQ(evl_alloc_block(&h.heap, 16), nullptr);
    EXPECT_EQ(evl_free_block(&h.heap, all), 0);
    evl_destroy_heap(&h.heap);
  });
}

TEST_F(HeapTest, BadBlocksAreRefused) {
  run_on_evl_thread("heap-bad", [] {
    TestHeap h(4096);
    ASSERT_EQ(evl_init_heap(&h.heap, h.mem, h.raw), 0);
    char* p = static_cast<char*>(evl_alloc_block(&h.heap, 64));
    char* q = static_cast<char*>(evl_alloc_block(&h.heap, 1024));
    ASSERT_NE(p, nullptr);
    ASSERT_NE(q, nullptr);
    int outside = 0;
    EXPECT_EQ(evl_free_block(&h.heap, &outside), -EINVAL);
    EXPECT_EQ(evl_free_block(&h.heap, p + 8), -EINVAL);    // not a block start
    EXPECT_EQ(evl_free_block(&h.heap, p + 64), -EINVAL);   // a free block
    EXPECT_EQ(evl_free_block(&h.heap, q + 512), -EINVAL);  // inside a block
    EXPECT_EQ(evl_check_block(&h.heap, q + 512), -EINVAL);
    EXPECT_EQ(evl_alloc_block(&h.heap, 0), nullptr);
    EXPECT_EQ(evl_alloc_block(&h.heap, 8192), nullptr);
    EXPECT_EQ(evl_free_block(&h.heap, p), 0);
    EXPECT_EQ(evl_free_block(&h.heap, p), -EINVAL);  // twice
    EXPECT_EQ(evl_free_block(&h.heap, q), 0);
    evl_destroy_heap(&h.heap);
  });
}

TEST_F(HeapTest, ExtendingAddsUsableMemory) {
  run_on_evl_thread("heap-extend", [] {
    TestHeap first(1024), second(2048);
    ASSERT_EQ(evl_init_heap(&first.heap, first.mem, first.raw), 0);
    EXPECT_EQ(evl_extend_heap(&first.heap, second.mem, second.raw), 0);
    EXPECT_EQ(evl_heap_size(&first.heap), 3072u);
    EXPECT_EQ(evl_heap_raw_size(&first.heap), first.raw + second.raw);
    void* a = evl_alloc_block(&first.heap, 2048);
    void* b = evl_alloc_block(&first.heap, 1024);
    EXPECT_NE(a, nullptr);
    EXPECT_NE(b, nullptr);
    EXPECT_EQ(evl_alloc_block(&first.heap, 16), nullptr);
    EXPECT_EQ(evl_extend_heap(&first.heap, second.mem, 100), -EINVAL);  // less than a page
    evl_destroy_heap(&first.heap);
  });
}

TEST_F(HeapTest, InitRefusesUnusableMemory) {
  alignas(16) static char small[256];
  struct evl_heap heap;
  EXPECT_EQ(evl_init_heap(&heap, small, sizeof small), -EINVAL);
  EXPECT_EQ(evl_init_heap(&heap, small + 1, sizeof small - 1), -EINVAL);
  EXPECT_EQ(evl_init_heap(&heap, nullptr, 65536), -EINVAL);
}

TEST_F(HeapTest, OnlyEvlThreadsTakeTheLock) {
  TestHeap h(4096);
  ASSERT_EQ(evl_init_heap(&h.heap, h.mem, h.raw), 0);
  EXPECT_EQ(evl_alloc_block(&h.heap, 64), nullptr);  // the EVL mutex refuses this thread
  EXPECT_EQ(evl_free_block(&h.heap, h.mem), -EPERM);
  evl_destroy_heap(&h.heap);
}

}  // namespace
}  // namespace oskit::evl::testing
