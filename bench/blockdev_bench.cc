// File/block device I/O through the toolkit against raw pread/pwrite on the
// same file in the same run: sequential 1 MiB reads and writes, random 4 KiB
// reads; through the blockdev's blkio (512-byte blocks), and through a subset
// (a partition starting at 1 MiB) seen through the absio adapter. All
// transfers are block-aligned. The file lives in $TMPDIR (default /tmp) and
// stays in the page cache, so the numbers measure the stack's overhead.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "components/blkio_adapters/adapters.h"
#include "components/blockdev/blockdev.h"
#include "components/subset/subset.h"
#include "oskit/com/ptr.h"

namespace {

constexpr oskit_off_t kFileSize = 64 << 20;
constexpr oskit_off_t kBase = 1 << 20;  // the subset's start
constexpr oskit_off_t kWindow = kFileSize - 2 * kBase;
constexpr size_t kBig = 1 << 20;
constexpr size_t kSmall = 4096;

struct Fixture {
  std::string path;
  int fd = -1;  // raw access
  oskit::ComPtr<oskit_blkio> blkio;
  oskit::ComPtr<oskit_absio> subset_bytes;
  std::vector<oskit_off_t> random_offsets;  // 4 KiB-aligned, inside the window

  Fixture() {
    const char* dir = std::getenv("TMPDIR");
    path = std::string(dir ? dir : "/tmp") + "/oskit_blockdev_bench.img";
    fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    std::vector<char> chunk(kBig, 'b');
    for (oskit_off_t at = 0; at < kFileSize; at += kBig) {
      if (pwrite(fd, chunk.data(), chunk.size(), at) != static_cast<ssize_t>(chunk.size())) std::abort();
    }
    // The component gets its own descriptor on the same open file (the
    // kernel's per-open state, such as readahead, is then shared too).
    int own = dup(fd);
    if (own < 0 || oskit_blockdev_adopt(own, 512, blkio.put()) != 0) std::abort();
    oskit::ComPtr<oskit_blkio> part;
    if (oskit_blkio_subset(blkio.get(), kBase, kWindow, part.put()) != 0) std::abort();
    if (oskit_absio_adapter_create(part.get(), subset_bytes.put()) != 0) std::abort();
    std::uint64_t x = 12345;
    for (int i = 0; i < 4096; i++) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      random_offsets.push_back(static_cast<oskit_off_t>((x >> 20) % (kWindow / kSmall)) * kSmall);
    }
  }
  ~Fixture() {
    close(fd);
    unlink(path.c_str());
  }
};

Fixture& fixture() {
  static Fixture* f = new Fixture;
  return *f;
}

enum class Path { kRaw, kBlkio, kSubsetAbsio };

// Offsets below are relative to the window; raw and blkio add kBase so that
// all three touch the same bytes of the file.
bool transfer(Path path, bool write, char* buf, oskit_off_t offset, size_t n) {
  Fixture& f = fixture();
  oskit_size_t actual = 0;
  switch (path) {
    case Path::kRaw:
      return (write ? pwrite(f.fd, buf, n, kBase + offset) : pread(f.fd, buf, n, kBase + offset)) ==
             static_cast<ssize_t>(n);
    case Path::kBlkio:
      return (write ? f.blkio->write(buf, kBase + offset, n, &actual)
                    : f.blkio->read(buf, kBase + offset, n, &actual)) == 0 &&
             actual == n;
    case Path::kSubsetAbsio:
      return (write ? f.subset_bytes->write(buf, offset, n, &actual) : f.subset_bytes->read(buf, offset, n, &actual)) ==
                 0 &&
             actual == n;
  }
  return false;
}

void Sequential(benchmark::State& state, Path path, bool write) {
  std::vector<char> buf(kBig, 'w');
  oskit_off_t at = 0;
  for (auto _ : state) {
    if (!transfer(path, write, buf.data(), at, kBig)) state.SkipWithError("transfer failed");
    at += kBig;
    if (at + static_cast<oskit_off_t>(kBig) > kWindow) at = 0;
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kBig);
}

void Random(benchmark::State& state, Path path) {
  std::vector<char> buf(kSmall);
  const std::vector<oskit_off_t>& offsets = fixture().random_offsets;
  size_t i = 0;
  for (auto _ : state) {
    if (!transfer(path, false, buf.data(), offsets[i], kSmall)) state.SkipWithError("transfer failed");
    i = (i + 1) % offsets.size();
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kSmall);
}

void BM_SeqRead1M_Raw(benchmark::State& s) { Sequential(s, Path::kRaw, false); }
void BM_SeqRead1M_Blkio(benchmark::State& s) { Sequential(s, Path::kBlkio, false); }
void BM_SeqRead1M_SubsetAbsio(benchmark::State& s) { Sequential(s, Path::kSubsetAbsio, false); }
void BM_SeqWrite1M_Raw(benchmark::State& s) { Sequential(s, Path::kRaw, true); }
void BM_SeqWrite1M_Blkio(benchmark::State& s) { Sequential(s, Path::kBlkio, true); }
void BM_SeqWrite1M_SubsetAbsio(benchmark::State& s) { Sequential(s, Path::kSubsetAbsio, true); }
void BM_RandRead4K_Raw(benchmark::State& s) { Random(s, Path::kRaw); }
void BM_RandRead4K_Blkio(benchmark::State& s) { Random(s, Path::kBlkio); }
void BM_RandRead4K_SubsetAbsio(benchmark::State& s) { Random(s, Path::kSubsetAbsio); }

BENCHMARK(BM_SeqRead1M_Raw);
BENCHMARK(BM_SeqRead1M_Blkio);
BENCHMARK(BM_SeqRead1M_SubsetAbsio);
BENCHMARK(BM_SeqWrite1M_Raw);
BENCHMARK(BM_SeqWrite1M_Blkio);
BENCHMARK(BM_SeqWrite1M_SubsetAbsio);
BENCHMARK(BM_RandRead4K_Raw);
BENCHMARK(BM_RandRead4K_Blkio);
BENCHMARK(BM_RandRead4K_SubsetAbsio);

}  // namespace

BENCHMARK_MAIN();
