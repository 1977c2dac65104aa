// Device-side copies through a space (glue/dma/dma.h).
#include <cstring>

#include "glue/dma/dma.h"

namespace {

oskit_error_t device_copy(oskit_dma_space_t* space, oskit_u32_t device, oskit_addr_t addr, void* buf, const void* data,
                          oskit_size_t size, oskit_u32_t access) {
  if (space == nullptr || (buf == nullptr && data == nullptr)) return OSKIT_E_POINTER;
  void* cpu = nullptr;
  oskit_dma_pin_t pin = 0;
  oskit_error_t rc = space->access_begin(device, addr, size, access, &cpu, &pin);
  if (rc != 0) return rc;
  if (access == OSKIT_DMA_READ) {
    std::memcpy(buf, cpu, size);
  } else {
    std::memcpy(cpu, data, size);
  }
  return space->access_end(pin);
}

}  // namespace

extern "C" oskit_error_t oskit_dma_device_read(oskit_dma_space_t* space, oskit_u32_t device, oskit_addr_t addr,
                                               void* buf, oskit_size_t size) {
  return device_copy(space, device, addr, buf, nullptr, size, OSKIT_DMA_READ);
}

extern "C" oskit_error_t oskit_dma_device_write(oskit_dma_space_t* space, oskit_u32_t device, oskit_addr_t addr,
                                                const void* buf, oskit_size_t size) {
  return device_copy(space, device, addr, nullptr, buf, size, OSKIT_DMA_WRITE);
}
