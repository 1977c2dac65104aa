#include "components/dma_engine/dma_engine.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_format.h"
#include "components/dma_engine/executor.h"
#include "components/dma_engine/listener_set.h"
#include "glue/devctl/devctl_server.h"
#include "glue/dma/dma.h"
#include "glue/env/env.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/range.h"
#include "oskit/sync/mutex.h"

namespace oskit::dma_engine {
namespace {

// The ring works as a hardware engine's does (docs/design.md, "Exporting
// bufio to DMA code"): descriptors and completions live in arrays of
// ring_size_ slots, and three positions that only grow say what each slot
// holds. Slots [reaped_, executed_) hold completions waiting to be reaped,
// [executed_, submitted_) descriptors queued or executing, and the rest are
// free. Submitters and reapers move submitted_ and reaped_ under mu_; the
// worker moves executed_ without it, so that executing a descriptor takes no
// lock, and takes mu_ only to sleep, to wake a sleeper or to finish a batch.
//
// The worker publishes completions every kPostEvery descriptors, letting go
// of its translations then, so that a reaper sees completions early and an
// unwire waits for a few descriptors at most. Disabling and aborting take
// effect between two descriptors.
constexpr oskit_u32_t kPostEvery = 64;
constexpr oskit_u32_t kPrefetch = 1;  // slots ahead

constexpr std::size_t kSubmitHeader = offsetof(oskit_dma_submit, desc);
constexpr std::size_t kReapHeader = offsetof(oskit_dma_reap, completion);
constexpr std::size_t kCacheLine = 64;

// The engine whose listeners this thread is calling, if any.
thread_local const void* notifying_engine = nullptr;

// A descriptor slot, a cache line of its own: the submitter writes it, the
// worker reads it on another CPU.
struct alignas(kCacheLine) DescSlot {
  oskit_dma_desc desc;
};

// What a run of executed descriptors adds to the registers.
struct Tally {
  oskit_u64_t completed = 0, bytes = 0, faults = 0, errors = 0, failed = 0;  // failed: any status
  void add(const oskit_dma_completion& c) noexcept {
    completed++;
    bytes += c.bytes;
    if (c.status == OSKIT_EFAULT) faults++;
    if (c.status != 0 && c.status != OSKIT_EFAULT) errors++;
    if (c.status != 0) failed++;
  }
};

class Engine : public Implements<Engine, oskit_devctl, oskit_asyncio, oskit_describe> {
 public:
  OSKIT_COMDECL devctl(oskit_u32_t dcmd, void* data, oskit_size_t nbytes, oskit_s32_t* out_ret_val,
                       oskit_size_t* out_nbytes) noexcept override;
  OSKIT_COMDECL poll() noexcept override;
  OSKIT_COMDECL add_listener(oskit_listener* l, oskit_s32_t mask) noexcept override;
  OSKIT_COMDECL remove_listener(oskit_listener* l) noexcept override;
  OSKIT_COMDECL readable() noexcept override;
  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override;

  // Makes the ring and starts the worker.
  oskit_error_t start() noexcept;

 protected:
  Engine(oskit_dma_space* space, const oskit_dma_engine_options_t& options) noexcept;
  ~Engine() override;

 private:
  template <oskit_error_t (Engine::*Handler)(oskit_devctl_msg*)>
  static oskit_error_t handle(void* dev, oskit_devctl_msg* msg) noexcept {
    return (static_cast<Engine*>(dev)->*Handler)(msg);
  }
  static const oskit_devctl_command kCommands[];

  oskit_dma_engine_regs registers() const noexcept;
  oskit_error_t getinfo(oskit_devctl_msg* msg) noexcept;
  oskit_error_t getregs(oskit_devctl_msg* msg) noexcept;
  oskit_error_t setctrl(oskit_devctl_msg* msg) noexcept;
  oskit_error_t submit(oskit_devctl_msg* msg) noexcept;
  oskit_error_t reap(oskit_devctl_msg* msg) noexcept;
  oskit_error_t abort(oskit_devctl_msg* msg) noexcept;

  void run() noexcept;
  // Waits for descriptors to execute; *next gets the first. False when stopping.
  bool wait_for_work(oskit_u64_t* next) noexcept;
  // Executes descriptors from *next until none is queued or the batch is
  // interrupted, publishing their completions.
  void execute_queued(Translations* translations, oskit_u64_t* next) noexcept;
  // Publishes the completions up to executed and what they add to the registers.
  void post(oskit_u64_t executed, const Tally& tally) noexcept;
  void finish_batch() noexcept;
  void add_tally(const Tally& tally) noexcept;
  void wake_reapers() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Wakes a sleeping worker, once until it sleeps again.
  void wake_worker() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!worker_idle_) return;
    worker_idle_ = false;
    work_.notify_one();
  }
  // Whether a reaper wanting `wanted` completions may return now.
  bool reap_ready(oskit_u32_t wanted) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  oskit_u32_t conditions() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void set_busy(bool busy) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void notify(oskit_u32_t conditions) noexcept;
  bool nonblocking() const noexcept { return (flags_.load(std::memory_order_relaxed) & OSKIT_DEVCTL_F_NONBLOCK) != 0; }
  bool enabled() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return (ctrl_ & OSKIT_DMA_CTRL_ENABLE) != 0; }
  oskit_u32_t slot_of(oskit_u64_t position) const noexcept { return static_cast<oskit_u32_t>(position) & mask_; }
  oskit_u64_t waiting_completions() const noexcept {
    return executed_.load(std::memory_order_seq_cst) - reaped_.load(std::memory_order_relaxed);  // see reap()
  }
  oskit_u64_t free_slots() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return ring_size_ - (submitted_.load(std::memory_order_relaxed) - reaped_.load(std::memory_order_relaxed));
  }

  const ComPtr<oskit_dma_space> space_;
  const oskit_u32_t device_;
  const oskit_u32_t ring_size_;
  const oskit_u32_t mask_;
  const oskit_u32_t open_mode_;
  std::atomic<oskit_u32_t> flags_{0};            // OSKIT_DEVCTL_F_*
  DescSlot* descs_ = nullptr;                    // environment memory, ring_size_ slots
  oskit_dma_completion* completions_ = nullptr;  // likewise
  std::unique_ptr<env::WorkerThread> worker_;

  // Positions in the ring (see above); each on a cache line of its own, as
  // different CPUs write them.
  alignas(kCacheLine) std::atomic<oskit_u64_t> submitted_{0};  // written under mu_
  alignas(kCacheLine) std::atomic<oskit_u64_t> executed_{0};   // the worker's, or abort's while it is idle
  std::atomic<bool> interrupt_{false};                         // stop the batch at the next descriptor
  alignas(kCacheLine) std::atomic<oskit_u64_t> reaped_{0};     // written under mu_
  // Reapers asleep and the fewest completions one of them wants, for the
  // worker to check without the lock.
  std::atomic<oskit_u32_t> reapers_waiting_{0};
  std::atomic<bool> reapers_woken_{false};  // the worker woke them since one last registered
  std::atomic<oskit_u32_t> reap_wanted_{0};
  std::atomic<oskit_u32_t> listener_count_{0};
  std::atomic<oskit_u64_t> errors_waiting_{0};  // waiting completions with a status

  alignas(kCacheLine) mutable Mutex mu_;
  CondVar work_;  // the worker waits for descriptors
  CondVar room_;  // submitters wait for a free slot
  CondVar done_;  // reapers wait for completions
  CondVar idle_;  // busy_ went false
  bool worker_idle_ ABSL_GUARDED_BY(mu_) = false;
  oskit_u32_t submitters_waiting_ ABSL_GUARDED_BY(mu_) = 0;
  ListenerSet listeners_ ABSL_GUARDED_BY(mu_);
  oskit_u32_t ctrl_ ABSL_GUARDED_BY(mu_) = 0;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;  // the worker executes
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  oskit_u32_t notifying_ ABSL_GUARDED_BY(mu_) = 0;  // notify() calls calling listeners now
  CondVar notified_;                                // notifying_ came to 0
  oskit_u64_t submitted_total_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<oskit_u64_t> completed_total_{0}, faults_total_{0}, errors_total_{0}, bytes_total_{0};
};

const oskit_devctl_command Engine::kCommands[] = {
    {OSKIT_DMA_DCMD_GETINFO, &Engine::handle<&Engine::getinfo>},
    {OSKIT_DMA_DCMD_GETREGS, &Engine::handle<&Engine::getregs>},
    {OSKIT_DMA_DCMD_SETCTRL, &Engine::handle<&Engine::setctrl>},
    {OSKIT_DMA_DCMD_SUBMIT, &Engine::handle<&Engine::submit>},
    {OSKIT_DMA_DCMD_REAP, &Engine::handle<&Engine::reap>},
    {OSKIT_DMA_DCMD_ABORT, &Engine::handle<&Engine::abort>},
};

Engine::Engine(oskit_dma_space* space, const oskit_dma_engine_options_t& options) noexcept
    : space_(ComPtr<oskit_dma_space>::copy(space)),
      device_(options.device),
      ring_size_(options.ring_size == 0 ? OSKIT_DMA_RING_DEFAULT : options.ring_size),
      mask_(ring_size_ - 1),
      open_mode_(options.open_mode == 0 ? OSKIT_DEVCTL_OPEN_RDWR : options.open_mode) {}

Engine::~Engine() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    interrupt_.store(true, std::memory_order_relaxed);
    work_.notify_all();
  }
  if (worker_) worker_->join();
  if (descs_ != nullptr) env::current().deallocate(descs_, ring_size_ * sizeof(DescSlot), alignof(DescSlot));
  if (completions_ != nullptr) {
    env::current().deallocate(completions_, ring_size_ * sizeof(oskit_dma_completion), kCacheLine);
  }
}

oskit_error_t Engine::start() noexcept {
  descs_ = static_cast<DescSlot*>(env::current().allocate(ring_size_ * sizeof(DescSlot), alignof(DescSlot)));
  completions_ = static_cast<oskit_dma_completion*>(
      env::current().allocate(ring_size_ * sizeof(oskit_dma_completion), kCacheLine));
  if (descs_ == nullptr || completions_ == nullptr) return OSKIT_ENOMEM;
  try {
    auto worker = env::current().start_thread("dma-engine", [this] { run(); });
    if (!worker.ok()) return env::thread_start_error(worker.status());
    worker_ = std::move(*worker);
  } catch (const std::bad_alloc&) {
    return OSKIT_ENOMEM;
  }
  return 0;
}

OSKIT_COMDECL Engine::devctl(oskit_u32_t dcmd, void* data, oskit_size_t nbytes, oskit_s32_t* out_ret_val,
                             oskit_size_t* out_nbytes) noexcept {
  if (out_ret_val != nullptr) *out_ret_val = 0;
  if (out_nbytes != nullptr) *out_nbytes = 0;
  oskit_devctl_msg msg = {dcmd, data, nbytes, open_mode_, 0, 0};
  oskit_devctl_generic generic = {flags_.load(std::memory_order_relaxed), nullptr};
  oskit_error_t rc = oskit_devctl_dispatch(kCommands, sizeof kCommands / sizeof kCommands[0], this, &generic, &msg);
  if (rc != 0) return rc;
  if (dcmd == OSKIT_DCMD_ALL_SETFLAGS) flags_.store(generic.flags, std::memory_order_relaxed);
  if (out_ret_val != nullptr) *out_ret_val = msg.ret_val;
  if (out_nbytes != nullptr) *out_nbytes = msg.out_nbytes;
  return 0;
}

oskit_error_t Engine::getinfo(oskit_devctl_msg* msg) noexcept {
  if (msg->nbytes != sizeof(oskit_dma_engine_info)) return OSKIT_EINVAL;
  oskit_dma_stats_t stats = {};
  space_->getstats(&stats);
  const oskit_dma_engine_info info = {device_,   ring_size_, OSKIT_DMA_SG_MAX, OSKIT_DMA_SUBMIT_MAX, OSKIT_DMA_REAP_MAX,
                                      stats.mode};
  std::memcpy(msg->data, &info, sizeof info);
  msg->out_nbytes = sizeof info;
  return 0;
}

oskit_dma_engine_regs Engine::registers() const noexcept {
  MutexLock lock(&mu_);
  oskit_dma_engine_regs regs = {};
  regs.ctrl = ctrl_;
  regs.status = (enabled() ? OSKIT_DMA_STATUS_ENABLED : 0) | (busy_ ? OSKIT_DMA_STATUS_BUSY : 0);
  const oskit_u64_t executed = executed_.load(std::memory_order_acquire);
  regs.queued = static_cast<oskit_u32_t>(submitted_.load(std::memory_order_relaxed) - executed);
  regs.completed = static_cast<oskit_u32_t>(executed - reaped_.load(std::memory_order_relaxed));
  regs.submitted_total = submitted_total_;
  regs.completed_total = completed_total_.load(std::memory_order_relaxed);
  regs.faults_total = faults_total_.load(std::memory_order_relaxed);
  regs.errors_total = errors_total_.load(std::memory_order_relaxed);
  regs.bytes_total = bytes_total_.load(std::memory_order_relaxed);
  return regs;
}

OSKIT_COMDECL Engine::describe(const oskit_description_sink* sink) noexcept {
  const oskit_dma_engine_regs regs = registers();
  char detail[64];
  absl::SNPrintF(detail, sizeof detail, "device %u, %u-slot ring, %s", device_, ring_size_,
                 (regs.ctrl & OSKIT_DMA_CTRL_ENABLE) != 0 ? "enabled" : "disabled");
  return describe_to(sink, [&](Description& d) {
    d.kind("dma_engine", detail)
        .holds("space", space_)
        .counter("queued", regs.queued)
        .counter("completed", regs.completed)
        .counter("submitted_total", regs.submitted_total)
        .counter("completed_total", regs.completed_total)
        .counter("faults_total", regs.faults_total)
        .counter("errors_total", regs.errors_total)
        .counter("bytes_total", regs.bytes_total);
  });
}

oskit_error_t Engine::getregs(oskit_devctl_msg* msg) noexcept {
  if (msg->nbytes != sizeof(oskit_dma_engine_regs)) return OSKIT_EINVAL;
  const oskit_dma_engine_regs regs = registers();
  std::memcpy(msg->data, &regs, sizeof regs);
  msg->out_nbytes = sizeof regs;
  return 0;
}

oskit_error_t Engine::setctrl(oskit_devctl_msg* msg) noexcept {
  oskit_u32_t ctrl;
  if (msg->nbytes != sizeof ctrl) return OSKIT_EINVAL;
  std::memcpy(&ctrl, msg->data, sizeof ctrl);
  if ((ctrl & ~OSKIT_DMA_CTRL_ENABLE) != 0) return OSKIT_EINVAL;
  MutexLock lock(&mu_);
  ctrl_ = ctrl;
  const bool queued = submitted_.load(std::memory_order_relaxed) != executed_.load(std::memory_order_relaxed);
  if (!enabled() && busy_) interrupt_.store(true, std::memory_order_relaxed);
  if (enabled() && queued) wake_worker();
  if (reapers_waiting_.load(std::memory_order_relaxed) != 0)
    done_.notify_all();  // a disabled queue no longer holds them
  return 0;
}

oskit_error_t Engine::submit(oskit_devctl_msg* msg) noexcept {
  oskit_u32_t count = 0;
  if (msg->nbytes >= kSubmitHeader) std::memcpy(&count, msg->data, sizeof count);
  if (count == 0 || count > OSKIT_DMA_SUBMIT_MAX || msg->nbytes != kSubmitHeader + count * sizeof(oskit_dma_desc)) {
    return OSKIT_EINVAL;
  }
  const char* descs = static_cast<const char*>(msg->data) + kSubmitHeader;  // not necessarily aligned
  for (oskit_u32_t i = 0; i < count; i++) {
    oskit_dma_desc d;
    std::memcpy(&d, descs + i * sizeof d, sizeof d);
    if (!valid_descriptor(d)) return OSKIT_EINVAL;
  }
  MutexLock lock(&mu_);
  while (free_slots() == 0) {
    if (nonblocking()) return OSKIT_EAGAIN;
    submitters_waiting_++;
    room_.wait(&mu_);
    submitters_waiting_--;
  }
  const oskit_u32_t taken = static_cast<oskit_u32_t>(std::min<oskit_u64_t>(count, free_slots()));
  const oskit_u64_t first = submitted_.load(std::memory_order_relaxed);
  for (oskit_u32_t i = 0; i < taken; i++) {
    std::memcpy(&descs_[slot_of(first + i)].desc, descs + i * sizeof(oskit_dma_desc), sizeof(oskit_dma_desc));
  }
  submitted_.store(first + taken, std::memory_order_release);
  submitted_total_ += taken;
  if (enabled()) wake_worker();
  msg->ret_val = static_cast<oskit_s32_t>(taken);
  return 0;
}

oskit_error_t Engine::reap(oskit_devctl_msg* msg) noexcept {
  oskit_u32_t limits[2] = {0, 0};  // max, min
  if (msg->nbytes >= kReapHeader) std::memcpy(limits, msg->data, sizeof limits);
  const oskit_u32_t max = limits[0];
  if (max == 0 || max > OSKIT_DMA_REAP_MAX || limits[1] > ring_size_ ||
      msg->nbytes < kReapHeader + max * sizeof(oskit_dma_completion)) {
    return OSKIT_EINVAL;
  }
  if (nonblocking() && waiting_completions() == 0) return OSKIT_EAGAIN;
  const oskit_u32_t wanted = std::max<oskit_u32_t>(limits[1], 1);
  char* out = static_cast<char*>(msg->data);
  oskit_u32_t count = 0;
  bool room_appeared;
  {
    MutexLock lock(&mu_);
    if (nonblocking() && waiting_completions() == 0) return OSKIT_EAGAIN;
    while (!nonblocking() && !reap_ready(wanted)) {
      // The worker reads reap_wanted_ once it sees reapers_waiting_, and
      // wakes the sleepers once until one registers again (its post, this
      // registration and reapers_woken_ are sequentially consistent): either
      // it sees this reaper and wakes it, or reap_ready below sees its post.
      const oskit_u32_t others = reapers_waiting_.load(std::memory_order_relaxed);
      reap_wanted_.store(others == 0 ? wanted : std::min(reap_wanted_.load(std::memory_order_relaxed), wanted),
                         std::memory_order_relaxed);
      reapers_woken_.store(false, std::memory_order_seq_cst);
      reapers_waiting_.fetch_add(1, std::memory_order_seq_cst);
      if (!reap_ready(wanted)) done_.wait(&mu_);
      reapers_waiting_.fetch_sub(1, std::memory_order_relaxed);
    }
    room_appeared = free_slots() == 0;
    const oskit_u64_t first = reaped_.load(std::memory_order_relaxed);
    count = static_cast<oskit_u32_t>(std::min<oskit_u64_t>(max, waiting_completions()));
    oskit_u64_t failed = 0;
    for (oskit_u32_t i = 0; i < count; i++) {
      const oskit_dma_completion& c = completions_[slot_of(first + i)];
      if (c.status != 0) failed++;
      std::memcpy(out + kReapHeader + i * sizeof c, &c, sizeof c);
    }
    errors_waiting_.fetch_sub(failed, std::memory_order_relaxed);
    reaped_.store(first + count, std::memory_order_release);
    if (submitters_waiting_ != 0) room_.notify_all();
  }
  std::memcpy(out + offsetof(oskit_dma_reap, count), &count, sizeof count);
  msg->out_nbytes = kReapHeader + count * sizeof(oskit_dma_completion);
  msg->ret_val = static_cast<oskit_s32_t>(count);
  if (room_appeared) notify(OSKIT_ASYNCIO_WRITABLE);
  return 0;
}

bool Engine::reap_ready(oskit_u32_t wanted) const {
  const oskit_u64_t waiting = waiting_completions();
  if (waiting >= wanted) return true;
  const bool queued = submitted_.load(std::memory_order_relaxed) != executed_.load(std::memory_order_relaxed);
  const bool more_coming = (queued && enabled()) || busy_;
  return waiting != 0 && !more_coming;
}

oskit_error_t Engine::abort(oskit_devctl_msg* msg) noexcept {
  oskit_u32_t cancelled;
  {
    MutexLock lock(&mu_);
    if (busy_) interrupt_.store(true, std::memory_order_relaxed);  // the rest of its batch stays queued
    while (busy_) idle_.wait(&mu_);
    // The worker is idle: the queued slots are this thread's to complete.
    const oskit_u64_t first = executed_.load(std::memory_order_relaxed);
    const oskit_u64_t end = submitted_.load(std::memory_order_relaxed);
    cancelled = static_cast<oskit_u32_t>(end - first);
    Tally tally;
    for (oskit_u64_t p = first; p != end; p++) {
      oskit_dma_completion& c = completions_[slot_of(p)];
      c = {descs_[slot_of(p)].desc.cookie, 0, 0, OSKIT_ECANCELED, slot_of(p)};
      tally.add(c);
    }
    add_tally(tally);
    executed_.store(end, std::memory_order_release);
    wake_reapers();
  }
  msg->ret_val = static_cast<oskit_s32_t>(cancelled);
  if (cancelled != 0) notify(OSKIT_ASYNCIO_READABLE | OSKIT_ASYNCIO_EXCEPTION);
  return 0;
}

void Engine::add_tally(const Tally& tally) noexcept {
  completed_total_.fetch_add(tally.completed, std::memory_order_relaxed);
  bytes_total_.fetch_add(tally.bytes, std::memory_order_relaxed);
  faults_total_.fetch_add(tally.faults, std::memory_order_relaxed);
  errors_total_.fetch_add(tally.errors, std::memory_order_relaxed);
  errors_waiting_.fetch_add(tally.failed, std::memory_order_relaxed);
}

void Engine::wake_reapers() {
  if (reapers_waiting_.load(std::memory_order_relaxed) != 0 &&
      reap_ready(reap_wanted_.load(std::memory_order_relaxed))) {
    done_.notify_all();
  }
}

void Engine::set_busy(bool busy) {
  busy_ = busy;
  if (!busy) {
    interrupt_.store(false, std::memory_order_relaxed);
    idle_.notify_all();
  }
}

bool Engine::wait_for_work(oskit_u64_t* next) noexcept {
  MutexLock lock(&mu_);
  while (!stopping_ &&
         (!enabled() || submitted_.load(std::memory_order_relaxed) == executed_.load(std::memory_order_relaxed))) {
    worker_idle_ = true;
    work_.wait(&mu_);
  }
  worker_idle_ = false;  // woken spuriously, it was not told
  if (stopping_) return false;
  *next = executed_.load(std::memory_order_relaxed);
  set_busy(true);
  return true;
}

void Engine::post(oskit_u64_t executed, const Tally& tally) noexcept {
  add_tally(tally);
  executed_.store(executed, std::memory_order_seq_cst);  // see reap()
  if (reapers_waiting_.load(std::memory_order_seq_cst) != 0 &&
      executed - reaped_.load(std::memory_order_relaxed) >= reap_wanted_.load(std::memory_order_relaxed) &&
      !reapers_woken_.exchange(true, std::memory_order_seq_cst)) {  // a woken reaper may take a while to run
    { MutexLock lock(&mu_); }                                       // a reaper past its last check has reached its wait
    done_.notify_all();  // without the lock, so that the reapers do not wake into it
  }
  if (listener_count_.load(std::memory_order_relaxed) != 0) {
    notify(OSKIT_ASYNCIO_READABLE | (tally.failed != 0 ? OSKIT_ASYNCIO_EXCEPTION : 0));
  }
}

void Engine::execute_queued(Translations* translations, oskit_u64_t* next) noexcept {
  oskit_u64_t position = *next;
  oskit_u64_t end = submitted_.load(std::memory_order_acquire);
  Tally tally;
  oskit_u32_t unposted = 0;
  while (!interrupt_.load(std::memory_order_relaxed)) {
    if (position == end && (end = submitted_.load(std::memory_order_acquire)) == position) break;
    const oskit_u32_t slot = slot_of(position);
    // The submitter wrote the descriptors and the reaper read the completions
    // on another CPU: fetch them a few slots ahead.
    __builtin_prefetch(&descs_[slot_of(position + kPrefetch)], 0);
    __builtin_prefetch(&completions_[slot_of(position + kPrefetch)], 1);
    oskit_dma_completion& completion = completions_[slot];
    execute(translations, descs_[slot].desc, &completion);
    completion.index = slot;
    tally.add(completion);
    translations->trim();
    position++;
    if (++unposted == kPostEvery) {
      translations->release();
      post(position, tally);
      tally = Tally();
      unposted = 0;
    }
  }
  translations->release();  // an idle engine holds no region: unwire never waits for it
  if (unposted != 0) post(position, tally);
  *next = position;
}

void Engine::finish_batch() noexcept {
  MutexLock lock(&mu_);
  set_busy(false);
  wake_reapers();
}

void Engine::run() noexcept {
  Translations translations(space_.get(), device_);
  oskit_u64_t next = 0;
  while (wait_for_work(&next)) {
    execute_queued(&translations, &next);
    finish_batch();
  }
}

oskit_u32_t Engine::conditions() const {
  const oskit_u64_t waiting = waiting_completions();
  return (waiting == 0 ? 0 : OSKIT_ASYNCIO_READABLE) | (free_slots() == 0 ? 0 : OSKIT_ASYNCIO_WRITABLE) |
         (errors_waiting_.load(std::memory_order_relaxed) == 0 ? 0 : OSKIT_ASYNCIO_EXCEPTION);
}

void Engine::notify(oskit_u32_t conditions) noexcept {
  ListenerSet::Snapshot interested;
  {
    MutexLock lock(&mu_);
    listeners_.interested(conditions, &interested);
    if (interested.empty()) return;
    notifying_++;
  }
  const void* outer = notifying_engine;
  notifying_engine = this;
  for (const auto& l : interested) l->notify(identity());
  notifying_engine = outer;
  MutexLock lock(&mu_);
  if (--notifying_ == 0) notified_.notify_all();
}

OSKIT_COMDECL Engine::poll() noexcept {
  MutexLock lock(&mu_);
  return static_cast<oskit_error_t>(conditions());
}

OSKIT_COMDECL Engine::add_listener(oskit_listener* l, oskit_s32_t mask) noexcept {
  MutexLock lock(&mu_);
  oskit_error_t rc = listeners_.add(l, mask);
  listener_count_.store(static_cast<oskit_u32_t>(listeners_.size()), std::memory_order_relaxed);
  return rc != 0 ? rc : static_cast<oskit_error_t>(conditions());
}

OSKIT_COMDECL Engine::remove_listener(oskit_listener* l) noexcept {
  ComPtr<oskit_listener> keep = ComPtr<oskit_listener>::copy(l);  // released after the lock
  MutexLock lock(&mu_);
  oskit_error_t rc = listeners_.remove(l);
  listener_count_.store(static_cast<oskit_u32_t>(listeners_.size()), std::memory_order_relaxed);
  if (rc != 0 || notifying_engine == this) return rc;  // a listener removing from its notify cannot wait for itself
  while (notifying_ != 0) notified_.wait(&mu_);
  return 0;
}

OSKIT_COMDECL Engine::readable() noexcept {
  const oskit_u64_t bytes = waiting_completions() * sizeof(oskit_dma_completion);
  return static_cast<oskit_error_t>(std::min<oskit_u64_t>(bytes, 0x7fffffff));
}

}  // namespace
}  // namespace oskit::dma_engine

extern "C" oskit_error_t oskit_dma_engine_create(oskit_dma_space_t* space, const oskit_dma_engine_options_t* options,
                                                 oskit_devctl_t** out_devctl) {
  if (out_devctl == nullptr) return OSKIT_E_POINTER;
  *out_devctl = nullptr;
  const oskit_dma_engine_options_t chosen = options != nullptr ? *options : oskit_dma_engine_options_t{};
  if ((chosen.ring_size != 0 && (!oskit::is_power_of_two(chosen.ring_size) || chosen.ring_size > OSKIT_DMA_RING_MAX)) ||
      (chosen.open_mode & ~OSKIT_DEVCTL_OPEN_RDWR) != 0) {
    return OSKIT_EINVAL;
  }
  oskit::ComPtr<oskit_dma_space> used = oskit::ComPtr<oskit_dma_space>::copy(space);
  if (!used) {
    oskit_error_t rc = oskit_dma_default_space(used.put());
    if (rc != 0) return rc;
  }
  oskit::ComPtr<oskit::dma_engine::Engine> engine = oskit::make<oskit::dma_engine::Engine>(used.get(), chosen);
  if (!engine) return OSKIT_ENOMEM;
  oskit_error_t rc = engine->start();
  if (rc != 0) return rc;
  *out_devctl = engine.detach();
  return 0;
}
