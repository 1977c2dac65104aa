#include "components/dma_engine/dma_engine.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

#include <boost/intrusive/list.hpp>

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

// The worker takes everything queued at once and posts completions every
// kPostEvery descriptors, letting go of its translations then, so that a
// reaper sees completions early and an unwire waits for a few descriptors at
// most. Disabling and aborting take effect between two descriptors.
constexpr oskit_u32_t kPostEvery = 64;

constexpr std::size_t kSubmitHeader = offsetof(oskit_dma_submit, desc);
constexpr std::size_t kReapHeader = offsetof(oskit_dma_reap, completion);

// The engine whose listeners this thread is calling, if any.
thread_local const void* notifying_engine = nullptr;

// A ring slot: free, queued, executing or completed.
struct Slot : boost::intrusive::list_base_hook<> {
  oskit_dma_desc desc;
  oskit_dma_completion completion;
};
using SlotList = boost::intrusive::list<Slot, boost::intrusive::constant_time_size<true>>;

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
  bool take_batch(SlotList* batch) noexcept;
  // Posts the first `executed` descriptors of batch, which end at `end`; with
  // last, puts the rest back at the head of the queue and goes idle.
  void post_executed(SlotList* batch, SlotList::iterator end, oskit_u32_t executed, bool last) noexcept;
  void post_completions(SlotList* done) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Whether a reaper wanting `wanted` completions may return now.
  bool reap_ready(oskit_u32_t wanted) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  oskit_u32_t conditions() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Mirrors completed_.size() for a nonblocking reap's check without the lock.
  void mirror_completed() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void notify(oskit_u32_t conditions) noexcept;
  bool nonblocking() const noexcept { return (flags_.load(std::memory_order_relaxed) & OSKIT_DEVCTL_F_NONBLOCK) != 0; }
  oskit_u32_t index_of(const Slot& slot) const noexcept { return static_cast<oskit_u32_t>(&slot - slots_); }

  const ComPtr<oskit_dma_space> space_;
  const oskit_u32_t device_;
  const oskit_u32_t ring_size_;
  const oskit_u32_t open_mode_;
  std::atomic<oskit_u32_t> flags_{0};  // OSKIT_DEVCTL_F_*
  Slot* slots_ = nullptr;              // environment memory, ring_size_ slots
  std::unique_ptr<env::WorkerThread> worker_;

  mutable Mutex mu_;
  CondVar work_;  // the worker waits for descriptors
  CondVar room_;  // submitters wait for a free slot
  CondVar done_;  // reapers wait for completions
  // Who waits, so that nobody is woken for nothing.
  bool worker_idle_ ABSL_GUARDED_BY(mu_) = false;
  oskit_u32_t submitters_waiting_ ABSL_GUARDED_BY(mu_) = 0;
  oskit_u32_t reapers_waiting_ ABSL_GUARDED_BY(mu_) = 0;
  oskit_u32_t reap_wanted_ ABSL_GUARDED_BY(mu_) = 0;  // the fewest completions a waiting reaper wants
  SlotList free_ ABSL_GUARDED_BY(mu_);
  SlotList queued_ ABSL_GUARDED_BY(mu_);
  SlotList completed_ ABSL_GUARDED_BY(mu_);
  ListenerSet listeners_ ABSL_GUARDED_BY(mu_);
  oskit_u32_t ctrl_ ABSL_GUARDED_BY(mu_) = 0;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;  // the worker holds a batch
  CondVar idle_;                            // busy_ went false
  std::atomic<bool> interrupt_{false};      // stop the batch at the next descriptor
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  oskit_u32_t errors_waiting_ ABSL_GUARDED_BY(mu_) = 0;  // completed_ entries with a status
  oskit_u32_t notifying_ ABSL_GUARDED_BY(mu_) = 0;       // notify() calls calling listeners now
  CondVar notified_;                                     // notifying_ came to 0
  oskit_dma_engine_regs totals_ ABSL_GUARDED_BY(mu_) = {};
  std::atomic<oskit_u32_t> completed_count_{0};  // completed_.size(), for a nonblocking reap
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
      open_mode_(options.open_mode == 0 ? OSKIT_DEVCTL_OPEN_RDWR : options.open_mode) {}

Engine::~Engine() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    interrupt_.store(true, std::memory_order_relaxed);
    work_.notify_all();
  }
  if (worker_) worker_->join();
  if (slots_ == nullptr) return;
  {
    MutexLock lock(&mu_);
    free_.clear();
    queued_.clear();
    completed_.clear();
  }
  for (oskit_u32_t i = 0; i < ring_size_; i++) slots_[i].~Slot();
  env::current().deallocate(slots_, ring_size_ * sizeof(Slot), alignof(Slot));
}

oskit_error_t Engine::start() noexcept {
  void* mem = env::current().allocate(ring_size_ * sizeof(Slot), alignof(Slot));
  if (mem == nullptr) return OSKIT_ENOMEM;
  slots_ = static_cast<Slot*>(mem);
  {
    MutexLock lock(&mu_);
    for (oskit_u32_t i = 0; i < ring_size_; i++) free_.push_back(*new (&slots_[i]) Slot);
  }
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
  oskit_dma_engine_regs regs = totals_;
  regs.ctrl = ctrl_;
  regs.status = ((ctrl_ & OSKIT_DMA_CTRL_ENABLE) ? OSKIT_DMA_STATUS_ENABLED : 0) | (busy_ ? OSKIT_DMA_STATUS_BUSY : 0);
  regs.queued = ring_size_ - static_cast<oskit_u32_t>(free_.size() + completed_.size());
  regs.completed = static_cast<oskit_u32_t>(completed_.size());
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
  if (!(ctrl_ & OSKIT_DMA_CTRL_ENABLE) && busy_) interrupt_.store(true, std::memory_order_relaxed);
  if ((ctrl_ & OSKIT_DMA_CTRL_ENABLE) && !queued_.empty() && worker_idle_) work_.notify_one();
  if (reapers_waiting_ != 0) done_.notify_all();  // a disabled engine's queue no longer holds them
  return 0;
}

oskit_error_t Engine::submit(oskit_devctl_msg* msg) noexcept {
  oskit_u32_t count = 0;
  if (msg->nbytes >= kSubmitHeader) std::memcpy(&count, msg->data, sizeof count);
  if (count == 0 || count > OSKIT_DMA_SUBMIT_MAX || msg->nbytes != kSubmitHeader + count * sizeof(oskit_dma_desc)) {
    return OSKIT_EINVAL;
  }
  oskit_dma_desc descs[OSKIT_DMA_SUBMIT_MAX];
  std::memcpy(descs, static_cast<const char*>(msg->data) + kSubmitHeader, count * sizeof(oskit_dma_desc));
  if (!std::all_of(descs, descs + count, valid_descriptor)) return OSKIT_EINVAL;
  MutexLock lock(&mu_);
  while (free_.empty()) {
    if (nonblocking()) return OSKIT_EAGAIN;
    submitters_waiting_++;
    room_.wait(&mu_);
    submitters_waiting_--;
  }
  const oskit_u32_t taken = std::min(count, static_cast<oskit_u32_t>(free_.size()));
  for (oskit_u32_t i = 0; i < taken; i++) {
    Slot& slot = free_.front();
    free_.pop_front();
    slot.desc = descs[i];
    queued_.push_back(slot);
  }
  totals_.submitted_total += taken;
  if ((ctrl_ & OSKIT_DMA_CTRL_ENABLE) && worker_idle_) work_.notify_one();
  msg->ret_val = static_cast<oskit_s32_t>(taken);
  return 0;
}

oskit_error_t Engine::reap(oskit_devctl_msg* msg) noexcept {
  oskit_u32_t limits[2] = {0, 0};  // max, min
  if (msg->nbytes >= kReapHeader) std::memcpy(limits, msg->data, sizeof limits);
  const oskit_u32_t max = limits[0];
  if (max == 0 || max > OSKIT_DMA_REAP_MAX || limits[1] > max ||
      msg->nbytes < kReapHeader + max * sizeof(oskit_dma_completion)) {
    return OSKIT_EINVAL;
  }
  if (nonblocking() && completed_count_.load(std::memory_order_acquire) == 0) return OSKIT_EAGAIN;
  const oskit_u32_t wanted = std::max<oskit_u32_t>(limits[1], 1);
  oskit_dma_completion taken[OSKIT_DMA_REAP_MAX];
  oskit_u32_t count = 0;
  bool room_appeared;
  {
    MutexLock lock(&mu_);
    if (nonblocking() && completed_.empty()) return OSKIT_EAGAIN;
    while (!nonblocking() && !reap_ready(wanted)) {
      reap_wanted_ = reapers_waiting_++ == 0 ? wanted : std::min(reap_wanted_, wanted);
      done_.wait(&mu_);
      reapers_waiting_--;
    }
    room_appeared = free_.empty();
    while (count < max && !completed_.empty()) {
      Slot& slot = completed_.front();
      completed_.pop_front();
      taken[count++] = slot.completion;
      if (slot.completion.status != 0) errors_waiting_--;
      free_.push_back(slot);
    }
    mirror_completed();
    if (submitters_waiting_ != 0) room_.notify_all();
  }
  char* out = static_cast<char*>(msg->data);
  std::memcpy(out + offsetof(oskit_dma_reap, count), &count, sizeof count);
  std::memcpy(out + kReapHeader, taken, count * sizeof(oskit_dma_completion));
  msg->out_nbytes = kReapHeader + count * sizeof(oskit_dma_completion);
  msg->ret_val = static_cast<oskit_s32_t>(count);
  if (room_appeared) notify(OSKIT_ASYNCIO_WRITABLE);
  return 0;
}

bool Engine::reap_ready(oskit_u32_t wanted) const {
  if (completed_.size() >= wanted) return true;
  const bool more_coming = (!queued_.empty() && (ctrl_ & OSKIT_DMA_CTRL_ENABLE)) || busy_;
  return !completed_.empty() && !more_coming;
}

oskit_error_t Engine::abort(oskit_devctl_msg* msg) noexcept {
  oskit_u32_t cancelled;
  {
    MutexLock lock(&mu_);
    if (busy_) interrupt_.store(true, std::memory_order_relaxed);  // the rest of its batch comes back
    while (busy_) idle_.wait(&mu_);
    cancelled = static_cast<oskit_u32_t>(queued_.size());
    for (Slot& slot : queued_) slot.completion = {slot.desc.cookie, 0, 0, OSKIT_ECANCELED, index_of(slot)};
    SlotList cancelled_slots;
    cancelled_slots.splice(cancelled_slots.end(), queued_);
    post_completions(&cancelled_slots);
  }
  msg->ret_val = static_cast<oskit_s32_t>(cancelled);
  if (cancelled != 0) notify(OSKIT_ASYNCIO_READABLE | OSKIT_ASYNCIO_EXCEPTION);
  return 0;
}

void Engine::post_completions(SlotList* done) {
  for (const Slot& slot : *done) {
    const oskit_error_t status = slot.completion.status;
    totals_.completed_total++;
    totals_.bytes_total += slot.completion.bytes;
    if (status == OSKIT_EFAULT) totals_.faults_total++;
    if (status != 0 && status != OSKIT_EFAULT) totals_.errors_total++;
    if (status != 0) errors_waiting_++;
  }
  completed_.splice(completed_.end(), *done);
  mirror_completed();
  if (reapers_waiting_ != 0 && reap_ready(reap_wanted_)) done_.notify_all();
}

void Engine::mirror_completed() {
  completed_count_.store(static_cast<oskit_u32_t>(completed_.size()), std::memory_order_release);
}

bool Engine::take_batch(SlotList* batch) noexcept {
  MutexLock lock(&mu_);
  while (!stopping_ && (!(ctrl_ & OSKIT_DMA_CTRL_ENABLE) || queued_.empty())) {
    worker_idle_ = true;
    work_.wait(&mu_);
    worker_idle_ = false;
  }
  if (stopping_) return false;
  batch->splice(batch->end(), queued_);
  busy_ = true;
  return true;
}

void Engine::post_executed(SlotList* batch, SlotList::iterator end, oskit_u32_t executed, bool last) noexcept {
  SlotList done;
  done.splice(done.end(), *batch, batch->begin(), end, executed);
  oskit_u32_t conditions = executed != 0 ? OSKIT_ASYNCIO_READABLE : 0;
  for (const Slot& slot : done) {
    if (slot.completion.status != 0) conditions |= OSKIT_ASYNCIO_EXCEPTION;
  }
  {
    MutexLock lock(&mu_);
    post_completions(&done);
    if (last) {
      queued_.splice(queued_.begin(), *batch);  // interrupted: not started
      busy_ = false;
      interrupt_.store(false, std::memory_order_relaxed);
      idle_.notify_all();
    }
  }
  if (conditions != 0) notify(conditions);
}

void Engine::run() noexcept {
  SlotList batch;
  Translations translations(space_.get(), device_);
  while (take_batch(&batch)) {
    auto it = batch.begin();
    oskit_u32_t executed = 0;
    while (it != batch.end() && !interrupt_.load(std::memory_order_relaxed)) {
      const auto next = std::next(it);
      if (next != batch.end()) __builtin_prefetch(&next->desc);  // written by a submitter on another CPU
      execute(&translations, it->desc, &it->completion);
      it->completion.index = index_of(*it);
      translations.trim();
      it = next;
      if (++executed == kPostEvery && it != batch.end()) {
        translations.release();
        post_executed(&batch, it, executed, false);
        executed = 0;
      }
    }
    translations.release();  // an idle engine holds no region: unwire never waits for it
    post_executed(&batch, it, executed, true);
  }
}

oskit_u32_t Engine::conditions() const {
  return (completed_.empty() ? 0 : OSKIT_ASYNCIO_READABLE) | (free_.empty() ? 0 : OSKIT_ASYNCIO_WRITABLE) |
         (errors_waiting_ == 0 ? 0 : OSKIT_ASYNCIO_EXCEPTION);
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
  return rc != 0 ? rc : static_cast<oskit_error_t>(conditions());
}

OSKIT_COMDECL Engine::remove_listener(oskit_listener* l) noexcept {
  ComPtr<oskit_listener> keep = ComPtr<oskit_listener>::copy(l);  // released after the lock
  MutexLock lock(&mu_);
  oskit_error_t rc = listeners_.remove(l);
  if (rc != 0 || notifying_engine == this) return rc;  // a listener removing from its notify cannot wait for itself
  while (notifying_ != 0) notified_.wait(&mu_);
  return 0;
}

OSKIT_COMDECL Engine::readable() noexcept {
  MutexLock lock(&mu_);
  const std::size_t bytes = completed_.size() * sizeof(oskit_dma_completion);
  return static_cast<oskit_error_t>(std::min<std::size_t>(bytes, 0x7fffffff));
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
