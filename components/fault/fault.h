/*
 * The fault injector (in the manner of Linux's dm-flakey): wraps any absio,
 * blkio, stream or netio and fails chosen calls on a schedule, counting what
 * it did. Decisions are made under a lock, so every_nth and the byte
 * allowance are exact with concurrent callers; the wrapped call runs outside
 * it. A stream's copyto, like every call other than a read, a write or a
 * push, passes straight through unfaulted. The wrapper answers the interfaces its target answers
 * (absio only if the target is an absio) plus oskit_fault_control, through
 * which a test changes the plan and reads the counts. Calls other than reads
 * and writes (getsize, seek, alloc_bufio, ...) pass straight through.
 */
#ifndef COMPONENTS_FAULT_FAULT_H
#define COMPONENTS_FAULT_FAULT_H

#include "oskit/com.h"

/* The calls a plan may fail (oskit_fault_plan.calls). */
#define OSKIT_FAULT_READ 0x1  /* absio/blkio/stream read */
#define OSKIT_FAULT_WRITE 0x2 /* absio/blkio/stream write and netio push */

/*
 * When a call of a chosen kind fails. Triggers combine: a call fails when any
 * trigger fires. Zero turns a trigger off; an all-zero plan fails nothing.
 */
struct oskit_fault_plan {
  oskit_u32_t calls;           /* OSKIT_FAULT_READ | OSKIT_FAULT_WRITE */
  oskit_u32_t every_nth;       /* the Nth, 2Nth, ... chosen call fails */
  oskit_u32_t probability_ppm; /* each chosen call fails with this chance per million */
  oskit_u64_t seed;            /* seeds the chance: the same seed fails the same calls */
  oskit_u64_t after_bytes;     /* after this many bytes passed, chosen calls fail; the call
                                  that crosses the limit is cut short at it */
  oskit_u32_t short_transfers; /* nonzero: a call picked by every_nth or probability moves half
                                  its data (whole blocks; a push sends half the packet)
                                  instead of failing; it fails when half is nothing */
  oskit_error_t error;         /* what a failed call returns: OSKIT_EIO, OSKIT_ENOSPC,
                                  OSKIT_EINTR, OSKIT_EAGAIN or any other failure code */
};
typedef struct oskit_fault_plan oskit_fault_plan_t;

/* What the injector has done since creation or the last resetstats. */
struct oskit_fault_stats {
  oskit_u64_t calls;     /* calls of the chosen kinds */
  oskit_u64_t failed;    /* calls failed with the plan's error */
  oskit_u64_t shortened; /* calls cut short */
  oskit_u64_t bytes;     /* bytes moved by calls of the chosen kinds */
};
typedef struct oskit_fault_stats oskit_fault_stats_t;

/* IID 6f4b1c20-3a5e-4d8b-9e21-7c0a5d3f8e11 (ours, outside OSKit's range). */
#define OSKIT_FAULT_CONTROL_IID OSKIT_GUID(0x6f4b1c20, 0x3a5e, 0x4d8b, 0x9e, 0x21, 0x7c, 0x0a, 0x5d, 0x3f, 0x8e, 0x11)

#ifdef __cplusplus
struct oskit_fault_control : oskit_iunknown {
  /* Replaces the plan; the every_nth count and the byte allowance restart.
   * OSKIT_EINVAL for unknown call bits, a chance above a million or an error
   * that is not a failure code; OSKIT_E_POINTER for NULL. */
  virtual OSKIT_COMDECL setplan(const oskit_fault_plan_t *plan) noexcept = 0;
  /* *out_stats gets the counts. */
  virtual OSKIT_COMDECL getstats(oskit_fault_stats_t *out_stats) noexcept = 0;
  /* Sets the counts to zero (the plan's schedule restarts too). */
  virtual OSKIT_COMDECL resetstats() noexcept = 0;

 protected:
  ~oskit_fault_control() = default;
};
#else
struct oskit_fault_control {
  const struct oskit_fault_control_ops *ops;
};
struct oskit_fault_control_ops {
  OSKIT_COMDECL (*query)(struct oskit_fault_control *f, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_fault_control *f);
  OSKIT_COMDECL_U (*release)(struct oskit_fault_control *f);
  OSKIT_COMDECL (*setplan)(struct oskit_fault_control *f, const oskit_fault_plan_t *plan);
  OSKIT_COMDECL (*getstats)(struct oskit_fault_control *f, oskit_fault_stats_t *out_stats);
  OSKIT_COMDECL (*resetstats)(struct oskit_fault_control *f);
};
#endif
typedef struct oskit_fault_control oskit_fault_control_t;
OSKIT_DECLARE_IID(oskit_fault_control, OSKIT_FAULT_CONTROL_IID)

#define oskit_fault_control_setplan(f, plan) OSKIT_CALL(oskit_fault_control_t, f, setplan, plan)
#define oskit_fault_control_getstats(f, out) OSKIT_CALL(oskit_fault_control_t, f, getstats, out)
#define oskit_fault_control_resetstats(f) OSKIT_CALL0(oskit_fault_control_t, f, resetstats)
#define oskit_fault_control_release(f) OSKIT_CALL0(oskit_fault_control_t, f, release)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_fault_control_iid;

/*
 * Wraps target (any object answering absio, blkio, stream or netio; the
 * wrapper holds a reference) with plan (NULL: fail nothing). Returns 0 and the
 * wrapper's IUnknown in *out_obj, which the caller queries for the interface it
 * puts in its stack; or OSKIT_E_POINTER, OSKIT_EINVAL (plan),
 * OSKIT_E_NOINTERFACE (none of the four) or OSKIT_ENOMEM, with *out_obj NULL.
 */
oskit_error_t oskit_fault_wrap(oskit_iunknown_t *target, const oskit_fault_plan_t *plan, oskit_iunknown_t **out_obj);
OSKIT_END_DECLS

#ifdef __cplusplus

#include "oskit/com/ptr.h"

namespace oskit {

// Puts a fault injector under a stack in one line: wraps target and returns
// the wrapper as the same interface I (empty on failure); *control, if given,
// gets the wrapper's control interface.
template <class I>
ComPtr<I> fault_wrap(I *target, const oskit_fault_plan_t &plan, ComPtr<oskit_fault_control> *control = nullptr) {
  ComPtr<oskit_iunknown> obj;
  if (oskit_fault_wrap(target, &plan, obj.put()) != 0) return nullptr;
  if (control != nullptr) *control = query<oskit_fault_control>(obj);
  return query<I>(obj);
}

}  // namespace oskit

#endif  // __cplusplus

#endif  // COMPONENTS_FAULT_FAULT_H
