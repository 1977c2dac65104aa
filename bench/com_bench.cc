// The cost of the COM layer: reference counting, query, and a 64-byte absio
// read through the interface against a plain memcpy of 64 bytes.
#include <cstring>

#include "benchmark/benchmark.h"
#include "components/membufio/membufio.h"
#include "oskit/com/ptr.h"
#include "oskit/io/bufio.h"
#include "oskit/io/netio.h"

namespace {

oskit::ComPtr<oskit_bufio> make_buffer() {
  auto b = oskit::ComPtr<oskit_bufio>::adopt(oskit_bufio_create(4096));
  benchmark::DoNotOptimize(b.get());
  return b;
}

void BM_AddrefRelease(benchmark::State& state) {
  auto b = make_buffer();
  oskit_bufio* io = b.get();
  for (auto _ : state) {
    io->addref();
    benchmark::DoNotOptimize(io->release());
  }
}
BENCHMARK(BM_AddrefRelease);

void BM_QuerySucceeds(benchmark::State& state) {
  auto b = make_buffer();
  oskit_bufio* io = b.get();
  for (auto _ : state) {
    void* out = nullptr;
    benchmark::DoNotOptimize(io->query(&oskit_absio_iid, &out));
    static_cast<oskit_absio*>(out)->release();
  }
}
BENCHMARK(BM_QuerySucceeds);

void BM_QueryFails(benchmark::State& state) {
  auto b = make_buffer();
  oskit_bufio* io = b.get();
  for (auto _ : state) {
    void* out = nullptr;
    benchmark::DoNotOptimize(io->query(&oskit_netio_iid, &out));
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_QueryFails);

void BM_AbsioRead64(benchmark::State& state) {
  auto b = make_buffer();
  oskit::ComPtr<oskit_absio> io = oskit::query<oskit_absio>(b);
  oskit_absio* absio = io.get();
  benchmark::DoNotOptimize(absio);
  char dst[64];
  oskit_off_t offset = 0;
  for (auto _ : state) {
    oskit_size_t actual;
    benchmark::DoNotOptimize(oskit_absio_read(absio, dst, offset, sizeof dst, &actual));
    benchmark::DoNotOptimize(dst);
    offset = (offset + 64) & 4095;
  }
  state.SetBytesProcessed(state.iterations() * 64);
}
BENCHMARK(BM_AbsioRead64);

void BM_Memcpy64(benchmark::State& state) {
  static char src[4096];
  char dst[64];
  char* base = src;
  benchmark::DoNotOptimize(base);
  std::size_t offset = 0;
  for (auto _ : state) {
    std::memcpy(dst, base + offset, sizeof dst);
    benchmark::DoNotOptimize(dst);
    offset = (offset + 64) & 4095;
  }
  state.SetBytesProcessed(state.iterations() * 64);
}
BENCHMARK(BM_Memcpy64);

// The same copy through the C library's memcpy, called (not inlined).
void BM_LibcMemcpy64(benchmark::State& state) {
  static char src[4096];
  char dst[64];
  void* (*volatile copy)(void*, const void*, std::size_t) = std::memcpy;
  auto* fn = copy;
  std::size_t offset = 0;
  for (auto _ : state) {
    fn(dst, src + offset, sizeof dst);
    benchmark::DoNotOptimize(dst);
    offset = (offset + 64) & 4095;
  }
  state.SetBytesProcessed(state.iterations() * 64);
}
BENCHMARK(BM_LibcMemcpy64);

}  // namespace

BENCHMARK_MAIN();
