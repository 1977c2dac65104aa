// The proxy's output ring on its own: records in and out, the bufsz bound,
// every interleaving of two producers and the consumer on a tiny ring, and a
// stress run of several producers for ThreadSanitizer.
#include "glue/evl/emul/out_ring.h"

#include <errno.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "glue/evl/tests/interleaving.h"

namespace oskit::evl::testing {
namespace {

using emul::BasicOutRing;
using emul::OutRing;

// The bytes of a batch, in order.
template <typename Ring>
std::string bytes_of(const typename Ring::Batch& b) {
  std::string s;
  for (int i = 0; i < b.iovcnt; ++i) s.append(static_cast<const char*>(b.iov[i].iov_base), b.iov[i].iov_len);
  return s;
}

int put(OutRing* ring, const std::string& s, bool* was_empty = nullptr) {
  bool empty = false, gave_back = false;
  int rc = ring->put(s.data(), s.size(), &empty, &gave_back);
  if (was_empty != nullptr) *was_empty = empty;
  return rc;
}

TEST(OutRingTest, RecordsComeOutInOrderAndTheFirstMarksTheRingEmpty) {
  OutRing ring;
  ASSERT_EQ(ring.init(64), 0);
  bool was_empty = false;
  ASSERT_EQ(put(&ring, "abc", &was_empty), 0);
  EXPECT_TRUE(was_empty);
  ASSERT_EQ(put(&ring, "defgh", &was_empty), 0);
  EXPECT_FALSE(was_empty);
  EXPECT_EQ(ring.fill(), 8u);
  OutRing::Batch b;
  ASSERT_TRUE(ring.collect(&b, 1 << 20));
  EXPECT_EQ(bytes_of<OutRing>(b), "abcdefgh");
  EXPECT_EQ(b.bytes, 8u);
  ring.release(b);
  EXPECT_EQ(ring.fill(), 0u);
  EXPECT_FALSE(ring.collect(&b, 1 << 20));
}

TEST(OutRingTest, PayloadBeyondBufszIsRefused) {
  OutRing ring;
  ASSERT_EQ(ring.init(16), 0);
  ASSERT_EQ(put(&ring, std::string(10, 'a')), 0);
  EXPECT_EQ(put(&ring, std::string(7, 'b')), -EAGAIN);
  ASSERT_EQ(put(&ring, std::string(6, 'c')), 0);
  EXPECT_EQ(ring.fill(), 16u);
  EXPECT_EQ(put(&ring, "d"), -EAGAIN);
  OutRing::Batch b;
  ASSERT_TRUE(ring.collect(&b, 1));  // the limit stops after the first record
  EXPECT_EQ(bytes_of<OutRing>(b), std::string(10, 'a'));
  ring.release(b);
  EXPECT_EQ(put(&ring, std::string(10, 'e')), 0);
}

TEST(OutRingTest, RecordsWrapAroundTheStorage) {
  OutRing ring;
  ASSERT_EQ(ring.init(1000), 0);
  std::string all;
  for (int round = 0; round < 200; ++round) {
    std::string rec(1 + (round * 37) % 900, static_cast<char>('a' + round % 26));
    ASSERT_EQ(put(&ring, rec), 0);
    OutRing::Batch b;
    ASSERT_TRUE(ring.collect(&b, 1 << 20));
    EXPECT_EQ(bytes_of<OutRing>(b), rec);
    ring.release(b);
  }
}

// ---------------------------------------------------------------------------
// Every interleaving of two producers and the consumer on a tiny ring.

using ModelRing = BasicOutRing<InterleavingHooks>;
using Done = emul::SharedWord<int, InterleavingHooks>;

// Producer p's k-th record: len bytes of (p << 4 | k).
char tag(int p, int k) { return static_cast<char>(p << 4 | k); }

// Checks a relayed stream against the producers' records: whole records,
// each producer's in order, none lost or repeated.
std::string check_stream(const std::string& out, const std::vector<std::vector<int>>& lens) {
  std::vector<size_t> next(lens.size(), 0);
  size_t at = 0;
  while (at < out.size()) {
    const int p = static_cast<unsigned char>(out[at]) >> 4;
    const int k = out[at] & 15;
    if (p >= static_cast<int>(lens.size()) || k != static_cast<int>(next[p])) return "out of order or repeated";
    const int len = lens[p][k];
    if (out.compare(at, len, std::string(len, tag(p, k))) != 0) return "a record was cut or mixed";
    at += len;
    next[p]++;
  }
  for (size_t p = 0; p < lens.size(); ++p) {
    if (next[p] != lens[p].size()) return "a record was lost";
  }
  return "";
}

struct Model {
  ModelRing ring;
  Done done{0};
  std::string out;
  size_t bufsz;
  std::vector<std::vector<int>> lens;
};

InterleavingProgram out_ring_program(size_t bufsz, std::vector<std::vector<int>> lens, uint64_t limit) {
  auto m = std::make_shared<Model>();
  m->bufsz = bufsz;
  m->lens = lens;
  if (m->ring.init(bufsz) != 0) abort();
  InterleavingProgram prog;
  for (size_t p = 0; p < lens.size(); ++p) {
    prog.threads.push_back([m, p] {
      for (size_t k = 0; k < m->lens[p].size(); ++k) {
        std::string rec(m->lens[p][k], tag(static_cast<int>(p), static_cast<int>(k)));
        bool was_empty, gave_back;
        while (m->ring.put(rec.data(), rec.size(), &was_empty, &gave_back) != 0) InterleavingHooks::wait_for_change();
      }
      m->done.fetch_add(1, std::memory_order_seq_cst);
    });
  }
  const int producers = static_cast<int>(lens.size());
  prog.threads.push_back([m, producers, limit] {
    ModelRing::Batch b;
    for (;;) {
      // Every record is published once the producers are done.
      const bool finished = m->done.load(std::memory_order_seq_cst) == producers;
      if (m->ring.collect(&b, limit)) {
        m->out += bytes_of<ModelRing>(b);
        m->ring.release(b);
        continue;
      }
      if (finished) return;
      InterleavingHooks::wait_for_change();
    }
  });
  prog.check_step = [m]() -> std::string {
    return m->ring.fill() <= m->bufsz ? "" : "more than bufsz bytes queued";
  };
  prog.check_end = [m] { return check_stream(m->out, m->lens); };
  return prog;
}

void expect_every_interleaving(size_t bufsz, std::vector<std::vector<int>> lens, uint64_t limit) {
  ExplorationResult r = explore_interleavings([&] { return out_ring_program(bufsz, lens, limit); }, 10000000);
  EXPECT_EQ(r.failure, "");
  EXPECT_TRUE(r.complete) << r.interleavings << " interleavings explored";
  ::testing::Test::RecordProperty("interleavings", std::to_string(r.interleavings));
}

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
// Instrumented builds run the explorer tens of times slower: one record per
// producer, the second waiting for room (bufsz 2).
TEST(OutRingInterleavingTest, TwoProducersAndTheConsumerEveryInterleaving) { expect_every_interleaving(2, {{1}, {2}}, 2); }
#else
// bufsz 4: the second producer's record waits until the consumer, taking 2
// bytes at most per batch, frees room the first producer's two records took.
TEST(OutRingInterleavingTest, TwoProducersAndTheConsumerEveryInterleaving) {
  expect_every_interleaving(4, {{1, 3}, {2}}, 2);
}
#endif

// ---------------------------------------------------------------------------
// Stress: several producers, records of varying sizes, the consumer relaying
// in batches; every producer's records arrive whole and in order.

long stress_records() {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  return 20000;
#else
  return 200000;
#endif
}

TEST(OutRingStressTest, ProducersAndConsumerConcurrently) {
  constexpr int kProducers = 4;
  const long records = stress_records();
  OutRing ring;
  ASSERT_EQ(ring.init(4096), 0);
  std::atomic<int> done{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (long i = 0; i < records; ++i) {
        // [p][i (8 bytes)][padding to a size that varies]
        std::string rec(10 + (i * 7 + p) % 120, static_cast<char>(p));
        memcpy(&rec[1], &i, sizeof i);
        bool was_empty, gave_back;
        while (ring.put(rec.data(), rec.size(), &was_empty, &gave_back) != 0) std::this_thread::yield();
      }
      done.fetch_add(1);
    });
  }
  std::vector<long> next(kProducers, 0);
  std::string pending;
  OutRing::Batch b;
  bool ok = true;
  while (done.load() < kProducers || ring.fill() != 0) {
    if (!ring.collect(&b, 1 << 16)) {
      std::this_thread::yield();
      continue;
    }
    pending += bytes_of<OutRing>(b);
    ring.release(b);
    size_t at = 0;
    while (at < pending.size()) {
      const int p = pending[at];
      long i;
      if (pending.size() - at < 9) break;
      memcpy(&i, &pending[at + 1], sizeof i);
      const size_t len = 10 + (i * 7 + p) % 120;
      if (pending.size() - at < len) break;
      ok &= p < kProducers && i == next[p];
      next[p] = i + 1;
      at += len;
    }
    pending.erase(0, at);
  }
  for (auto& t : producers) t.join();
  EXPECT_TRUE(ok);
  EXPECT_TRUE(pending.empty());
  for (int p = 0; p < kProducers; ++p) EXPECT_EQ(next[p], records);
}

}  // namespace
}  // namespace oskit::evl::testing
