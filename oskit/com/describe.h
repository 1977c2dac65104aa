/*
 * oskit_describe: an object telling what it is, what it holds and what it
 * has counted, so that an assembled stack can draw itself (docs/design.md,
 * "Stack pictures"). Not an OSKit interface; OSKit's objects answer queries
 * only. One method, describe(sink): the object calls the sink's functions,
 * on the calling thread and before describe returns, then returns 0. Which
 * interfaces an object answers is found by querying it, not told.
 */
#ifndef OSKIT_COM_DESCRIBE_H
#define OSKIT_COM_DESCRIBE_H

#include "oskit/com.h"

/* IID 9d3c7a52-61e4-4b0f-8a2d-5c7e19b04f36. */
#define OSKIT_DESCRIBE_IID OSKIT_GUID(0x9d3c7a52, 0x61e4, 0x4b0f, 0x8a, 0x2d, 0x5c, 0x7e, 0x19, 0xb0, 0x4f, 0x36)

/*
 * What an object reports. Strings are borrowed for the call. Any function
 * may be NULL (the sink does not want it).
 */
struct oskit_description_sink {
  void *ctx;
  /* What the object is (a component's name, "blockdev") and a detail
   * telling it apart ("/dev/loop0, 512-byte blocks"; NULL for none). */
  void (*kind)(void *ctx, const char *kind, const char *detail);
  /* An interface it answers that the describer cannot know to query for (a
   * component's own, "fault_control"). */
  void (*answers)(void *ctx, const char *interface_name);
  /* An object it holds a reference to, in the role it plays ("disk",
   * "listener"). The sink may query and describe it after describe returns
   * only if it takes a reference of its own first. */
  void (*holds)(void *ctx, const char *role, struct oskit_iunknown *held);
  /* A live counter: operations done, bytes moved, things queued. */
  void (*counter)(void *ctx, const char *name, oskit_u64_t value);
};
typedef struct oskit_description_sink oskit_description_sink_t;

#ifdef __cplusplus
struct oskit_describe : oskit_iunknown {
  /* Reports this object to sink; returns 0, or OSKIT_E_POINTER for a NULL
   * sink. */
  virtual OSKIT_COMDECL describe(const oskit_description_sink *sink) noexcept = 0;

 protected:
  ~oskit_describe() = default;
};
#else
struct oskit_describe {
  const struct oskit_describe_ops *ops;
};
struct oskit_describe_ops {
  OSKIT_COMDECL (*query)(struct oskit_describe *d, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_describe *d);
  OSKIT_COMDECL_U (*release)(struct oskit_describe *d);
  OSKIT_COMDECL (*describe)(struct oskit_describe *d, const struct oskit_description_sink *sink);
};
#endif
typedef struct oskit_describe oskit_describe_t;
OSKIT_DECLARE_IID(oskit_describe, OSKIT_DESCRIBE_IID)

#define oskit_describe_query(d, iid, out) OSKIT_CALL(oskit_describe_t, d, query, iid, out)
#define oskit_describe_addref(d) OSKIT_CALL0(oskit_describe_t, d, addref)
#define oskit_describe_release(d) OSKIT_CALL0(oskit_describe_t, d, release)
#define oskit_describe_describe(d, sink) OSKIT_CALL(oskit_describe_t, d, describe, sink)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_describe_iid;
OSKIT_END_DECLS

#endif /* OSKIT_COM_DESCRIBE_H */
