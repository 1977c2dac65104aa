/*
 * oskit_listener: a callback object (OSKit <oskit/com/listener.h>, docs/design.md,
 * section 4). One method, notify(listener, obj), called when an event of interest
 * happens on obj.
 */
#ifndef OSKIT_COM_LISTENER_H
#define OSKIT_COM_LISTENER_H

#include "oskit/com.h"

/* IID 4aa7dfa8-7c74-11cf-b500-08000953adc2. */
#define OSKIT_LISTENER_IID OSKIT_GUID(0x4aa7dfa8, 0x7c74, 0x11cf, 0xb5, 0x00, 0x08, 0x00, 0x09, 0x53, 0xad, 0xc2)

#ifdef __cplusplus
struct oskit_listener : oskit_iunknown {
  /* Tells the listener that something happened on obj; returns 0 or an error. */
  virtual OSKIT_COMDECL notify(oskit_iunknown *obj) noexcept = 0;

 protected:
  ~oskit_listener() = default;
};
#else
struct oskit_listener {
  const struct oskit_listener_ops *ops;
};
struct oskit_listener_ops {
  OSKIT_COMDECL (*query)(struct oskit_listener *l, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_listener *l);
  OSKIT_COMDECL_U (*release)(struct oskit_listener *l);
  OSKIT_COMDECL (*notify)(struct oskit_listener *l, struct oskit_iunknown *obj);
};
#endif
typedef struct oskit_listener oskit_listener_t;
OSKIT_DECLARE_IID(oskit_listener, OSKIT_LISTENER_IID)

#define oskit_listener_query(l, iid, out) OSKIT_CALL(oskit_listener_t, l, query, iid, out)
#define oskit_listener_addref(l) OSKIT_CALL0(oskit_listener_t, l, addref)
#define oskit_listener_release(l) OSKIT_CALL0(oskit_listener_t, l, release)
#define oskit_listener_notify(l, obj) OSKIT_CALL(oskit_listener_t, l, notify, obj)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_listener_iid;
OSKIT_END_DECLS

#endif /* OSKIT_COM_LISTENER_H */
