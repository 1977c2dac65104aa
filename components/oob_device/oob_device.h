/*
 * The oob device component: a device of an out-of-band driver, opened
 * through glue/evl, exporting stream, devctl, asyncio and posixio
 * (docs/design.md, "Components").
 *
 * Stream read/write are oob_read/oob_write when the caller is an EVL thread
 * and read(2)/write(2) otherwise (glue/oob_file/oob_file.h says why);
 * each is one transfer with the driver's semantics. seek is OSKIT_ESPIPE; the
 * other stream methods besides stat are OSKIT_E_NOTIMPL.
 *
 * devctl (docs/design.md, "devctl"; QNX io_devctl): the command is verified
 * against the open mode and its encoded size (oskit_devctl_verify: OSKIT_EPERM,
 * OSKIT_EINVAL, OSKIT_EFAULT), then carried to the driver as oob_ioctl (from an
 * EVL thread; ioctl(2) otherwise) with the Linux _IOC encoding
 * (oskit_devctl_to_ioc). The driver transfers exactly the encoded size: when
 * nbytes is smaller, the transfer goes through a zero-filled bounce buffer of
 * the full size on the caller's stack (at most OSKIT_DCMD_SIZE_MAX bytes), so
 * the driver never touches caller memory beyond nbytes. *out_ret_val gets the
 * driver's non-negative result; *out_nbytes gets nbytes for a command with
 * data from the driver, 0 otherwise (Linux ioctl cannot report a shorter
 * transfer). A command no handler claims comes back as OSKIT_ENOTTY; any other
 * driver error as its OSKit code. Caller data is copied back only on success.
 */
#ifndef COMPONENTS_OOB_DEVICE_OOB_DEVICE_H
#define COMPONENTS_OOB_DEVICE_OOB_DEVICE_H

#include "oskit/com/stream.h"

/* Open modes of oskit_oob_device_open. READ and WRITE match the
 * OSKIT_DEVCTL_OPEN_* bits the devctl verify step checks. */
#define OSKIT_OOB_DEVICE_READ 0x1u
#define OSKIT_OOB_DEVICE_WRITE 0x2u
#define OSKIT_OOB_DEVICE_RDWR (OSKIT_OOB_DEVICE_READ | OSKIT_OOB_DEVICE_WRITE)
#define OSKIT_OOB_DEVICE_NONBLOCK 0x4u /* transfers that would block fail with OSKIT_EAGAIN */

OSKIT_BEGIN_DECLS

/*
 * Opens the glue/evl device called name with an OSKIT_OOB_DEVICE_* mode (at
 * least one of READ and WRITE). Returns 0 and an owned reference to the
 * device's stream in *out_stream (query it for oskit_devctl, oskit_asyncio,
 * oskit_posixio); or OSKIT_E_POINTER (name or out_stream NULL), OSKIT_EINVAL
 * (mode), OSKIT_ENODEV (no such device), OSKIT_ENXIO (EVL core stopped), the
 * driver's open error, or OSKIT_ENOMEM, with *out_stream NULL. In-band.
 */
oskit_error_t oskit_oob_device_open(const char *name, oskit_u32_t mode, oskit_stream_t **out_stream);

OSKIT_END_DECLS

#endif /* COMPONENTS_OOB_DEVICE_OOB_DEVICE_H */
