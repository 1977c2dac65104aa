// A bounded pool of recycled memory buffers: count buffers of size bytes,
// allocated once; alloc hands out a free one (of size bytes whatever size is
// asked up to it; OSKIT_EINVAL above it; OSKIT_EAGAIN when none is free) and
// a buffer's last release puts it back on a Boost.Intrusive free list, so the
// steady state allocates nothing. Buffers start zero-filled and are not
// cleared between uses; one that is out keeps the pool alive. Thread-safe.
// What components hand out when they own their buffers (membufio's factory,
// the UDP endpoint's default pool).
#ifndef GLUE_BUFIO_RECYCLED_POOL_H
#define GLUE_BUFIO_RECYCLED_POOL_H

#include "oskit/com/ptr.h"
#include "oskit/io/bufio_pool.h"

namespace oskit::bufio {

// Makes the pool. 0 and *out, or OSKIT_EINVAL (count or size 0), OSKIT_ENOMEM.
oskit_error_t make_recycled_pool(oskit_size_t count, oskit_size_t size, ComPtr<oskit_bufio_pool>* out) noexcept;

}  // namespace oskit::bufio

#endif  // GLUE_BUFIO_RECYCLED_POOL_H
