#include "components/fault/fault.h"

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_format.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/com/stream.h"
#include "oskit/io/absio.h"
#include "oskit/io/blkio.h"
#include "oskit/io/netio.h"
#include "oskit/sync/mutex.h"

extern "C" const struct oskit_guid oskit_fault_control_iid = OSKIT_FAULT_CONTROL_IID;

namespace oskit {
namespace {

constexpr oskit_u32_t kKnownCalls = OSKIT_FAULT_READ | OSKIT_FAULT_WRITE;

oskit_error_t check_plan(const oskit_fault_plan_t& plan) {
  if ((plan.calls & ~kKnownCalls) != 0) return OSKIT_EINVAL;
  if (plan.probability_ppm > 1000000) return OSKIT_EINVAL;
  if (plan.calls != 0 && !OSKIT_FAILED(plan.error)) return OSKIT_EINVAL;
  return 0;
}

// splitmix64 of (seed, call number): the chance depends on the call's place
// in the schedule only, not on timing.
std::uint64_t mix(std::uint64_t seed, std::uint64_t n) {
  std::uint64_t z = seed + n * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

class FaultInjector : public Implements<FaultInjector, oskit_fault_control, oskit_absio, oskit_blkio, oskit_stream,
                                        oskit_netio, oskit_describe> {
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

  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override;

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
  // A read or write of amount bytes in units of unit: decided, then passed
  // on as call(allowed) unless it fails; *out_actual is what call reports.
  template <class Size, class Call>
  oskit_error_t transfer(oskit_u32_t kind, Size amount, std::uint64_t unit, Size* out_actual, Call call) noexcept {
    if (out_actual == nullptr) return OSKIT_E_POINTER;
    const Decision d = decide(kind, amount, unit);
    if (d.verdict == Verdict::kFail) {
      *out_actual = 0;
      return d.error;
    }
    oskit_error_t rc = call(static_cast<Size>(d.allowed));
    if (rc == 0) account(kind, *out_actual);
    return rc;
  }

  const ComPtr<oskit_blkio> blkio_;
  const bool is_absio_;
  const ComPtr<oskit_stream> stream_;
  const ComPtr<oskit_netio> netio_;

  Mutex mu_;
  oskit_fault_plan_t plan_ ABSL_GUARDED_BY(mu_);
  std::uint64_t seen_ ABSL_GUARDED_BY(mu_) = 0;      // chosen calls so far (the schedule's clock)
  std::uint64_t reserved_ ABSL_GUARDED_BY(mu_) = 0;  // bytes granted against after_bytes
  oskit_fault_stats_t stats_ ABSL_GUARDED_BY(mu_) = {};
};

FaultInjector::FaultInjector(ComPtr<oskit_blkio> blkio, bool is_absio, ComPtr<oskit_stream> stream,
                             ComPtr<oskit_netio> netio, const oskit_fault_plan_t& plan) noexcept
    : blkio_(std::move(blkio)),
      is_absio_(is_absio),
      stream_(std::move(stream)),
      netio_(std::move(netio)),
      plan_(plan) {}

ComPtr<FaultInjector> FaultInjector::create(oskit_iunknown* target, const oskit_fault_plan_t& plan,
                                            oskit_error_t* rc) noexcept {
  *rc = 0;
  if (target == nullptr) {
    *rc = OSKIT_E_POINTER;
    return nullptr;
  }
  *rc = check_plan(plan);
  if (*rc != 0) return nullptr;
  ComPtr<oskit_blkio> blkio;
  ComPtr<oskit_absio> absio = oskit::query<oskit_absio>(target);
  const bool is_absio = static_cast<bool>(absio);
  if (is_absio) {
    blkio = std::move(absio);
  } else {
    blkio = oskit::query<oskit_blkio>(target);
  }
  ComPtr<oskit_stream> stream = oskit::query<oskit_stream>(target);
  ComPtr<oskit_netio> netio = oskit::query<oskit_netio>(target);
  if (!blkio && !stream && !netio) {
    *rc = OSKIT_E_NOINTERFACE;
    return nullptr;
  }
  ComPtr<FaultInjector> f = make<FaultInjector>(std::move(blkio), is_absio, std::move(stream), std::move(netio), plan);
  if (!f) *rc = OSKIT_ENOMEM;
  return f;
}

bool FaultInjector::exports(const oskit_guid& iid) const noexcept {
  if (detail::same_guid(iid, iid_of<oskit_absio>::value)) return blkio_ && is_absio_;
  if (detail::same_guid(iid, iid_of<oskit_blkio>::value)) return static_cast<bool>(blkio_);
  if (detail::same_guid(iid, iid_of<oskit_stream>::value)) return static_cast<bool>(stream_);
  if (detail::same_guid(iid, iid_of<oskit_netio>::value)) return static_cast<bool>(netio_);
  return true;
}

OSKIT_COMDECL FaultInjector::describe(const oskit_description_sink* sink) noexcept {
  oskit_fault_plan_t plan;
  oskit_fault_stats_t stats;
  {
    MutexLock lock(&mu_);
    plan = plan_;
    stats = stats_;
  }
  char detail[128];
  absl::SNPrintF(detail, sizeof detail, "%s%s every %u, %u ppm, after %u bytes%s -> %s",
                 (plan.calls & OSKIT_FAULT_READ) != 0 ? "reads " : "",
                 (plan.calls & OSKIT_FAULT_WRITE) != 0 ? "writes" : "", plan.every_nth, plan.probability_ppm,
                 plan.after_bytes, plan.short_transfers != 0 ? ", short" : "", oskit_error_string(plan.error));
  oskit_iunknown* target = blkio_    ? static_cast<oskit_iunknown*>(blkio_.get())
                           : stream_ ? static_cast<oskit_iunknown*>(stream_.get())
                                     : static_cast<oskit_iunknown*>(netio_.get());
  return describe_to(sink, [&](Description& d) {
    d.kind("fault", plan.calls == 0 ? "passing everything" : detail)
        .answers("fault_control")
        .holds("target", target)
        .counter("calls", stats.calls)
        .counter("failed", stats.failed)
        .counter("shortened", stats.shortened)
        .counter("bytes", stats.bytes);
  });
}

OSKIT_COMDECL FaultInjector::setplan(const oskit_fault_plan_t* plan) noexcept {
  if (plan == nullptr) return OSKIT_E_POINTER;
  oskit_error_t rc = check_plan(*plan);
  if (rc != 0) return rc;
  MutexLock lock(&mu_);
  plan_ = *plan;
  seen_ = 0;
  reserved_ = 0;
  return 0;
}

OSKIT_COMDECL FaultInjector::getstats(oskit_fault_stats_t* out_stats) noexcept {
  if (out_stats == nullptr) return OSKIT_E_POINTER;
  MutexLock lock(&mu_);
  *out_stats = stats_;
  return 0;
}

OSKIT_COMDECL FaultInjector::resetstats() noexcept {
  MutexLock lock(&mu_);
  stats_ = {};
  seen_ = 0;
  reserved_ = 0;
  return 0;
}

FaultInjector::Decision FaultInjector::decide(oskit_u32_t kind, std::uint64_t amount, std::uint64_t unit) noexcept {
  MutexLock lock(&mu_);
  Decision d{Verdict::kPass, amount, plan_.error};
  if ((plan_.calls & kind) == 0) return d;
  stats_.calls++;
  const std::uint64_t n = ++seen_;
  const bool picked = (plan_.every_nth != 0 && n % plan_.every_nth == 0) ||
                      (plan_.probability_ppm != 0 && mix(plan_.seed, n) % 1000000 < plan_.probability_ppm);
  if (picked) {
    d.verdict = plan_.short_transfers ? Verdict::kShort : Verdict::kFail;
    d.allowed = amount / 2;
  }
  if (plan_.after_bytes != 0 && d.verdict != Verdict::kFail) {
    const std::uint64_t room = plan_.after_bytes > reserved_ ? plan_.after_bytes - reserved_ : 0;
    if (room == 0) {
      d.verdict = Verdict::kFail;
    } else if (d.allowed > room) {
      d.verdict = Verdict::kShort;
      d.allowed = room;
    }
  }
  if (d.verdict == Verdict::kShort) {
    d.allowed -= d.allowed % unit;
    if (d.allowed == 0) d.verdict = Verdict::kFail;
  }
  if (d.verdict == Verdict::kFail) {
    stats_.failed++;
    d.allowed = 0;
  } else if (d.verdict == Verdict::kShort) {
    stats_.shortened++;
  }
  reserved_ += d.allowed;
  return d;
}

void FaultInjector::account(oskit_u32_t kind, std::uint64_t moved) noexcept {
  MutexLock lock(&mu_);
  if (plan_.calls & kind) stats_.bytes += moved;
}

OSKIT_COMDECL FaultInjector::read(void* buf, oskit_off_t offset, oskit_size_t amount,
                                  oskit_size_t* out_actual) noexcept {
  return transfer(OSKIT_FAULT_READ, amount, blkio_->getblocksize(), out_actual,
                  [&](oskit_size_t n) { return blkio_->read(buf, offset, n, out_actual); });
}

OSKIT_COMDECL FaultInjector::write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                                   oskit_size_t* out_actual) noexcept {
  return transfer(OSKIT_FAULT_WRITE, amount, blkio_->getblocksize(), out_actual,
                  [&](oskit_size_t n) { return blkio_->write(buf, offset, n, out_actual); });
}

OSKIT_COMDECL FaultInjector::read(void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept {
  return transfer(OSKIT_FAULT_READ, len, 1, out_actual,
                  [&](oskit_u32_t n) { return stream_->read(buf, n, out_actual); });
}

OSKIT_COMDECL FaultInjector::write(const void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept {
  return transfer(OSKIT_FAULT_WRITE, len, 1, out_actual,
                  [&](oskit_u32_t n) { return stream_->write(buf, n, out_actual); });
}

OSKIT_COMDECL FaultInjector::clone(oskit_stream** out_stream) noexcept {
  if (out_stream == nullptr) return OSKIT_E_POINTER;
  *out_stream = nullptr;
  ComPtr<oskit_stream> copy;
  oskit_error_t rc = stream_->clone(copy.put());
  if (rc != 0) return rc;
  oskit_fault_plan_t plan;
  {
    MutexLock lock(&mu_);
    plan = plan_;
  }
  ComPtr<FaultInjector> f = create(copy.get(), plan, &rc);
  if (!f) return rc;
  *out_stream = f.detach();
  return 0;
}

OSKIT_COMDECL FaultInjector::push(oskit_bufio* buf, oskit_size_t size) noexcept {
  Decision d = decide(OSKIT_FAULT_WRITE, size, 1);
  if (d.verdict == Verdict::kFail) return d.error;
  oskit_error_t rc = netio_->push(buf, static_cast<oskit_size_t>(d.allowed));
  if (rc == 0) account(OSKIT_FAULT_WRITE, d.allowed);
  return rc;
}

}  // namespace
}  // namespace oskit

extern "C" oskit_error_t oskit_fault_wrap(oskit_iunknown_t* target, const oskit_fault_plan_t* plan,
                                          oskit_iunknown_t** out_obj) {
  if (out_obj == nullptr) return OSKIT_E_POINTER;
  *out_obj = nullptr;
  const oskit_fault_plan_t none = {};
  oskit_error_t rc = 0;
  oskit::ComPtr<oskit::FaultInjector> f = oskit::FaultInjector::create(target, plan ? *plan : none, &rc);
  if (!f) return rc;
  *out_obj = f->identity();
  f.detach();
  return 0;
}
