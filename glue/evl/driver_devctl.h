/* Serving ioctls with a devctl command table (glue/devctl, docs/design.md, section
 * 4): for drivers written against glue/evl/driver.h. Usable from C and C++. */
#ifndef GLUE_EVL_DRIVER_DEVCTL_H
#define GLUE_EVL_DRIVER_DEVCTL_H

#include <stddef.h>

#include "glue/devctl/devctl_server.h"
#include "glue/evl/driver.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Serves ioctl request cmd with argument arg on file through table: the Linux
 * _IOC word becomes a devctl command (oskit_devctl_from_ioc); the data, as many
 * bytes as the encoding says, is copied in (to-driver commands) and the
 * handler's out_nbytes copied back (from-driver commands) through a bounce
 * buffer, so handlers never touch the caller's memory; the opener's access
 * mode is the devctl open mode and its O_NONBLOCK the generic NONBLOCK flag,
 * which OSKIT_DCMD_ALL_SETFLAGS changes. Handlers receive file as their dev
 * argument. Returns the handler's ret_val (which must not be negative), or a
 * negated errno: -EFAULT for a bad arg, -EPERM for a direction the open mode
 * forbids, -ENOTTY for a command nobody serves, or the handler's error.
 */
long oskit_evl_devctl_ioctl(struct oskit_evl_file *file, const struct oskit_devctl_command *table, size_t count,
                            unsigned int cmd, unsigned long arg);

#ifdef __cplusplus
}
#endif

#endif /* GLUE_EVL_DRIVER_DEVCTL_H */
