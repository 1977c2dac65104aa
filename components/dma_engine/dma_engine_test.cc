// The simulated DMA engine through the interfaces a driver holds: devctl
// (registers, ring, completions) and asyncio.
#include "components/dma_engine/dma_engine.h"

#include <atomic>
#include <cstddef>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "components/membufio/membufio.h"
#include "glue/dma/dma.h"
#include "glue/env/counting_env.h"
#include "gtest/gtest.h"
#include "oskit/testing/asyncio_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/devctl_conformance.h"
#include "oskit/testing/test_listener.h"

namespace oskit {
namespace {

constexpr oskit_u32_t kDevice = 0x0d0e;

ComPtr<oskit_devctl> make_engine(oskit_u32_t ring_size = 0, oskit_u32_t open_mode = 0,
                                 oskit_dma_space* space = nullptr) {
  oskit_dma_engine_options_t options = {kDevice, ring_size, open_mode};
  ComPtr<oskit_devctl> engine;
  EXPECT_EQ(oskit_dma_engine_create(space, &options, engine.put()), 0);
  return engine;
}

oskit_error_t set_ctrl(oskit_devctl* engine, oskit_u32_t ctrl) {
  return engine->devctl(OSKIT_DMA_DCMD_SETCTRL, &ctrl, sizeof ctrl, nullptr, nullptr);
}

oskit_dma_desc copy_desc(oskit_addr_t src, oskit_addr_t dst, oskit_u64_t length, oskit_u64_t cookie = 0) {
  oskit_dma_desc d = {};
  d.op = OSKIT_DMA_OP_COPY;
  d.cookie = cookie;
  d.src = src;
  d.dst = dst;
  d.length = length;
  return d;
}

oskit_dma_desc fill_desc(oskit_addr_t dst, oskit_u64_t length, oskit_u64_t pattern, oskit_u64_t cookie = 0) {
  oskit_dma_desc d = {};
  d.op = OSKIT_DMA_OP_FILL;
  d.cookie = cookie;
  d.dst = dst;
  d.length = length;
  d.pattern = pattern;
  return d;
}

oskit_dma_desc sg_desc(oskit_addr_t src_table, oskit_u32_t src_count, oskit_addr_t dst_table, oskit_u32_t dst_count,
                       oskit_u64_t cookie = 0) {
  oskit_dma_desc d = {};
  d.op = OSKIT_DMA_OP_SG_COPY;
  d.cookie = cookie;
  d.src = src_table;
  d.dst = dst_table;
  d.src_count = src_count;
  d.dst_count = dst_count;
  return d;
}

// Submits descs; *taken gets how many the engine took.
oskit_error_t submit(oskit_devctl* engine, const std::vector<oskit_dma_desc>& descs, oskit_s32_t* taken = nullptr) {
  oskit_dma_submit req = {};
  req.count = static_cast<oskit_u32_t>(descs.size());
  std::copy(descs.begin(), descs.end(), req.desc);
  const oskit_size_t nbytes = offsetof(oskit_dma_submit, desc) + descs.size() * sizeof(oskit_dma_desc);
  return engine->devctl(OSKIT_DMA_DCMD_SUBMIT, &req, nbytes, taken, nullptr);
}

// Reaps up to max completions (waits for min unless the engine is nonblocking).
oskit_error_t reap(oskit_devctl* engine, oskit_u32_t max, std::vector<oskit_dma_completion>* out, oskit_u32_t min = 0) {
  oskit_dma_reap req = {};
  req.max = max;
  req.min = min;
  oskit_s32_t count = 0;
  oskit_size_t nbytes = 0;
  oskit_error_t rc = engine->devctl(OSKIT_DMA_DCMD_REAP, &req, sizeof req, &count, &nbytes);
  if (rc != 0) return rc;
  EXPECT_EQ(static_cast<oskit_u32_t>(count), req.count);
  EXPECT_EQ(nbytes, offsetof(oskit_dma_reap, completion) + req.count * sizeof(oskit_dma_completion));
  out->insert(out->end(), req.completion, req.completion + req.count);
  return 0;
}

// Waits for n completions, blocking or not.
std::vector<oskit_dma_completion> reap_n(oskit_devctl* engine, std::size_t n) {
  std::vector<oskit_dma_completion> all;
  while (all.size() < n) {
    oskit_error_t rc = reap(engine, OSKIT_DMA_REAP_MAX, &all);
    if (rc == OSKIT_EAGAIN)
      std::this_thread::yield();
    else if (rc != 0)
      break;
  }
  return all;
}

oskit_dma_engine_regs regs(oskit_devctl* engine) {
  oskit_dma_engine_regs r = {};
  EXPECT_EQ(engine->devctl(OSKIT_DMA_DCMD_GETREGS, &r, sizeof r, nullptr, nullptr), 0);
  return r;
}

std::string read_bytes(oskit_bufio* io, oskit_off_t offset, oskit_size_t amount) {
  std::string back(amount, '\0');
  oskit_size_t n = 0;
  EXPECT_EQ(io->read(&back[0], offset, amount, &n), 0);
  return back;
}

void write_bytes(oskit_bufio* io, oskit_off_t offset, const std::string& data) {
  oskit_size_t n = 0;
  ASSERT_EQ(io->write(data.data(), offset, data.size(), &n), 0);
}

// Factories for the suites.
struct EngineRdwr {
  static constexpr oskit_u32_t kOpenMode = OSKIT_DEVCTL_OPEN_RDWR;
  static ComPtr<oskit_devctl> make() { return make_engine(8, kOpenMode); }
};
struct EngineReadOnly {
  static constexpr oskit_u32_t kOpenMode = OSKIT_DEVCTL_OPEN_READ;
  static ComPtr<oskit_devctl> make() { return make_engine(8, kOpenMode); }
};
struct EngineObject {
  static ComPtr<oskit_iunknown> make() { return make_engine(8); }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_devctl>::value, iid_of<oskit_asyncio>::value}; }
};
// Input pending means a completion waiting: make_readable fills a wired buffer.
struct EngineAsyncio {
  static constexpr bool kAlwaysReady = false;
  struct Instance {
    ComPtr<oskit_asyncio> io;
    std::function<void()> make_readable;
  };
  static Instance make() {
    ComPtr<oskit_devctl> engine = make_engine(8);
    EXPECT_EQ(set_ctrl(engine.get(), OSKIT_DMA_CTRL_ENABLE), 0);
    ComPtr<oskit_bufio> buffer = ComPtr<oskit_bufio>::adopt(oskit_bufio_create(64));
    auto fill = [engine, buffer] {
      oskit_addr_t addr = 0;
      ASSERT_EQ(buffer->wire(&addr, 0, 64), 0);
      ASSERT_EQ(submit(engine.get(), {fill_desc(addr, 64, 0x7777777777777777)}), 0);
    };
    return {query<oskit_asyncio>(engine), fill};
  }
};

struct EngineDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(make_engine(8)); }
  static const char* kind() { return "dma_engine"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
using EngineOpenings = ::testing::Types<EngineRdwr, EngineReadOnly>;
INSTANTIATE_TYPED_TEST_SUITE_P(DmaEngine, DevctlConformance, EngineOpenings);
INSTANTIATE_TYPED_TEST_SUITE_P(DmaEngine, ComConformance, ::testing::Types<EngineObject>);
INSTANTIATE_TYPED_TEST_SUITE_P(DmaEngine, AsyncioConformance, ::testing::Types<EngineAsyncio>);
INSTANTIATE_TYPED_TEST_SUITE_P(DmaEngine, DescribeConformance, ::testing::Types<EngineDescribe>);
}  // namespace oskit::testing

namespace oskit {
namespace {

class DmaEngineTest : public testing::LeakCheckedTest {
 protected:
  struct Buffer {
    ComPtr<oskit_bufio> io;
    oskit_addr_t addr = 0;
  };

  void SetUp() override {
    LeakCheckedTest::SetUp();
    ASSERT_EQ(oskit_dma_default_space(space_.put()), 0);
    engine_ = make_engine(16);
    ASSERT_TRUE(engine_);
  }
  void TearDown() override {
    engine_.reset();
    space_.reset();
    LeakCheckedTest::TearDown();
  }
  // A heap bufio of size bytes, wired whole into the default space.
  Buffer wired(oskit_size_t size) {
    Buffer b{ComPtr<oskit_bufio>::adopt(oskit_bufio_create(size)), 0};
    EXPECT_EQ(b.io->wire(&b.addr, 0, size), 0);
    return b;
  }
  void enable() { ASSERT_EQ(set_ctrl(engine_.get(), OSKIT_DMA_CTRL_ENABLE), 0); }
  void nonblocking() {
    oskit_u32_t flags = OSKIT_DEVCTL_F_NONBLOCK;
    ASSERT_EQ(engine_->devctl(OSKIT_DCMD_ALL_SETFLAGS, &flags, sizeof flags, nullptr, nullptr), 0);
  }
  // Runs descs and returns their completions.
  std::vector<oskit_dma_completion> run(const std::vector<oskit_dma_desc>& descs) {
    oskit_s32_t taken = 0;
    EXPECT_EQ(submit(engine_.get(), descs, &taken), 0);
    EXPECT_EQ(taken, static_cast<oskit_s32_t>(descs.size()));
    return reap_n(engine_.get(), descs.size());
  }

  ComPtr<oskit_dma_space> space_;
  ComPtr<oskit_devctl> engine_;
};

TEST_F(DmaEngineTest, CopyMovesBytesBetweenWiredBuffers) {
  enable();
  Buffer src = wired(4096), dst = wired(4096);
  write_bytes(src.io.get(), 100, "copied by the engine");
  const auto done = run({copy_desc(src.addr + 100, dst.addr + 7, 20, 42)});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].status, 0);
  EXPECT_EQ(done[0].cookie, 42u);
  EXPECT_EQ(done[0].bytes, 20u);
  EXPECT_EQ(read_bytes(dst.io.get(), 7, 20), "copied by the engine");
  EXPECT_EQ(read_bytes(dst.io.get(), 0, 7), std::string(7, '\0'));
}

TEST_F(DmaEngineTest, CopyWithinOneBufferMayOverlap) {
  enable();
  Buffer b = wired(64);
  write_bytes(b.io.get(), 0, "abcdefgh");
  ASSERT_EQ(run({copy_desc(b.addr, b.addr + 2, 8)})[0].status, 0);
  EXPECT_EQ(read_bytes(b.io.get(), 0, 10), "ababcdefgh");
}

TEST_F(DmaEngineTest, FillRepeatsThePatternInMemoryOrder) {
  enable();
  Buffer b = wired(64);
  oskit_u64_t pattern;
  std::memcpy(&pattern, "01234567", 8);
  const auto done = run({fill_desc(b.addr + 1, 21, pattern, 1), fill_desc(b.addr + 40, 5, 0x4141414141414141, 2)});
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].status, 0);
  EXPECT_EQ(done[1].status, 0);
  EXPECT_EQ(read_bytes(b.io.get(), 0, 23), std::string(1, '\0') + "012345670123456701234" + std::string(1, '\0'));
  EXPECT_EQ(read_bytes(b.io.get(), 39, 7), std::string(1, '\0') + "AAAAA" + std::string(1, '\0'));
}

TEST_F(DmaEngineTest, ScatterGatherCopiesTheListedBytesInOrder) {
  enable();
  Buffer data = wired(256), out = wired(256), tables = wired(4 * sizeof(oskit_dma_sg_entry) + 64);
  write_bytes(data.io.get(), 0, "HEAD");
  write_bytes(data.io.get(), 100, "-middle-");
  write_bytes(data.io.get(), 200, "TAIL");
  const oskit_dma_sg_entry src[] = {{data.addr, 4}, {data.addr + 100, 8}, {data.addr + 200, 4}};
  const oskit_dma_sg_entry dst[] = {{out.addr + 10, 6}, {out.addr + 50, 10}};
  std::string table(reinterpret_cast<const char*>(src), sizeof src);
  table.append(reinterpret_cast<const char*>(dst), sizeof dst);
  write_bytes(tables.io.get(), 0, table);
  const auto done = run({sg_desc(tables.addr, 3, tables.addr + sizeof src, 2, 9)});
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].status, 0);
  EXPECT_EQ(done[0].bytes, 16u);
  EXPECT_EQ(read_bytes(out.io.get(), 10, 6), "HEAD-m");
  EXPECT_EQ(read_bytes(out.io.get(), 50, 10), "iddle-TAIL");
}

TEST_F(DmaEngineTest, TablesOfDifferentTotalsOrAnEmptyEntryWriteNothing) {
  enable();
  Buffer data = wired(64), out = wired(64), tables = wired(256);
  write_bytes(data.io.get(), 0, "payload!");
  const oskit_dma_sg_entry entries[] = {{data.addr, 8}, {out.addr, 7}, {out.addr, 0}, {out.addr + 8, 8}};
  write_bytes(tables.io.get(), 0, std::string(reinterpret_cast<const char*>(entries), sizeof entries));
  const oskit_addr_t e = tables.addr;
  const auto done = run({sg_desc(e, 1, e + 16, 1, 1), sg_desc(e, 1, e + 32, 2, 2)});
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].status, OSKIT_EINVAL) << "8 bytes into 7";
  EXPECT_EQ(done[1].status, OSKIT_EINVAL) << "an entry of length 0";
  EXPECT_EQ(done[0].bytes, 0u);
  EXPECT_EQ(read_bytes(out.io.get(), 0, 16), std::string(16, '\0'));
  EXPECT_EQ(regs(engine_.get()).errors_total, 2u);
}

TEST_F(DmaEngineTest, ATranslationFaultFailsItsDescriptorAndTheRingGoesOn) {
  enable();
  Buffer src = wired(128), dst = wired(128);
  write_bytes(src.io.get(), 0, "good");
  const oskit_addr_t outside = dst.addr + 128;
  const auto done = run({copy_desc(src.addr, dst.addr, 4, 1), copy_desc(src.addr, outside - 2, 4, 2),
                         copy_desc(src.addr, dst.addr + 64, 4, 3)});
  ASSERT_EQ(done.size(), 3u);
  EXPECT_EQ(done[0].status, 0);
  EXPECT_EQ(done[1].status, OSKIT_EFAULT);
  EXPECT_EQ(done[1].fault_addr, outside - 2);
  EXPECT_EQ(done[1].bytes, 0u);
  EXPECT_EQ(done[2].status, 0) << "the ring stopped at the fault";
  EXPECT_EQ(read_bytes(dst.io.get(), 124, 4), std::string(4, '\0')) << "the faulting copy wrote";
  EXPECT_EQ(read_bytes(dst.io.get(), 64, 4), "good");
  oskit_dma_fault_t fault = {};
  ASSERT_EQ(space_->lastfault(&fault), 0);
  EXPECT_EQ(fault.device, kDevice);
  EXPECT_EQ(fault.addr, outside - 2);
  EXPECT_EQ(fault.access, OSKIT_DMA_WRITE);
  const oskit_dma_engine_regs r = regs(engine_.get());
  EXPECT_EQ(r.faults_total, 1u);
  EXPECT_EQ(r.completed_total, 3u);
}

TEST_F(DmaEngineTest, AnAccessAfterUnwireFaultsAndWritesNothing) {
  enable();
  Buffer src = wired(64), dst = wired(64);
  write_bytes(src.io.get(), 0, "late");
  ASSERT_EQ(dst.io->unwire(dst.addr, 0, 64), 0);
  const auto done = run({copy_desc(src.addr, dst.addr, 4), copy_desc(dst.addr, src.addr + 8, 4)});
  EXPECT_EQ(done[0].status, OSKIT_EFAULT);
  EXPECT_EQ(done[0].fault_addr, dst.addr);
  EXPECT_EQ(done[1].status, OSKIT_EFAULT) << "the engine read unwired memory";
  EXPECT_EQ(read_bytes(dst.io.get(), 0, 4), std::string(4, '\0'));
  EXPECT_EQ(read_bytes(src.io.get(), 8, 4), std::string(4, '\0'));
}

TEST_F(DmaEngineTest, AnAccessAfterTheLastReleaseFaultsAndWritesNothing) {
  enable();
  Buffer src = wired(64);
  write_bytes(src.io.get(), 0, "late");
  char memory[64] = {};
  ComPtr<oskit_bufio> dst =
      ComPtr<oskit_bufio>::adopt(oskit_create_extern_bufio(memory, sizeof memory, nullptr, nullptr));
  oskit_addr_t addr = 0;
  ASSERT_EQ(dst->wire(&addr, 0, sizeof memory), 0);
  dst.reset();  // still wired: the last release unwires
  const auto done = run({copy_desc(src.addr, addr, 4)});
  EXPECT_EQ(done[0].status, OSKIT_EFAULT);
  EXPECT_EQ(std::string(memory, 4), std::string(4, '\0'));
}

TEST_F(DmaEngineTest, AFaultAnywhereInAScatterListWritesNothing) {
  enable();
  Buffer data = wired(64), out = wired(64), tables = wired(128);
  write_bytes(data.io.get(), 0, "0123456789abcdef");
  const oskit_dma_sg_entry entries[] = {{data.addr, 16}, {out.addr, 8}, {out.addr + 64, 8}};
  write_bytes(tables.io.get(), 0, std::string(reinterpret_cast<const char*>(entries), sizeof entries));
  const auto done = run({sg_desc(tables.addr, 1, tables.addr + 16, 2), sg_desc(tables.addr + 200, 1, tables.addr, 1)});
  EXPECT_EQ(done[0].status, OSKIT_EFAULT);
  EXPECT_EQ(done[0].fault_addr, out.addr + 64);
  EXPECT_EQ(read_bytes(out.io.get(), 0, 8), std::string(8, '\0')) << "the valid segment was written";
  EXPECT_EQ(done[1].status, OSKIT_EFAULT) << "a table outside the wired regions";
  EXPECT_EQ(done[1].fault_addr, tables.addr + 200);
}

TEST_F(DmaEngineTest, AFullRingIsEAGAINUnderNonblockAndAPartialSubmitSaysHowMany) {
  nonblocking();
  Buffer b = wired(64);
  std::vector<oskit_dma_desc> fourteen(14, fill_desc(b.addr, 8, 1));
  oskit_s32_t taken = 0;
  ASSERT_EQ(submit(engine_.get(), fourteen, &taken), 0);
  EXPECT_EQ(taken, 14);
  ASSERT_EQ(submit(engine_.get(), {fill_desc(b.addr, 8, 1), fill_desc(b.addr, 8, 1), fill_desc(b.addr, 8, 1)}, &taken),
            0);
  EXPECT_EQ(taken, 2) << "two slots were free";
  EXPECT_EQ(submit(engine_.get(), {fill_desc(b.addr, 8, 1)}, &taken), OSKIT_EAGAIN);
  EXPECT_EQ(taken, 0);
  EXPECT_EQ(regs(engine_.get()).queued, 16u);
  std::vector<oskit_dma_completion> none;
  EXPECT_EQ(reap(engine_.get(), 4, &none), OSKIT_EAGAIN) << "nothing has run: the engine is disabled";
  enable();
  const auto done = reap_n(engine_.get(), 16);
  EXPECT_EQ(done.size(), 16u);
  EXPECT_EQ(submit(engine_.get(), {fill_desc(b.addr, 8, 1)}, &taken), 0);
  EXPECT_EQ(taken, 1);
}

TEST_F(DmaEngineTest, ABlockingSubmitWaitsForAReap) {
  Buffer b = wired(64);
  ASSERT_EQ(submit(engine_.get(), std::vector<oskit_dma_desc>(16, fill_desc(b.addr, 8, 2))), 0);
  std::atomic<bool> submitted{false};
  std::thread submitter([&] {
    oskit_s32_t taken = 0;
    EXPECT_EQ(submit(engine_.get(), {fill_desc(b.addr, 8, 3, 77)}, &taken), 0);
    EXPECT_EQ(taken, 1);
    submitted = true;
  });
  for (int i = 0; i < 1000; i++) sched_yield();
  EXPECT_FALSE(submitted.load()) << "a submit into a full ring returned";
  enable();
  std::vector<oskit_dma_completion> done;
  ASSERT_EQ(reap(engine_.get(), 1, &done), 0);
  submitter.join();
  EXPECT_TRUE(submitted.load());
  done = reap_n(engine_.get(), 16);
  EXPECT_EQ(done.back().cookie, 77u);
}

TEST_F(DmaEngineTest, ABlockingReapWaitsForACompletion) {
  Buffer b = wired(64);
  std::vector<oskit_dma_completion> done;
  std::thread reaper([&] { EXPECT_EQ(reap(engine_.get(), 8, &done), 0); });
  ASSERT_EQ(submit(engine_.get(), {fill_desc(b.addr, 8, 5, 5)}), 0);
  enable();
  reaper.join();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].cookie, 5u);
}

TEST_F(DmaEngineTest, AReapWaitsForItsMinimumOrForTheRingToRunDry) {
  Buffer b = wired(64);
  ASSERT_EQ(submit(engine_.get(), std::vector<oskit_dma_desc>(5, fill_desc(b.addr, 8, 1))), 0);
  enable();
  std::vector<oskit_dma_completion> done;
  ASSERT_EQ(reap(engine_.get(), 4, &done, 4), 0);
  EXPECT_EQ(done.size(), 4u) << "returned before its minimum";
  ASSERT_EQ(reap(engine_.get(), 8, &done, 8), 0) << "nothing more is coming: it must not wait for 8";
  EXPECT_EQ(done.size(), 5u);
  oskit_dma_reap req = {};
  req.max = 2;
  req.min = 17;  // the ring has 16 slots
  EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_REAP, &req, sizeof req, nullptr, nullptr), OSKIT_EINVAL)
      << "min above the ring's size";
}

TEST_F(DmaEngineTest, AReapWokenForMoreThanItsMaxTakesItsMax) {
  Buffer b = wired(64);
  ASSERT_EQ(submit(engine_.get(), std::vector<oskit_dma_desc>(7, fill_desc(b.addr, 8, 1))), 0);  // held: disabled
  std::vector<oskit_dma_completion> done;
  std::thread reaper([&] { EXPECT_EQ(reap(engine_.get(), 2, &done, 5), 0); });
  enable();
  reaper.join();
  EXPECT_EQ(done.size(), 2u) << "woken for 5, it takes at most its max";
  std::vector<oskit_dma_completion> rest;
  ASSERT_EQ(reap(engine_.get(), OSKIT_DMA_REAP_MAX, &rest, 5), 0);
  EXPECT_EQ(rest.size(), 5u) << "the other 5 waited";
}

TEST_F(DmaEngineTest, AReapWaitingOnADisabledEngineReturnsWhatIsThere) {
  Buffer b = wired(64);
  ASSERT_EQ(submit(engine_.get(), {fill_desc(b.addr, 8, 1), fill_desc(b.addr, 8, 1)}), 0);
  std::vector<oskit_dma_completion> done;
  std::thread reaper([&] { EXPECT_EQ(reap(engine_.get(), 8, &done, 2), 0); });
  oskit_s32_t cancelled = 0;
  ASSERT_EQ(engine_->devctl(OSKIT_DMA_DCMD_ABORT, nullptr, 0, &cancelled, nullptr), 0);
  reaper.join();
  EXPECT_EQ(done.size(), 2u);
}

TEST_F(DmaEngineTest, BadDescriptorsAreRefusedWholeAndQueueNothing) {
  Buffer b = wired(64);
  const oskit_dma_desc good = fill_desc(b.addr, 8, 1);
  oskit_dma_desc unknown_op = good, flagged = good, empty = good, copy_with_pattern = copy_desc(b.addr, b.addr, 4);
  unknown_op.op = 99;
  flagged.flags = 1;
  empty.length = 0;
  copy_with_pattern.pattern = 1;
  oskit_dma_desc no_entries = sg_desc(b.addr, 0, b.addr, 1),
                 too_many = sg_desc(b.addr, 1, b.addr, OSKIT_DMA_SG_MAX + 1);
  for (const oskit_dma_desc& bad : {unknown_op, flagged, empty, copy_with_pattern, no_entries, too_many}) {
    oskit_s32_t taken = -1;
    EXPECT_EQ(submit(engine_.get(), {good, bad}, &taken), OSKIT_EINVAL) << "op " << bad.op;
    EXPECT_EQ(taken, 0);
  }
  EXPECT_EQ(submit(engine_.get(), {}), OSKIT_EINVAL) << "no descriptor";
  oskit_dma_submit req = {};
  req.count = 2;
  req.desc[0] = req.desc[1] = good;
  EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_SUBMIT, &req, offsetof(oskit_dma_submit, desc) + sizeof(oskit_dma_desc),
                            nullptr, nullptr),
            OSKIT_EINVAL)
      << "fewer bytes than count descriptors";
  req.count = OSKIT_DMA_SUBMIT_MAX + 1;
  EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_SUBMIT, &req, sizeof req, nullptr, nullptr), OSKIT_EINVAL);
  EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_SUBMIT, &req, 2, nullptr, nullptr), OSKIT_EINVAL) << "no header";
  EXPECT_EQ(regs(engine_.get()).queued, 0u);
  EXPECT_EQ(regs(engine_.get()).submitted_total, 0u);
}

TEST_F(DmaEngineTest, WrongSizesAndUnknownCommandsAreRefused) {
  oskit_dma_engine_regs r;
  EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_GETREGS, &r, sizeof r - 1, nullptr, nullptr), OSKIT_EINVAL);
  EXPECT_EQ(engine_->devctl(OSKIT_DIOF(OSKIT_DMA_DCMD_CLASS, 2, oskit_u32_t), &r, 4, nullptr, nullptr), OSKIT_ENOTTY)
      << "GETREGS encoded with another size";
  EXPECT_EQ(engine_->devctl(OSKIT_DIOT(OSKIT_DMA_DCMD_CLASS, 2, oskit_dma_engine_regs), &r, sizeof r, nullptr, nullptr),
            OSKIT_ENOTTY)
      << "GETREGS encoded with another direction";
  EXPECT_EQ(engine_->devctl(OSKIT_DION(OSKIT_DMA_DCMD_CLASS, 99), nullptr, 0, nullptr, nullptr), OSKIT_ENOTTY);
  oskit_dma_engine_info info;
  EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_GETINFO, &info, 4, nullptr, nullptr), OSKIT_EINVAL);
  EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_GETINFO, &info, sizeof info + 1, nullptr, nullptr), OSKIT_EINVAL);
  oskit_u32_t ctrl = 0x10;
  EXPECT_EQ(set_ctrl(engine_.get(), ctrl), OSKIT_EINVAL) << "an unknown control bit";
  EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_SETCTRL, &ctrl, 2, nullptr, nullptr), OSKIT_EINVAL);
  oskit_dma_reap req = {};
  EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_REAP, &req, sizeof req, nullptr, nullptr), OSKIT_EINVAL) << "max 0";
  req.max = OSKIT_DMA_REAP_MAX + 1;
  EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_REAP, &req, sizeof req, nullptr, nullptr), OSKIT_EINVAL);
  req.max = 4;
  EXPECT_EQ(engine_->devctl(OSKIT_DMA_DCMD_REAP, &req,
                            offsetof(oskit_dma_reap, completion) + 3 * sizeof(oskit_dma_completion), nullptr, nullptr),
            OSKIT_EINVAL)
      << "room for fewer completions than max";
}

TEST_F(DmaEngineTest, InfoAndRegistersDescribeTheEngine) {
  oskit_dma_engine_info info = {};
  oskit_size_t nbytes = 0;
  ASSERT_EQ(engine_->devctl(OSKIT_DMA_DCMD_GETINFO, &info, sizeof info, nullptr, &nbytes), 0);
  EXPECT_EQ(nbytes, sizeof info);
  EXPECT_EQ(info.device, kDevice);
  EXPECT_EQ(info.ring_size, 16u);
  EXPECT_EQ(info.sg_max, OSKIT_DMA_SG_MAX);
  EXPECT_EQ(info.submit_max, OSKIT_DMA_SUBMIT_MAX);
  EXPECT_EQ(info.reap_max, OSKIT_DMA_REAP_MAX);
  EXPECT_EQ(info.space_mode, OSKIT_DMA_MODE_IOVA);
  oskit_dma_engine_regs r = regs(engine_.get());
  EXPECT_EQ(r.ctrl, 0u) << "an engine starts disabled";
  EXPECT_EQ(r.status, 0u);
  Buffer b = wired(4096);
  ASSERT_EQ(submit(engine_.get(), {fill_desc(b.addr, 4096, 0), fill_desc(b.addr, 100, 0)}), 0);
  EXPECT_EQ(regs(engine_.get()).queued, 2u) << "a disabled engine holds what it is given";
  enable();
  ASSERT_EQ(reap_n(engine_.get(), 2).size(), 2u);
  r = regs(engine_.get());
  EXPECT_EQ(r.ctrl, OSKIT_DMA_CTRL_ENABLE);
  EXPECT_NE(r.status & OSKIT_DMA_STATUS_ENABLED, 0u);
  EXPECT_EQ(r.submitted_total, 2u);
  EXPECT_EQ(r.completed_total, 2u);
  EXPECT_EQ(r.bytes_total, 4196u);
  EXPECT_EQ(r.queued + r.completed, 0u);
}

TEST_F(DmaEngineTest, AbortCancelsWhatHasNotStarted) {
  Buffer b = wired(64);
  ASSERT_EQ(submit(engine_.get(), {fill_desc(b.addr, 8, 1, 1), fill_desc(b.addr, 8, 1, 2)}), 0);
  oskit_s32_t cancelled = 0;
  ASSERT_EQ(engine_->devctl(OSKIT_DMA_DCMD_ABORT, nullptr, 0, &cancelled, nullptr), 0);
  EXPECT_EQ(cancelled, 2);
  ComPtr<oskit_asyncio> async = query<oskit_asyncio>(engine_);
  EXPECT_NE(async->poll() & OSKIT_ASYNCIO_EXCEPTION, 0) << "errored completions wait";
  const auto done = reap_n(engine_.get(), 2);
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].status, OSKIT_ECANCELED);
  EXPECT_EQ(done[1].cookie, 2u);
  EXPECT_EQ(async->poll() & OSKIT_ASYNCIO_EXCEPTION, 0);
  EXPECT_EQ(read_bytes(b.io.get(), 0, 8), std::string(8, '\0'));
  EXPECT_EQ(regs(engine_.get()).errors_total, 2u);
}

TEST_F(DmaEngineTest, AbortWhileExecutingCancelsTheRestInOrder) {
  ComPtr<oskit_devctl> engine = make_engine(256);
  Buffer b = wired(64 * 1024);
  ASSERT_EQ(set_ctrl(engine.get(), OSKIT_DMA_CTRL_ENABLE), 0);
  std::vector<oskit_dma_desc> fills;
  for (oskit_u64_t i = 0; i < 200; i++) fills.push_back(fill_desc(b.addr, 64 * 1024, i, i));
  for (std::size_t i = 0; i < fills.size(); i += OSKIT_DMA_SUBMIT_MAX) {
    std::vector<oskit_dma_desc> part(fills.begin() + i,
                                     fills.begin() + std::min(fills.size(), i + OSKIT_DMA_SUBMIT_MAX));
    ASSERT_EQ(submit(engine.get(), part), 0);
  }
  oskit_s32_t cancelled = -1;
  ASSERT_EQ(engine->devctl(OSKIT_DMA_DCMD_ABORT, nullptr, 0, &cancelled, nullptr), 0);
  const auto done = reap_n(engine.get(), 200);
  ASSERT_EQ(done.size(), 200u);
  int seen_cancelled = 0;
  for (std::size_t i = 0; i < done.size(); i++) {
    EXPECT_EQ(done[i].cookie, i) << "completions out of order";
    if (done[i].status == OSKIT_ECANCELED) {
      seen_cancelled++;
    } else {
      EXPECT_EQ(done[i].status, 0);
      EXPECT_EQ(seen_cancelled, 0) << "a descriptor ran after one before it was cancelled";
    }
  }
  EXPECT_EQ(seen_cancelled, cancelled);
}

TEST_F(DmaEngineTest, DisablingHoldsWhatHasNotStarted) {
  ComPtr<oskit_devctl> engine = make_engine(256);
  Buffer b = wired(64 * 1024);
  for (int i = 0; i < 2; i++) {
    ASSERT_EQ(submit(engine.get(), std::vector<oskit_dma_desc>(100, fill_desc(b.addr, 64 * 1024, 7))), 0);
  }
  ASSERT_EQ(set_ctrl(engine.get(), OSKIT_DMA_CTRL_ENABLE), 0);
  ASSERT_EQ(set_ctrl(engine.get(), 0), 0);
  while (regs(engine.get()).status & OSKIT_DMA_STATUS_BUSY) std::this_thread::yield();
  const oskit_dma_engine_regs held = regs(engine.get());
  EXPECT_EQ(held.queued + held.completed, 200u);
  for (int i = 0; i < 100; i++) sched_yield();
  EXPECT_EQ(regs(engine.get()).completed, held.completed) << "a disabled engine went on";
  ASSERT_EQ(set_ctrl(engine.get(), OSKIT_DMA_CTRL_ENABLE), 0);
  EXPECT_EQ(reap_n(engine.get(), 200).size(), 200u);
}

TEST_F(DmaEngineTest, AReadOnlyOpenerMayWatchButNotProgram) {
  ComPtr<oskit_devctl> watcher = make_engine(4, OSKIT_DEVCTL_OPEN_READ);
  EXPECT_EQ(set_ctrl(watcher.get(), OSKIT_DMA_CTRL_ENABLE), OSKIT_EPERM);
  EXPECT_EQ(submit(watcher.get(), {fill_desc(1, 1, 1)}), OSKIT_EPERM);
  std::vector<oskit_dma_completion> done;
  EXPECT_EQ(reap(watcher.get(), 1, &done), OSKIT_EPERM);
  regs(watcher.get());
}

TEST_F(DmaEngineTest, ListenersHearCompletionsErrorsAndRoom) {
  ComPtr<oskit_devctl> small = make_engine(2);
  ComPtr<oskit_asyncio> async = query<oskit_asyncio>(small);
  ComPtr<testing::TestListener> readable = make<testing::TestListener>();
  ComPtr<testing::TestListener> error = make<testing::TestListener>();
  ComPtr<testing::TestListener> room = make<testing::TestListener>();
  EXPECT_EQ(async->add_listener(readable.get(), OSKIT_ASYNCIO_READABLE), OSKIT_ASYNCIO_WRITABLE);
  ASSERT_GE(async->add_listener(error.get(), OSKIT_ASYNCIO_EXCEPTION), 0);
  ASSERT_GE(async->add_listener(room.get(), OSKIT_ASYNCIO_WRITABLE), 0);
  Buffer b = wired(64);
  ASSERT_EQ(submit(small.get(), {fill_desc(b.addr, 8, 1), fill_desc(b.addr + 64, 8, 1)}), 0);
  EXPECT_EQ(async->poll() & OSKIT_ASYNCIO_WRITABLE, 0) << "the ring is full";
  ASSERT_EQ(set_ctrl(small.get(), OSKIT_DMA_CTRL_ENABLE), 0);
  readable->wait_beyond(0);
  error->wait_beyond(0);
  EXPECT_GT(async->readable(), 0);
  const int room_before = room->count();
  ASSERT_EQ(reap_n(small.get(), 2).size(), 2u);
  room->wait_beyond(room_before);
  EXPECT_EQ(async->readable(), 0);
  EXPECT_EQ(async->remove_listener(readable.get()), 0);
  EXPECT_EQ(async->remove_listener(error.get()), 0);
  EXPECT_EQ(async->remove_listener(room.get()), 0);
}

TEST_F(DmaEngineTest, RemoveListenerWaitsForANotificationInProgress) {
  enable();
  ComPtr<oskit_asyncio> async = query<oskit_asyncio>(engine_);
  ComPtr<testing::TestListener> slow = make<testing::TestListener>();
  std::atomic<bool> inside{false}, release{false};
  slow->on_notify([&](oskit_iunknown*) {
    inside = true;
    while (!release.load()) std::this_thread::yield();
  });
  ASSERT_GE(async->add_listener(slow.get(), OSKIT_ASYNCIO_READABLE), 0);
  Buffer b = wired(64);
  ASSERT_EQ(submit(engine_.get(), {fill_desc(b.addr, 8, 1)}), 0);
  while (!inside.load()) std::this_thread::yield();
  std::atomic<bool> removed{false};
  std::thread remover([&] {
    EXPECT_EQ(async->remove_listener(slow.get()), 0);
    removed = true;
  });
  for (int i = 0; i < 1000; i++) sched_yield();
  EXPECT_FALSE(removed.load()) << "remove_listener returned while its listener was being called";
  release = true;
  remover.join();
  EXPECT_TRUE(removed.load());
  slow->on_notify(nullptr);
  reap_n(engine_.get(), 1);
}

TEST_F(DmaEngineTest, ThreadsSubmittingAndReapingConcurrentlyLoseNothing) {
  enable();
  nonblocking();
  constexpr int kSubmitters = 3;
  constexpr int kEach = 400;
  std::vector<Buffer> buffers;
  for (int t = 0; t < kSubmitters; t++) buffers.push_back(wired(kEach));
  std::atomic<int> reaped{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kSubmitters; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach;) {
        oskit_s32_t taken = 0;
        oskit_error_t rc = submit(
            engine_.get(),
            {fill_desc(buffers[t].addr + i, 1, 0x0101010101010101ull * (t + 1), static_cast<oskit_u64_t>(t) << 32 | i)},
            &taken);
        if (rc == OSKIT_EAGAIN) {
          std::this_thread::yield();
          continue;
        }
        ASSERT_EQ(rc, 0);
        i++;
      }
    });
  }
  std::vector<std::vector<int>> seen(kSubmitters, std::vector<int>(kEach, 0));
  std::thread reaper([&] {
    while (reaped.load() < kSubmitters * kEach) {
      std::vector<oskit_dma_completion> done;
      oskit_error_t rc = reap(engine_.get(), OSKIT_DMA_REAP_MAX, &done);
      if (rc == OSKIT_EAGAIN) {
        std::this_thread::yield();
        continue;
      }
      ASSERT_EQ(rc, 0);
      for (const auto& c : done) {
        ASSERT_EQ(c.status, 0);
        seen[c.cookie >> 32][c.cookie & 0xffffffff]++;
      }
      reaped += static_cast<int>(done.size());
    }
  });
  for (auto& th : threads) th.join();
  reaper.join();
  for (int t = 0; t < kSubmitters; t++) {
    EXPECT_EQ(seen[t], std::vector<int>(kEach, 1)) << "submitter " << t;
    EXPECT_EQ(read_bytes(buffers[t].io.get(), 0, kEach), std::string(kEach, static_cast<char>(t + 1)));
  }
}

// Blocking submitters and reapers with minimums above their maximums, while
// another thread disables, enables and aborts: every descriptor completes
// once (executed or cancelled), and no reaper sleeps through its wakeup.
TEST_F(DmaEngineTest, BlockingReapersWhileTheEngineIsToggledAndAbortedLoseNothing) {
  enable();
  constexpr int kSubmitters = 2, kReapers = 2, kEach = 3000;
  constexpr int kTotal = kSubmitters * kEach;
  constexpr oskit_u64_t kSentinel = ~0ull;
  Buffer b = wired(64);
  std::atomic<int> reaped{0};
  std::atomic<bool> done_submitting{false};
  std::vector<int> seen(kTotal, 0);
  std::mutex seen_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < kSubmitters; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach;) {
        oskit_s32_t taken = 0;
        ASSERT_EQ(submit(engine_.get(), {fill_desc(b.addr, 8, 1, static_cast<oskit_u64_t>(t * kEach + i))}, &taken), 0);
        i += taken;
      }
    });
  }
  for (int r = 0; r < kReapers; r++) {
    threads.emplace_back([&, r] {
      for (oskit_u32_t round = 0; reaped.load() < kTotal; round++) {
        std::vector<oskit_dma_completion> done;
        ASSERT_EQ(reap(engine_.get(), 4, &done, 1 + (round + r) % 8), 0);
        std::lock_guard<std::mutex> lock(seen_mu);
        for (const auto& c : done) {
          if (c.cookie == kSentinel) continue;
          ASSERT_TRUE(c.status == 0 || c.status == OSKIT_ECANCELED) << c.status;
          seen[c.cookie]++;
          reaped++;
        }
      }
    });
  }
  std::thread toggler([&] {
    for (int i = 0; !done_submitting.load(); i++) {
      ASSERT_EQ(set_ctrl(engine_.get(), 0), 0);
      if (i % 4 == 0) ASSERT_EQ(engine_->devctl(OSKIT_DMA_DCMD_ABORT, nullptr, 0, nullptr, nullptr), 0);
      ASSERT_EQ(set_ctrl(engine_.get(), OSKIT_DMA_CTRL_ENABLE), 0);
      std::this_thread::yield();
    }
  });
  for (int t = 0; t < kSubmitters; t++) threads[t].join();
  done_submitting = true;
  toggler.join();
  while (reaped.load() < kTotal) std::this_thread::yield();
  // A reaper still waiting for more gets a sentinel each.
  ASSERT_EQ(submit(engine_.get(), std::vector<oskit_dma_desc>(kReapers, fill_desc(b.addr, 8, 1, kSentinel))), 0);
  for (int r = 0; r < kReapers; r++) threads[kSubmitters + r].join();
  EXPECT_EQ(seen, std::vector<int>(kTotal, 1));
}

TEST_F(DmaEngineTest, ReleasingAnEngineWithWorkPendingLeavesNothingBehind) {
  Buffer b = wired(64);
  ComPtr<oskit_devctl> other = make_engine(4);
  ASSERT_EQ(submit(other.get(), {fill_desc(b.addr, 8, 1), fill_desc(b.addr, 8, 1)}), 0);
  ASSERT_EQ(set_ctrl(other.get(), OSKIT_DMA_CTRL_ENABLE), 0);
  ASSERT_EQ(submit(other.get(), {fill_desc(b.addr, 8, 1)}), 0);
  other.reset();  // the leak check at the end proves it went
}

TEST_F(DmaEngineTest, CreationChecksItsOptions) {
  ComPtr<oskit_devctl> engine;
  oskit_dma_engine_options_t options = {1, 3, 0};
  EXPECT_EQ(oskit_dma_engine_create(nullptr, &options, engine.put()), OSKIT_EINVAL) << "not a power of two";
  options.ring_size = OSKIT_DMA_RING_MAX * 2;
  EXPECT_EQ(oskit_dma_engine_create(nullptr, &options, engine.put()), OSKIT_EINVAL);
  options = {1, 0, 0x4};
  EXPECT_EQ(oskit_dma_engine_create(nullptr, &options, engine.put()), OSKIT_EINVAL) << "an unknown open mode bit";
  EXPECT_EQ(oskit_dma_engine_create(nullptr, nullptr, nullptr), OSKIT_E_POINTER);
  EXPECT_FALSE(engine);
  ASSERT_EQ(oskit_dma_engine_create(nullptr, nullptr, engine.put()), 0);
  oskit_dma_engine_info info = {};
  ASSERT_EQ(engine->devctl(OSKIT_DMA_DCMD_GETINFO, &info, sizeof info, nullptr, nullptr), 0);
  EXPECT_EQ(info.ring_size, OSKIT_DMA_RING_DEFAULT);
}

TEST_F(DmaEngineTest, AnEngineOverAnotherSpaceSeesNoneOfTheDefaultsRegions) {
  ComPtr<oskit_dma_space> other;
  ASSERT_EQ(oskit_dma_space_create(nullptr, other.put()), 0);
  ComPtr<oskit_devctl> engine = make_engine(4, 0, other.get());
  ASSERT_EQ(set_ctrl(engine.get(), OSKIT_DMA_CTRL_ENABLE), 0);
  Buffer b = wired(64);  // wired in the default space
  ASSERT_EQ(submit(engine.get(), {fill_desc(b.addr, 8, 1)}), 0);
  const auto done = reap_n(engine.get(), 1);
  EXPECT_EQ(done[0].status, OSKIT_EFAULT) << "an address of another IOMMU domain";
  oskit_dma_stats_t stats;
  ASSERT_EQ(other->getstats(&stats), 0);
  EXPECT_EQ(stats.faults, 1u);
}

TEST(DmaEngineEnvironment, TheWorkerAndTheRingComeFromTheEnvironment) {
  env::CountingEnvironment counting;
  env::ScopedEnvironment scoped(&counting);
  ASSERT_TRUE(scoped.status().ok()) << scoped.status();
  {
    ComPtr<oskit_devctl> engine = make_engine(4);
    EXPECT_EQ(counting.threads_started(), 1);
  }
  EXPECT_EQ(counting.live_allocations(), 0);
}

}  // namespace
}  // namespace oskit
