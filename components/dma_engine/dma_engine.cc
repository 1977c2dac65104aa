#include "components/dma_engine/dma_engine.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>

#include <boost/intrusive/list.hpp>

#include "absl/base/thread_annotations.h"
#include "components/dma_engine/executor.h"
#include "components/dma_engine/listener_set.h"
#include "glue/devctl/devctl_server.h"
#include "glue/dma/dma.h"
#include "glue/env/env.h"
#include "oskit/com/implements.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/range.h"
#include "oskit/sync/mutex.h"

namespace oskit::dma_engine {
namespace {

// Descriptors the worker takes from the ring at a time: few enough that
// disabling or aborting takes effect soon, enough to keep locking rare.
constexpr oskit_u32_t kBatch = 32;

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

class Engine : public Implements<Engine, oskit_devctl, oskit_asyncio> {
 public:
  OSKIT_COMDECL devctl(oskit_u32_t dcmd, void* data, oskit_size_t nbytes, oskit_s32_t* out_ret_val,
                       oskit_size_t* out_nbytes) noexcept override;
  OSKIT_COMDECL poll() noexcept override;
  OSKIT_COMDECL add_listener(oskit_listener* l, oskit_s32_t mask) noexcept override;
  OSKIT_COMDECL remove_listener(oskit_listener* l) noexcept override;
  OSKIT_COMDECL readable() noexcept override;

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

  oskit_error_t getinfo(oskit_devctl_msg* msg) noexcept;
  oskit_error_t getregs(oskit_devctl_msg* msg) noexcept;
  oskit_error_t setctrl(oskit_devctl_msg* msg) noexcept;
  oskit_error_t submit(oskit_devctl_msg* msg) noexcept;
  oskit_error_t reap(oskit_devctl_msg* msg) noexcept;
  oskit_error_t abort(oskit_devctl_msg* msg) noexcept;

  void run() noexcept;
  bool take_batch(SlotList* batch) noexcept;
  void complete_batch(SlotList* batch) noexcept;
  void post_completions(SlotList* done) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  oskit_u32_t conditions() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
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
  CondVar done_;  // reapers wait for a completion
  SlotList free_ ABSL_GUARDED_BY(mu_);
  SlotList queued_ ABSL_GUARDED_BY(mu_);
  SlotList completed_ ABSL_GUARDED_BY(mu_);
  ListenerSet listeners_ ABSL_GUARDED_BY(mu_);
  oskit_u32_t ctrl_ ABSL_GUARDED_BY(mu_) = 0;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  oskit_u32_t errors_waiting_ ABSL_GUARDED_BY(mu_) = 0;  // completed_ entries with a status
  oskit_u32_t notifying_ ABSL_GUARDED_BY(mu_) = 0;       // notify() calls calling listeners now
  CondVar notified_;                                     // notifying_ came to 0
  oskit_dma_engine_regs totals_ ABSL_GUARDED_BY(mu_) = {};
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
    auto worker = env::current().start_thread("oskit-dma-engine", [this] { run(); });
    if (!worker.ok()) return OSKIT_EAGAIN;
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
  oskit_error_t rc =
      oskit_devctl_dispatch(kCommands, sizeof kCommands / sizeof kCommands[0], this, &generic, &msg);
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
  const oskit_dma_engine_info info = {device_,           ring_size_, OSKIT_DMA_SG_MAX, OSKIT_DMA_SUBMIT_MAX,
                                      OSKIT_DMA_REAP_MAX, stats.mode};
  std::memcpy(msg->data, &info, sizeof info);
  msg->out_nbytes = sizeof info;
  return 0;
}

oskit_error_t Engine::getregs(oskit_devctl_msg* msg) noexcept {
  if (msg->nbytes != sizeof(oskit_dma_engine_regs)) return OSKIT_EINVAL;
  oskit_dma_engine_regs regs;
  {
    MutexLock lock(&mu_);
    regs = totals_;
    regs.ctrl = ctrl_;
    regs.status = ((ctrl_ & OSKIT_DMA_CTRL_ENABLE) ? OSKIT_DMA_STATUS_ENABLED : 0) | (busy_ ? OSKIT_DMA_STATUS_BUSY : 0);
    regs.queued = static_cast<oskit_u32_t>(queued_.size());
    regs.completed = static_cast<oskit_u32_t>(completed_.size());
  }
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
  if ((ctrl_ & OSKIT_DMA_CTRL_ENABLE) && !queued_.empty()) work_.notify_one();
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
    room_.wait(&mu_);
  }
  const oskit_u32_t taken = std::min(count, static_cast<oskit_u32_t>(free_.size()));
  for (oskit_u32_t i = 0; i < taken; i++) {
    Slot& slot = free_.front();
    free_.pop_front();
    slot.desc = descs[i];
    queued_.push_back(slot);
  }
  totals_.submitted_total += taken;
  if (ctrl_ & OSKIT_DMA_CTRL_ENABLE) work_.notify_one();
  msg->ret_val = static_cast<oskit_s32_t>(taken);
  return 0;
}

oskit_error_t Engine::reap(oskit_devctl_msg* msg) noexcept {
  oskit_u32_t max = 0;
  if (msg->nbytes >= kReapHeader) std::memcpy(&max, msg->data, sizeof max);
  if (max == 0 || max > OSKIT_DMA_REAP_MAX || msg->nbytes < kReapHeader + max * sizeof(oskit_dma_completion)) {
    return OSKIT_EINVAL;
  }
  oskit_dma_completion taken[OSKIT_DMA_REAP_MAX];
  oskit_u32_t count = 0;
  bool room_appeared;
  {
    MutexLock lock(&mu_);
    while (completed_.empty()) {
      if (nonblocking()) return OSKIT_EAGAIN;
      done_.wait(&mu_);
    }
    room_appeared = free_.empty();
    while (count < max && !completed_.empty()) {
      Slot& slot = completed_.front();
      completed_.pop_front();
      taken[count++] = slot.completion;
      if (slot.completion.status != 0) errors_waiting_--;
      free_.push_back(slot);
    }
    room_.notify_all();
  }
  char* out = static_cast<char*>(msg->data);
  std::memcpy(out + offsetof(oskit_dma_reap, count), &count, sizeof count);
  std::memcpy(out + kReapHeader, taken, count * sizeof(oskit_dma_completion));
  msg->out_nbytes = kReapHeader + count * sizeof(oskit_dma_completion);
  msg->ret_val = static_cast<oskit_s32_t>(count);
  if (room_appeared) notify(OSKIT_ASYNCIO_WRITABLE);
  return 0;
}

oskit_error_t Engine::abort(oskit_devctl_msg* msg) noexcept {
  oskit_u32_t cancelled;
  {
    MutexLock lock(&mu_);
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
  done_.notify_all();
}

bool Engine::take_batch(SlotList* batch) noexcept {
  MutexLock lock(&mu_);
  while (!stopping_ && (!(ctrl_ & OSKIT_DMA_CTRL_ENABLE) || queued_.empty())) work_.wait(&mu_);
  if (stopping_) return false;
  const oskit_u32_t n = std::min(kBatch, static_cast<oskit_u32_t>(queued_.size()));
  auto last = queued_.begin();
  std::advance(last, n);
  batch->splice(batch->end(), queued_, queued_.begin(), last, n);
  busy_ = true;
  return true;
}

void Engine::complete_batch(SlotList* batch) noexcept {
  oskit_u32_t conditions = OSKIT_ASYNCIO_READABLE;
  for (const Slot& slot : *batch) {
    if (slot.completion.status != 0) conditions |= OSKIT_ASYNCIO_EXCEPTION;
  }
  {
    MutexLock lock(&mu_);
    busy_ = false;
    post_completions(batch);
  }
  notify(conditions);
}

void Engine::run() noexcept {
  SlotList batch;
  while (take_batch(&batch)) {
    for (Slot& slot : batch) {
      execute(space_.get(), device_, slot.desc, &slot.completion);
      slot.completion.index = index_of(slot);
    }
    complete_batch(&batch);
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
