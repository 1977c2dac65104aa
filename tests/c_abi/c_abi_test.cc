// Both directions of the C ABI: C code calling C++ components through the
// OSKit macros, and C++ code (components, conformance suites) calling objects
// implemented in C with plain ops tables.
#include <cstring>
#include <vector>

#include "components/blkio_adapters/adapters.h"
#include "components/membufio/membufio.h"
#include "components/netio/netio.h"
#include "components/subset/subset.h"
#include "gtest/gtest.h"
#include "oskit/com/ptr.h"
#include "oskit/testing/absio_conformance.h"
#include "oskit/testing/blkio_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/listener_conformance.h"
#include "oskit/testing/netio_conformance.h"
#include "tests/c_abi/c_abi.h"

namespace oskit {
namespace {

TEST(CCallsCxx, Bufio) { EXPECT_EQ(c_drive_bufio(), 0) << "failed check at c_calls_cxx.c line"; }
TEST(CCallsCxx, Fanout) { EXPECT_EQ(c_drive_fanout(), 0) << "failed check at c_calls_cxx.c line"; }
TEST(CCallsCxx, Listener) { EXPECT_EQ(c_drive_listener(), 0) << "failed check at c_calls_cxx.c line"; }
TEST(CCallsCxx, ErrorsAndConstants) { EXPECT_EQ(c_check_errors(), 0) << "failed check at c_calls_cxx.c line"; }

c_counters counters;

struct CNetio {
  static ComPtr<oskit_netio> make() { return ComPtr<oskit_netio>::adopt(c_counting_netio_create(&counters)); }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_netio>::value}; }
};

struct CListener {
  static ComPtr<oskit_listener> make() { return ComPtr<oskit_listener>::adopt(c_counting_listener_create(&counters)); }
  static int notifications(oskit_listener*) { return counters.notifications; }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_listener>::value}; }
};

// The C absio owns its memory through the destroy count only: one arena per object.
std::vector<std::vector<char>> arenas;

struct CAbsio {
  static constexpr bool kFixedSize = true;
  static constexpr bool kWritesExtend = false;
  static ComPtr<oskit_absio> make(oskit_off_t size) {
    arenas.emplace_back(static_cast<std::size_t>(size));
    return ComPtr<oskit_absio>::adopt(
        c_memory_absio_create(arenas.back().data(), static_cast<oskit_size_t>(size), &counters));
  }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_absio>::value, iid_of<oskit_blkio>::value}; }
};

struct CBlkio : CAbsio {
  static ComPtr<oskit_blkio> make(oskit_off_t size) { return CAbsio::make(size); }
};

struct CObjects {
  static ComPtr<oskit_iunknown> make() { return CNetio::make(); }
  static std::vector<oskit_guid> interfaces() { return CNetio::interfaces(); }
};

struct CAbsioObject {
  static ComPtr<oskit_iunknown> make() { return CAbsio::make(4096); }
  static std::vector<oskit_guid> interfaces() { return CAbsio::interfaces(); }
};

TEST(CxxCallsC, SubsetAndAdaptersStackOverACObject) {
  c_counters local{};
  std::vector<char> mem(8192);
  ComPtr<oskit_absio> disk = ComPtr<oskit_absio>::adopt(c_memory_absio_create(mem.data(), mem.size(), &local));
  ComPtr<oskit_blkio> sectors;
  ASSERT_EQ(oskit_blkio_adapter_create(disk.get(), 512, sectors.put()), 0);
  ComPtr<oskit_blkio> partition;
  ASSERT_EQ(oskit_blkio_subset(sectors.get(), 1024, 4096, partition.put()), 0);
  ComPtr<oskit_absio> bytes;
  ASSERT_EQ(oskit_absio_adapter_create(partition.get(), bytes.put()), 0);
  oskit_size_t actual = 0;
  ASSERT_EQ(bytes->write("through three C++ layers", 700, 24, &actual), 0);
  EXPECT_EQ(actual, 24u);
  EXPECT_EQ(std::memcmp(mem.data() + 1024 + 700, "through three C++ layers", 24), 0);
  char sector[512];
  EXPECT_EQ(partition->read(sector, 4096, sizeof sector, &actual), OSKIT_EINVAL) << "the subset's bounds hold";
  disk.reset();
  sectors.reset();
  partition.reset();
  EXPECT_EQ(local.destroyed, 0) << "the stack holds the C object";
  bytes.reset();
  EXPECT_EQ(local.destroyed, 1);
}

}  // namespace
}  // namespace oskit

namespace oskit::testing {
using CImplementedObjects = ::testing::Types<CObjects, CAbsioObject>;
INSTANTIATE_TYPED_TEST_SUITE_P(CImplemented, ComConformance, CImplementedObjects);
INSTANTIATE_TYPED_TEST_SUITE_P(CImplemented, NetioConformance, ::testing::Types<CNetio>);
INSTANTIATE_TYPED_TEST_SUITE_P(CImplemented, ListenerConformance, ::testing::Types<CListener>);
INSTANTIATE_TYPED_TEST_SUITE_P(CImplemented, AbsioConformance, ::testing::Types<CAbsio>);
INSTANTIATE_TYPED_TEST_SUITE_P(CImplemented, BlkioConformance, ::testing::Types<CBlkio>);
}  // namespace oskit::testing

namespace oskit {
namespace {

TEST(CxxCallsC, FanoutPushesIntoACConsumer) {
  c_counters local{};
  ComPtr<oskit_netio> consumer = ComPtr<oskit_netio>::adopt(c_counting_netio_create(&local));
  ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  ASSERT_EQ(fanout->add_listener(consumer.get()), 0);
  ComPtr<oskit_bufio> pkt = ComPtr<oskit_bufio>::adopt(oskit_bufio_create(64));
  EXPECT_EQ(fanout->push(pkt.get(), 60), 0);
  EXPECT_EQ(fanout->push(pkt.get(), 65), OSKIT_EINVAL);
  EXPECT_EQ(local.packets, 1);
  EXPECT_EQ(local.bytes, 60u);
  consumer.reset();
  EXPECT_EQ(local.destroyed, 0) << "the fanout holds its own reference";
  fanout.reset();
  EXPECT_EQ(local.destroyed, 1);
}

TEST(CxxCallsC, QueryThroughComPtrOnACObject) {
  c_counters local{};
  char mem[32] = {};
  ComPtr<oskit_absio> io = ComPtr<oskit_absio>::adopt(c_memory_absio_create(mem, sizeof mem, &local));
  ComPtr<oskit_blkio> blk = query<oskit_blkio>(io);
  ASSERT_TRUE(blk);
  EXPECT_EQ(static_cast<void*>(blk.get()), static_cast<void*>(io.get()));
  EXPECT_FALSE(query<oskit_netio>(io));
  oskit_size_t actual = 0;
  ASSERT_EQ(blk->write("abc", 1, 3, &actual), 0);
  EXPECT_EQ(std::memcmp(mem + 1, "abc", 3), 0);
}

}  // namespace
}  // namespace oskit
