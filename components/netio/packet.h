// What every netio of this component checks of a pushed packet.
#ifndef COMPONENTS_NETIO_PACKET_H
#define COMPONENTS_NETIO_PACKET_H

#include "oskit/io/bufio.h"

namespace oskit::netio {

// A packet of size bytes in buf (OSKit manual 7.5.1): buf present
// (OSKIT_E_POINTER), size within buf's size (OSKIT_EINVAL). 0 when it holds.
oskit_error_t check_packet(oskit_bufio* buf, oskit_size_t size) noexcept;

}  // namespace oskit::netio

#endif  // COMPONENTS_NETIO_PACKET_H
