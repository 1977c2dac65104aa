// The memory bufio (OSKit manual 7.4) over a Storage: read and write,
// map/unmap, wire/unwire through a device-address space (7.4.3, 7.4.4;
// docs/design.md, "Exporting bufio to DMA code") and copy (7.4.5), which
// shares heap storage copy-on-write. What components/membufio exports and its
// pools hand out, and what the recycled pool (recycled_pool.h) recycles.
#ifndef GLUE_BUFIO_MEMORY_BUFIO_H
#define GLUE_BUFIO_MEMORY_BUFIO_H

#include <cstddef>

#include "oskit/com/ptr.h"
#include "oskit/io/bufio.h"

namespace oskit::bufio {

class Storage;

// A bufio of size bytes over storage, which it adopts (one reference). Empty
// on exhaustion; the reference then stays the caller's.
ComPtr<oskit_bufio> make_memory_bufio(Storage* storage, oskit_size_t size) noexcept;

// Takes back the bufios of make_recyclable_bufio.
class BufioRecycler {
 public:
  // The bufio made for slot lost its last user reference; its wirings and
  // mappings have ended.
  virtual void recycle(std::size_t slot) noexcept = 0;

 protected:
  ~BufioRecycler() = default;
};

// A bufio of size bytes over storage (adopted, as make_memory_bufio) whose
// one reference is recycler's for the object's whole life: counts returned
// by addref and release leave it out, and when every other reference has gone
// the object goes to recycler->recycle(slot) instead of being destroyed.
// nullptr on exhaustion (the storage reference then stays the caller's).
oskit_bufio* make_recyclable_bufio(Storage* storage, oskit_size_t size, BufioRecycler* recycler,
                                   std::size_t slot) noexcept;
// Drops the recycler's reference to a bufio of make_recyclable_bufio that
// nobody else holds: it is destroyed.
void retire_recyclable_bufio(oskit_bufio* io) noexcept;

}  // namespace oskit::bufio

#endif  // GLUE_BUFIO_MEMORY_BUFIO_H
