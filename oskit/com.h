/*
 * The COM binary model (OSKit <oskit/com.h>, docs/design.md, section 3).
 *
 * In C an interface is `struct oskit_X { const struct oskit_X_ops *ops; }` whose
 * table begins with query, addref, release. In C++ the same interface is an
 * abstract struct with the same virtual slots in the same order, no data and no
 * virtual destructor, so one object serves both languages.
 */
#ifndef OSKIT_COM_H
#define OSKIT_COM_H

#include "oskit/error.h"
#include "oskit/types.h"

#ifdef __cplusplus
#define OSKIT_BEGIN_DECLS extern "C" {
#define OSKIT_END_DECLS }
#define OSKIT_NOEXCEPT noexcept
#else
#define OSKIT_BEGIN_DECLS
#define OSKIT_END_DECLS
#define OSKIT_NOEXCEPT
#endif

/* Calling convention of COM methods: the platform's C convention. */
#define OSKIT_COMCALL
#define OSKIT_COMDECL oskit_error_t OSKIT_COMCALL
#define OSKIT_COMDECL_U oskit_u32_t OSKIT_COMCALL
#define OSKIT_COMDECL_V void OSKIT_COMCALL

struct oskit_guid {
  oskit_u32_t data1;
  oskit_u16_t data2;
  oskit_u16_t data3;
  oskit_u8_t data4[8];
};
typedef struct oskit_guid oskit_guid_t;

#define OSKIT_GUID(l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8)           \
  {                                                                     \
    (l), (w1), (w2), { (b1), (b2), (b3), (b4), (b5), (b6), (b7), (b8) } \
  }

/* IUnknown, IID 00000000-0000-0000-C000-000000000046. */
#define OSKIT_IUNKNOWN_IID OSKIT_GUID(0x00000000, 0x0000, 0x0000, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46)

#ifdef __cplusplus

struct oskit_iunknown {
  /* Returns in *out_ihandle a referenced pointer to the interface named by iid,
   * or sets it to NULL and returns OSKIT_E_NOINTERFACE. */
  virtual OSKIT_COMDECL query(const struct oskit_guid *iid, void **out_ihandle) noexcept = 0;
  /* Adds a reference; returns the new count (informational). */
  virtual OSKIT_COMDECL_U addref() noexcept = 0;
  /* Drops a reference; returns the new count, 0 when the object is gone. */
  virtual OSKIT_COMDECL_U release() noexcept = 0;

 protected:
  ~oskit_iunknown() = default;
};

#else

struct oskit_iunknown {
  const struct oskit_iunknown_ops *ops;
};
struct oskit_iunknown_ops {
  OSKIT_COMDECL (*query)(struct oskit_iunknown *obj, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_iunknown *obj);
  OSKIT_COMDECL_U (*release)(struct oskit_iunknown *obj);
};

#endif
typedef struct oskit_iunknown oskit_iunknown_t;

/*
 * Method-call macros. C goes through the ops table with the object as the first
 * argument; C++ calls the virtual slot. Both reach the same function.
 */
#ifdef __cplusplus
#define OSKIT_CALL(type, obj, slot, ...) (static_cast<type *>(obj)->slot(__VA_ARGS__))
#define OSKIT_CALL0(type, obj, slot) (static_cast<type *>(obj)->slot())
#else
#define OSKIT_CALL(type, obj, slot, ...) ((obj)->ops->slot((type *)(obj), __VA_ARGS__))
#define OSKIT_CALL0(type, obj, slot) ((obj)->ops->slot((type *)(obj)))
#endif

#define oskit_iunknown_query(obj, iid, out) OSKIT_CALL(oskit_iunknown_t, obj, query, iid, out)
#define oskit_iunknown_addref(obj) OSKIT_CALL0(oskit_iunknown_t, obj, addref)
#define oskit_iunknown_release(obj) OSKIT_CALL0(oskit_iunknown_t, obj, release)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_iunknown_iid;
/* Nonzero when the two GUIDs are equal. */
int oskit_guid_equal(const struct oskit_guid *a, const struct oskit_guid *b);
OSKIT_END_DECLS

#ifdef __cplusplus
namespace oskit {
/* iid_of<I>::value is the IID of interface I; each interface header declares it. */
template <class I>
struct iid_of;
template <>
struct iid_of<oskit_iunknown> {
  static constexpr oskit_guid value = OSKIT_IUNKNOWN_IID;
};
}  // namespace oskit
#define OSKIT_DECLARE_IID(iface, IID_MACRO)        \
  namespace oskit {                                \
  template <>                                      \
  struct iid_of<iface> {                           \
    static constexpr oskit_guid value = IID_MACRO; \
  };                                               \
  }
#else
#define OSKIT_DECLARE_IID(iface, IID_MACRO)
#endif

#endif /* OSKIT_COM_H */
