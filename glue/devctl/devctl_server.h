/*
 * The driver half of devctl (docs/design.md, section 4; QNX "io_devctl"): a
 * driver declares its commands in a table; dispatch verifies each message
 * against the opener's mode and the command's encoded size (as
 * iofunc_devctl_verify would), runs the handler, and hands whatever no handler
 * claims to the default handler, which serves the reserved generic range
 * (0x0000-0x0FFF) and answers the rest "not mine", which reaches the caller as
 * OSKIT_ENOTTY (QNX: _RESMGR_DEFAULT -> ENOSYS -> ENOTTY).
 *
 * On EVL, a devctl travels as oob_ioctl with the Linux _IOC encoding; the
 * conversions below swap the direction bits (Linux: write bit 30, read bit
 * 31; devctl: to-driver bit 31, from-driver bit 30). Size, class and number
 * sit at the same places in both.
 */
#ifndef GLUE_DEVCTL_DEVCTL_SERVER_H
#define GLUE_DEVCTL_DEVCTL_SERVER_H

#include "oskit/io/devctl.h"

OSKIT_BEGIN_DECLS

/* One message, as a handler sees it. */
struct oskit_devctl_msg {
  oskit_u32_t dcmd;        /* the command word */
  void *data;              /* nbytes of data, in and/or out as the direction says */
  oskit_size_t nbytes;     /* bytes the client supplied */
  oskit_u32_t open_mode;   /* OSKIT_DEVCTL_OPEN_* of the opener */
  oskit_s32_t ret_val;     /* out: the driver's own result (0 unless the handler sets it) */
  oskit_size_t out_nbytes; /* out: bytes transferred back to the client */
};

/* A handler's "this command is not mine" result: dispatch then runs the
 * default handler. Positive, so it cannot be mistaken for an error or success. */
#define OSKIT_DEVCTL_DEFAULT ((oskit_error_t)1)

/* Handles msg for the device dev; returns 0, an OSKit error, or OSKIT_DEVCTL_DEFAULT. */
typedef oskit_error_t (*oskit_devctl_handler_t)(void *dev, struct oskit_devctl_msg *msg);

struct oskit_devctl_command {
  oskit_u32_t dcmd; /* matched exactly, so a size or direction mismatch is "not mine" */
  oskit_devctl_handler_t handler;
};

/* What the generic commands act on: the open file's flags
 * (OSKIT_DEVCTL_F_*), and an optional hook told of every change. */
struct oskit_devctl_generic {
  oskit_u32_t flags;
  oskit_error_t (*flags_changed)(void *dev, oskit_u32_t old_flags, oskit_u32_t new_flags);
};

/* The generic flags a device supports through OSKIT_DCMD_ALL_SETFLAGS. */
#define OSKIT_DEVCTL_F_KNOWN OSKIT_DEVCTL_F_NONBLOCK

/*
 * Serves msg with table[0..count). Returns 0 or the handler's error; OSKIT_EPERM
 * when the open mode forbids the command's direction; OSKIT_EINVAL when nbytes
 * exceeds the encoded size; OSKIT_EFAULT for missing data; OSKIT_ENOTTY for a
 * command neither the table nor the default handler serves. generic may be
 * NULL (then the generic commands are unknown too).
 */
oskit_error_t oskit_devctl_dispatch(const struct oskit_devctl_command *table, oskit_size_t count, void *dev,
                                    struct oskit_devctl_generic *generic, struct oskit_devctl_msg *msg);

/* The default handler: serves OSKIT_DCMD_ALL_GETFLAGS / SETFLAGS on generic and
 * returns OSKIT_DEVCTL_DEFAULT for anything else. Unknown flag bits in a
 * SETFLAGS are OSKIT_EINVAL. */
oskit_error_t oskit_devctl_default(void *dev, struct oskit_devctl_generic *generic, struct oskit_devctl_msg *msg);

/* Linux _IOC request <-> devctl command word. */
oskit_u32_t oskit_devctl_to_ioc(oskit_u32_t dcmd);
oskit_u32_t oskit_devctl_from_ioc(unsigned long request);

OSKIT_END_DECLS

#endif /* GLUE_DEVCTL_DEVCTL_SERVER_H */
