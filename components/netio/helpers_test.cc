// The filter, the loopback pair and the bounded hand-off queue.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "components/membufio/membufio.h"
#include "components/netio/netio.h"
#include "glue/env/counting_env.h"
#include "gtest/gtest.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/netio_conformance.h"

namespace oskit {
namespace {

// A consumer that records what reaches it; its buffers come from the heap.
struct Sink {
  std::atomic<int> packets{0};
  std::atomic<oskit_size_t> bytes{0};
  std::atomic<int> released{0};
  std::atomic<oskit_error_t> answer{0};
  std::thread::id thread;
  std::vector<int> order;  // first int of each packet (written by one thread at a time)
};

oskit_error_t sink_push(void* data, oskit_bufio_t* buf, oskit_size_t size) {
  auto* s = static_cast<Sink*>(data);
  s->thread = std::this_thread::get_id();
  int first = -1;
  oskit_size_t n = 0;
  if (size >= sizeof first) buf->read(&first, 0, sizeof first, &n);
  s->order.push_back(first);
  s->bytes += size;
  s->packets++;
  return s->answer.load();
}

void sink_released(void* data) { static_cast<Sink*>(data)->released++; }

ComPtr<oskit_netio> sink_netio(Sink* s) {
  ComPtr<oskit_bufio_pool> pool;
  EXPECT_EQ(oskit_bufio_heap_pool_create(pool.put()), 0);
  return ComPtr<oskit_netio>::adopt(oskit_netio_create_pooled(sink_push, s, sink_released, pool.get()));
}

ComPtr<oskit_bufio> packet_with(int first, oskit_size_t size = 64) {
  auto buf = ComPtr<oskit_bufio>::adopt(oskit_bufio_create(size));
  oskit_size_t n = 0;
  buf->write(&first, 0, sizeof first, &n);
  return buf;
}

oskit_netio_stats_t stats_of(oskit_netio* n) {
  oskit_netio_stats_t st{};
  ComPtr<oskit_netio_counters> counters = query<oskit_netio_counters>(n);
  EXPECT_TRUE(counters);
  if (counters) {
    EXPECT_EQ(counters->getstats(&st), 0);
  }
  return st;
}

int accept_all(void*, oskit_bufio_t*, oskit_size_t) { return 1; }
int accept_even_sizes(void*, oskit_bufio_t*, oskit_size_t size) { return size % 2 == 0; }

Sink factory_sink;

std::vector<oskit_guid> counted_netio() { return {iid_of<oskit_netio>::value, iid_of<oskit_netio_counters>::value}; }

struct FilterFactory {
  static ComPtr<oskit_netio> make() {
    ComPtr<oskit_netio> out;
    EXPECT_EQ(oskit_netio_filter_create(sink_netio(&factory_sink).get(), accept_all, nullptr, out.put()), 0);
    return out;
  }
  static std::vector<oskit_guid> interfaces() { return counted_netio(); }
};

// End A of a pair; end B lives as long as A's receive netio, which end A
// releases when it closes.
struct LoopbackFactory {
  static ComPtr<oskit_netio> make() {
    auto* tx_b_slot = new ComPtr<oskit_netio>;
    ComPtr<oskit_netio> rx_a = ComPtr<oskit_netio>::adopt(
        oskit_netio_create_cleanup([](void*, oskit_bufio_t*, oskit_size_t) -> oskit_error_t { return 0; }, tx_b_slot,
                                   [](void* slot) { delete static_cast<ComPtr<oskit_netio>*>(slot); }));
    ComPtr<oskit_netio> tx_a;
    EXPECT_EQ(oskit_netio_loopback_pair(rx_a.get(), sink_netio(&factory_sink).get(), tx_a.put(), tx_b_slot->put()), 0);
    return tx_a;
  }
  static std::vector<oskit_guid> interfaces() { return counted_netio(); }
};

struct QueueFactory {
  static ComPtr<oskit_netio> make() {
    ComPtr<oskit_netio> out;
    EXPECT_EQ(oskit_netio_queue_create(sink_netio(&factory_sink).get(), 8, out.put()), 0);
    return out;
  }
  static std::vector<oskit_guid> interfaces() { return counted_netio(); }
};

template <class Factory>
ComPtr<oskit_describe> described() {
  return query<oskit_describe>(Factory::make());
}
struct FilterDescribe {
  static ComPtr<oskit_describe> make() { return described<FilterFactory>(); }
  static const char* kind() { return "netio_filter"; }
};
struct LoopbackDescribe {
  static ComPtr<oskit_describe> make() { return described<LoopbackFactory>(); }
  static const char* kind() { return "netio_loopback_end"; }
};
struct QueueDescribe {
  static ComPtr<oskit_describe> make() { return described<QueueFactory>(); }
  static const char* kind() { return "netio_queue"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
using HelperDescriptions = ::testing::Types<FilterDescribe, LoopbackDescribe, QueueDescribe>;
INSTANTIATE_TYPED_TEST_SUITE_P(NetioHelpers, DescribeConformance, HelperDescriptions);
using HelperFactories = ::testing::Types<FilterFactory, LoopbackFactory, QueueFactory>;
INSTANTIATE_TYPED_TEST_SUITE_P(NetioHelpers, ComConformance, HelperFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(NetioHelpers, NetioConformance, HelperFactories);
}  // namespace oskit::testing

namespace oskit {
namespace {

using NetioFilterTest = testing::LeakCheckedTest;
using LoopbackPairTest = testing::LeakCheckedTest;
using NetioQueueTest = testing::LeakCheckedTest;

TEST_F(NetioFilterTest, PassesWhatThePredicateAcceptsAndCountsTheRest) {
  Sink s;
  ComPtr<oskit_netio> filter;
  ASSERT_EQ(oskit_netio_filter_create(sink_netio(&s).get(), accept_even_sizes, nullptr, filter.put()), 0);
  for (oskit_size_t size : {10, 11, 12, 13, 14}) EXPECT_EQ(filter->push(packet_with(1, 64).get(), size), 0);
  EXPECT_EQ(s.packets, 3);
  EXPECT_EQ(s.bytes, 36u);
  oskit_netio_stats_t st = stats_of(filter.get());
  EXPECT_EQ(st.pushed, 5u);
  EXPECT_EQ(st.delivered, 3u);
  EXPECT_EQ(st.filtered, 2u);
  EXPECT_EQ(st.failed, 0u);
  s.answer = OSKIT_EIO;
  EXPECT_EQ(filter->push(packet_with(1).get(), 2), OSKIT_EIO) << "the consumer's error comes back";
  EXPECT_EQ(stats_of(filter.get()).failed, 1u);
  ComPtr<oskit_bufio> buf;
  EXPECT_EQ(filter->alloc_bufio(100, buf.put()), 0) << "buffers come from the consumer";
  EXPECT_EQ(filter->push(nullptr, 0), OSKIT_E_POINTER);
  EXPECT_EQ(stats_of(filter.get()).pushed, 6u) << "refused packets are not counted as pushed";
}

TEST_F(NetioFilterTest, RefusesBadArguments) {
  Sink s;
  ComPtr<oskit_netio> out;
  EXPECT_EQ(oskit_netio_filter_create(nullptr, accept_all, nullptr, out.put()), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_netio_filter_create(sink_netio(&s).get(), nullptr, nullptr, out.put()), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_netio_filter_create(sink_netio(&s).get(), accept_all, nullptr, nullptr), OSKIT_E_POINTER);
  EXPECT_FALSE(out);
  ComPtr<oskit_netio_counters> counters = query<oskit_netio_counters>(FilterFactory::make());
  ASSERT_TRUE(counters);
  EXPECT_EQ(counters->getstats(nullptr), OSKIT_E_POINTER);
}

TEST_F(LoopbackPairTest, EachEndReachesTheOthersConsumer) {
  Sink a, b;
  ComPtr<oskit_netio> tx_a, tx_b;
  ASSERT_EQ(oskit_netio_loopback_pair(sink_netio(&a).get(), sink_netio(&b).get(), tx_a.put(), tx_b.put()), 0);
  EXPECT_EQ(tx_a->push(packet_with(1).get(), 10), 0);
  EXPECT_EQ(tx_a->push(packet_with(2).get(), 20), 0);
  EXPECT_EQ(tx_b->push(packet_with(3).get(), 30), 0);
  EXPECT_EQ(b.packets, 2);
  EXPECT_EQ(b.order, (std::vector<int>{1, 2}));
  EXPECT_EQ(b.thread, std::this_thread::get_id()) << "delivered on the pushing thread";
  EXPECT_EQ(a.packets, 1);
  EXPECT_EQ(a.bytes, 30u);
  EXPECT_EQ(stats_of(tx_a.get()).delivered, 2u);
  EXPECT_EQ(stats_of(tx_b.get()).delivered, 1u);
  ComPtr<oskit_bufio> buf;
  EXPECT_EQ(tx_a->alloc_bufio(50, buf.put()), 0);
}

TEST_F(LoopbackPairTest, ClosingAnEndReleasesItsPartysNetioAndRefusesThePeer) {
  Sink a, b;
  ComPtr<oskit_netio> tx_a, tx_b;
  ASSERT_EQ(oskit_netio_loopback_pair(sink_netio(&a).get(), sink_netio(&b).get(), tx_a.put(), tx_b.put()), 0);
  EXPECT_EQ(a.released, 0);
  tx_a.reset();
  EXPECT_EQ(a.released, 1) << "closing end A releases A's receive netio";
  EXPECT_EQ(b.released, 0);
  EXPECT_EQ(tx_b->push(packet_with(1).get(), 8), OSKIT_ENOTCONN);
  ComPtr<oskit_bufio> buf;
  EXPECT_EQ(tx_b->alloc_bufio(8, buf.put()), OSKIT_ENOTCONN);
  oskit_netio_stats_t st = stats_of(tx_b.get());
  EXPECT_EQ(st.refused, 1u);
  EXPECT_EQ(st.delivered, 0u);
  EXPECT_EQ(a.packets, 0) << "nothing pushed after close";
  tx_b.reset();
  EXPECT_EQ(b.released, 1);
}

TEST_F(LoopbackPairTest, RefusesBadArguments) {
  Sink a;
  ComPtr<oskit_netio> rx = sink_netio(&a);
  ComPtr<oskit_netio> tx_a, tx_b;
  EXPECT_EQ(oskit_netio_loopback_pair(nullptr, rx.get(), tx_a.put(), tx_b.put()), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_netio_loopback_pair(rx.get(), rx.get(), nullptr, tx_b.put()), OSKIT_E_POINTER);
  EXPECT_FALSE(tx_b);
}

// A consumer that holds every push until opened.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> delivered{0};
  void release() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

oskit_error_t gate_push(void* data, oskit_bufio_t*, oskit_size_t) {
  auto* g = static_cast<Gate*>(data);
  std::unique_lock<std::mutex> lock(g->mu);
  g->cv.wait(lock, [g] { return g->open; });
  g->delivered++;
  return 0;
}

TEST_F(NetioQueueTest, DeliversInOrderOnAnotherThread) {
  Sink s;
  {
    ComPtr<oskit_netio> queue;
    ASSERT_EQ(oskit_netio_queue_create(sink_netio(&s).get(), 16, queue.put()), 0);
    for (int i = 0; i < 10; i++) EXPECT_EQ(queue->push(packet_with(i).get(), 64), 0);
  }  // the last release delivers what is queued
  EXPECT_EQ(s.packets, 10);
  EXPECT_EQ(s.order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_NE(s.thread, std::this_thread::get_id());
  EXPECT_EQ(s.released, 1);
}

TEST_F(NetioQueueTest, AFullQueueRefusesWithEagainAndCountsIt) {
  Gate gate;
  ComPtr<oskit_netio> consumer = ComPtr<oskit_netio>::adopt(oskit_netio_create(gate_push, &gate));
  ComPtr<oskit_netio> queue;
  ASSERT_EQ(oskit_netio_queue_create(consumer.get(), 4, queue.put()), 0);
  ComPtr<oskit_bufio> buf = packet_with(0);
  ASSERT_EQ(queue->push(buf.get(), 64), 0);
  while (stats_of(queue.get()).queued != 0) std::this_thread::yield();  // the worker holds it at the gate
  int accepted = 0;
  while (queue->push(buf.get(), 64) == 0) accepted++;
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(queue->push(buf.get(), 64), OSKIT_EAGAIN);
  oskit_netio_stats_t st = stats_of(queue.get());
  EXPECT_EQ(st.refused, 2u);
  EXPECT_EQ(st.queued, 4u);
  EXPECT_EQ(st.high_water, 4u);
  EXPECT_EQ(st.delivered, 0u);
  gate.release();
  queue.reset();
  EXPECT_EQ(gate.delivered, 5) << "what was accepted is delivered, nothing else";
  EXPECT_EQ(buf->addref(), 2u) << "the queue gave every reference back";
  buf->release();
}

TEST_F(NetioQueueTest, ConsumerErrorsAreCounted) {
  Sink s;
  s.answer = OSKIT_EIO;
  ComPtr<oskit_netio> queue;
  ASSERT_EQ(oskit_netio_queue_create(sink_netio(&s).get(), 4, queue.put()), 0);
  EXPECT_EQ(queue->push(packet_with(1).get(), 8), 0) << "the hand-off itself succeeds";
  while (stats_of(queue.get()).failed == 0) std::this_thread::yield();
  EXPECT_EQ(stats_of(queue.get()).delivered, 0u);
}

TEST_F(NetioQueueTest, RefusesBadArguments) {
  Sink s;
  ComPtr<oskit_netio> out;
  EXPECT_EQ(oskit_netio_queue_create(sink_netio(&s).get(), 0, out.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_netio_queue_create(nullptr, 4, out.put()), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_netio_queue_create(sink_netio(&s).get(), SIZE_MAX, out.put()), OSKIT_ENOMEM);
  EXPECT_EQ(oskit_netio_queue_create(sink_netio(&s).get(), 4, nullptr), OSKIT_E_POINTER);
  EXPECT_FALSE(out);
}

TEST_F(NetioQueueTest, PushingAllocatesNothing) {
  env::CountingEnvironment counting;
  env::ScopedEnvironment scope(&counting);
  ASSERT_TRUE(scope.status().ok()) << scope.status();
  {
    Sink s;
    ComPtr<oskit_netio> queue;
    ASSERT_EQ(oskit_netio_queue_create(sink_netio(&s).get(), 64, queue.put()), 0);
    ComPtr<oskit_bufio> buf = packet_with(7);
    s.order.reserve(20000);
    const long before = counting.allocations();
    for (int i = 0; i < 10000; i++) {
      while (queue->push(buf.get(), 64) == OSKIT_EAGAIN) std::this_thread::yield();
    }
    EXPECT_EQ(counting.allocations(), before);
  }
  EXPECT_EQ(counting.threads_started(), 1) << "the worker comes from the environment";
}

TEST_F(NetioQueueTest, ManyProducersOneConsumer) {
  Sink s;
  s.order.reserve(40000);
  constexpr int kProducers = 4;
  constexpr int kEach = 10000;
  std::atomic<long> refused{0};
  {
    ComPtr<oskit_netio> queue;
    ASSERT_EQ(oskit_netio_queue_create(sink_netio(&s).get(), 32, queue.put()), 0);
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; p++) {
      producers.emplace_back([&, p] {
        for (int i = 0; i < kEach; i++) {
          ComPtr<oskit_bufio> buf = packet_with(p * kEach + i);
          while (queue->push(buf.get(), 64) == OSKIT_EAGAIN) {
            refused++;
            std::this_thread::yield();
          }
        }
      });
    }
    for (auto& t : producers) t.join();
    ComPtr<oskit_netio> keep = queue;
    queue.reset();
    while (stats_of(keep.get()).queued != 0) std::this_thread::yield();
    oskit_netio_stats_t st = stats_of(keep.get());
    EXPECT_EQ(st.refused, static_cast<oskit_u64_t>(refused.load()));
    EXPECT_EQ(st.pushed, static_cast<oskit_u64_t>(kProducers * kEach + refused.load()));
  }
  ASSERT_EQ(s.packets, kProducers * kEach);
  std::vector<int> last(kProducers, -1);
  for (int v : s.order) {
    const int p = v / kEach;
    EXPECT_GT(v, last[p]) << "one producer's packets stay in order";
    last[p] = v;
  }
}

// Each helper names the consumer it pushes to and its counts.
TEST_F(NetioFilterTest, DescribesItsConsumerAndCounts) {
  Sink sink;
  ComPtr<oskit_netio> consumer = sink_netio(&sink);
  ComPtr<oskit_netio> filter;
  ASSERT_EQ(oskit_netio_filter_create(consumer.get(), accept_even_sizes, nullptr, filter.put()), 0);
  ASSERT_EQ(filter->push(packet_with(1, 64).get(), 64), 0);
  ASSERT_EQ(filter->push(packet_with(2, 63).get(), 63), 0);
  oskit_error_t rc = -1;
  testing::Reported r = testing::Reported::of(query<oskit_describe>(filter).get(), &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(r.answers, std::vector<std::string>{"netio_counters"});
  ASSERT_EQ(r.roles, std::vector<std::string>{"consumer"});
  EXPECT_EQ(query<oskit_iunknown>(r.held[0]).get(), query<oskit_iunknown>(consumer).get());
  EXPECT_EQ(r.counters, (std::vector<std::string>{"pushed", "delivered", "filtered", "refused", "failed"}));
}

TEST_F(LoopbackPairTest, AnEndNoLongerHoldsAConsumerOnceThePeerClosed) {
  Sink a, b;
  ComPtr<oskit_netio> tx_a, tx_b;
  ASSERT_EQ(oskit_netio_loopback_pair(sink_netio(&a).get(), sink_netio(&b).get(), tx_a.put(), tx_b.put()), 0);
  oskit_error_t rc = -1;
  EXPECT_EQ(testing::Reported::of(query<oskit_describe>(tx_a).get(), &rc).roles, std::vector<std::string>{"consumer"});
  tx_b.reset();
  EXPECT_TRUE(testing::Reported::of(query<oskit_describe>(tx_a).get(), &rc).roles.empty());
}

}  // namespace
}  // namespace oskit
