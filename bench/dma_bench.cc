// Exporting bufio to DMA code: the simulated DMA engine's copy throughput
// against memcpy of the same buffers (4 KiB to 4 MiB transfers; goal: at
// least 0.8 of memcpy), and the cost of a wire+unwire pair (goal: under 100 ns
// in IOVA mode) through a memory bufio, a DMA pool's bufio and the space
// itself. Ends with the ratios.
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "components/dma_engine/dma_engine.h"
#include "components/membufio/membufio.h"
#include "glue/dma/dma.h"
#include "oskit/com/ptr.h"
#include "oskit/sync/cpu_relax.h"

namespace {

using oskit::ComPtr;
using oskit::cpu_relax;

constexpr oskit_u32_t kRing = OSKIT_DMA_RING_MAX;

ComPtr<oskit_dma_space> make_space(oskit_u32_t mode, std::string* why) {
  oskit_dma_space_options_t options = {};
  options.mode = mode;
  options.pool_bytes = 16 << 20;
  ComPtr<oskit_dma_space> space;
  oskit_error_t rc = oskit_dma_space_create(&options, space.put());
  if (rc != 0) *why = std::string("no space in this mode here: ") + oskit_error_string(rc);
  return space;
}

// Two wired buffers of one size and an engine, enabled.
struct CopySetup {
  explicit CopySetup(oskit_size_t size) {
    std::string why;
    space = make_space(OSKIT_DMA_MODE_IOVA, &why);
    make_buffers(size);
    oskit_dma_engine_options_t options = {1, kRing, 0};
    oskit_dma_engine_create(space.get(), &options, engine.put());
    oskit_u32_t value = OSKIT_DMA_CTRL_ENABLE;
    engine->devctl(OSKIT_DMA_DCMD_SETCTRL, &value, sizeof value, nullptr, nullptr);
  }
  void make_buffers(oskit_size_t size) {
    if (!space || oskit_dma_bufio_pool_create(space.get(), size, 2, pool.put()) != 0 ||
        pool->alloc(size, src.put()) != 0 || pool->alloc(size, dst.put()) != 0 || src->wire(&src_addr, 0, size) != 0 ||
        dst->wire(&dst_addr, 0, size) != 0 || src->map(&src_cpu, 0, size) != 0 || dst->map(&dst_cpu, 0, size) != 0) {
      src_cpu = dst_cpu = nullptr;
      return;
    }
    std::memset(src_cpu, 0x5a, size);
  }
  // Whether every part was made, wired and mapped.
  bool ready() const { return engine && src_cpu != nullptr && dst_cpu != nullptr; }
  // Completions, waiting for at least min of them.
  oskit_u32_t reap(oskit_u32_t min = 1) {
    oskit_dma_reap req;
    req.max = OSKIT_DMA_REAP_MAX;
    req.min = min;
    oskit_s32_t count = 0;
    return engine->devctl(OSKIT_DMA_DCMD_REAP, &req, sizeof req, &count, nullptr) == 0 ? count : 0;
  }

  ComPtr<oskit_dma_space> space;
  ComPtr<oskit_bufio_pool> pool;
  ComPtr<oskit_bufio> src, dst;
  oskit_addr_t src_addr = 0, dst_addr = 0;
  void* src_cpu = nullptr;
  void* dst_cpu = nullptr;
  ComPtr<oskit_devctl> engine;
};

void BM_Memcpy(benchmark::State& state) {
  const auto size = static_cast<oskit_size_t>(state.range(0));
  CopySetup setup(size);
  if (!setup.ready()) state.SkipWithError("cannot set up the buffers");
  for (auto _ : state) {
    std::memcpy(setup.dst_cpu, setup.src_cpu, size);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}
BENCHMARK(BM_Memcpy)->RangeMultiplier(4)->Range(4 << 10, 4 << 20)->UseRealTime();

// The engine kept busy, as a driver with a deep ring would: batches of copy
// descriptors (1 MiB or 128 descriptors) submitted while up to 31 earlier
// ones complete (at most the whole ring); throughput counts the bytes of the completions
// reaped in the loop. A sleeping driver waits in the reap until a quarter of
// them are done (an interrupt-driven driver with moderation); a polling driver
// reaps without waiting and spins meanwhile (as DPDK's drivers do).
void engine_copy(benchmark::State& state, bool polling) {
  const auto size = static_cast<oskit_size_t>(state.range(0));
  CopySetup setup(size);
  if (!setup.ready()) state.SkipWithError("cannot set up the engine and its buffers");
  if (polling) {
    oskit_u32_t flags = OSKIT_DEVCTL_F_NONBLOCK;
    setup.engine->devctl(OSKIT_DCMD_ALL_SETFLAGS, &flags, sizeof flags, nullptr, nullptr);
  }
  const oskit_u32_t batch =
      static_cast<oskit_u32_t>(std::clamp<oskit_size_t>((1 << 20) / size, 1, OSKIT_DMA_SUBMIT_MAX));
  const oskit_u32_t window = std::min<oskit_u32_t>(32 * batch, kRing);  // a multiple of batch
  // A sleeping driver asks to be woken once a quarter of the window is done
  // (the rest keeps the engine busy while it wakes up), then takes what waits
  // OSKIT_DMA_REAP_MAX at a time.
  const oskit_u32_t wake_at = std::max<oskit_u32_t>(window / 2, 1);
  oskit_dma_submit req = {};
  req.count = batch;
  for (oskit_u32_t i = 0; i < batch; i++) {
    req.desc[i].op = OSKIT_DMA_OP_COPY;
    req.desc[i].src = setup.src_addr;
    req.desc[i].dst = setup.dst_addr;
    req.desc[i].length = size;
  }
  const oskit_size_t nbytes = offsetof(oskit_dma_submit, desc) + batch * sizeof(oskit_dma_desc);
  oskit_u64_t outstanding = 0, reaped = 0;
  for (auto _ : state) {
    while (outstanding + batch > window) {
      oskit_u32_t n = setup.reap(polling ? 0 : wake_at);
      for (oskit_u32_t more = n; !polling && more == OSKIT_DMA_REAP_MAX && n < outstanding; n += more) {
        more = setup.reap(1);  // the rest of what woke it
      }
      if (n == 0) cpu_relax();
      outstanding -= n;
      reaped += n;
    }
    oskit_s32_t taken = 0;
    if (setup.engine->devctl(OSKIT_DMA_DCMD_SUBMIT, &req, nbytes, &taken, nullptr) != 0 ||
        taken != static_cast<oskit_s32_t>(batch)) {
      state.SkipWithError("submit refused");
      break;
    }
    outstanding += batch;
  }
  state.SetBytesProcessed(static_cast<int64_t>(reaped * size));
  while (outstanding != 0) outstanding -= setup.reap();
}

void BM_EngineCopy(benchmark::State& state) { engine_copy(state, false); }
void BM_EngineCopyPolling(benchmark::State& state) { engine_copy(state, true); }
BENCHMARK(BM_EngineCopyPolling)->RangeMultiplier(4)->Range(4 << 10, 4 << 20)->UseRealTime();
BENCHMARK(BM_EngineCopy)->RangeMultiplier(4)->Range(4 << 10, 4 << 20)->UseRealTime();

void wire_unwire(benchmark::State& state, oskit_bufio* io) {
  for (auto _ : state) {
    oskit_addr_t addr = 0;
    if (io->wire(&addr, 0, 4096) != 0 || io->unwire(addr, 0, 4096) != 0) {
      state.SkipWithError("wire or unwire failed");
      break;
    }
  }
}

void BM_WireUnwire_MemoryBufio(benchmark::State& state) {
  auto io = ComPtr<oskit_bufio>::adopt(oskit_bufio_create(4096));
  wire_unwire(state, io.get());
}
BENCHMARK(BM_WireUnwire_MemoryBufio);

void pool_wire_unwire(benchmark::State& state, oskit_u32_t mode) {
  std::string why;
  ComPtr<oskit_dma_space> space = make_space(mode, &why);
  if (!space) {
    state.SkipWithError(why.c_str());
    for (auto _ : state) {
    }
    return;
  }
  ComPtr<oskit_bufio_pool> pool;
  ComPtr<oskit_bufio> io;
  oskit_dma_bufio_pool_create(space.get(), 4096, 1, pool.put());
  pool->alloc(4096, io.put());
  wire_unwire(state, io.get());
}

void BM_WireUnwire_PoolBufio(benchmark::State& state) { pool_wire_unwire(state, OSKIT_DMA_MODE_IOVA); }
BENCHMARK(BM_WireUnwire_PoolBufio);

void BM_WireUnwire_PoolBufioPhysical(benchmark::State& state) { pool_wire_unwire(state, OSKIT_DMA_MODE_PHYS); }
BENCHMARK(BM_WireUnwire_PoolBufioPhysical);

void BM_WireUnwire_Space(benchmark::State& state) {
  std::string why;
  ComPtr<oskit_dma_space> space = make_space(OSKIT_DMA_MODE_IOVA, &why);
  static char memory[4096];
  for (auto _ : state) {
    oskit_addr_t addr = 0;
    space->wire(memory, sizeof memory, &addr);
    space->unwire(addr, sizeof memory);
  }
}
BENCHMARK(BM_WireUnwire_Space);

// A device's translation of one access, begin to end.
void BM_DeviceAccess(benchmark::State& state) {
  std::string why;
  ComPtr<oskit_dma_space> space = make_space(OSKIT_DMA_MODE_IOVA, &why);
  static char memory[4096];
  oskit_addr_t addr = 0;
  space->wire(memory, sizeof memory, &addr);
  for (auto _ : state) {
    void* cpu = nullptr;
    oskit_dma_pin_t pin = 0;
    space->access_begin(1, addr + 64, 64, OSKIT_DMA_READ, &cpu, &pin);
    benchmark::DoNotOptimize(cpu);
    space->access_end(pin);
  }
  space->unwire(addr, sizeof memory);
}
BENCHMARK(BM_DeviceAccess);

// Shows the runs as the console does and keeps what the summary needs.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred || (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median")) continue;
      const std::string family = run.run_name.function_name;
      auto bytes = run.counters.find("bytes_per_second");
      if (bytes != run.counters.end()) rates_[family][std::stoll(run.run_name.args)] = bytes->second.value;
      times_[family] = {run.GetAdjustedRealTime(), run.GetAdjustedCPUTime()};
    }
  }

  void summarize() const {
    for (const char* family : {"BM_EngineCopy", "BM_EngineCopyPolling"}) {
      std::printf("\n%s: engine copy / memcpy throughput (goal: at least 0.80)\n", family);
      auto engine = rates_.find(family);
      auto memcpy_rates = rates_.find("BM_Memcpy");
      if (engine == rates_.end() || memcpy_rates == rates_.end()) continue;
      for (const auto& [size, rate] : engine->second) {
        auto base = memcpy_rates->second.find(size);
        if (base == memcpy_rates->second.end()) continue;
        std::printf("  %8lld bytes: %5.2f  (engine %.2f GB/s, memcpy %.2f GB/s)\n", size, rate / base->second,
                    rate / 1e9, base->second / 1e9);
      }
    }
    std::printf("wire+unwire per pair (goal: under 100 ns in IOVA mode); wall and CPU time per call\n");
    for (const char* family : {"BM_WireUnwire_MemoryBufio", "BM_WireUnwire_PoolBufio", "BM_WireUnwire_Space",
                               "BM_WireUnwire_PoolBufioPhysical", "BM_DeviceAccess"}) {
      auto t = times_.find(family);
      if (t != times_.end()) std::printf("  %-32s %7.1f ns  %7.1f ns\n", family, t->second.first, t->second.second);
    }
  }

 private:
  std::map<std::string, std::map<long long, double>> rates_;  // bytes/s by family and transfer size
  std::map<std::string, std::pair<double, double>> times_;    // wall, CPU
};

}  // namespace

int main(int argc, char** argv) {
  // Unless told otherwise: medians of five runs, interleaved at random, so
  // that a change in the machine's load falls on both sides of a ratio.
  std::vector<char*> args(argv, argv + argc);
  char repetitions[] = "--benchmark_repetitions=5";
  char interleave[] = "--benchmark_enable_random_interleaving=true";
  char aggregates[] = "--benchmark_report_aggregates_only=true";
  const bool told = std::any_of(args.begin() + 1, args.end(),
                                [](const char* a) { return std::strstr(a, "--benchmark_repetitions") == a; });
  if (!told) args.insert(args.begin() + 1, {repetitions, interleave, aggregates});
  argc = static_cast<int>(args.size());
  argv = args.data();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.summarize();
  benchmark::Shutdown();
  return 0;
}
