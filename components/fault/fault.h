/*
 * The fault injector (DESIGN.md section 6, in the manner of dm-flakey): wraps
 * any absio, blkio, stream or netio and fails chosen calls on a schedule,
 * counting what it did. The wrapper answers the interfaces its target answers
 * (absio only if the target is an absio) plus oskit_fault_control, through
 * which a test changes the plan and reads the counts. Calls other than reads
 * and writes (getsize, seek, alloc_bufio, ...) pass straight through.
 */
#ifndef COMPONENTS_FAULT_FAULT_H
#define COMPONENTS_FAULT_FAULT_H

#include <oskit/com.h>

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
#define OSKIT_FAULT_CONTROL_IID \
  OSKIT_GUID(0x6f4b1c20, 0x3a5e, 0x4d8b, 0x9e, 0x21, 0x7c, 0x0a, 0x5d, 0x3f, 0x8e, 0x11)

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
oskit_error_t oskit_fault_wrap(oskit_iunknown_t *target, const oskit_fault_plan_t *plan,
                               oskit_iunknown_t **out_obj);
OSKIT_END_DECLS

#ifdef __cplusplus

#include <atomic>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "oskit/com/implements.h"
#include "oskit/com/stream.h"
#include "oskit/io/absio.h"
#include "oskit/io/blkio.h"
#include "oskit/io/netio.h"

namespace oskit {

// The wrapper. Decisions are made under a lock (so every_nth and the byte
// allowance are exact with concurrent callers); the wrapped call runs outside.
class FaultInjector : public Implements<FaultInjector, oskit_fault_control, oskit_absio, oskit_blkio,
                                        oskit_stream, oskit_netio> {
 public:
  // Wraps target with plan; empty with *rc set on failure (see oskit_fault_wrap).
  static ComPtr<FaultInjector> create(oskit_iunknown* target, const oskit_fault_plan_t& plan,
                                      oskit_error_t* rc) noexcept;

  // fault_control
  OSKIT_COMDECL setplan(const oskit_fault_plan_t* plan) noexcept override;
  OSKIT_COMDECL getstats(oskit_fault_stats_t* out_stats) noexcept override;
  OSKIT_COMDECL resetstats() noexcept override;

  // blkio / absio
  OSKIT_COMDECL_U getblocksize() noexcept override { return blkio_->getblocksize(); }
  OSKIT_COMDECL read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                      oskit_size_t* out_actual) noexcept override;
  OSKIT_COMDECL getsize(oskit_off_t* out_size) noexcept override { return blkio_->getsize(out_size); }
  OSKIT_COMDECL setsize(oskit_off_t new_size) noexcept override { return blkio_->setsize(new_size); }

  // stream
  OSKIT_COMDECL read(void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept override;
  OSKIT_COMDECL write(const void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept override;
  OSKIT_COMDECL seek(oskit_s64_t ofs, oskit_seek_t whence, oskit_u64_t* out_newpos) noexcept override {
    return stream_->seek(ofs, whence, out_newpos);
  }
  OSKIT_COMDECL setsize(oskit_u64_t new_size) noexcept override { return stream_->setsize(new_size); }
  OSKIT_COMDECL copyto(oskit_stream* dst, oskit_u64_t size, oskit_u64_t* out_read,
                       oskit_u64_t* out_written) noexcept override {
    return stream_->copyto(dst, size, out_read, out_written);
  }
  OSKIT_COMDECL commit(oskit_u32_t flags) noexcept override { return stream_->commit(flags); }
  OSKIT_COMDECL revert() noexcept override { return stream_->revert(); }
  OSKIT_COMDECL lockregion(oskit_u64_t offset, oskit_u64_t size, oskit_u32_t type) noexcept override {
    return stream_->lockregion(offset, size, type);
  }
  OSKIT_COMDECL unlockregion(oskit_u64_t offset, oskit_u64_t size, oskit_u32_t type) noexcept override {
    return stream_->unlockregion(offset, size, type);
  }
  OSKIT_COMDECL stat(oskit_stream_stat_t* out_stat, oskit_u32_t flags) noexcept override {
    return stream_->stat(out_stat, flags);
  }
  // A clone of the target wrapped with the same plan (and counts of its own).
  OSKIT_COMDECL clone(oskit_stream** out_stream) noexcept override;

  // netio
  OSKIT_COMDECL push(oskit_bufio* buf, oskit_size_t size) noexcept override;
  OSKIT_COMDECL alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    return netio_->alloc_bufio(size, out_buf);
  }

  bool exports(const oskit_guid& iid) const noexcept;

 protected:
  FaultInjector(ComPtr<oskit_blkio> blkio, bool is_absio, ComPtr<oskit_stream> stream, ComPtr<oskit_netio> netio,
                const oskit_fault_plan_t& plan) noexcept;
  ~FaultInjector() override = default;

 private:
  enum class Verdict { kPass, kFail, kShort };
  struct Decision {
    Verdict verdict;
    std::uint64_t allowed;  // bytes the call may move (a multiple of the unit)
    oskit_error_t error;    // for kFail
  };
  // Decides the fate of a call of kind moving amount bytes in units of unit,
  // and counts it.
  Decision decide(oskit_u32_t kind, std::uint64_t amount, std::uint64_t unit) noexcept;
  // Counts the bytes a call moved.
  void account(oskit_u32_t kind, std::uint64_t moved) noexcept;

  const ComPtr<oskit_blkio> blkio_;
  const bool is_absio_;
  const ComPtr<oskit_stream> stream_;
  const ComPtr<oskit_netio> netio_;

  std::mutex mu_;
  oskit_fault_plan_t plan_ ABSL_GUARDED_BY(mu_);
  std::uint64_t seen_ ABSL_GUARDED_BY(mu_) = 0;      // chosen calls so far (the schedule's clock)
  std::uint64_t reserved_ ABSL_GUARDED_BY(mu_) = 0;  // bytes granted against after_bytes
  oskit_fault_stats_t stats_ ABSL_GUARDED_BY(mu_) = {};
};

// Puts a fault injector under a stack in one line: wraps target and returns
// the wrapper as the same interface I (empty on failure); *control, if given,
// gets the wrapper's control interface.
template <class I>
ComPtr<I> fault_wrap(I* target, const oskit_fault_plan_t& plan, ComPtr<oskit_fault_control>* control = nullptr) {
  ComPtr<oskit_iunknown> obj;
  if (oskit_fault_wrap(target, &plan, obj.put()) != 0) return nullptr;
  if (control != nullptr) *control = query<oskit_fault_control>(obj);
  return query<I>(obj);
}

}  // namespace oskit

#endif  // __cplusplus

#endif  // COMPONENTS_FAULT_FAULT_H
