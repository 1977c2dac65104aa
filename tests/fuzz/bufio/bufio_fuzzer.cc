// Fuzzes memory bufios (components/membufio) through the interfaces a user
// holds, against a model written from OSKit manual 7.4 and docs/design.md
// ("Range rules for absio, blkio and bufio", "Exporting bufio to DMA code"):
//   - sizes: a heap bufio of any size it cannot hold, or beyond the largest
//     offset, is refused (NULL / OSKIT_ENOMEM) without harm; an extern bufio
//     over NULL with a size, or beyond the largest offset, is refused;
//   - read/write follow the range rules, and what map returns is the data;
//   - map and unmap: a mapping covers a non-empty region inside the buffer;
//     unmap takes exactly map's arguments; setsize is OSKIT_EBUSY while
//     anything is mapped, OSKIT_E_NOTIMPL over caller memory;
//   - copy gives an independent copy of a region inside the buffer;
//   - wire may be OSKIT_E_NOTIMPL (then always, and unwire too); when it
//     succeeds, only for a region inside the buffer, an overlapping second
//     wiring may be OSKIT_EBUSY, unwire takes exactly wire's arguments, and
//     setsize is OSKIT_EBUSY while a region is wired (wired data never moves);
//   - references: every object goes with its last release, an extern buffer's
//     free callback runs exactly then, and no object outlives the input.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "components/membufio/membufio.h"
#include "glue/dma/dma.h"
#include "oskit/com/heap.h"
#include "oskit/error.h"
#include "oskit/io/absio.h"
#include "oskit/io/blkio.h"
#include "oskit/io/bufio.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"

// Sizes no machine can hold are part of the input: allocators answer NULL.
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }
extern "C" const char* __tsan_default_options() { return "allocator_may_return_null=1"; }

namespace oskit::fuzz {
namespace {

constexpr std::uint64_t kMaxOffset = static_cast<std::uint64_t>(std::numeric_limits<oskit_off_t>::max());
constexpr std::size_t kMaxSmall = 4096;
constexpr int kSlots = 4;

// Sizes that must be refused whatever the machine.
constexpr std::uint64_t kHugeSizes[] = {UINT64_MAX,      UINT64_MAX - 8, UINT64_MAX - 4095, kMaxOffset + 1, kMaxOffset,
                                        kMaxOffset - 63, 1ull << 62,     1ull << 48,        1ull << 41};

struct Region {
  std::uint64_t addr;
  oskit_off_t offset;
  oskit_size_t amount;
  bool operator==(const Region& o) const { return addr == o.addr && offset == o.offset && amount == o.amount; }
};

struct FreeLog {
  bool owns_buf = false;  // the buffer came from new[]
  int calls = 0;
  void* last_buf = nullptr;
};

// The free callback of extern bufios: counts, and gives back what new[] made.
void count_free(void* cookie, void* buf) {
  auto* log = static_cast<FreeLog*>(cookie);
  ++log->calls;
  log->last_buf = buf;
  if (log->owns_buf) delete[] static_cast<char*>(buf);
}

// One bufio the input holds, and what the model says of it.
struct Model {
  oskit_bufio* io = nullptr;
  int refs = 0;  // references the input holds
  bool external = false;
  std::vector<std::uint8_t> bytes;
  std::vector<Region> mappings;
  std::vector<Region> wirings;
  std::unique_ptr<FreeLog> free_log;  // external only
};

enum class Wire { kUnknown, kNotImplemented, kImplemented };

class BufioFuzz {
 public:
  explicit BufioFuzz(FuzzInput& in) : in_(in) {}
  ~BufioFuzz() {
    for (Model& m : slots_) {
      while (m.refs > 0) release(m);
    }
    if (pool_ != nullptr) pool_->release();
  }

  void run() {
    for (int steps = 0; steps < 200 && !in_.empty(); ++steps) step();
  }

 private:
  void step() {
    Model& m = slots_[in_.pick(kSlots)];
    if (m.io == nullptr) {
      create(m);
      return;
    }
    switch (in_.pick(12)) {
      case 0:
        read(m);
        break;
      case 1:
        write(m);
        break;
      case 2:
        set_size(m);
        break;
      case 3:
        map(m);
        break;
      case 4:
        unmap(m);
        break;
      case 5:
        through_mapping(m);
        break;
      case 6:
        copy(m, slots_[in_.pick(kSlots)]);
        break;
      case 7:
        wire(m);
        break;
      case 8:
        unwire(m);
        break;
      case 9:
        queries(m);
        break;
      case 10:
        m.io->addref();
        ++m.refs;
        break;
      default:
        release(m);
        break;
    }
  }

  std::uint64_t some_size() { return in_.pick(8) == 0 ? in_.one_of(kHugeSizes) : in_.range(0, kMaxSmall); }
  static bool huge(std::uint64_t size) { return size > kMaxSmall; }

  // Offsets and amounts near the edges of the buffer, or anywhere.
  oskit_off_t some_offset(const Model& m) {
    const auto size = static_cast<std::int64_t>(m.bytes.size());
    switch (in_.pick(5)) {
      case 0:
        return static_cast<oskit_off_t>(in_.u64());
      case 1:
        return size + static_cast<std::int64_t>(in_.range(0, 4)) - 2;
      default:
        return static_cast<oskit_off_t>(in_.range(0, m.bytes.size()));
    }
  }
  oskit_size_t some_amount(const Model& m) {
    switch (in_.pick(5)) {
      case 0:
        return static_cast<oskit_size_t>(in_.u64());
      case 1:
        return static_cast<oskit_size_t>(in_.range(0, 2));
      default:
        return static_cast<oskit_size_t>(in_.range(0, m.bytes.size() + 2));
    }
  }

  static bool valid_range(oskit_off_t offset, std::uint64_t amount) {
    return offset >= 0 && amount <= kMaxOffset && static_cast<std::uint64_t>(offset) <= kMaxOffset - amount;
  }
  // Whether [offset, offset + amount) is a non-empty region inside m.
  static bool inside(const Model& m, oskit_off_t offset, oskit_size_t amount) {
    return valid_range(offset, amount) && amount > 0 && static_cast<std::uint64_t>(offset) + amount <= m.bytes.size();
  }
  // The range rules: how much of a transfer moves, or -1 for OSKIT_EINVAL.
  static std::int64_t clamp(const Model& m, oskit_off_t offset, oskit_size_t amount) {
    if (!valid_range(offset, amount)) return -1;
    if (amount == 0) return 0;
    if (static_cast<std::uint64_t>(offset) >= m.bytes.size()) return -1;
    return static_cast<std::int64_t>(std::min<std::uint64_t>(amount, m.bytes.size() - offset));
  }

  void adopt(Model& m, oskit_bufio* io, std::size_t size) {
    m.io = io;
    m.refs = 1;
    m.bytes.assign(size, 0);
    m.mappings.clear();
    m.wirings.clear();
  }

  void create(Model& m) {
    const std::uint64_t size = some_size();
    switch (in_.pick(3)) {
      case 0: {
        oskit_bufio* io = oskit_bufio_create(static_cast<oskit_size_t>(size));
        if (huge(size)) {
          FUZZ_CHECK(io == nullptr, "oskit_bufio_create(%llu) must be refused", static_cast<unsigned long long>(size));
          return;
        }
        FUZZ_CHECK(io != nullptr, "oskit_bufio_create(%llu)", static_cast<unsigned long long>(size));
        adopt(m, io, size);
        m.external = false;
        check_contents(m, "a new heap bufio is zero-filled");
        return;
      }
      case 1: {
        if (pool_ == nullptr) FUZZ_CHECK_EQ(oskit_bufio_heap_pool_create(&pool_), 0, "heap pool");
        oskit_bufio* io = reinterpret_cast<oskit_bufio*>(0x1);
        const oskit_error_t rc = pool_->alloc(static_cast<oskit_size_t>(size), &io);
        if (huge(size)) {
          FUZZ_CHECK_EQ(rc, OSKIT_ENOMEM, "pool alloc of %llu", static_cast<unsigned long long>(size));
          FUZZ_CHECK(io == nullptr, "a failed alloc sets *out_buf to NULL");
          return;
        }
        FUZZ_CHECK(rc == 0 && io != nullptr, "pool alloc of %llu", static_cast<unsigned long long>(size));
        adopt(m, io, size);
        m.external = false;
        check_contents(m, "a pool's heap bufio is zero-filled");
        return;
      }
      default:
        create_external(m, size);
        return;
    }
  }

  void create_external(Model& m, std::uint64_t size) {
    auto log = std::make_unique<FreeLog>();
    if (huge(size) || in_.pick(8) == 0) {  // NULL memory, or a size beyond reach: no memory is touched
      const bool null_buf = !huge(size) || in_.boolean();
      static char sentinel;
      oskit_bufio* io = oskit_create_extern_bufio(null_buf ? nullptr : &sentinel, static_cast<oskit_size_t>(size),
                                                  count_free, log.get());
      const bool refused = size > kMaxOffset || (null_buf && size != 0);
      if (refused) {
        FUZZ_CHECK(io == nullptr, "extern bufio of %llu bytes at %s must be refused",
                   static_cast<unsigned long long>(size), null_buf ? "NULL" : "a byte");
        FUZZ_CHECK_EQ(log->calls, 0, "a refused extern bufio calls no free");
        return;
      }
      FUZZ_CHECK(io != nullptr, "extern bufio of %llu bytes", static_cast<unsigned long long>(size));
      // A bufio over memory it may not touch: give it back at once.
      const long live = oskit_live_objects();
      FUZZ_CHECK_EQ(io->release(), 0u, "the only reference");
      FUZZ_CHECK_EQ(oskit_live_objects(), live - 1, "the object goes with its last release");
      FUZZ_CHECK(log->calls == 1 && log->last_buf == (null_buf ? nullptr : &sentinel), "free runs once, with buf");
      return;
    }
    char* buf = new char[size ? size : 1];
    log->owns_buf = true;
    std::vector<std::uint8_t> pattern = in_.bytes(size);
    if (size > 0) std::memcpy(buf, pattern.data(), size);
    oskit_bufio* io = oskit_create_extern_bufio(buf, static_cast<oskit_size_t>(size), count_free, log.get());
    FUZZ_CHECK(io != nullptr, "extern bufio of %llu bytes", static_cast<unsigned long long>(size));
    adopt(m, io, size);
    m.bytes = pattern;
    m.external = true;
    m.free_log = std::move(log);
    external_buf_[&m - slots_] = buf;
    check_contents(m, "an extern bufio shows the caller's bytes");
  }

  void release(Model& m) {
    const bool last = m.refs == 1;
    const long live = oskit_live_objects();
    m.io->release();
    --m.refs;
    if (!last) return;
    FUZZ_CHECK_EQ(oskit_live_objects(), live - 1, "the object goes with its last release");
    if (m.external) {
      FUZZ_CHECK(m.free_log->calls == 1 && m.free_log->last_buf == external_buf_[&m - slots_],
                 "an extern bufio's free runs exactly once, at its last release, with its buffer");
    }
    m = Model{};
  }

  void check_contents(const Model& m, const char* what) {
    std::vector<std::uint8_t> got(m.bytes.size());
    oskit_size_t actual = 0;
    if (!got.empty()) {
      FUZZ_CHECK_EQ(m.io->read(got.data(), 0, got.size(), &actual), 0, "%s: read all", what);
      FUZZ_CHECK_EQ(actual, got.size(), "%s: read all", what);
    }
    FUZZ_CHECK(got == m.bytes, "%s: contents", what);
    oskit_off_t size = -1;
    FUZZ_CHECK_EQ(m.io->getsize(&size), 0, "getsize");
    FUZZ_CHECK_EQ(static_cast<std::uint64_t>(size), m.bytes.size(), "%s: size", what);
  }

  void read(Model& m) {
    const oskit_off_t offset = some_offset(m);
    const oskit_size_t amount = some_amount(m);
    const std::int64_t n = clamp(m, offset, amount);
    if (in_.pick(16) == 0) {  // missing pointers
      oskit_size_t actual;
      char byte;
      FUZZ_CHECK_EQ(m.io->read(&byte, 0, 1, nullptr), OSKIT_E_POINTER, "read without out_actual");
      if (amount != 0) FUZZ_CHECK_EQ(m.io->read(nullptr, offset, amount, &actual), OSKIT_E_POINTER, "read into NULL");
      return;
    }
    const std::size_t room = n > 0 ? static_cast<std::size_t>(n) : 0;
    std::vector<std::uint8_t> buf(room + 1, 0xee);
    oskit_size_t actual = 12345;
    const oskit_error_t rc = m.io->read(buf.data(), offset, amount, &actual);
    FUZZ_CHECK_EQ(rc, n < 0 ? OSKIT_EINVAL : 0, "read(%lld, %llu) of %zu bytes", static_cast<long long>(offset),
                  static_cast<unsigned long long>(amount), m.bytes.size());
    if (n < 0) return;
    FUZZ_CHECK_EQ(actual, static_cast<oskit_size_t>(n), "read's count");
    FUZZ_CHECK(n == 0 || std::equal(buf.begin(), buf.begin() + n, m.bytes.begin() + offset), "read's bytes");
    FUZZ_CHECK_EQ(buf[room], 0xee, "read past its count");
  }

  void write(Model& m) {
    const oskit_off_t offset = some_offset(m);
    const oskit_size_t amount = some_amount(m);
    const std::int64_t n = clamp(m, offset, amount);
    const std::size_t room = n > 0 ? static_cast<std::size_t>(n) : 0;
    // The caller's buffer holds what the write may take: a clamped write reads no further.
    std::vector<std::uint8_t> data = in_.bytes(room + 1);
    oskit_size_t actual = 12345;
    const oskit_error_t rc = m.io->write(data.data(), offset, amount, &actual);
    FUZZ_CHECK_EQ(rc, n < 0 ? OSKIT_EINVAL : 0, "write(%lld, %llu) of %zu bytes", static_cast<long long>(offset),
                  static_cast<unsigned long long>(amount), m.bytes.size());
    if (rc != 0) return;
    FUZZ_CHECK_EQ(actual, room, "write's count");
    if (room > 0) std::copy(data.begin(), data.begin() + room, m.bytes.begin() + offset);
    check_contents(m, "after a write");
  }

  void set_size(Model& m) {
    std::int64_t size;
    switch (in_.pick(6)) {
      case 0:
        size = -static_cast<std::int64_t>(in_.range(1, 1ull << 62));
        break;
      case 1:
        size = static_cast<std::int64_t>(in_.one_of(kHugeSizes) & kMaxOffset);
        break;
      default:
        size = static_cast<std::int64_t>(in_.range(0, kMaxSmall));
        break;
    }
    const oskit_error_t rc = m.io->setsize(size);
    if (m.external) {
      FUZZ_CHECK_EQ(rc, OSKIT_E_NOTIMPL, "setsize over caller memory");
    } else if (size < 0) {
      FUZZ_CHECK_EQ(rc, OSKIT_EINVAL, "setsize(%lld)", static_cast<long long>(size));
    } else if (!m.mappings.empty() || !m.wirings.empty()) {
      FUZZ_CHECK_EQ(rc, OSKIT_EBUSY, "setsize(%lld) while mapped or wired", static_cast<long long>(size));
    } else if (huge(size)) {
      FUZZ_CHECK_EQ(rc, OSKIT_ENOMEM, "setsize(%lld)", static_cast<long long>(size));
    } else {
      FUZZ_CHECK_EQ(rc, 0, "setsize(%lld)", static_cast<long long>(size));
      m.bytes.resize(static_cast<std::size_t>(size), 0);
    }
    check_contents(m, "after setsize");
  }

  void map(Model& m) {
    const oskit_off_t offset = some_offset(m);
    const oskit_size_t amount = some_amount(m);
    if (in_.pick(16) == 0) {
      FUZZ_CHECK_EQ(m.io->map(nullptr, offset, amount), OSKIT_E_POINTER, "map without out_addr");
      return;
    }
    void* addr = reinterpret_cast<void*>(0x1);
    const oskit_error_t rc = m.io->map(&addr, offset, amount);
    if (!inside(m, offset, amount)) {
      FUZZ_CHECK_EQ(rc, OSKIT_EINVAL, "map(%lld, %llu) of %zu bytes", static_cast<long long>(offset),
                    static_cast<unsigned long long>(amount), m.bytes.size());
      FUZZ_CHECK(addr == nullptr, "a failed map sets *out_addr to NULL");
      return;
    }
    FUZZ_CHECK(rc == 0 && addr != nullptr, "map(%lld, %llu)", static_cast<long long>(offset),
               static_cast<unsigned long long>(amount));
    FUZZ_CHECK(std::memcmp(addr, m.bytes.data() + offset, amount) == 0, "a mapping shows the data");
    m.mappings.push_back({reinterpret_cast<std::uint64_t>(addr), offset, amount});
  }

  // One of the regions live, perhaps altered by a byte, or any region.
  Region some_region(const Model& m, const std::vector<Region>& live) {
    Region r{in_.u64(), some_offset(m), some_amount(m)};
    if (live.empty() || in_.pick(4) == 0) return r;
    r = live[in_.pick(live.size())];
    switch (in_.pick(6)) {
      case 0:
        r.addr += 1;
        break;
      case 1:
        r.offset += 1;
        break;
      case 2:
        r.amount += in_.boolean() ? 1 : -1;
        break;
      default:
        break;
    }
    return r;
  }

  // Unmaps a mapping, or tries arguments that name none.
  void unmap(Model& m) {
    const Region r = some_region(m, m.mappings);
    const auto it = std::find(m.mappings.begin(), m.mappings.end(), r);
    const oskit_error_t rc = m.io->unmap(reinterpret_cast<void*>(r.addr), r.offset, r.amount);
    FUZZ_CHECK_EQ(rc, it != m.mappings.end() ? 0 : OSKIT_EINVAL, "unmap takes exactly map's arguments");
    if (it != m.mappings.end()) m.mappings.erase(it);
  }

  // Loads and stores through a live mapping meet read and write.
  void through_mapping(Model& m) {
    if (m.mappings.empty()) return;
    const Region& r = m.mappings[in_.pick(m.mappings.size())];
    auto* p = reinterpret_cast<std::uint8_t*>(r.addr);
    FUZZ_CHECK(std::memcmp(p, m.bytes.data() + r.offset, r.amount) == 0, "a mapping follows writes");
    const std::size_t at = in_.pick(r.amount);
    const std::uint8_t v = in_.u8();
    p[at] = v;
    m.bytes[r.offset + at] = v;
    check_contents(m, "a store through a mapping");
  }

  void copy(Model& m, Model& dest) {
    if (dest.io != nullptr) return;
    const oskit_off_t offset = some_offset(m);
    const oskit_size_t amount = some_amount(m);
    oskit_bufio* out = reinterpret_cast<oskit_bufio*>(0x1);
    const oskit_error_t rc = m.io->copy(offset, amount, &out);
    const bool empty_ok = valid_range(offset, amount) && amount == 0;
    if (!empty_ok && !inside(m, offset, amount)) {
      FUZZ_CHECK_EQ(rc, OSKIT_EINVAL, "copy(%lld, %llu) of %zu bytes", static_cast<long long>(offset),
                    static_cast<unsigned long long>(amount), m.bytes.size());
      FUZZ_CHECK(out == nullptr, "a failed copy sets *out_io to NULL");
      return;
    }
    FUZZ_CHECK(rc == 0 && out != nullptr && out != m.io, "copy(%lld, %llu)", static_cast<long long>(offset),
               static_cast<unsigned long long>(amount));
    adopt(dest, out, amount);
    dest.external = false;
    if (amount > 0) std::copy(m.bytes.begin() + offset, m.bytes.begin() + offset + amount, dest.bytes.begin());
    check_contents(dest, "a copy holds the region");
  }

  void wire(Model& m) {
    const oskit_off_t offset = some_offset(m);
    const oskit_size_t amount = some_amount(m);
    oskit_addr_t addr = 1;
    const oskit_error_t rc = m.io->wire(&addr, offset, amount);
    if (!note_wire_support(rc)) return;
    if (!inside(m, offset, amount)) {
      FUZZ_CHECK_EQ(rc, OSKIT_EINVAL, "wire(%lld, %llu) of %zu bytes", static_cast<long long>(offset),
                    static_cast<unsigned long long>(amount), m.bytes.size());
      return;
    }
    const bool overlaps = std::any_of(m.wirings.begin(), m.wirings.end(), [&](const Region& w) {
      return offset < w.offset + static_cast<oskit_off_t>(w.amount) &&
             w.offset < offset + static_cast<oskit_off_t>(amount);
    });
    if (rc == OSKIT_EBUSY) {
      FUZZ_CHECK(overlaps, "OSKIT_EBUSY only for a region overlapping a wired one");
      return;
    }
    if (rc != 0) {
      FUZZ_CHECK(rc != OSKIT_EINVAL, "wire of a region inside the buffer is not OSKIT_EINVAL");
      return;  // out of device addresses, say: the caller falls back to read and write
    }
    m.wirings.push_back({addr, offset, amount});
  }

  void unwire(Model& m) {
    const Region r = some_region(m, m.wirings);
    const oskit_error_t rc = m.io->unwire(r.addr, r.offset, r.amount);
    if (wire_ == Wire::kNotImplemented) {
      FUZZ_CHECK_EQ(rc, OSKIT_E_NOTIMPL, "unwire where wire is not implemented");
      return;
    }
    if (wire_ == Wire::kUnknown) {
      FUZZ_CHECK(rc == OSKIT_E_NOTIMPL || rc == OSKIT_EINVAL, "unwire of nothing wired");
      note_wire_support(rc == OSKIT_E_NOTIMPL ? rc : 0);
      return;
    }
    const auto it = std::find(m.wirings.begin(), m.wirings.end(), r);
    FUZZ_CHECK_EQ(rc, it != m.wirings.end() ? 0 : OSKIT_EINVAL, "unwire takes exactly wire's arguments");
    if (it != m.wirings.end()) m.wirings.erase(it);
  }

  // OSKit manual 7.4: an object that does not implement wire fails it
  // consistently. Returns whether wire is implemented.
  bool note_wire_support(oskit_error_t rc) {
    const Wire seen = rc == OSKIT_E_NOTIMPL ? Wire::kNotImplemented : Wire::kImplemented;
    if (wire_ == Wire::kUnknown) wire_ = seen;
    FUZZ_CHECK(wire_ == seen, "wire is OSKIT_E_NOTIMPL always or never");
    return seen == Wire::kImplemented;
  }

  void queries(Model& m) {
    void* out = nullptr;
    FUZZ_CHECK_EQ(m.io->query(&oskit_absio_iid, &out), 0, "a bufio answers absio");
    FUZZ_CHECK(out == m.io, "absio is the same pointer");
    static_cast<oskit_absio*>(out)->release();
    FUZZ_CHECK_EQ(m.io->query(&oskit_blkio_iid, &out), 0, "a bufio answers blkio");
    FUZZ_CHECK(out == m.io, "blkio is the same pointer");
    FUZZ_CHECK_EQ(static_cast<oskit_blkio*>(out)->getblocksize(), 1u, "block size 1");
    static_cast<oskit_blkio*>(out)->release();
    check_contents(m, "queries change nothing");
  }

  FuzzInput& in_;
  Model slots_[kSlots];
  char* external_buf_[kSlots] = {};
  oskit_bufio_pool* pool_ = nullptr;
  Wire wire_ = Wire::kUnknown;
};

}  // namespace
}  // namespace oskit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Wired bufios hold the default device-address space; holding it here too
  // keeps it out of the per-release object counts.
  oskit_dma_space* space = nullptr;
  FUZZ_CHECK_EQ(oskit_dma_default_space(&space), 0, "the default device-address space");
  const long live = oskit_live_objects();
  {
    oskit::fuzz::FuzzInput in(data, size);
    oskit::fuzz::BufioFuzz(in).run();
  }
  FUZZ_CHECK_EQ(oskit_live_objects(), live, "objects left alive after every reference went");
  space->release();
  return 0;
}
