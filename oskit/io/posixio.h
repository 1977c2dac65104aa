/*
 * oskit_posixio: per-object POSIX attributes (OSKit manual section 7.6).
 */
#ifndef OSKIT_IO_POSIXIO_H
#define OSKIT_IO_POSIXIO_H

#include "oskit/com.h"

/* File type bits of oskit_stat.mode (POSIX values). */
#define OSKIT_S_IFMT 0170000
#define OSKIT_S_IFIFO 0010000
#define OSKIT_S_IFCHR 0020000
#define OSKIT_S_IFDIR 0040000
#define OSKIT_S_IFBLK 0060000
#define OSKIT_S_IFREG 0100000
#define OSKIT_S_IFLNK 0120000
#define OSKIT_S_IFSOCK 0140000
#define OSKIT_S_ISUID 0004000
#define OSKIT_S_ISGID 0002000
#define OSKIT_S_ISVTX 0001000
#define OSKIT_S_ISREG(m) (((m)&OSKIT_S_IFMT) == OSKIT_S_IFREG)
#define OSKIT_S_ISDIR(m) (((m)&OSKIT_S_IFMT) == OSKIT_S_IFDIR)
#define OSKIT_S_ISCHR(m) (((m)&OSKIT_S_IFMT) == OSKIT_S_IFCHR)
#define OSKIT_S_ISBLK(m) (((m)&OSKIT_S_IFMT) == OSKIT_S_IFBLK)
#define OSKIT_S_ISLNK(m) (((m)&OSKIT_S_IFMT) == OSKIT_S_IFLNK)
#define OSKIT_S_ISSOCK(m) (((m)&OSKIT_S_IFMT) == OSKIT_S_IFSOCK)
#define OSKIT_S_ISFIFO(m) (((m)&OSKIT_S_IFMT) == OSKIT_S_IFIFO)

struct oskit_stat {
  oskit_dev_t dev;        /* device on which the inode resides */
  oskit_ino_t ino;        /* inode number */
  oskit_mode_t mode;      /* file mode */
  oskit_nlink_t nlink;    /* number of hard links */
  oskit_uid_t uid;        /* owner */
  oskit_gid_t gid;        /* group */
  oskit_dev_t rdev;       /* device number, for device files */
  oskit_timespec_t atime; /* last access */
  oskit_timespec_t mtime; /* last data modification */
  oskit_timespec_t ctime; /* last attribute change */
  oskit_off_t size;       /* size in bytes */
  oskit_u64_t blocks;     /* blocks allocated */
  oskit_u32_t blksize;    /* optimal block size in bytes */
};
typedef struct oskit_stat oskit_stat_t;

/* setstat masks (7.6.2); the others name fields that cannot be set. */
#define OSKIT_STAT_DEV 0x0001
#define OSKIT_STAT_INO 0x0002
#define OSKIT_STAT_MODE 0x0004
#define OSKIT_STAT_NLINK 0x0008
#define OSKIT_STAT_UID 0x0010
#define OSKIT_STAT_GID 0x0020
#define OSKIT_STAT_RDEV 0x0040
#define OSKIT_STAT_ATIME 0x0080
#define OSKIT_STAT_MTIME 0x0100
#define OSKIT_STAT_UTIMES_NULL 0x0200
#define OSKIT_STAT_CTIME 0x0400
#define OSKIT_STAT_SIZE 0x0800
#define OSKIT_STAT_BLOCKS 0x1000
#define OSKIT_STAT_BLKSIZE 0x2000
#define OSKIT_STAT_SETTABLE                                                                                           \
  (OSKIT_STAT_MODE | OSKIT_STAT_UID | OSKIT_STAT_GID | OSKIT_STAT_ATIME | OSKIT_STAT_MTIME | OSKIT_STAT_UTIMES_NULL | \
   OSKIT_STAT_SIZE)

/* pathconf options (7.6.3). */
#define OSKIT_PC_LINK_MAX 1
#define OSKIT_PC_MAX_CANON 2
#define OSKIT_PC_MAX_INPUT 3
#define OSKIT_PC_NAME_MAX 4
#define OSKIT_PC_PATH_MAX 5
#define OSKIT_PC_PIPE_BUF 6
#define OSKIT_PC_CHOWN_RESTRICTED 7
#define OSKIT_PC_NO_TRUNC 8
#define OSKIT_PC_VDISABLE 9
#define OSKIT_PC_ASYNC_IO 10
#define OSKIT_PC_PRIO_IO 11
#define OSKIT_PC_SYNC_IO 12

/* IID 4aa7df8f-7c74-11cf-b500-08000953adc2. */
#define OSKIT_POSIXIO_IID OSKIT_GUID(0x4aa7df8f, 0x7c74, 0x11cf, 0xb5, 0x00, 0x08, 0x00, 0x09, 0x53, 0xad, 0xc2)

#ifdef __cplusplus
struct oskit_posixio : oskit_iunknown {
  /* *out_stats gets the object's attributes (7.6.1). */
  virtual OSKIT_COMDECL stat(oskit_stat_t *out_stats) noexcept = 0;
  /* Sets the attributes named in mask from *stats (7.6.2). */
  virtual OSKIT_COMDECL setstat(oskit_u32_t mask, const oskit_stat_t *stats) noexcept = 0;
  /* *out_val gets the value of an OSKIT_PC_* option (7.6.3). */
  virtual OSKIT_COMDECL pathconf(oskit_s32_t option, oskit_s32_t *out_val) noexcept = 0;

 protected:
  ~oskit_posixio() = default;
};
#else
struct oskit_posixio {
  const struct oskit_posixio_ops *ops;
};
struct oskit_posixio_ops {
  OSKIT_COMDECL (*query)(struct oskit_posixio *f, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_posixio *f);
  OSKIT_COMDECL_U (*release)(struct oskit_posixio *f);
  OSKIT_COMDECL (*stat)(struct oskit_posixio *f, oskit_stat_t *out_stats);
  OSKIT_COMDECL (*setstat)(struct oskit_posixio *f, oskit_u32_t mask, const oskit_stat_t *stats);
  OSKIT_COMDECL (*pathconf)(struct oskit_posixio *f, oskit_s32_t option, oskit_s32_t *out_val);
};
#endif
typedef struct oskit_posixio oskit_posixio_t;
OSKIT_DECLARE_IID(oskit_posixio, OSKIT_POSIXIO_IID)

#define oskit_posixio_query(f, iid, out) OSKIT_CALL(oskit_posixio_t, f, query, iid, out)
#define oskit_posixio_addref(f) OSKIT_CALL0(oskit_posixio_t, f, addref)
#define oskit_posixio_release(f) OSKIT_CALL0(oskit_posixio_t, f, release)
#define oskit_posixio_stat(f, out_stats) OSKIT_CALL(oskit_posixio_t, f, stat, out_stats)
#define oskit_posixio_setstat(f, mask, stats) OSKIT_CALL(oskit_posixio_t, f, setstat, mask, stats)
#define oskit_posixio_pathconf(f, option, out_val) OSKIT_CALL(oskit_posixio_t, f, pathconf, option, out_val)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_posixio_iid;
OSKIT_END_DECLS

#endif /* OSKIT_IO_POSIXIO_H */
