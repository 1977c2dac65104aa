// The bounded hand-off queue (components/netio/netio.h).
#include <cstdint>
#include <memory>
#include <new>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_format.h"
#include "components/netio/counters.h"
#include "components/netio/netio.h"
#include "components/netio/packet.h"
#include "glue/env/env.h"
#include "oskit/com/implements.h"
#include "oskit/sync/mutex.h"

namespace oskit::netio {
namespace {

class NetioQueue : public Implements<NetioQueue, oskit_netio, oskit_netio_counters, oskit_describe> {
 public:
  // A queue of capacity packets in front of consumer, with its worker
  // running; empty when memory or a thread is missing.
  static ComPtr<NetioQueue> create(oskit_netio* consumer, oskit_size_t capacity) noexcept {
    if (capacity > SIZE_MAX / sizeof(Slot)) return nullptr;
    auto* slots =
        static_cast<Slot*>(oskit_heap_alloc_tagged(capacity * sizeof(Slot), alignof(Slot), "netio queue slots"));
    if (slots == nullptr) return nullptr;
    ComPtr<NetioQueue> queue = make<NetioQueue>(consumer, slots, capacity);
    if (!queue) {
      oskit_heap_free(slots, capacity * sizeof(Slot), alignof(Slot));
      return nullptr;
    }
    return queue->start() ? queue : nullptr;
  }

  OSKIT_COMDECL push(oskit_bufio* buf, oskit_size_t size) noexcept override {
    oskit_error_t rc = check_packet(buf, size);
    if (rc != 0) return rc;
    Counters::bump(counters_.pushed);
    {
      MutexLock lock(&mu_);
      if (count_ == capacity_) {
        Counters::bump(counters_.refused);
        return OSKIT_EAGAIN;
      }
      buf->addref();
      slots_[(head_ + count_) % capacity_] = Slot{buf, size};
      count_++;
      if (count_ > high_water_) high_water_ = count_;
    }
    ready_.notify_one();
    return 0;
  }

  OSKIT_COMDECL alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    if (out_buf == nullptr) return OSKIT_E_POINTER;
    *out_buf = nullptr;
    return consumer_->alloc_bufio(size, out_buf);
  }

  OSKIT_COMDECL getstats(oskit_netio_stats_t* out_stats) noexcept override {
    oskit_error_t rc = counters_.fill(out_stats);
    if (rc != 0) return rc;
    MutexLock lock(&mu_);
    out_stats->queued = count_;
    out_stats->high_water = high_water_;
    return 0;
  }

  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    oskit_u64_t queued, high_water;
    {
      MutexLock lock(&mu_);
      queued = count_;
      high_water = high_water_;
    }
    char detail[48];
    absl::SNPrintF(detail, sizeof detail, "%u packets at most", capacity_);
    return describe_to(sink, [&](Description& d) {
      d.kind("netio_queue", detail).answers("netio_counters").holds("consumer", consumer_);
      counters_.report(d);
      d.counter("queued", queued).counter("high_water", high_water);
    });
  }

 protected:
  NetioQueue(oskit_netio* consumer, void* slots, oskit_size_t capacity) noexcept
      : consumer_(ComPtr<oskit_netio>::copy(consumer)), slots_(static_cast<Slot*>(slots)), capacity_(capacity) {}
  // Delivers what is queued, then ends the worker.
  ~NetioQueue() override {
    {
      MutexLock lock(&mu_);
      stopping_ = true;
    }
    ready_.notify_one();
    if (worker_) worker_->join();
    oskit_heap_free(slots_, capacity_ * sizeof(Slot), alignof(Slot));
  }

 private:
  struct Slot {
    oskit_bufio* buf;  // a reference the queue holds
    oskit_size_t size;
  };

  bool start() noexcept {
    auto thread = env::current().start_thread("netio-queue", [this] { run(); });
    if (!thread.ok()) return false;
    worker_ = std::move(thread).value();
    return true;
  }

  void run() {
    for (;;) {
      Slot slot;
      {
        MutexLock lock(&mu_);
        while (count_ == 0 && !stopping_) ready_.wait(&mu_);
        if (count_ == 0) return;  // stopping, and everything delivered
        slot = slots_[head_];
        head_ = (head_ + 1) % capacity_;
        count_--;
      }
      counters_.outcome(consumer_->push(slot.buf, slot.size));
      slot.buf->release();
    }
  }

  const ComPtr<oskit_netio> consumer_;
  Slot* const slots_;
  const oskit_size_t capacity_;
  std::unique_ptr<env::WorkerThread> worker_;
  Counters counters_;
  Mutex mu_;
  CondVar ready_;
  oskit_size_t head_ ABSL_GUARDED_BY(mu_) = 0;
  oskit_size_t count_ ABSL_GUARDED_BY(mu_) = 0;
  oskit_size_t high_water_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace
}  // namespace oskit::netio

extern "C" oskit_error_t oskit_netio_queue_create(oskit_netio_t* consumer, oskit_size_t capacity,
                                                  oskit_netio_t** out_netio) {
  if (out_netio == nullptr) return OSKIT_E_POINTER;
  *out_netio = nullptr;
  if (consumer == nullptr) return OSKIT_E_POINTER;
  if (capacity == 0) return OSKIT_EINVAL;
  *out_netio = oskit::netio::NetioQueue::create(consumer, capacity).detach();
  return *out_netio != nullptr ? 0 : OSKIT_ENOMEM;
}
