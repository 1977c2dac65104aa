#include "glue/dma/space.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_format.h"
#include "glue/dma/env_allocator.h"
#include "glue/dma/hugepage_pool.h"
#include "glue/dma/phys_index.h"
#include "glue/dma/region_table.h"
#include "glue/env/env.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/io/range.h"

namespace oskit::dma {
namespace {

// IOVA layout: generation in bits 52-63, slot in bits 32-51, offset in the
// slot's window in bits 0-31.
constexpr int kSlotShift = 32;
constexpr int kGenerationShift = kSlotShift + RegionTable::kSlotBits;
constexpr std::uint64_t kWindow = OSKIT_DMA_IOVA_WINDOW;
constexpr std::uint64_t kIovaPage = 4096;
constexpr oskit_size_t kDefaultAlign = 64;

static_assert(kGenerationShift + RegionTable::kGenerationBits == 64, "the IOVA layout fills 64 bits");
static_assert(kWindow == std::uint64_t{1} << kSlotShift, "a window is what the offset bits address");

oskit_addr_t iova(std::uint32_t generation, std::uint32_t slot, std::uint64_t offset) {
  return static_cast<oskit_addr_t>((static_cast<std::uint64_t>(generation) << kGenerationShift) |
                                   (static_cast<std::uint64_t>(slot) << kSlotShift) | offset);
}
std::uint32_t iova_generation(oskit_addr_t addr) { return static_cast<std::uint32_t>(addr >> kGenerationShift); }
std::uint32_t iova_slot(oskit_addr_t addr) {
  return static_cast<std::uint32_t>((addr >> kSlotShift) & (RegionTable::kMaxSlots - 1));
}

// Access tokens name the slot (plus one, so that 0 names nothing) and its generation.
oskit_dma_pin_t make_token(std::uint32_t slot, std::uint32_t generation) {
  return (static_cast<std::uint64_t>(generation) << 32) | (static_cast<std::uint64_t>(slot) + 1);
}

// Whether [addr, addr + size) lies inside region r.
bool inside(const Region& r, oskit_addr_t addr, oskit_size_t size) {
  return addr >= r.addr && addr - r.addr <= r.size && size <= r.size - (addr - r.addr);
}

const char* mode_name(std::uint32_t mode) { return mode == OSKIT_DMA_MODE_PHYS ? "a physical-mode" : "an IOVA-mode"; }

class Space : public Implements<Space, oskit_dma_space, oskit_describe> {
 public:
  OSKIT_COMDECL_U release() noexcept override;
  OSKIT_COMDECL getstats(oskit_dma_stats_t* out_stats) noexcept override;
  OSKIT_COMDECL wire(void* cpu_addr, oskit_size_t size, oskit_addr_t* out_addr) noexcept override;
  OSKIT_COMDECL unwire(oskit_addr_t addr, oskit_size_t size) noexcept override;
  OSKIT_COMDECL access_begin(oskit_u32_t device, oskit_addr_t addr, oskit_size_t size, oskit_u32_t access,
                             void** out_cpu, oskit_dma_pin_t* out_pin) noexcept override;
  OSKIT_COMDECL access_end(oskit_dma_pin_t pin) noexcept override;
  OSKIT_COMDECL region(oskit_dma_pin_t pin, oskit_addr_t* out_addr, oskit_size_t* out_size,
                       void** out_cpu) noexcept override;
  OSKIT_COMDECL lastfault(oskit_dma_fault_t* out_fault) noexcept override;
  OSKIT_COMDECL alloc_mem(oskit_size_t size, oskit_size_t align, void** out_cpu) noexcept override;
  OSKIT_COMDECL free_mem(void* cpu, oskit_size_t size) noexcept override;
  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override;

  // Opens the huge page pool of a physical-mode space; *why on failure.
  oskit_error_t open(oskit_size_t pool_bytes, std::string* why) noexcept;

 protected:
  Space(std::uint32_t mode, std::uint32_t max_regions, bool made_on_use) noexcept
      : mode_(mode), made_on_use_(made_on_use), table_(max_regions) {}
  ~Space() override;

 private:
  bool physical() const noexcept { return mode_ == OSKIT_DMA_MODE_PHYS; }
  oskit_error_t wire_iova(char* cpu, oskit_size_t size, oskit_addr_t* out_addr) noexcept;
  oskit_error_t wire_physical(char* cpu, oskit_size_t size, oskit_addr_t* out_addr) noexcept;
  // Retires the region wired at addr with size; *slot gets its slot and
  // *freed whether no access held it (else drain, then recycle).
  oskit_error_t retire(oskit_addr_t addr, oskit_size_t size, std::uint32_t* slot, bool* freed) noexcept
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void count_wire(oskit_size_t size) noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void count_unwire(oskit_size_t size) noexcept ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Pins the region holding addr; *slot and *generation name it.
  const Region* pin(oskit_addr_t addr, std::uint32_t* slot, std::uint32_t* generation) noexcept;
  oskit_error_t fault(oskit_u32_t device, oskit_addr_t addr, oskit_size_t size, oskit_u32_t access) noexcept;

  const std::uint32_t mode_;
  const bool made_on_use_;
  RegionTable table_;  // its reserve..recycle calls run under mu_
  Mutex mu_;
  PhysIndex phys_ ABSL_GUARDED_BY(mu_);
  HugepagePool pool_;

  std::uint64_t regions_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t wires_ ABSL_GUARDED_BY(mu_) = 0;
  std::uint64_t unwires_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<std::uint64_t> faults_{0};
  alignas(64) std::atomic<std::uint64_t> accesses_{0};  // the device's line, apart from the wiring threads'

  Mutex fault_mu_;
  bool has_fault_ ABSL_GUARDED_BY(fault_mu_) = false;
  oskit_dma_fault_t last_fault_ ABSL_GUARDED_BY(fault_mu_) = {};

  struct Block {
    oskit_size_t size;
    oskit_size_t align;
  };
  // A std::map: an insertion that runs out of memory leaves it as it was
  // (absl's hash maps make no such promise).
  using MemoryMap = std::map<void*, Block, std::less<void*>, EnvAllocator<std::pair<void* const, Block>>>;
  Mutex mem_mu_;
  MemoryMap iova_memory_ ABSL_GUARDED_BY(mem_mu_);  // IOVA mode: alloc_mem's blocks and their sizes
};

Space::~Space() {
  MutexLock lock(&mem_mu_);
  for (const auto& [cpu, block] : iova_memory_) env::current().deallocate(cpu, block.size, block.align);
  if (made_on_use_) {
    default_space_mutex().assert_held();  // release holds it
    forget_default_space(this);
  }
}

OSKIT_COMDECL_U Space::release() noexcept {
  if (!made_on_use_) return Implements::release();
  MutexLock lock(&default_space_mutex());
  return Implements::release();
}

oskit_error_t Space::open(oskit_size_t pool_bytes, std::string* why) noexcept {
  return pool_.open(pool_bytes == 0 ? OSKIT_DMA_DEFAULT_POOL_BYTES : pool_bytes, why);
}

OSKIT_COMDECL Space::describe(const oskit_description_sink* sink) noexcept {
  oskit_dma_stats_t stats;
  getstats(&stats);
  char detail[80];
  absl::SNPrintF(detail, sizeof detail, "%s space of %u regions%s", physical() ? "physical" : "IOVA", stats.max_regions,
                 made_on_use_ ? ", the default" : "");
  return describe_to(sink, [&](Description& d) {
    d.kind("dma_space", detail)
        .counter("regions_wired", stats.regions_wired)
        .counter("bytes_wired", stats.bytes_wired)
        .counter("wires", stats.wires)
        .counter("unwires", stats.unwires)
        .counter("accesses", stats.accesses)
        .counter("faults", stats.faults);
  });
}

OSKIT_COMDECL Space::getstats(oskit_dma_stats_t* out) noexcept {
  if (out == nullptr) return OSKIT_E_POINTER;
  *out = {};
  out->mode = mode_;
  out->max_regions = table_.max_slots();
  {
    MutexLock lock(&mu_);
    out->regions_wired = regions_;
    out->bytes_wired = bytes_;
    out->wires = wires_;
    out->unwires = unwires_;
  }
  out->accesses = accesses_.load(std::memory_order_relaxed);
  out->faults = faults_.load(std::memory_order_relaxed);
  return 0;
}

OSKIT_COMDECL Space::wire(void* cpu_addr, oskit_size_t size, oskit_addr_t* out_addr) noexcept {
  if (out_addr == nullptr || cpu_addr == nullptr) return OSKIT_E_POINTER;
  *out_addr = 0;
  if (size == 0 || reinterpret_cast<std::uintptr_t>(cpu_addr) > UINTPTR_MAX - size) return OSKIT_EINVAL;
  char* cpu = static_cast<char*>(cpu_addr);
  return physical() ? wire_physical(cpu, size, out_addr) : wire_iova(cpu, size, out_addr);
}

void Space::count_wire(oskit_size_t size) noexcept {
  regions_++;
  bytes_ += size;
  wires_++;
}

void Space::count_unwire(oskit_size_t size) noexcept {
  regions_--;
  bytes_ -= size;
  unwires_++;
}

oskit_error_t Space::wire_iova(char* cpu, oskit_size_t size, oskit_addr_t* out_addr) noexcept {
  const std::uint64_t offset = reinterpret_cast<std::uintptr_t>(cpu) % kIovaPage;
  if (size > kWindow - offset) return OSKIT_ENOTSUP;
  std::uint32_t slot, generation;
  MutexLock lock(&mu_);
  oskit_error_t rc = table_.reserve(&slot, &generation);
  if (rc != 0) return rc;
  *out_addr = iova(generation, slot, offset);
  table_.publish(slot, {cpu, size, *out_addr});
  count_wire(size);
  return 0;
}

oskit_error_t Space::wire_physical(char* cpu, oskit_size_t size, oskit_addr_t* out_addr) noexcept {
  oskit_addr_t phys;
  oskit_error_t rc = pool_.translate(cpu, size, &phys);
  if (rc != 0) return rc;
  std::uint32_t slot, generation;
  MutexLock lock(&mu_);
  if (phys_.overlaps(phys, size)) return OSKIT_EBUSY;
  rc = table_.reserve(&slot, &generation);
  if (rc != 0) return rc;
  rc = phys_.insert({phys, size, slot});
  if (rc != 0) {
    table_.unreserve(slot);
    return rc;
  }
  table_.publish(slot, {cpu, size, phys});
  count_wire(size);
  *out_addr = phys;
  return 0;
}

oskit_error_t Space::retire(oskit_addr_t addr, oskit_size_t size, std::uint32_t* slot, bool* freed) noexcept {
  if (physical()) {
    if (!phys_.erase(addr, size, slot)) return OSKIT_EINVAL;
  } else {
    *slot = iova_slot(addr);
    const Region* r = table_.live(*slot, iova_generation(addr));
    if (r == nullptr || r->addr != addr || r->size != size) return OSKIT_EINVAL;
  }
  *freed = table_.retire(*slot);
  if (*freed) count_unwire(size);
  return 0;
}

OSKIT_COMDECL Space::unwire(oskit_addr_t addr, oskit_size_t size) noexcept {
  std::uint32_t slot = 0;
  bool freed = false;
  {
    MutexLock lock(&mu_);
    oskit_error_t rc = retire(addr, size, &slot, &freed);
    if (rc != 0 || freed) return rc;
  }
  table_.drain(slot);  // device accesses in progress end first, as an IOMMU's unmap waits for its flush
  MutexLock lock(&mu_);
  table_.recycle(slot);
  count_unwire(size);
  return 0;
}

const Region* Space::pin(oskit_addr_t addr, std::uint32_t* slot, std::uint32_t* generation) noexcept {
  if (!physical()) {
    *slot = iova_slot(addr);
    *generation = iova_generation(addr);
    return table_.pin(*slot, *generation);
  }
  MutexLock lock(&mu_);
  const PhysIndex::Entry* entry = phys_.containing(addr);
  if (entry == nullptr) return nullptr;
  *slot = entry->slot;
  *generation = table_.generation(entry->slot);
  return table_.pin(*slot, *generation);
}

OSKIT_COMDECL Space::access_begin(oskit_u32_t device, oskit_addr_t addr, oskit_size_t size, oskit_u32_t access,
                                  void** out_cpu, oskit_dma_pin_t* out_pin) noexcept {
  if (out_cpu == nullptr || out_pin == nullptr) return OSKIT_E_POINTER;
  *out_cpu = nullptr;
  *out_pin = 0;
  if (size == 0 || (access != OSKIT_DMA_READ && access != OSKIT_DMA_WRITE)) return OSKIT_EINVAL;
  std::uint32_t slot = 0, generation = 0;
  const Region* r = pin(addr, &slot, &generation);
  if (r == nullptr) return fault(device, addr, size, access);
  if (!inside(*r, addr, size)) {
    table_.unpin(slot, generation);
    return fault(device, addr, size, access);
  }
  *out_cpu = r->cpu + (addr - r->addr);
  *out_pin = make_token(slot, generation);
  accesses_.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

OSKIT_COMDECL Space::access_end(oskit_dma_pin_t pin) noexcept {
  const auto slot_plus_one = static_cast<std::uint32_t>(pin);
  const auto generation = static_cast<std::uint32_t>(pin >> 32);
  return slot_plus_one != 0 && table_.unpin(slot_plus_one - 1, generation) ? 0 : OSKIT_EINVAL;
}

OSKIT_COMDECL Space::region(oskit_dma_pin_t pin, oskit_addr_t* out_addr, oskit_size_t* out_size,
                            void** out_cpu) noexcept {
  if (out_addr == nullptr || out_size == nullptr || out_cpu == nullptr) return OSKIT_E_POINTER;
  const auto slot_plus_one = static_cast<std::uint32_t>(pin);
  const Region* r =
      slot_plus_one == 0 ? nullptr : table_.pinned(slot_plus_one - 1, static_cast<std::uint32_t>(pin >> 32));
  if (r == nullptr) return OSKIT_EINVAL;
  *out_addr = r->addr;
  *out_size = r->size;
  *out_cpu = r->cpu;
  return 0;
}

oskit_error_t Space::fault(oskit_u32_t device, oskit_addr_t addr, oskit_size_t size, oskit_u32_t access) noexcept {
  const std::uint64_t n = faults_.fetch_add(1, std::memory_order_relaxed) + 1;
  {
    MutexLock lock(&fault_mu_);
    has_fault_ = true;
    last_fault_ = {device, access, addr, size};
  }
  if (is_power_of_two(n)) {
    env::logf(env::LogLevel::kWarning,
              "DMA fault %d in %s space: device %#x %s %u bytes at %#x, outside every wired region", n,
              mode_name(mode_), device, access == OSKIT_DMA_READ ? "read" : "wrote", size, addr);
  }
  return OSKIT_EFAULT;
}

OSKIT_COMDECL Space::lastfault(oskit_dma_fault_t* out_fault) noexcept {
  if (out_fault == nullptr) return OSKIT_E_POINTER;
  MutexLock lock(&fault_mu_);
  if (!has_fault_) return OSKIT_ENOENT;
  *out_fault = last_fault_;
  return 0;
}

OSKIT_COMDECL Space::alloc_mem(oskit_size_t size, oskit_size_t align, void** out_cpu) noexcept {
  if (out_cpu == nullptr) return OSKIT_E_POINTER;
  *out_cpu = nullptr;
  if (align == 0) align = kDefaultAlign;
  if (size == 0 || !is_power_of_two(align)) return OSKIT_EINVAL;
  if (align < kDefaultAlign) align = kDefaultAlign;
  if (physical()) return pool_.allocate(size, align, out_cpu);
  if (size > kMaxOffset) return OSKIT_ENOMEM;
  void* cpu = env::current().allocate(size, align);
  if (cpu == nullptr) return OSKIT_ENOMEM;
  try {
    MutexLock lock(&mem_mu_);
    iova_memory_.emplace(cpu, Block{size, align});
  } catch (const std::bad_alloc&) {
    env::current().deallocate(cpu, size, align);
    return OSKIT_ENOMEM;
  }
  *out_cpu = cpu;
  return 0;
}

OSKIT_COMDECL Space::free_mem(void* cpu, oskit_size_t size) noexcept {
  if (physical()) return pool_.free(cpu, size);
  MutexLock lock(&mem_mu_);
  auto it = iova_memory_.find(cpu);
  if (it == iova_memory_.end() || it->second.size != size) return OSKIT_EINVAL;
  const Block block = it->second;
  iova_memory_.erase(it);
  env::current().deallocate(cpu, block.size, block.align);
  return 0;
}

}  // namespace

oskit_error_t create_space(const oskit_dma_space_options& options, bool made_on_use,
                           ComPtr<oskit_dma_space>* out) noexcept {
  const std::uint32_t mode = options.mode == 0 ? OSKIT_DMA_MODE_IOVA : options.mode;
  if ((mode != OSKIT_DMA_MODE_IOVA && mode != OSKIT_DMA_MODE_PHYS) || options.max_regions > OSKIT_DMA_MAX_REGIONS) {
    return OSKIT_EINVAL;
  }
  const std::uint32_t regions = options.max_regions == 0 ? OSKIT_DMA_DEFAULT_REGIONS : options.max_regions;
  ComPtr<Space> space = make<Space>(mode, regions, made_on_use);
  if (!space) return OSKIT_ENOMEM;
  if (mode == OSKIT_DMA_MODE_PHYS) {
    std::string why;
    oskit_error_t rc = space->open(options.pool_bytes, &why);
    if (rc != 0) {
      env::logf(env::LogLevel::kInfo, "no physical-mode DMA space: %s", why);
      return rc;
    }
  }
  *out = std::move(space);
  return 0;
}

}  // namespace oskit::dma

extern "C" oskit_error_t oskit_dma_space_create(const oskit_dma_space_options_t* options,
                                                oskit_dma_space_t** out_space) {
  if (out_space == nullptr) return OSKIT_E_POINTER;
  *out_space = nullptr;
  oskit::ComPtr<oskit_dma_space> space;
  oskit_error_t rc = oskit::dma::create_space(options ? *options : oskit_dma_space_options_t{}, false, &space);
  *out_space = space.detach();
  return rc;
}
