/*
 * oskit_devctl: device control commands (docs/design.md, section 4, after QNX's
 * io_devctl).
 *
 * A command word dcmd carries, from the top: the direction (2 bits: to the
 * driver, from the driver), the size of the data it transfers (14 bits), a
 * class (8 bits) and a command number (8 bits). Class/command codes
 * 0x0000-0x0FFF are reserved for generic commands (OSKIT_DCMD_ALL_*) that the
 * default handler of every driver serves.
 */
#ifndef OSKIT_IO_DEVCTL_H
#define OSKIT_IO_DEVCTL_H

#include "oskit/com.h"

/* Direction bits (QNX _POSIX_DEVDIR_*): "to" is client -> driver. */
#define OSKIT_DEVDIR_NONE 0x00000000u
#define OSKIT_DEVDIR_TO 0x80000000u
#define OSKIT_DEVDIR_FROM 0x40000000u
#define OSKIT_DEVDIR_TOFROM (OSKIT_DEVDIR_TO | OSKIT_DEVDIR_FROM)
#define OSKIT_DEVDIR_MASK OSKIT_DEVDIR_TOFROM

#define OSKIT_DCMD_SIZE_MAX 0x3fffu

/* Builds a command word (QNX __DION/__DIOT/__DIOF/__DIOTF). */
#define OSKIT_DCMD(dir, class_, cmd, size)                                                                         \
  ((oskit_u32_t)(dir) | (((oskit_u32_t)(size)&OSKIT_DCMD_SIZE_MAX) << 16) | (((oskit_u32_t)(class_)&0xffu) << 8) | \
   ((oskit_u32_t)(cmd)&0xffu))
#define OSKIT_DION(class_, cmd) OSKIT_DCMD(OSKIT_DEVDIR_NONE, class_, cmd, 0)
#define OSKIT_DIOT(class_, cmd, type) OSKIT_DCMD(OSKIT_DEVDIR_TO, class_, cmd, sizeof(type))
#define OSKIT_DIOF(class_, cmd, type) OSKIT_DCMD(OSKIT_DEVDIR_FROM, class_, cmd, sizeof(type))
#define OSKIT_DIOTF(class_, cmd, type) OSKIT_DCMD(OSKIT_DEVDIR_TOFROM, class_, cmd, sizeof(type))

/* Takes a command word apart. */
#define OSKIT_DCMD_DIR(dcmd) ((oskit_u32_t)(dcmd)&OSKIT_DEVDIR_MASK)
#define OSKIT_DCMD_LEN(dcmd) (((oskit_u32_t)(dcmd) >> 16) & OSKIT_DCMD_SIZE_MAX)
#define OSKIT_DCMD_CLASS(dcmd) (((oskit_u32_t)(dcmd) >> 8) & 0xffu)
#define OSKIT_DCMD_NUMBER(dcmd) ((oskit_u32_t)(dcmd)&0xffu)
#define OSKIT_DCMD_CODE(dcmd) ((oskit_u32_t)(dcmd)&0xffffu)
#define OSKIT_DCMD_IS_RESERVED(dcmd) (OSKIT_DCMD_CODE(dcmd) <= 0x0fffu)

/* Generic commands in the reserved range, served by every default handler.
 * Flags are OSKIT_DEVCTL_F_* bits. */
#define OSKIT_DEVCTL_F_NONBLOCK 0x0001u
#define OSKIT_DCMD_ALL_GETFLAGS OSKIT_DIOF(0x00, 0x01, oskit_u32_t)
#define OSKIT_DCMD_ALL_SETFLAGS OSKIT_DIOT(0x00, 0x02, oskit_u32_t)

/* Open-mode bits a verify call checks against the direction. */
#define OSKIT_DEVCTL_OPEN_READ 0x1u
#define OSKIT_DEVCTL_OPEN_WRITE 0x2u
#define OSKIT_DEVCTL_OPEN_RDWR (OSKIT_DEVCTL_OPEN_READ | OSKIT_DEVCTL_OPEN_WRITE)

/* IID 6f1d2c3a-8b54-4e07-9a61-d2c4e5f70a11 (ours, outside OSKit's range). */
#define OSKIT_DEVCTL_IID OSKIT_GUID(0x6f1d2c3a, 0x8b54, 0x4e07, 0x9a, 0x61, 0xd2, 0xc4, 0xe5, 0xf7, 0x0a, 0x11)

#ifdef __cplusplus
struct oskit_devctl : oskit_iunknown {
  /* Issues dcmd with nbytes of data at data (in, out or both, as the direction
   * says). *out_ret_val gets the driver's own result, *out_nbytes the bytes
   * transferred back. Returns 0, or OSKIT_ENOTTY for an unknown command,
   * OSKIT_EPERM when the open mode forbids the direction, OSKIT_EINVAL when
   * nbytes exceeds the encoded size, or the driver's error. */
  virtual OSKIT_COMDECL devctl(oskit_u32_t dcmd, void *data, oskit_size_t nbytes, oskit_s32_t *out_ret_val,
                               oskit_size_t *out_nbytes) noexcept = 0;

 protected:
  ~oskit_devctl() = default;
};
#else
struct oskit_devctl {
  const struct oskit_devctl_ops *ops;
};
struct oskit_devctl_ops {
  OSKIT_COMDECL (*query)(struct oskit_devctl *d, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_devctl *d);
  OSKIT_COMDECL_U (*release)(struct oskit_devctl *d);
  OSKIT_COMDECL (*devctl)
  (struct oskit_devctl *d, oskit_u32_t dcmd, void *data, oskit_size_t nbytes, oskit_s32_t *out_ret_val,
   oskit_size_t *out_nbytes);
};
#endif
typedef struct oskit_devctl oskit_devctl_t;
OSKIT_DECLARE_IID(oskit_devctl, OSKIT_DEVCTL_IID)

#define oskit_devctl_query(d, iid, out) OSKIT_CALL(oskit_devctl_t, d, query, iid, out)
#define oskit_devctl_addref(d) OSKIT_CALL0(oskit_devctl_t, d, addref)
#define oskit_devctl_release(d) OSKIT_CALL0(oskit_devctl_t, d, release)
#define oskit_devctl_devctl(d, dcmd, data, nbytes, out_ret_val, out_nbytes) \
  OSKIT_CALL(oskit_devctl_t, d, devctl, dcmd, data, nbytes, out_ret_val, out_nbytes)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_devctl_iid;

/*
 * The checks QNX's io_devctl says each handler should make (iofunc_devctl_verify):
 * a command that sends data to the driver needs OSKIT_DEVCTL_OPEN_WRITE, one
 * that takes data from it needs OSKIT_DEVCTL_OPEN_READ (else OSKIT_EPERM);
 * nbytes may not exceed the encoded size (else OSKIT_EINVAL); data may be NULL
 * only when nbytes is 0 (else OSKIT_EFAULT). Returns 0 when all hold.
 */
oskit_error_t oskit_devctl_verify(oskit_u32_t dcmd, const void *data, oskit_size_t nbytes, oskit_u32_t open_mode);
OSKIT_END_DECLS

#endif /* OSKIT_IO_DEVCTL_H */
