// The memory bufio (OSKit manual 7.4) over a Storage: read and write,
// map/unmap, wire/unwire through a device-address space (7.4.3, 7.4.4;
// docs/design.md, "Exporting bufio to DMA code") and copy (7.4.5), which
// shares heap storage copy-on-write. Internal to the component.
#ifndef COMPONENTS_MEMBUFIO_MEMORY_BUFIO_H
#define COMPONENTS_MEMBUFIO_MEMORY_BUFIO_H

#include "oskit/com/ptr.h"
#include "oskit/io/bufio.h"

namespace oskit::membufio {

class Storage;

// A bufio of size bytes over storage, which it adopts (one reference). Empty
// on exhaustion; the reference then stays the caller's.
ComPtr<oskit_bufio> make_memory_bufio(Storage* storage, oskit_size_t size) noexcept;

}  // namespace oskit::membufio

#endif  // COMPONENTS_MEMBUFIO_MEMORY_BUFIO_H
