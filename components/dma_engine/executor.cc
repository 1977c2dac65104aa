#include "components/dma_engine/executor.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace oskit::dma_engine {
namespace {

// One translated scatter-gather segment.
struct Segment {
  char* cpu;
  oskit_u64_t length;
};

// Reads a table of count entries at addr and translates every segment it
// lists; *total gets their length. 0, OSKIT_EFAULT or OSKIT_EINVAL.
oskit_error_t translate_table(Translations* regions, oskit_u64_t addr, oskit_u32_t count, oskit_u32_t access,
                              Segment* segments, oskit_u64_t* total, oskit_u64_t* fault_addr) noexcept {
  const char* table = regions->take(addr, count * sizeof(oskit_dma_sg_entry), OSKIT_DMA_READ, fault_addr);
  if (table == nullptr) return OSKIT_EFAULT;
  oskit_dma_sg_entry entries[OSKIT_DMA_SG_MAX];
  std::memcpy(entries, table, count * sizeof(oskit_dma_sg_entry));
  *total = 0;
  for (oskit_u32_t i = 0; i < count; i++) {
    if (entries[i].length == 0 || entries[i].length > UINT64_MAX - *total) return OSKIT_EINVAL;
    *total += entries[i].length;
  }
  for (oskit_u32_t i = 0; i < count; i++) {
    segments[i] = {regions->take(entries[i].addr, entries[i].length, access, fault_addr), entries[i].length};
    if (segments[i].cpu == nullptr) return OSKIT_EFAULT;
  }
  return 0;
}

// Copies the bytes of src segments into dst segments, in order (equal totals).
void gather_scatter(const Segment* src, oskit_u32_t src_count, const Segment* dst, oskit_u32_t dst_count) noexcept {
  oskit_u32_t i = 0, j = 0;
  oskit_u64_t in = 0, out = 0;  // bytes used of src[i] and dst[j]
  while (i < src_count && j < dst_count) {
    const oskit_u64_t n = std::min(src[i].length - in, dst[j].length - out);
    std::memmove(dst[j].cpu + out, src[i].cpu + in, n);
    in += n;
    out += n;
    if (in == src[i].length) i++, in = 0;
    if (out == dst[j].length) j++, out = 0;
  }
}

void fill(char* dst, oskit_u64_t length, oskit_u64_t pattern) noexcept {
  unsigned char bytes[8];
  std::memcpy(bytes, &pattern, sizeof bytes);
  if (std::memcmp(bytes, bytes + 1, 7) == 0) {
    std::memset(dst, bytes[0], length);
    return;
  }
  oskit_u64_t done = 0;
  for (; done + 8 <= length; done += 8) std::memcpy(dst + done, bytes, 8);
  std::memcpy(dst + done, bytes, length - done);
}

oskit_error_t run_copy(Translations* regions, const oskit_dma_desc& d, oskit_u64_t* fault) noexcept {
  char* src = regions->take(d.src, d.length, OSKIT_DMA_READ, fault);
  char* dst = src != nullptr ? regions->take(d.dst, d.length, OSKIT_DMA_WRITE, fault) : nullptr;
  if (dst == nullptr) return OSKIT_EFAULT;
  std::memmove(dst, src, d.length);
  return 0;
}

oskit_error_t run_fill(Translations* regions, const oskit_dma_desc& d, oskit_u64_t* fault) noexcept {
  char* dst = regions->take(d.dst, d.length, OSKIT_DMA_WRITE, fault);
  if (dst == nullptr) return OSKIT_EFAULT;
  fill(dst, d.length, d.pattern);
  return 0;
}

// Out of line: its tables would give every descriptor a large stack frame.
[[gnu::noinline]] oskit_error_t run_sg_copy(Translations* regions, const oskit_dma_desc& d, oskit_u64_t* fault,
                                            oskit_u64_t* bytes) noexcept {
  Segment src[OSKIT_DMA_SG_MAX], dst[OSKIT_DMA_SG_MAX];
  oskit_u64_t src_total = 0, dst_total = 0;
  oskit_error_t rc = translate_table(regions, d.src, d.src_count, OSKIT_DMA_READ, src, &src_total, fault);
  if (rc == 0) rc = translate_table(regions, d.dst, d.dst_count, OSKIT_DMA_WRITE, dst, &dst_total, fault);
  if (rc == 0 && src_total != dst_total) rc = OSKIT_EINVAL;
  if (rc != 0) return rc;
  gather_scatter(src, d.src_count, dst, d.dst_count);
  *bytes = src_total;
  return 0;
}

}  // namespace

bool valid_descriptor(const oskit_dma_desc& d) noexcept {
  if (d.flags != 0) return false;
  switch (d.op) {
    case OSKIT_DMA_OP_COPY:
      return d.length != 0 && d.pattern == 0 && d.src_count == 0 && d.dst_count == 0;
    case OSKIT_DMA_OP_FILL:
      return d.length != 0 && d.src == 0 && d.src_count == 0 && d.dst_count == 0;
    case OSKIT_DMA_OP_SG_COPY:
      return d.length == 0 && d.pattern == 0 && d.src_count >= 1 && d.src_count <= OSKIT_DMA_SG_MAX &&
             d.dst_count >= 1 && d.dst_count <= OSKIT_DMA_SG_MAX;
    default:
      return false;
  }
}

char* Translations::translate(oskit_u64_t addr, oskit_u64_t size, oskit_u32_t access,
                              oskit_u64_t* fault_addr) noexcept {
  Held& h = held_[count_];
  void* cpu = nullptr;
  oskit_addr_t region_addr = 0;
  oskit_size_t region_size = 0;
  void* region_cpu = nullptr;
  if (space_->access_begin(device_, static_cast<oskit_addr_t>(addr), static_cast<oskit_size_t>(size), access, &cpu,
                           &h.pin) != 0) {
    *fault_addr = addr;
    return nullptr;
  }
  if (space_->region(h.pin, &region_addr, &region_size, &region_cpu) == 0) {
    h = {h.pin, region_addr, region_size, static_cast<char*>(region_cpu)};
  } else {
    h = {h.pin, addr, size, static_cast<char*>(cpu)};  // this range alone, then
  }
  count_++;
  return static_cast<char*>(cpu);
}

void Translations::release() noexcept {
  for (int i = 0; i < count_; i++) space_->access_end(held_[i].pin);
  count_ = 0;
}

void execute_any(Translations* translations, const oskit_dma_desc& desc, oskit_dma_completion* out) noexcept {
  oskit_u64_t fault = 0;
  oskit_u64_t bytes = desc.length;
  oskit_error_t rc;
  switch (desc.op) {
    case OSKIT_DMA_OP_COPY:
      rc = run_copy(translations, desc, &fault);
      break;
    case OSKIT_DMA_OP_FILL:
      rc = run_fill(translations, desc, &fault);
      break;
    default:
      rc = run_sg_copy(translations, desc, &fault, &bytes);
      break;
  }
  out->cookie = desc.cookie;
  out->status = rc;
  out->bytes = rc == 0 ? bytes : 0;
  out->fault_addr = rc == OSKIT_EFAULT ? fault : 0;
}

}  // namespace oskit::dma_engine
