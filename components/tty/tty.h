/*
 * The tty component: an oskit_ttystream over a terminal descriptor (a pty or a
 * serial line), also answering asyncio (readable when input is pending) and
 * posixio (OSKit manual 7.7, 7.2, 7.6).
 *
 * Stream methods: read and write go to the terminal; seek gives OSKIT_ESPIPE;
 * setsize, copyto, commit, revert, lockregion, unlockregion, stat and clone
 * give OSKIT_E_NOTIMPL. ttystream: tcgetattr, tcsetattr, tcsendbreak, tcdrain,
 * tcflush, tcflow, tcgetpgrp, tcsetpgrp, ttyname, tcgetsid; selectors and
 * actions outside OSKit's constants give OSKIT_EINVAL. Terminal settings are
 * converted exactly between OSKit's termios values and the host's.
 * posixio's pathconf(OSKIT_PC_VDISABLE) gives OSKIT_VDISABLE. asyncio's
 * readable() is the input a read would return now. Every method is one or two
 * system calls on the descriptor: any thread may call any method.
 */
#ifndef COMPONENTS_TTY_TTY_H
#define COMPONENTS_TTY_TTY_H

#include "oskit/io/ttystream.h"

/* Flags for oskit_tty_open. */
#define OSKIT_TTY_NONBLOCK 0x1 /* reads and writes that would wait give OSKIT_EAGAIN */

OSKIT_BEGIN_DECLS

/*
 * Opens the terminal at path (read and write, never becoming the controlling
 * terminal). Returns 0 and an owned reference in *out_tty; or OSKIT_E_POINTER,
 * OSKIT_EINVAL (unknown flags), OSKIT_ENOTTY (not a terminal) or open(2)'s
 * error mapped, with *out_tty set to NULL.
 */
oskit_error_t oskit_tty_open(const char *path, oskit_u32_t flags, oskit_ttystream_t **out_tty);

/*
 * As oskit_tty_open over an open terminal descriptor. On success the object
 * owns fd and closes it at its last release; on failure the caller still owns
 * it. OSKIT_EBADF for a descriptor that is not open.
 */
oskit_error_t oskit_tty_adopt(int fd, oskit_ttystream_t **out_tty);

OSKIT_END_DECLS

#endif /* COMPONENTS_TTY_TTY_H */
