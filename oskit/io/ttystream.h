/*
 * oskit_ttystream: a stream with POSIX terminal control (OSKit manual section 7.7).
 * It begins with oskit_stream's slots. The termios structure and constants are
 * OSKit's (a subset of FreeBSD's), not the host's.
 */
#ifndef OSKIT_IO_TTYSTREAM_H
#define OSKIT_IO_TTYSTREAM_H

#include "oskit/com.h"
#include "oskit/com/stream.h"

typedef oskit_u32_t oskit_tcflag_t;
typedef oskit_u8_t oskit_cc_t;
typedef oskit_u32_t oskit_speed_t;

/* Indexes into cc[]. */
#define OSKIT_VEOF 0
#define OSKIT_VEOL 1
#define OSKIT_VERASE 3
#define OSKIT_VKILL 5
#define OSKIT_VINTR 8
#define OSKIT_VQUIT 9
#define OSKIT_VSUSP 10
#define OSKIT_VSTART 12
#define OSKIT_VSTOP 13
#define OSKIT_VMIN 16
#define OSKIT_VTIME 17
#define OSKIT_NCCS 20

/* A cc[] value that disables the character. */
#define OSKIT_VDISABLE 0xff

/* iflag */
#define OSKIT_IGNBRK 0x00000001
#define OSKIT_BRKINT 0x00000002
#define OSKIT_IGNPAR 0x00000004
#define OSKIT_PARMRK 0x00000008
#define OSKIT_INPCK 0x00000010
#define OSKIT_ISTRIP 0x00000020
#define OSKIT_INLCR 0x00000040
#define OSKIT_IGNCR 0x00000080
#define OSKIT_ICRNL 0x00000100
#define OSKIT_IXON 0x00000200
#define OSKIT_IXOFF 0x00000400
#define OSKIT_IXANY 0x00000800

/* oflag */
#define OSKIT_OPOST 0x00000001
#define OSKIT_ONLCR 0x00000002

/* cflag */
#define OSKIT_CSIZE 0x00000300
#define OSKIT_CS5 0x00000000
#define OSKIT_CS6 0x00000100
#define OSKIT_CS7 0x00000200
#define OSKIT_CS8 0x00000300
#define OSKIT_CSTOPB 0x00000400
#define OSKIT_CREAD 0x00000800
#define OSKIT_PARENB 0x00001000
#define OSKIT_PARODD 0x00002000
#define OSKIT_HUPCL 0x00004000
#define OSKIT_CLOCAL 0x00008000

/* lflag */
#define OSKIT_ECHOE 0x00000002
#define OSKIT_ECHOK 0x00000004
#define OSKIT_ECHO 0x00000008
#define OSKIT_ECHONL 0x00000010
#define OSKIT_ISIG 0x00000080
#define OSKIT_ICANON 0x00000100
#define OSKIT_IEXTEN 0x00000400
#define OSKIT_TOSTOP 0x00400000
#define OSKIT_NOFLSH 0x80000000

/* Speeds are in bits per second (ispeed, ospeed hold the number itself). */
struct oskit_termios {
  oskit_tcflag_t iflag;
  oskit_tcflag_t oflag;
  oskit_tcflag_t cflag;
  oskit_tcflag_t lflag;
  oskit_cc_t cc[OSKIT_NCCS];
  oskit_speed_t ispeed;
  oskit_speed_t ospeed;
};
typedef struct oskit_termios oskit_termios_t;

/* setattr actions */
#define OSKIT_TCSANOW 0
#define OSKIT_TCSADRAIN 1
#define OSKIT_TCSAFLUSH 2

/* flush queue selectors */
#define OSKIT_TCIFLUSH 1
#define OSKIT_TCOFLUSH 2
#define OSKIT_TCIOFLUSH 3

/* flow actions */
#define OSKIT_TCOOFF 1
#define OSKIT_TCOON 2
#define OSKIT_TCIOFF 3
#define OSKIT_TCION 4

/* IID 4aa7df9c-7c74-11cf-b500-08000953adc2. */
#define OSKIT_TTYSTREAM_IID OSKIT_GUID(0x4aa7df9c, 0x7c74, 0x11cf, 0xb5, 0x00, 0x08, 0x00, 0x09, 0x53, 0xad, 0xc2)

#ifdef __cplusplus
struct oskit_ttystream : oskit_stream {
  /* tcgetattr (7.7.1). */
  virtual OSKIT_COMDECL getattr(oskit_termios_t *out_attr) noexcept = 0;
  /* tcsetattr with an OSKIT_TCSA* action (7.7.2). */
  virtual OSKIT_COMDECL setattr(int actions, const oskit_termios_t *attr) noexcept = 0;
  /* tcsendbreak (7.7.3). */
  virtual OSKIT_COMDECL sendbreak(oskit_u32_t duration) noexcept = 0;
  /* tcdrain (7.7.4). */
  virtual OSKIT_COMDECL drain() noexcept = 0;
  /* tcflush with an OSKIT_TC*FLUSH selector (7.7.5). */
  virtual OSKIT_COMDECL flush(int queue_selector) noexcept = 0;
  /* tcflow with an OSKIT_TC{O,I}{OFF,ON} action (7.7.6). */
  virtual OSKIT_COMDECL flow(int action) noexcept = 0;
  /* tcgetpgrp / tcsetpgrp. */
  virtual OSKIT_COMDECL getpgrp(oskit_pid_t *out_pid) noexcept = 0;
  virtual OSKIT_COMDECL setpgrp(oskit_pid_t pid) noexcept = 0;
  /* *out_name gets a malloc'd copy of the terminal's name; the caller frees it. */
  virtual OSKIT_COMDECL ttyname(char **out_name) noexcept = 0;
  /* tcgetsid. */
  virtual OSKIT_COMDECL getsid(oskit_pid_t *out_pid) noexcept = 0;

 protected:
  ~oskit_ttystream() = default;
};
#else
struct oskit_ttystream {
  const struct oskit_ttystream_ops *ops;
};
struct oskit_ttystream_ops {
  OSKIT_COMDECL (*query)(struct oskit_ttystream *s, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_ttystream *s);
  OSKIT_COMDECL_U (*release)(struct oskit_ttystream *s);
  OSKIT_COMDECL (*read)(struct oskit_ttystream *s, void *buf, oskit_u32_t len, oskit_u32_t *out_actual);
  OSKIT_COMDECL (*write)(struct oskit_ttystream *s, const void *buf, oskit_u32_t len, oskit_u32_t *out_actual);
  OSKIT_COMDECL (*seek)(struct oskit_ttystream *s, oskit_s64_t ofs, oskit_seek_t whence, oskit_u64_t *out_newpos);
  OSKIT_COMDECL (*setsize)(struct oskit_ttystream *s, oskit_u64_t new_size);
  OSKIT_COMDECL (*copyto)
  (struct oskit_ttystream *s, struct oskit_stream *dst, oskit_u64_t size, oskit_u64_t *out_read,
   oskit_u64_t *out_written);
  OSKIT_COMDECL (*commit)(struct oskit_ttystream *s, oskit_u32_t commit_flags);
  OSKIT_COMDECL (*revert)(struct oskit_ttystream *s);
  OSKIT_COMDECL (*lockregion)(struct oskit_ttystream *s, oskit_u64_t offset, oskit_u64_t size, oskit_u32_t lock_type);
  OSKIT_COMDECL (*unlockregion)(struct oskit_ttystream *s, oskit_u64_t offset, oskit_u64_t size, oskit_u32_t lock_type);
  OSKIT_COMDECL (*stat)(struct oskit_ttystream *s, oskit_stream_stat_t *out_stat, oskit_u32_t stat_flags);
  OSKIT_COMDECL (*clone)(struct oskit_ttystream *s, struct oskit_stream **out_stream);
  OSKIT_COMDECL (*getattr)(struct oskit_ttystream *s, oskit_termios_t *out_attr);
  OSKIT_COMDECL (*setattr)(struct oskit_ttystream *s, int actions, const oskit_termios_t *attr);
  OSKIT_COMDECL (*sendbreak)(struct oskit_ttystream *s, oskit_u32_t duration);
  OSKIT_COMDECL (*drain)(struct oskit_ttystream *s);
  OSKIT_COMDECL (*flush)(struct oskit_ttystream *s, int queue_selector);
  OSKIT_COMDECL (*flow)(struct oskit_ttystream *s, int action);
  OSKIT_COMDECL (*getpgrp)(struct oskit_ttystream *s, oskit_pid_t *out_pid);
  OSKIT_COMDECL (*setpgrp)(struct oskit_ttystream *s, oskit_pid_t pid);
  OSKIT_COMDECL (*ttyname)(struct oskit_ttystream *s, char **out_name);
  OSKIT_COMDECL (*getsid)(struct oskit_ttystream *s, oskit_pid_t *out_pid);
};
#endif
typedef struct oskit_ttystream oskit_ttystream_t;
OSKIT_DECLARE_IID(oskit_ttystream, OSKIT_TTYSTREAM_IID)

#define oskit_ttystream_query(s, iid, out) OSKIT_CALL(oskit_ttystream_t, s, query, iid, out)
#define oskit_ttystream_addref(s) OSKIT_CALL0(oskit_ttystream_t, s, addref)
#define oskit_ttystream_release(s) OSKIT_CALL0(oskit_ttystream_t, s, release)
#define oskit_ttystream_read(s, buf, len, out_actual) OSKIT_CALL(oskit_ttystream_t, s, read, buf, len, out_actual)
#define oskit_ttystream_write(s, buf, len, out_actual) OSKIT_CALL(oskit_ttystream_t, s, write, buf, len, out_actual)
#define oskit_ttystream_seek(s, ofs, whence, out_newpos) OSKIT_CALL(oskit_ttystream_t, s, seek, ofs, whence, out_newpos)
#define oskit_ttystream_setsize(s, new_size) OSKIT_CALL(oskit_ttystream_t, s, setsize, new_size)
#define oskit_ttystream_copyto(s, dst, size, out_read, out_written) \
  OSKIT_CALL(oskit_ttystream_t, s, copyto, dst, size, out_read, out_written)
#define oskit_ttystream_commit(s, commit_flags) OSKIT_CALL(oskit_ttystream_t, s, commit, commit_flags)
#define oskit_ttystream_revert(s) OSKIT_CALL0(oskit_ttystream_t, s, revert)
#define oskit_ttystream_lockregion(s, offset, size, lock_type) \
  OSKIT_CALL(oskit_ttystream_t, s, lockregion, offset, size, lock_type)
#define oskit_ttystream_unlockregion(s, offset, size, lock_type) \
  OSKIT_CALL(oskit_ttystream_t, s, unlockregion, offset, size, lock_type)
#define oskit_ttystream_stat(s, out_stat, stat_flags) OSKIT_CALL(oskit_ttystream_t, s, stat, out_stat, stat_flags)
#define oskit_ttystream_clone(s, out_stream) OSKIT_CALL(oskit_ttystream_t, s, clone, out_stream)
#define oskit_ttystream_getattr(s, out_attr) OSKIT_CALL(oskit_ttystream_t, s, getattr, out_attr)
#define oskit_ttystream_setattr(s, actions, attr) OSKIT_CALL(oskit_ttystream_t, s, setattr, actions, attr)
#define oskit_ttystream_sendbreak(s, duration) OSKIT_CALL(oskit_ttystream_t, s, sendbreak, duration)
#define oskit_ttystream_drain(s) OSKIT_CALL0(oskit_ttystream_t, s, drain)
#define oskit_ttystream_flush(s, queue_selector) OSKIT_CALL(oskit_ttystream_t, s, flush, queue_selector)
#define oskit_ttystream_flow(s, action) OSKIT_CALL(oskit_ttystream_t, s, flow, action)
#define oskit_ttystream_getpgrp(s, out_pid) OSKIT_CALL(oskit_ttystream_t, s, getpgrp, out_pid)
#define oskit_ttystream_setpgrp(s, pid) OSKIT_CALL(oskit_ttystream_t, s, setpgrp, pid)
#define oskit_ttystream_ttyname(s, out_name) OSKIT_CALL(oskit_ttystream_t, s, ttyname, out_name)
#define oskit_ttystream_getsid(s, out_pid) OSKIT_CALL(oskit_ttystream_t, s, getsid, out_pid)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_ttystream_iid;
OSKIT_END_DECLS

#endif /* OSKIT_IO_TTYSTREAM_H */
