// Exact conversion between OSKit's termios (oskit/io/ttystream.h: FreeBSD's
// values, speeds as numbers) and the host's struct termios, bit by bit.
#ifndef COMPONENTS_TTY_TERMIOS_MAP_H
#define COMPONENTS_TTY_TERMIOS_MAP_H

#include <termios.h>

#include "oskit/io/ttystream.h"

namespace oskit::tty {

// Host settings to OSKit's. Host flags OSKit does not name are left out;
// OSKit cc slots the host lacks read OSKIT_VDISABLE; a disabled host
// character (_POSIX_VDISABLE) reads OSKIT_VDISABLE. The host has one line
// speed: ispeed and ospeed both get it. OSKIT_EINVAL for a host speed outside
// the table.
oskit_error_t to_oskit(const struct termios& host, oskit_termios_t* out) noexcept;

// OSKit's settings onto *host: every bit and cc slot OSKit names is set from
// in, the host's other flags are kept. OSKIT_VDISABLE in a character slot
// disables it (so does 0, which the host cannot hold as a character). ispeed
// must be 0 or equal to ospeed. OSKIT_EINVAL, leaving *host unchanged, for a
// flag bit OSKit does not define or a speed that is not a line speed.
oskit_error_t from_oskit(const oskit_termios_t& in, struct termios* host) noexcept;

// A line speed in bits per second as the host's B* constant; false if none.
bool speed_to_host(oskit_speed_t bps, speed_t* out) noexcept;

}  // namespace oskit::tty

#endif  // COMPONENTS_TTY_TERMIOS_MAP_H
