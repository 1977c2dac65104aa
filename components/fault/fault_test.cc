#include "components/fault/fault.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "components/blkio_adapters/adapters.h"
#include "components/blockdev/blockdev.h"
#include "components/listener/listener.h"
#include "components/membufio/membufio.h"
#include "components/netio/netio.h"
#include "components/subset/subset.h"
#include "gtest/gtest.h"
#include "oskit/io/bufio.h"
#include "oskit/io/netio.h"
#include "oskit/testing/absio_conformance.h"
#include "oskit/testing/blkio_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/netio_conformance.h"
#include "oskit/testing/temp_dir.h"

namespace oskit {
namespace {

ComPtr<oskit_absio> memory(oskit_off_t size) {
  return ComPtr<oskit_absio>::adopt(oskit_bufio_create(static_cast<oskit_size_t>(size)));
}

ComPtr<oskit_blkio> file_blocks(oskit_off_t size, oskit_u32_t bs) {
  int fd = testing::unlinked_temp_file("fault");
  if (fd < 0) return nullptr;
  if (ftruncate(fd, size) != 0) return nullptr;
  ComPtr<oskit_blkio> io;
  if (oskit_blockdev_adopt(fd, bs, io.put()) != 0) close(fd);
  return io;
}

oskit_error_t accept_packet(void*, oskit_bufio_t*, oskit_size_t) { return 0; }

// A plan that fails nothing: the wrapper must be transparent.
const oskit_fault_plan_t kQuiet = {};

struct QuietMemory {
  static constexpr bool kFixedSize = false;
  static constexpr bool kWritesExtend = false;
  static ComPtr<oskit_absio> make(oskit_off_t size) { return fault_wrap<oskit_absio>(memory(size).get(), kQuiet); }
  static ComPtr<oskit_iunknown> make() { return query<oskit_iunknown>(make(oskit_off_t{64})); }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_fault_control>::value, iid_of<oskit_absio>::value, iid_of<oskit_blkio>::value};
  }
};

struct QuietFileBlocks {
  static constexpr bool kFixedSize = false;
  static ComPtr<oskit_blkio> make(oskit_off_t size) {
    return fault_wrap<oskit_blkio>(file_blocks(size, 512).get(), kQuiet);
  }
  static ComPtr<oskit_iunknown> make() { return query<oskit_iunknown>(make(oskit_off_t{4096})); }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_fault_control>::value, iid_of<oskit_blkio>::value};
  }
};

struct QuietNetio {
  static ComPtr<oskit_netio> make() {
    ComPtr<oskit_netio> consumer = ComPtr<oskit_netio>::adopt(oskit_netio_create(accept_packet, nullptr));
    return fault_wrap<oskit_netio>(consumer.get(), kQuiet);
  }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_fault_control>::value, iid_of<oskit_netio>::value};
  }
};

struct QuietNetioCom {
  static ComPtr<oskit_iunknown> make() { return query<oskit_iunknown>(QuietNetio::make()); }
  static std::vector<oskit_guid> interfaces() { return QuietNetio::interfaces(); }
};

struct FaultDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(QuietMemory::make(oskit_off_t{64})); }
  static const char* kind() { return "fault"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
using FaultComFactories = ::testing::Types<QuietMemory, QuietFileBlocks, QuietNetioCom>;
using FaultBlkioFactories = ::testing::Types<QuietMemory, QuietFileBlocks>;
INSTANTIATE_TYPED_TEST_SUITE_P(Fault, ComConformance, FaultComFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(Fault, AbsioConformance, ::testing::Types<QuietMemory>);
INSTANTIATE_TYPED_TEST_SUITE_P(Fault, BlkioConformance, FaultBlkioFactories);
INSTANTIATE_TYPED_TEST_SUITE_P(Fault, NetioConformance, ::testing::Types<QuietNetio>);
INSTANTIATE_TYPED_TEST_SUITE_P(Fault, DescribeConformance, ::testing::Types<FaultDescribe>);
}  // namespace oskit::testing

namespace oskit {
namespace {

using FaultTest = testing::LeakCheckedTest;

oskit_fault_stats_t stats_of(const ComPtr<oskit_fault_control>& c) {
  oskit_fault_stats_t s{};
  EXPECT_EQ(c->getstats(&s), 0);
  return s;
}

TEST_F(FaultTest, WrapRefusesBadArguments) {
  ComPtr<oskit_absio> mem = memory(64);
  ComPtr<oskit_iunknown> obj;
  oskit_fault_plan_t plan{};
  EXPECT_EQ(oskit_fault_wrap(mem.get(), &plan, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_fault_wrap(nullptr, &plan, obj.put()), OSKIT_E_POINTER);
  plan.calls = 0x4;
  EXPECT_EQ(oskit_fault_wrap(mem.get(), &plan, obj.put()), OSKIT_EINVAL);
  plan = {OSKIT_FAULT_READ, 1, 0, 0, 0, 0, 0};  // error 0 is not a failure
  EXPECT_EQ(oskit_fault_wrap(mem.get(), &plan, obj.put()), OSKIT_EINVAL);
  plan = {OSKIT_FAULT_READ, 0, 1000001, 0, 0, 0, OSKIT_EIO};
  EXPECT_EQ(oskit_fault_wrap(mem.get(), &plan, obj.put()), OSKIT_EINVAL);
  // Something with none of the four interfaces.
  ComPtr<oskit_listener> l = ComPtr<oskit_listener>::adopt(
      oskit_create_listener([](oskit_iunknown_t*, void*) -> oskit_error_t { return 0; }, nullptr));
  EXPECT_EQ(oskit_fault_wrap(l.get(), nullptr, obj.put()), OSKIT_E_NOINTERFACE);
  EXPECT_FALSE(obj);
  ASSERT_EQ(oskit_fault_wrap(mem.get(), nullptr, obj.put()), 0);
  ComPtr<oskit_fault_control> control = query<oskit_fault_control>(obj);
  ASSERT_TRUE(control);
  EXPECT_EQ(control->setplan(nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(control->getstats(nullptr), OSKIT_E_POINTER);
  plan.calls = 0x10;
  EXPECT_EQ(control->setplan(&plan), OSKIT_EINVAL);
}

TEST_F(FaultTest, EveryNthWriteFailsWithTheChosenError) {
  ComPtr<oskit_fault_control> control;
  const oskit_fault_plan_t plan = {OSKIT_FAULT_WRITE, 3, 0, 0, 0, 0, OSKIT_ENOSPC};
  ComPtr<oskit_absio> io = fault_wrap<oskit_absio>(memory(1024).get(), plan, &control);
  ASSERT_TRUE(io && control);
  char buf[10] = {};
  oskit_size_t actual = 0;
  std::vector<oskit_error_t> results;
  for (int i = 0; i < 7; i++) results.push_back(io->write(buf, 0, sizeof buf, &actual));
  EXPECT_EQ(results, (std::vector<oskit_error_t>{0, 0, OSKIT_ENOSPC, 0, 0, OSKIT_ENOSPC, 0}));
  for (int i = 0; i < 4; i++) EXPECT_EQ(io->read(buf, 0, sizeof buf, &actual), 0) << "reads are not chosen";
  oskit_fault_stats_t s = stats_of(control);
  EXPECT_EQ(s.calls, 7u);
  EXPECT_EQ(s.failed, 2u);
  EXPECT_EQ(s.shortened, 0u);
  EXPECT_EQ(s.bytes, 50u);
  ASSERT_EQ(oskit_fault_control_resetstats(control.get()), 0);
  EXPECT_EQ(stats_of(control).calls, 0u);
}

TEST_F(FaultTest, EachErrorOfTheBriefComesThrough) {
  for (oskit_error_t err : {OSKIT_EIO, OSKIT_ENOSPC, OSKIT_EINTR, OSKIT_EAGAIN}) {
    const oskit_fault_plan_t plan = {OSKIT_FAULT_READ | OSKIT_FAULT_WRITE, 1, 0, 0, 0, 0, err};
    ComPtr<oskit_absio> io = fault_wrap<oskit_absio>(memory(64).get(), plan);
    char buf[4];
    oskit_size_t actual = 99;
    EXPECT_EQ(io->read(buf, 0, sizeof buf, &actual), err);
    EXPECT_EQ(actual, 0u);
    EXPECT_EQ(io->write(buf, 0, sizeof buf, &actual), err);
  }
}

std::vector<bool> failures(oskit_u64_t seed, oskit_u32_t ppm, int calls) {
  const oskit_fault_plan_t plan = {OSKIT_FAULT_READ, 0, ppm, seed, 0, 0, OSKIT_EIO};
  ComPtr<oskit_absio> io = fault_wrap<oskit_absio>(memory(64).get(), plan);
  std::vector<bool> v;
  char buf[4];
  oskit_size_t actual;
  for (int i = 0; i < calls; i++) v.push_back(io->read(buf, 0, sizeof buf, &actual) != 0);
  return v;
}

TEST_F(FaultTest, SeededProbabilityIsReproducible) {
  const std::vector<bool> a = failures(7, 250000, 400);
  EXPECT_EQ(failures(7, 250000, 400), a) << "the same seed must fail the same calls";
  EXPECT_NE(failures(8, 250000, 400), a);
  const long failed = std::count(a.begin(), a.end(), true);
  EXPECT_GT(failed, 60);  // about 100 expected
  EXPECT_LT(failed, 140);
  const std::vector<bool> all = failures(1, 1000000, 50);
  EXPECT_EQ(std::count(all.begin(), all.end(), true), 50);
}

TEST_F(FaultTest, AfterNBytesTheCrossingCallIsShortAndLaterOnesFail) {
  ComPtr<oskit_fault_control> control;
  const oskit_fault_plan_t plan = {OSKIT_FAULT_WRITE, 0, 0, 0, 1000, 0, OSKIT_ENOSPC};
  ComPtr<oskit_absio> io = fault_wrap<oskit_absio>(memory(4096).get(), plan, &control);
  std::vector<char> buf(300, 'a');
  oskit_size_t actual = 0;
  for (int i = 0; i < 3; i++) {
    ASSERT_EQ(io->write(buf.data(), i * 300, buf.size(), &actual), 0);
    EXPECT_EQ(actual, 300u);
  }
  ASSERT_EQ(io->write(buf.data(), 900, buf.size(), &actual), 0);
  EXPECT_EQ(actual, 100u) << "the write crossing the limit stops at it";
  EXPECT_EQ(io->write(buf.data(), 1000, buf.size(), &actual), OSKIT_ENOSPC);
  oskit_fault_stats_t s = stats_of(control);
  EXPECT_EQ(s.bytes, 1000u);
  EXPECT_EQ(s.shortened, 1u);
  EXPECT_EQ(s.failed, 1u);
  // A new plan restarts the allowance.
  ASSERT_EQ(control->setplan(&plan), 0);
  EXPECT_EQ(io->write(buf.data(), 0, buf.size(), &actual), 0);
}

TEST_F(FaultTest, ShortTransfersKeepWholeBlocks) {
  ComPtr<oskit_fault_control> control;
  const oskit_fault_plan_t plan = {OSKIT_FAULT_READ | OSKIT_FAULT_WRITE, 1, 0, 0, 0, 1, OSKIT_EIO};
  ComPtr<oskit_blkio> io = fault_wrap<oskit_blkio>(file_blocks(8192, 512).get(), plan, &control);
  ASSERT_TRUE(io);
  std::vector<char> buf(3 * 512);
  oskit_size_t actual = 0;
  ASSERT_EQ(io->write(buf.data(), 0, buf.size(), &actual), 0);
  EXPECT_EQ(actual, 512u) << "half of three blocks, rounded down to whole blocks";
  EXPECT_EQ(io->read(buf.data(), 0, 512, &actual), OSKIT_EIO) << "half a block is nothing: the call fails";
  oskit_fault_stats_t s = stats_of(control);
  EXPECT_EQ(s.shortened, 1u);
  EXPECT_EQ(s.failed, 1u);
}

TEST_F(FaultTest, PushesFailOrAreTruncated) {
  struct Seen {
    int packets = 0;
    oskit_size_t last = 0;
  } seen;
  ComPtr<oskit_netio> consumer = ComPtr<oskit_netio>::adopt(oskit_netio_create(
      [](void* data, oskit_bufio_t*, oskit_size_t size) -> oskit_error_t {
        auto* s = static_cast<Seen*>(data);
        s->packets++;
        s->last = size;
        return 0;
      },
      &seen));
  ComPtr<oskit_fault_control> control;
  oskit_fault_plan_t plan = {OSKIT_FAULT_WRITE, 2, 0, 0, 0, 0, OSKIT_EAGAIN};
  ComPtr<oskit_netio> n = fault_wrap<oskit_netio>(consumer.get(), plan, &control);
  ComPtr<oskit_bufio> packet = ComPtr<oskit_bufio>::adopt(oskit_bufio_create(100));
  EXPECT_EQ(n->push(packet.get(), 100), 0);
  EXPECT_EQ(n->push(packet.get(), 100), OSKIT_EAGAIN);
  EXPECT_EQ(seen.packets, 1);
  plan.short_transfers = 1;
  ASSERT_EQ(control->setplan(&plan), 0);
  EXPECT_EQ(n->push(packet.get(), 100), 0);
  EXPECT_EQ(n->push(packet.get(), 100), 0);
  EXPECT_EQ(seen.packets, 3);
  EXPECT_EQ(seen.last, 50u) << "a short push sends half the packet";
}

// Under a stack: a failing disk below the absio adapter and a subset. The
// adapter reports the error, or a short transfer when some data moved.
TEST_F(FaultTest, UnderAStack) {
  ComPtr<oskit_fault_control> control;
  const oskit_fault_plan_t plan = {OSKIT_FAULT_READ, 2, 0, 0, 0, 0, OSKIT_EIO};
  ComPtr<oskit_blkio> disk = fault_wrap<oskit_blkio>(file_blocks(16 * 512, 512).get(), plan, &control);
  ComPtr<oskit_blkio> part;
  ASSERT_EQ(oskit_blkio_subset(disk.get(), 1024, 8 * 512, part.put()), 0);
  ComPtr<oskit_absio> bytes;
  ASSERT_EQ(oskit_absio_adapter_create(part.get(), bytes.put()), 0);
  std::vector<char> buf(1000);
  oskit_size_t actual = 0;
  // Head block read (call 1) succeeds, the whole-block read (call 2) fails.
  ASSERT_EQ(bytes->read(buf.data(), 10, buf.size(), &actual), 0);
  EXPECT_EQ(actual, 502u);
  // Call 3 passes, call 4 fails: the second read of this one.
  EXPECT_EQ(bytes->read(buf.data(), 0, 512, &actual), 0);
  EXPECT_EQ(bytes->read(buf.data(), 0, 512, &actual), OSKIT_EIO);
  EXPECT_EQ(stats_of(control).failed, 2u);
}

TEST_F(FaultTest, ConcurrentCallersSeeAnExactSchedule) {
  ComPtr<oskit_fault_control> control;
  const oskit_fault_plan_t plan = {OSKIT_FAULT_WRITE, 4, 0, 0, 0, 0, OSKIT_EIO};
  ComPtr<oskit_blkio> io = fault_wrap<oskit_blkio>(file_blocks(64 * 512, 512).get(), plan, &control);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      std::vector<char> block(512, static_cast<char>(t));
      for (int i = 0; i < 100; i++) {
        oskit_size_t actual = 0;
        if (io->write(block.data(), (t * 16 + i % 16) * 512, block.size(), &actual) != 0) failed++;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(failed.load(), 100);
  oskit_fault_stats_t s = stats_of(control);
  EXPECT_EQ(s.calls, 400u);
  EXPECT_EQ(s.failed, 100u);
  EXPECT_EQ(s.bytes, 300u * 512);
}

}  // namespace
}  // namespace oskit
