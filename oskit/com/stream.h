/*
 * oskit_stream: COM's IStream with OSKit's slots (OSKit <oskit/com/stream.h>).
 * A method a stream cannot support returns OSKIT_E_NOTIMPL, seek on a
 * non-seekable stream OSKIT_ESPIPE.
 */
#ifndef OSKIT_COM_STREAM_H
#define OSKIT_COM_STREAM_H

#include "oskit/com.h"

/* Seek bases (Microsoft's STREAM_SEEK). */
enum oskit_seek { OSKIT_SEEK_SET, OSKIT_SEEK_CUR, OSKIT_SEEK_END };
typedef enum oskit_seek oskit_seek_t;

/* What stat returns (Microsoft's STATSTG, reduced as in OSKit). */
struct oskit_stream_stat {
  oskit_wchar_t *name;
  oskit_u32_t type;
  oskit_u64_t size;
};
typedef struct oskit_stream_stat oskit_stream_stat_t;

/* oskit_stream_stat.type values (Microsoft's STGTY_*). */
#define OSKIT_STGTY_STREAM 2u
/* stat_flags (Microsoft's STATFLAG_*): DEFAULT asks for the name, NONAME not. */
#define OSKIT_STATFLAG_DEFAULT 0u
#define OSKIT_STATFLAG_NONAME 1u

/* IID 0000000c-0000-0000-c000-000000000046. */
#define OSKIT_STREAM_IID OSKIT_GUID(0x0000000c, 0x0000, 0x0000, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46)

#ifdef __cplusplus
struct oskit_stream : oskit_iunknown {
  /* Reads up to len bytes; *out_actual gets the count (0 at end of stream). */
  virtual OSKIT_COMDECL read(void *buf, oskit_u32_t len, oskit_u32_t *out_actual) noexcept = 0;
  /* Writes up to len bytes; *out_actual gets the count. */
  virtual OSKIT_COMDECL write(const void *buf, oskit_u32_t len, oskit_u32_t *out_actual) noexcept = 0;
  /* Moves the seek pointer; *out_newpos gets the new position. */
  virtual OSKIT_COMDECL seek(oskit_s64_t ofs, oskit_seek_t whence, oskit_u64_t *out_newpos) noexcept = 0;
  virtual OSKIT_COMDECL setsize(oskit_u64_t new_size) noexcept = 0;
  /* Copies size bytes from this stream to dst. */
  virtual OSKIT_COMDECL copyto(oskit_stream *dst, oskit_u64_t size, oskit_u64_t *out_read,
                               oskit_u64_t *out_written) noexcept = 0;
  virtual OSKIT_COMDECL commit(oskit_u32_t commit_flags) noexcept = 0;
  virtual OSKIT_COMDECL revert() noexcept = 0;
  virtual OSKIT_COMDECL lockregion(oskit_u64_t offset, oskit_u64_t size, oskit_u32_t lock_type) noexcept = 0;
  virtual OSKIT_COMDECL unlockregion(oskit_u64_t offset, oskit_u64_t size, oskit_u32_t lock_type) noexcept = 0;
  virtual OSKIT_COMDECL stat(oskit_stream_stat_t *out_stat, oskit_u32_t stat_flags) noexcept = 0;
  /* Creates a second stream on the same data with its own seek pointer. */
  virtual OSKIT_COMDECL clone(oskit_stream **out_stream) noexcept = 0;

 protected:
  ~oskit_stream() = default;
};
#else
struct oskit_stream {
  const struct oskit_stream_ops *ops;
};
struct oskit_stream_ops {
  OSKIT_COMDECL (*query)(struct oskit_stream *s, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_stream *s);
  OSKIT_COMDECL_U (*release)(struct oskit_stream *s);
  OSKIT_COMDECL (*read)(struct oskit_stream *s, void *buf, oskit_u32_t len, oskit_u32_t *out_actual);
  OSKIT_COMDECL (*write)(struct oskit_stream *s, const void *buf, oskit_u32_t len, oskit_u32_t *out_actual);
  OSKIT_COMDECL (*seek)(struct oskit_stream *s, oskit_s64_t ofs, oskit_seek_t whence, oskit_u64_t *out_newpos);
  OSKIT_COMDECL (*setsize)(struct oskit_stream *s, oskit_u64_t new_size);
  OSKIT_COMDECL (*copyto)
  (struct oskit_stream *s, struct oskit_stream *dst, oskit_u64_t size, oskit_u64_t *out_read, oskit_u64_t *out_written);
  OSKIT_COMDECL (*commit)(struct oskit_stream *s, oskit_u32_t commit_flags);
  OSKIT_COMDECL (*revert)(struct oskit_stream *s);
  OSKIT_COMDECL (*lockregion)(struct oskit_stream *s, oskit_u64_t offset, oskit_u64_t size, oskit_u32_t lock_type);
  OSKIT_COMDECL (*unlockregion)(struct oskit_stream *s, oskit_u64_t offset, oskit_u64_t size, oskit_u32_t lock_type);
  OSKIT_COMDECL (*stat)(struct oskit_stream *s, oskit_stream_stat_t *out_stat, oskit_u32_t stat_flags);
  OSKIT_COMDECL (*clone)(struct oskit_stream *s, struct oskit_stream **out_stream);
};
#endif
typedef struct oskit_stream oskit_stream_t;
OSKIT_DECLARE_IID(oskit_stream, OSKIT_STREAM_IID)

#define oskit_stream_query(s, iid, out) OSKIT_CALL(oskit_stream_t, s, query, iid, out)
#define oskit_stream_addref(s) OSKIT_CALL0(oskit_stream_t, s, addref)
#define oskit_stream_release(s) OSKIT_CALL0(oskit_stream_t, s, release)
#define oskit_stream_read(s, buf, len, out_actual) OSKIT_CALL(oskit_stream_t, s, read, buf, len, out_actual)
#define oskit_stream_write(s, buf, len, out_actual) OSKIT_CALL(oskit_stream_t, s, write, buf, len, out_actual)
#define oskit_stream_seek(s, ofs, whence, out_newpos) OSKIT_CALL(oskit_stream_t, s, seek, ofs, whence, out_newpos)
#define oskit_stream_setsize(s, new_size) OSKIT_CALL(oskit_stream_t, s, setsize, new_size)
#define oskit_stream_copyto(s, dst, size, out_read, out_written) \
  OSKIT_CALL(oskit_stream_t, s, copyto, dst, size, out_read, out_written)
#define oskit_stream_commit(s, commit_flags) OSKIT_CALL(oskit_stream_t, s, commit, commit_flags)
#define oskit_stream_revert(s) OSKIT_CALL0(oskit_stream_t, s, revert)
#define oskit_stream_lockregion(s, offset, size, lock_type) \
  OSKIT_CALL(oskit_stream_t, s, lockregion, offset, size, lock_type)
#define oskit_stream_unlockregion(s, offset, size, lock_type) \
  OSKIT_CALL(oskit_stream_t, s, unlockregion, offset, size, lock_type)
#define oskit_stream_stat(s, out_stat, stat_flags) OSKIT_CALL(oskit_stream_t, s, stat, out_stat, stat_flags)
#define oskit_stream_clone(s, out_stream) OSKIT_CALL(oskit_stream_t, s, clone, out_stream)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_stream_iid;
OSKIT_END_DECLS

#endif /* OSKIT_COM_STREAM_H */
