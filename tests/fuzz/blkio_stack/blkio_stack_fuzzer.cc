// Fuzzes stacks of subsets and adapters (components/subset,
// components/blkio_adapters) over a memory bufio (components/membufio) or a
// file (components/blockdev), against a flat buffer model written from OSKit
// manual 7.1 and 7.3, docs/design.md ("Range rules for absio, blkio and
// bufio") and the components' headers:
//   - every layer is a window of the bottom's bytes: a subset a fixed window,
//     an adapter the whole of what it stands on (a blkio adapter rounded down
//     to its block size);
//   - a request on any layer follows the range rules against the layer's
//     size, and on a blkio misaligned offsets or amounts are OSKIT_EINVAL; what
//     a read returns and a write leaves are the model's bytes; only a file
//     grows, when written past its end directly;
//   - setsize: OSKIT_E_NOTIMPL at a subset, a size that is not a multiple of a
//     layer's block size is OSKIT_EINVAL at that layer, and a refused setsize
//     changes nothing;
//   - absio is answered exactly at block size 1; creating a layer with bad
//     arguments, or adopting a descriptor opened O_APPEND, is refused; every
//     object goes with the stack.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "components/blkio_adapters/adapters.h"
#include "components/blockdev/blockdev.h"
#include "components/membufio/membufio.h"
#include "components/subset/subset.h"
#include "oskit/com/heap.h"
#include "oskit/error.h"
#include "oskit/io/absio.h"
#include "oskit/io/blkio.h"
#include "oskit/testing/temp_dir.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"

namespace oskit::fuzz {
namespace {

constexpr std::uint64_t kMaxOffset = static_cast<std::uint64_t>(std::numeric_limits<oskit_off_t>::max());
constexpr std::int64_t kMaxBytes = 64 << 10;  // the bottom never grows past this
constexpr int kMaxLayers = 7;
constexpr std::uint32_t kLargestBlock = 4096;  // of any layer the fuzzer makes

enum class Kind { kMemory, kFile, kSubset, kAbsioAdapter, kBlkioAdapter };

struct Layer {
  Kind kind;
  oskit_blkio* io;
  std::uint32_t block_size;
  std::int64_t window = 0;      // where its byte 0 is in the bottom's bytes
  std::int64_t fixed_size = 0;  // a subset's
};

class StackFuzz {
 public:
  explicit StackFuzz(FuzzInput& in) : in_(in) {}
  ~StackFuzz() {
    for (auto it = layers_.rbegin(); it != layers_.rend(); ++it) it->io->release();
  }

  void run() {
    if (!make_bottom()) return;
    const int wanted = static_cast<int>(in_.range(0, kMaxLayers - 1));
    for (int i = 0; i < wanted && !in_.empty(); ++i) add_layer();
    for (int steps = 0; steps < 120 && !in_.empty(); ++steps) step();
  }

 private:
  // ------------------------------------------------------------ the model

  bool file_bottom() const { return layers_[0].kind == Kind::kFile; }
  std::int64_t bottom_bytes() const { return static_cast<std::int64_t>(bytes_.size()); }

  static std::int64_t round_down(std::int64_t v, std::uint32_t bs) { return v & ~static_cast<std::int64_t>(bs - 1); }

  std::int64_t size_of(std::size_t k) const {
    const Layer& l = layers_[k];
    switch (l.kind) {
      case Kind::kMemory:
        return bottom_bytes();
      case Kind::kFile:
        return round_down(bottom_bytes(), l.block_size);
      case Kind::kSubset:
        return l.fixed_size;
      case Kind::kAbsioAdapter:
        return size_of(k - 1);
      case Kind::kBlkioAdapter:
        return round_down(size_of(k - 1), l.block_size);
    }
    return 0;
  }

  static bool valid_range(oskit_off_t offset, std::uint64_t amount) {
    return offset >= 0 && amount <= kMaxOffset && static_cast<std::uint64_t>(offset) <= kMaxOffset - amount;
  }
  static bool aligned(std::uint64_t v, std::uint32_t bs) { return (v & (bs - 1)) == 0; }

  // The range rules on layer k: bytes that move, or -1 for OSKIT_EINVAL.
  std::int64_t transfer(std::size_t k, oskit_off_t offset, oskit_size_t amount, bool write) const {
    const Layer& l = layers_[k];
    if (!valid_range(offset, amount)) return -1;
    if (!aligned(static_cast<std::uint64_t>(offset) | amount, l.block_size)) return -1;
    if (amount == 0) return 0;
    if (write && l.kind == Kind::kFile) return static_cast<std::int64_t>(amount);  // a file grows
    const std::int64_t size = size_of(k);
    if (offset >= size) return -1;
    return static_cast<std::int64_t>(std::min<std::uint64_t>(amount, static_cast<std::uint64_t>(size - offset)));
  }

  // setsize on layer k: what it answers, and the bottom's new size if it reaches it.
  oskit_error_t model_setsize(std::size_t k, std::int64_t size, std::int64_t* bottom) const {
    const Layer& l = layers_[k];
    switch (l.kind) {
      case Kind::kSubset:
        return OSKIT_E_NOTIMPL;
      case Kind::kAbsioAdapter:
        if (size < 0 || !aligned(static_cast<std::uint64_t>(size), layers_[k - 1].block_size)) return OSKIT_EINVAL;
        return model_setsize(k - 1, size, bottom);
      case Kind::kBlkioAdapter:
        if (size < 0 || !aligned(static_cast<std::uint64_t>(size), l.block_size)) return OSKIT_EINVAL;
        return model_setsize(k - 1, size, bottom);
      case Kind::kMemory:
        if (size < 0) return OSKIT_EINVAL;
        *bottom = size;
        return 0;
      case Kind::kFile:
        if (size < 0 || !aligned(static_cast<std::uint64_t>(size), l.block_size)) return OSKIT_EINVAL;
        *bottom = size;
        return 0;
    }
    return OSKIT_E_FAIL;
  }

  // ------------------------------------------------------------ building

  bool make_bottom() {
    const std::int64_t size = static_cast<std::int64_t>(in_.range(0, 16 << 10));
    bytes_ = in_.bytes(static_cast<std::size_t>(size));
    if (in_.boolean()) {
      oskit_bufio* b = oskit_bufio_create(static_cast<oskit_size_t>(size));
      FUZZ_CHECK(b != nullptr, "memory bottom");
      oskit_size_t put = 0;
      if (size > 0) FUZZ_CHECK(b->write(bytes_.data(), 0, bytes_.size(), &put) == 0 && put == bytes_.size(), "fill");
      layers_.push_back({Kind::kMemory, b, 1});
      return true;
    }
    static constexpr std::uint32_t kFileBlocks[] = {1, 1, 2, 512, 4096};
    const std::uint32_t bs = in_.one_of(kFileBlocks);
    const int fd = oskit::testing::unlinked_temp_file("blkio-stack-");
    FUZZ_CHECK(fd >= 0, "temporary file");
    FUZZ_CHECK(size == 0 || pwrite(fd, bytes_.data(), bytes_.size(), 0) == size, "fill the file");
    if (in_.pick(8) == 0) {  // O_APPEND would put every write at the end: refused, the descriptor still ours
      FUZZ_CHECK_EQ(fcntl(fd, F_SETFL, O_APPEND), 0, "O_APPEND");
      oskit_blkio* io = reinterpret_cast<oskit_blkio*>(0x1);
      FUZZ_CHECK_EQ(oskit_blockdev_adopt(fd, bs, &io), OSKIT_EINVAL, "adopting an O_APPEND descriptor");
      FUZZ_CHECK(io == nullptr && fcntl(fd, F_GETFD) >= 0, "a refused adoption leaves the descriptor open");
      FUZZ_CHECK_EQ(fcntl(fd, F_SETFL, 0), 0, "clear O_APPEND");
    }
    oskit_blkio* io = nullptr;
    const oskit_error_t rc = oskit_blockdev_adopt(fd, bs, &io);
    FUZZ_CHECK(rc == 0 && io != nullptr, "blockdev over a temporary file, block size %u", bs);
    layers_.push_back({Kind::kFile, io, bs});
    return true;
  }

  void add_layer() {
    const std::size_t top = layers_.size() - 1;
    const Layer& below = layers_[top];
    const long live = oskit_live_objects();
    switch (in_.pick(3)) {
      case 0: {
        const std::int64_t size = size_of(top);
        std::int64_t offset = static_cast<std::int64_t>(in_.range(0, static_cast<std::uint64_t>(size)));
        std::int64_t length = static_cast<std::int64_t>(in_.range(0, static_cast<std::uint64_t>(size - offset)));
        bool valid = true;
        if (in_.pick(4) == 0) {  // bad arguments
          offset = static_cast<std::int64_t>(in_.u64());
          length = static_cast<std::int64_t>(in_.u64() >> in_.range(0, 63));
          valid = offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
        } else {
          offset = round_down(offset, below.block_size);
          length = round_down(length, below.block_size);
        }
        valid =
            valid && aligned(static_cast<std::uint64_t>(offset) | static_cast<std::uint64_t>(length), below.block_size);
        oskit_blkio* sub = reinterpret_cast<oskit_blkio*>(0x1);
        const oskit_error_t rc = oskit_blkio_subset(below.io, offset, length, &sub);
        if (!valid) {
          FUZZ_CHECK_EQ(rc, OSKIT_EINVAL, "subset(%lld, %lld) of %lld bytes, block size %u",
                        static_cast<long long>(offset), static_cast<long long>(length), static_cast<long long>(size),
                        below.block_size);
          FUZZ_CHECK(sub == nullptr && oskit_live_objects() == live, "a refused subset makes nothing");
          return;
        }
        FUZZ_CHECK(rc == 0 && sub != nullptr, "subset(%lld, %lld)", static_cast<long long>(offset),
                   static_cast<long long>(length));
        layers_.push_back({Kind::kSubset, sub, below.block_size, below.window + offset, length});
        return;
      }
      case 1: {
        oskit_absio* a = nullptr;
        FUZZ_CHECK_EQ(oskit_absio_adapter_create(below.io, &a), 0, "absio adapter over block size %u",
                      below.block_size);
        layers_.push_back({Kind::kAbsioAdapter, a, 1, below.window});
        return;
      }
      default: {
        static constexpr std::uint32_t kBlocks[] = {1, 2, 8, 512, 1024, 4096, 0, 3, 768, 1u << 21};
        const std::uint32_t bs = in_.one_of(kBlocks);
        void* raw = nullptr;
        if (below.io->query(&oskit_absio_iid, &raw) != 0) return;  // not byte-granular
        auto* absio = static_cast<oskit_absio*>(raw);
        oskit_blkio* b = reinterpret_cast<oskit_blkio*>(0x1);
        const oskit_error_t rc = oskit_blkio_adapter_create(absio, bs, &b);
        absio->release();
        const bool valid = bs != 0 && (bs & (bs - 1)) == 0 && bs <= OSKIT_ADAPTER_MAX_BLOCK_SIZE;
        if (!valid) {
          FUZZ_CHECK_EQ(rc, OSKIT_EINVAL, "blkio adapter of block size %u", bs);
          FUZZ_CHECK(b == nullptr, "a refused adapter sets *out_io to NULL");
          return;
        }
        FUZZ_CHECK(rc == 0 && b != nullptr, "blkio adapter of block size %u", bs);
        layers_.push_back({Kind::kBlkioAdapter, b, bs, below.window});
        return;
      }
    }
  }

  // ------------------------------------------------------------ operations

  void step() {
    const std::size_t k = in_.pick(layers_.size());
    switch (in_.pick(8)) {
      case 0:
      case 1:
      case 2:
        read(k);
        break;
      case 3:
      case 4:
      case 5:
        write(k);
        break;
      case 6:
        set_size(k);
        break;
      default:
        describe(k);
        break;
    }
  }

  oskit_off_t some_offset(std::size_t k) {
    const std::int64_t size = size_of(k);
    const std::uint32_t bs = layers_[k].block_size;
    switch (in_.pick(6)) {
      case 0:
        return static_cast<oskit_off_t>(in_.u64());
      case 1:
        return static_cast<oskit_off_t>(kMaxOffset - in_.range(0, 8));
      case 2:
        return size + static_cast<std::int64_t>(in_.range(0, 2)) * bs - bs;
      case 3:
        return static_cast<oskit_off_t>(in_.range(0, static_cast<std::uint64_t>(size) + 2));
      default:
        return round_down(static_cast<oskit_off_t>(in_.range(0, static_cast<std::uint64_t>(size))), bs);
    }
  }
  oskit_size_t some_amount(std::size_t k) {
    const std::uint32_t bs = layers_[k].block_size;
    switch (in_.pick(6)) {
      case 0:
        return static_cast<oskit_size_t>(in_.u64());
      case 1:
        return static_cast<oskit_size_t>(in_.range(0, 3));
      case 2:
        return static_cast<oskit_size_t>(in_.range(0, 3 * bs + 3));
      default:
        return static_cast<oskit_size_t>(round_down(static_cast<std::int64_t>(in_.range(0, 8 << 10)), bs));
    }
  }

  // A buffer for amount bytes, or for as many as any layer could move (the
  // bottom's bytes and a block beyond) when the request cannot reach the
  // kernel with its whole amount: a file's read(2) and write(2) refuse
  // (EFAULT) a count past the address space whatever they would move.
  // Returns 0 when the request cannot be made honestly.
  std::size_t buffer_for(oskit_off_t offset, oskit_size_t amount) const {
    if (amount <= (1u << 20)) return amount + 1;
    if (file_bottom() && valid_range(offset, amount)) return 0;
    return bytes_.size() + kLargestBlock + 1;
  }

  void read(std::size_t k) {
    const oskit_off_t offset = some_offset(k);
    const oskit_size_t amount = some_amount(k);
    const std::size_t room = buffer_for(offset, amount);
    if (room == 0) return;
    const std::int64_t n = transfer(k, offset, amount, false);
    std::vector<std::uint8_t> buf(room);
    oskit_size_t actual = 12345;
    const oskit_error_t rc = layers_[k].io->read(buf.data(), offset, amount, &actual);
    FUZZ_CHECK_EQ(rc, n < 0 ? OSKIT_EINVAL : 0, "layer %zu (kind %d, block %u, size %lld): read(%lld, %llu)", k,
                  static_cast<int>(layers_[k].kind), layers_[k].block_size, static_cast<long long>(size_of(k)),
                  static_cast<long long>(offset), static_cast<unsigned long long>(amount));
    if (n < 0) return;
    FUZZ_CHECK_EQ(actual, static_cast<oskit_size_t>(n), "layer %zu: read(%lld, %llu)'s count", k,
                  static_cast<long long>(offset), static_cast<unsigned long long>(amount));
    if (n == 0) return;
    const std::int64_t at = layers_[k].window + offset;
    FUZZ_CHECK(std::equal(buf.begin(), buf.begin() + n, bytes_.begin() + at), "layer %zu: read(%lld, %llu)'s bytes", k,
               static_cast<long long>(offset), static_cast<unsigned long long>(amount));
  }

  void write(std::size_t k) {
    const oskit_off_t offset = some_offset(k);
    oskit_size_t amount = some_amount(k);
    if (layers_[k].kind == Kind::kFile && valid_range(offset, amount) &&
        offset + static_cast<std::int64_t>(amount) > kMaxBytes) {
      return;  // would grow the file past what the model holds
    }
    const std::size_t room = buffer_for(offset, amount);
    if (room == 0) return;
    const std::int64_t n = transfer(k, offset, amount, true);
    std::vector<std::uint8_t> data = in_.bytes(room);
    oskit_size_t actual = 12345;
    const oskit_error_t rc = layers_[k].io->write(data.data(), offset, amount, &actual);
    FUZZ_CHECK_EQ(rc, n < 0 ? OSKIT_EINVAL : 0, "layer %zu (kind %d, block %u, size %lld): write(%lld, %llu)", k,
                  static_cast<int>(layers_[k].kind), layers_[k].block_size, static_cast<long long>(size_of(k)),
                  static_cast<long long>(offset), static_cast<unsigned long long>(amount));
    if (n <= 0) return;
    FUZZ_CHECK_EQ(actual, static_cast<oskit_size_t>(n), "layer %zu: write(%lld, %llu)'s count", k,
                  static_cast<long long>(offset), static_cast<unsigned long long>(amount));
    const std::int64_t at = layers_[k].window + offset;
    if (at + n > bottom_bytes()) bytes_.resize(static_cast<std::size_t>(at + n), 0);
    std::copy(data.begin(), data.begin() + n, bytes_.begin() + at);
    check_bottom("after a write");
  }

  void set_size(std::size_t k) {
    // A subset above k would be left looking past the end of what it stands on.
    for (std::size_t j = k + 1; j < layers_.size(); ++j) {
      if (layers_[j].kind == Kind::kSubset) return;
    }
    std::int64_t size;
    switch (in_.pick(4)) {
      case 0:
        size = -static_cast<std::int64_t>(in_.range(1, 1ull << 40));
        break;
      case 1:
        size = static_cast<std::int64_t>(in_.range(0, kMaxBytes));
        break;
      default:
        size = round_down(static_cast<std::int64_t>(in_.range(0, kMaxBytes)), layers_[k].block_size);
        break;
    }
    std::int64_t bottom = bottom_bytes();
    const oskit_error_t want = model_setsize(k, size, &bottom);
    const std::vector<std::uint8_t> before = bytes_;
    const oskit_error_t rc = layers_[k].io->setsize(size);
    FUZZ_CHECK_EQ(rc, want, "layer %zu (kind %d, block %u): setsize(%lld)", k, static_cast<int>(layers_[k].kind),
                  layers_[k].block_size, static_cast<long long>(size));
    if (rc == 0) bytes_.resize(static_cast<std::size_t>(bottom), 0);
    check_bottom(rc == 0 ? "after setsize" : "a refused setsize changes nothing");
  }

  void describe(std::size_t k) {
    const Layer& l = layers_[k];
    FUZZ_CHECK_EQ(l.io->getblocksize(), l.block_size, "layer %zu's block size", k);
    oskit_off_t size = -1;
    FUZZ_CHECK_EQ(l.io->getsize(&size), 0, "layer %zu getsize", k);
    FUZZ_CHECK_EQ(size, size_of(k), "layer %zu's size (kind %d)", k, static_cast<int>(l.kind));
    void* raw = nullptr;
    const oskit_error_t rc = l.io->query(&oskit_absio_iid, &raw);
    FUZZ_CHECK_EQ(rc == 0, l.block_size == 1, "layer %zu answers absio exactly at block size 1", k);
    if (rc == 0) {
      FUZZ_CHECK(raw == l.io, "absio is the blkio pointer");
      static_cast<oskit_absio*>(raw)->release();
    }
  }

  // The bottom's bytes, read the bottom's own way.
  void check_bottom(const char* what) {
    const Layer& b = layers_[0];
    oskit_off_t size = -1;
    FUZZ_CHECK_EQ(b.io->getsize(&size), 0, "bottom getsize");
    FUZZ_CHECK_EQ(size, size_of(0), "%s: the bottom's size", what);
    if (size == 0) return;
    std::vector<std::uint8_t> got(static_cast<std::size_t>(size));
    oskit_size_t actual = 0;
    FUZZ_CHECK(b.io->read(got.data(), 0, got.size(), &actual) == 0 && actual == got.size(), "%s: read the bottom",
               what);
    FUZZ_CHECK(std::equal(got.begin(), got.end(), bytes_.begin()), "%s: the bottom's bytes", what);
  }

  FuzzInput& in_;
  std::vector<Layer> layers_;
  std::vector<std::uint8_t> bytes_;  // the bottom's bytes (a file's whole length)
};

}  // namespace
}  // namespace oskit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const long live = oskit_live_objects();
  {
    oskit::fuzz::FuzzInput in(data, size);
    oskit::fuzz::StackFuzz(in).run();
  }
  FUZZ_CHECK_EQ(oskit_live_objects(), live, "objects left alive");
  return 0;
}
