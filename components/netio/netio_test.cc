#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "components/netio/netio.h"

#include "components/membufio/membufio.h"
#include "glue/dma/dma.h"
#include "gtest/gtest.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/netio_conformance.h"

namespace oskit {
namespace {

struct Recorder {
  std::atomic<int> packets{0};
  std::atomic<oskit_size_t> bytes{0};
  std::atomic<int> destroyed{0};
};

oskit_error_t record(void* data, oskit_bufio_t*, oskit_size_t size) {
  auto* r = static_cast<Recorder*>(data);
  r->packets++;
  r->bytes += size;
  return 0;
}

oskit_error_t fail_with_eio(void*, oskit_bufio_t*, oskit_size_t) { return OSKIT_EIO; }

void mark_destroyed(void* data) { static_cast<Recorder*>(data)->destroyed++; }

Recorder shared_recorder;

struct FunctionNetioFactory {
  static ComPtr<oskit_netio> make() { return ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &shared_recorder)); }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_netio>::value}; }
};

// A function netio whose buffers come from the heap pool.
struct PooledNetioFactory {
  static ComPtr<oskit_netio> make() {
    ComPtr<oskit_bufio_pool> pool;
    EXPECT_EQ(oskit_bufio_heap_pool_create(pool.put()), 0);
    return ComPtr<oskit_netio>::adopt(oskit_netio_create_pooled(record, &shared_recorder, nullptr, pool.get()));
  }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_netio>::value}; }
};

struct FanoutFactory {
  static ComPtr<oskit_netio> make() {
    ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
    ComPtr<oskit_netio> consumer = PooledNetioFactory::make();
    EXPECT_EQ(fanout->add_listener(consumer.get()), 0);
    return fanout;
  }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_netio>::value, iid_of<oskit_netio_fanout>::value};
  }
};

struct PooledNetioDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(PooledNetioFactory::make()); }
  static const char* kind() { return "netio"; }
};
struct FanoutDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(FanoutFactory::make()); }
  static const char* kind() { return "netio_fanout"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
using NetioFactories = ::testing::Types<FunctionNetioFactory, PooledNetioFactory, FanoutFactory>;
INSTANTIATE_TYPED_TEST_SUITE_P(NetioHelpers, ComConformance, NetioFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(NetioHelpers, NetioConformance, NetioFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(FunctionNetio, DescribeConformance, ::testing::Types<PooledNetioDescribe>);
INSTANTIATE_TYPED_TEST_SUITE_P(NetioFanout, DescribeConformance, ::testing::Types<FanoutDescribe>);
}  // namespace oskit::testing

namespace oskit {
namespace {

ComPtr<oskit_bufio> packet(oskit_size_t size) { return ComPtr<oskit_bufio>::adopt(oskit_bufio_create(size)); }

TEST(FunctionNetio, PushReachesTheFunctionWithTheSize) {
  Recorder r;
  ComPtr<oskit_netio> n = ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &r));
  EXPECT_EQ(oskit_netio_push(n.get(), packet(100).get(), 60), 0);
  EXPECT_EQ(r.packets, 1);
  EXPECT_EQ(r.bytes, 60u);
}

TEST(FunctionNetio, TheConsumersErrorReachesTheProducer) {
  ComPtr<oskit_netio> n = ComPtr<oskit_netio>::adopt(oskit_netio_create(fail_with_eio, nullptr));
  EXPECT_EQ(n->push(packet(10).get(), 10), OSKIT_EIO);
}

TEST(FunctionNetio, CleanupRunsOnceAtTheLastRelease) {
  Recorder r;
  ComPtr<oskit_netio> n = ComPtr<oskit_netio>::adopt(oskit_netio_create_cleanup(record, &r, mark_destroyed));
  ComPtr<oskit_netio> second = n;
  n.reset();
  EXPECT_EQ(r.destroyed, 0);
  second.reset();
  EXPECT_EQ(r.destroyed, 1);
}

TEST(FunctionNetio, NullFunctionIsRefused) { EXPECT_EQ(oskit_netio_create(nullptr, nullptr), nullptr); }

TEST(NetioFanout, EveryConsumerGetsEveryPacketInOrderOfRegistration) {
  Recorder a, b;
  ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  ComPtr<oskit_netio> na = ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &a));
  ComPtr<oskit_netio> nb = ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &b));
  ASSERT_EQ(oskit_netio_fanout_add_listener(fanout.get(), na.get()), 0);
  ASSERT_EQ(oskit_netio_fanout_add_listener(fanout.get(), nb.get()), 0);
  EXPECT_EQ(fanout->add_listener(na.get()), OSKIT_EEXIST);
  for (int i = 0; i < 5; i++) EXPECT_EQ(fanout->push(packet(64).get(), 64), 0);
  EXPECT_EQ(a.packets, 5);
  EXPECT_EQ(b.packets, 5);
  ASSERT_EQ(fanout->remove_listener(na.get()), 0);
  EXPECT_EQ(fanout->remove_listener(na.get()), OSKIT_E_INVALIDARG);
  EXPECT_EQ(fanout->push(packet(64).get(), 64), 0);
  EXPECT_EQ(a.packets, 5);
  EXPECT_EQ(b.packets, 6);
}

TEST(NetioFanout, AFailingConsumerDoesNotStopTheOthers) {
  Recorder r;
  ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  ComPtr<oskit_netio> bad = ComPtr<oskit_netio>::adopt(oskit_netio_create(fail_with_eio, nullptr));
  ComPtr<oskit_netio> good = ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &r));
  ASSERT_EQ(fanout->add_listener(bad.get()), 0);
  ASSERT_EQ(fanout->add_listener(good.get()), 0);
  EXPECT_EQ(fanout->push(packet(8).get(), 8), OSKIT_EIO);
  EXPECT_EQ(r.packets, 1);
}

TEST(NetioFanout, IsUsableAsAPlainNetio) {
  Recorder r;
  ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  ComPtr<oskit_netio> n = ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &r));
  ASSERT_EQ(fanout->add_listener(n.get()), 0);
  oskit_netio* as_netio = fanout.get();  // the leading slots are netio's
  EXPECT_EQ(oskit_netio_push(as_netio, packet(4).get(), 4), 0);
  EXPECT_EQ(r.packets, 1);
}

struct SelfRemover {
  oskit_netio_fanout* fanout;
  oskit_netio* self = nullptr;
  int pushes = 0;
};

oskit_error_t remove_self(void* data, oskit_bufio_t*, oskit_size_t) {
  auto* s = static_cast<SelfRemover*>(data);
  s->pushes++;
  return s->fanout->remove_listener(s->self);
}

TEST(NetioFanout, AConsumerMayRemoveItselfDuringPush) {
  ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  SelfRemover s{fanout.get()};
  ComPtr<oskit_netio> n = ComPtr<oskit_netio>::adopt(oskit_netio_create(remove_self, &s));
  s.self = n.get();
  ASSERT_EQ(fanout->add_listener(n.get()), 0);
  EXPECT_EQ(fanout->push(packet(4).get(), 4), 0);
  EXPECT_EQ(fanout->push(packet(4).get(), 4), 0);
  EXPECT_EQ(s.pushes, 1);
}

TEST(NetioFanout, ConcurrentPushAndMembershipChanges) {
  Recorder r;
  ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  ComPtr<oskit_netio> steady = ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &r));
  ASSERT_EQ(fanout->add_listener(steady.get()), 0);
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    Recorder scratch;
    while (!stop) {
      ComPtr<oskit_netio> n = ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &scratch));
      EXPECT_EQ(fanout->add_listener(n.get()), 0);
      EXPECT_EQ(fanout->remove_listener(n.get()), 0);
    }
  });
  std::vector<std::thread> pushers;
  for (int t = 0; t < 3; t++) {
    pushers.emplace_back([&] {
      ComPtr<oskit_bufio> p = packet(32);
      for (int i = 0; i < 3000; i++) EXPECT_EQ(fanout->push(p.get(), 32), 0);
    });
  }
  for (auto& p : pushers) p.join();
  stop = true;
  churn.join();
  EXPECT_EQ(r.packets, 9000);
}

TEST(FunctionNetio, AllocBufioNeedsAPool) {
  Recorder r;
  ComPtr<oskit_netio> bare = ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &r));
  ComPtr<oskit_bufio> buf;
  EXPECT_EQ(bare->alloc_bufio(64, buf.put()), OSKIT_E_NOTIMPL);
  EXPECT_FALSE(buf);
  ComPtr<oskit_bufio_pool> pool;
  ASSERT_EQ(oskit_bufio_heap_pool_create(pool.put()), 0);
  ComPtr<oskit_netio> pooled = ComPtr<oskit_netio>::adopt(oskit_netio_create_pooled(record, &r, nullptr, pool.get()));
  ASSERT_EQ(pooled->alloc_bufio(64, buf.put()), 0);
  oskit_off_t size = 0;
  ASSERT_EQ(buf->getsize(&size), 0);
  EXPECT_EQ(size, 64);
  EXPECT_EQ(pooled->alloc_bufio(SIZE_MAX, buf.put()), OSKIT_ENOMEM);
}

TEST(FunctionNetio, AllocBufioFromADmaPoolGivesWireableBuffers) {
  ComPtr<oskit_dma_space> space;
  ASSERT_EQ(oskit_dma_space_create(nullptr, space.put()), 0);
  ComPtr<oskit_bufio_pool> pool;
  ASSERT_EQ(oskit_dma_bufio_pool_create(space.get(), 1514, 1, pool.put()), 0);
  Recorder r;
  ComPtr<oskit_netio> pooled = ComPtr<oskit_netio>::adopt(oskit_netio_create_pooled(record, &r, nullptr, pool.get()));
  ComPtr<oskit_bufio> buf;
  ASSERT_EQ(pooled->alloc_bufio(1514, buf.put()), 0);
  oskit_size_t n = 0;
  ASSERT_EQ(buf->write("frame", 0, 5, &n), 0);
  oskit_addr_t addr = 0;
  ASSERT_EQ(buf->wire(&addr, 0, 1514), 0);
  char seen[5];
  ASSERT_EQ(oskit_dma_device_read(space.get(), 1, addr, seen, sizeof seen), 0);
  EXPECT_EQ(std::string(seen, 5), "frame");
  ComPtr<oskit_bufio> more;
  EXPECT_EQ(pooled->alloc_bufio(64, more.put()), OSKIT_EAGAIN) << "the pool's one buffer is out";
  ASSERT_EQ(buf->unwire(addr, 0, 1514), 0);
  buf.reset();
  EXPECT_EQ(pooled->alloc_bufio(64, more.put()), 0) << "back in the pool";
}

TEST(NetioFanout, AllocBufioAsksTheConsumersInOrder) {
  ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  ComPtr<oskit_bufio> buf;
  EXPECT_EQ(fanout->alloc_bufio(32, buf.put()), OSKIT_E_NOTIMPL) << "no consumer";
  Recorder r;
  ComPtr<oskit_netio> bare = ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &r));
  ASSERT_EQ(fanout->add_listener(bare.get()), 0);
  EXPECT_EQ(fanout->alloc_bufio(32, buf.put()), OSKIT_E_NOTIMPL) << "no consumer with buffers";
  ComPtr<oskit_netio> pooled = PooledNetioFactory::make();
  ASSERT_EQ(fanout->add_listener(pooled.get()), 0);
  EXPECT_EQ(fanout->alloc_bufio(32, buf.put()), 0);
  EXPECT_TRUE(buf);
}

TEST(NetioFanout, RefusesToBeItsOwnConsumer) {
  ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  EXPECT_EQ(fanout->add_listener(fanout.get()), OSKIT_E_INVALIDARG);
  EXPECT_EQ(fanout->push(packet(8).get(), 8), 0) << "nothing registered, nothing pushed";
}

TEST(NetioFanout, RefusesACycleThroughOtherFanouts) {
  auto a = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  auto b = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  auto c = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  ASSERT_EQ(a->add_listener(b.get()), 0);
  ASSERT_EQ(b->add_listener(c.get()), 0);
  EXPECT_EQ(c->add_listener(a.get()), OSKIT_E_INVALIDARG);
  EXPECT_EQ(b->add_listener(a.get()), OSKIT_E_INVALIDARG);
  Recorder r;
  ComPtr<oskit_netio> sink = ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &r));
  ASSERT_EQ(c->add_listener(sink.get()), 0);
  EXPECT_EQ(a->push(packet(16).get(), 16), 0);
  EXPECT_EQ(r.packets, 1);
  ASSERT_EQ(a->remove_listener(b.get()), 0);
  EXPECT_EQ(c->add_listener(a.get()), 0) << "no cycle once a no longer reaches c";
}

// A consumer that pushes every packet back into the fanout it sits on: a loop
// no registration check can see.
oskit_error_t push_back_into(void* data, oskit_bufio_t* buf, oskit_size_t size) {
  return static_cast<oskit_netio_fanout*>(data)->push(buf, size);
}

TEST(NetioFanout, ALoopThroughAnotherConsumerEndsWithEloop) {
  ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  ComPtr<oskit_netio> echo = ComPtr<oskit_netio>::adopt(oskit_netio_create(push_back_into, fanout.get()));
  ASSERT_EQ(fanout->add_listener(echo.get()), 0);
  EXPECT_EQ(fanout->push(packet(8).get(), 8), OSKIT_ELOOP);
  ASSERT_EQ(fanout->remove_listener(echo.get()), 0);
}

// Removes a given consumer from the fanout when it sees a packet.
struct Remover {
  oskit_netio_fanout* fanout;
  oskit_netio* victim;
};

oskit_error_t remove_other(void* data, oskit_bufio_t*, oskit_size_t) {
  auto* r = static_cast<Remover*>(data);
  return r->fanout->remove_listener(r->victim);
}

TEST(NetioFanout, AConsumerRemovedDuringAPushIsSkippedByIt) {
  ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  Recorder victim_seen;
  ComPtr<oskit_netio> victim = ComPtr<oskit_netio>::adopt(oskit_netio_create(record, &victim_seen));
  Remover remover{fanout.get(), victim.get()};
  ComPtr<oskit_netio> first = ComPtr<oskit_netio>::adopt(oskit_netio_create(remove_other, &remover));
  ASSERT_EQ(fanout->add_listener(first.get()), 0);
  ASSERT_EQ(fanout->add_listener(victim.get()), 0);
  EXPECT_EQ(fanout->push(packet(8).get(), 8), 0);
  EXPECT_EQ(victim_seen.packets, 0) << "removed before the push reached it";
  EXPECT_EQ(fanout->push(packet(8).get(), 8), OSKIT_E_INVALIDARG) << "the remover finds it gone";
  EXPECT_EQ(victim_seen.packets, 0) << "no later push reaches it";
}

}  // namespace
}  // namespace oskit
