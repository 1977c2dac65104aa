// The proxy's input ring on its own: bytes in and out by whole units, every
// interleaving of the worker and two readers on a tiny ring, and a stress run
// for ThreadSanitizer.
#include "glue/evl/emul/in_ring.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "glue/evl/tests/interleaving.h"
#include "gtest/gtest.h"

namespace oskit::evl::testing {
namespace {

using emul::BasicInRing;
using emul::InRing;

std::string pop(InRing* ring, size_t count, size_t unit, bool* emptied = nullptr) {
  std::string s(count, 0);
  bool e = false;
  s.resize(ring->pop(&s[0], count, unit, &e));
  if (emptied != nullptr) *emptied = e;
  return s;
}

TEST(InRingTest, BytesComeOutInOrder) {
  InRing ring;
  ASSERT_EQ(ring.init(8), 0);
  EXPECT_EQ(ring.room(), 8u);
  EXPECT_EQ(ring.push("abcde", 5), 0u);
  EXPECT_EQ(ring.avail(), 5u);
  EXPECT_EQ(ring.room(), 3u);
  bool emptied = true;
  EXPECT_EQ(pop(&ring, 2, 1, &emptied), "ab");
  EXPECT_FALSE(emptied);
  EXPECT_EQ(ring.push("fgh", 3), 3u);
  EXPECT_EQ(pop(&ring, 100, 1, &emptied), "cdefgh");
  EXPECT_TRUE(emptied);
  EXPECT_EQ(pop(&ring, 1, 1), "");
}

TEST(InRingTest, ReadsTakeWholeUnitsAndWrapAround) {
  InRing ring;
  ASSERT_EQ(ring.init(12), 0);
  std::string in, out;
  for (int round = 0; round < 50; ++round) {
    std::string chunk(4 * (1 + round % 2), static_cast<char>('a' + round % 26));
    while (ring.room() < chunk.size()) {
      std::string got = pop(&ring, 8, 4);
      ASSERT_EQ(got.size() % 4, 0u);
      out += got;
    }
    ring.push(chunk.data(), chunk.size());
    in += chunk;
  }
  for (std::string got; !(got = pop(&ring, 12, 1)).empty();) out += got;
  EXPECT_EQ(out, in);
}

// ---------------------------------------------------------------------------
// Every interleaving of the worker pushing and two readers popping.

using ModelRing = BasicInRing<InterleavingHooks>;

struct Model {
  ModelRing ring;
  emul::SharedWord<int, InterleavingHooks> pushed{0};
  std::vector<std::string> got[2];
};

InterleavingProgram in_ring_program(size_t size, std::vector<int> chunks, size_t unit, int readers) {
  auto m = std::make_shared<Model>();
  if (m->ring.init(size) != 0) abort();
  InterleavingProgram prog;
  int total = 0;
  for (int c : chunks) total += c;
  prog.threads.push_back([m, chunks] {
    char next = 0;
    for (int c : chunks) {
      while (m->ring.room() < static_cast<size_t>(c)) InterleavingHooks::wait_for_change();
      std::string chunk;
      for (int i = 0; i < c; ++i) chunk += next++;
      m->ring.push(chunk.data(), chunk.size());
      m->pushed.fetch_add(c, std::memory_order_seq_cst);
    }
  });
  for (int r = 0; r < readers; ++r) {
    prog.threads.push_back([m, r, unit, total] {
      for (;;) {
        // Polls without writing: a reader finding nothing leaves the other
        // reader asleep.
        const bool finished = m->pushed.load(std::memory_order_seq_cst) == total;
        if (m->ring.avail() >= unit) {
          char buf[16];
          bool emptied;
          size_t n = m->ring.pop(buf, unit * 2, unit, &emptied);
          if (n > 0) m->got[r].emplace_back(buf, n);
          continue;
        }
        if (finished) return;
        InterleavingHooks::wait_for_change();
      }
    });
  }
  prog.check_end = [m, total, unit]() -> std::string {
    // Each read is a run of consecutive bytes; together they cover the
    // stream once; each reader's reads are in stream order.
    std::vector<bool> seen(total, false);
    for (const auto& reads : m->got) {
      int last = -1;
      for (const std::string& s : reads) {
        if (s.size() % unit != 0) return "a read took part of a unit";
        for (size_t i = 0; i < s.size(); ++i) {
          int b = s[i];
          if (i > 0 && b != s[i - 1] + 1) return "a read is not contiguous";
          if (b <= last) return "a reader went backwards";
          if (b >= total || seen[b]) return "a byte was read twice";
          seen[b] = true;
          last = b;
        }
      }
    }
    for (bool s : seen) {
      if (!s) return "a byte was lost";
    }
    return "";
  };
  return prog;
}

void expect_every_interleaving(size_t size, std::vector<int> chunks, size_t unit, int readers) {
  ExplorationResult r = explore_interleavings([&] { return in_ring_program(size, chunks, unit, readers); }, 10000000);
  EXPECT_EQ(r.failure, "");
  EXPECT_TRUE(r.complete) << r.interleavings << " interleavings explored";
  ::testing::Test::RecordProperty("interleavings", std::to_string(r.interleavings));
}

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
// Instrumented builds run the explorer tens of times slower: they explore
// the readers' contention and the worker's wait for room separately.
TEST(InRingInterleavingTest, WorkerAndTwoReadersEveryInterleaving) { expect_every_interleaving(2, {2}, 1, 2); }
TEST(InRingInterleavingTest, WorkerWaitingForRoomEveryInterleaving) { expect_every_interleaving(1, {1, 1}, 1, 1); }
#else
// A one-byte ring: the worker waits for room before its second byte while
// two readers contend for the first.
TEST(InRingInterleavingTest, WorkerAndTwoReadersEveryInterleaving) { expect_every_interleaving(1, {1, 1}, 1, 2); }
#endif

// ---------------------------------------------------------------------------

TEST(InRingStressTest, WorkerAndReadersConcurrently) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  const uint32_t kBytes = 1 << 20;
#else
  const uint32_t kBytes = 16 << 20;
#endif
  constexpr int kReaders = 3;
  constexpr size_t kUnit = 4;
  InRing ring;
  ASSERT_EQ(ring.init(4096), 0);
  std::atomic<bool> pushed_all{false};
  std::thread worker([&] {
    uint32_t next = 0;
    while (next < kBytes / kUnit) {
      uint32_t chunk[64];
      size_t room_units = ring.room() / kUnit;
      size_t n = std::min<size_t>({room_units, 64, kBytes / kUnit - next});
      if (n == 0) {
        std::this_thread::yield();
        continue;
      }
      for (size_t i = 0; i < n; ++i) chunk[i] = next++;
      ring.push(reinterpret_cast<const char*>(chunk), n * kUnit);
    }
    pushed_all.store(true);
  });
  std::vector<std::vector<uint32_t>> got(kReaders);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      for (;;) {
        uint32_t buf[32];
        bool emptied;
        size_t n = ring.pop(reinterpret_cast<char*>(buf), sizeof buf, kUnit, &emptied);
        if (n == 0) {
          if (pushed_all.load() && ring.avail() == 0) return;
          std::this_thread::yield();
          continue;
        }
        for (size_t i = 0; i < n / kUnit; ++i) got[r].push_back(buf[i]);
      }
    });
  }
  worker.join();
  for (auto& t : readers) t.join();
  std::vector<bool> seen(kBytes / kUnit, false);
  bool ordered = true, once = true;
  for (const auto& g : got) {
    for (size_t i = 0; i < g.size(); ++i) {
      ordered &= i == 0 || g[i] > g[i - 1];
      once &= !seen[g[i]];
      seen[g[i]] = true;
    }
  }
  EXPECT_TRUE(ordered);
  EXPECT_TRUE(once);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), static_cast<long>(seen.size()));
}

}  // namespace
}  // namespace oskit::evl::testing
