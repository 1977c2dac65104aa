// The netio fanout (components/netio/netio.h).
#include <atomic>
#include <cstdint>
#include <new>

#include <boost/intrusive/list.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "components/netio/netio.h"
#include "components/netio/packet.h"
#include "glue/env/env.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"
#include "oskit/sync/mutex.h"

namespace oskit::netio {
namespace {

// Answered only by fanouts of this file, so that one can see another's
// consumers (a cycle check needs to). Never handed out.
constexpr oskit_guid kFanoutSelfIid =
    OSKIT_GUID(0x9a4f3d2e, 0x1b6c, 0x4e85, 0xa0, 0x7d, 0x3c, 0x58, 0xe2, 0x91, 0x0f, 0x64);

// Serialises registrations so that two concurrent add_listener calls cannot
// close a cycle between them.
Mutex& topology_mu() {
  static Mutex mu;
  return mu;
}

// Consumers copied out of the lock: eight inline, more in the environment's
// memory.
using Targets = absl::InlinedVector<ComPtr<oskit_netio>, 8, env::Allocator<ComPtr<oskit_netio>>>;

// Appends target; false when no memory holds it.
bool append(Targets* targets, ComPtr<oskit_netio> target) noexcept {
  try {
    targets->push_back(std::move(target));
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

thread_local int push_nesting = 0;

class NetioFanout : public Implements<NetioFanout, oskit_netio_fanout, oskit_netio, oskit_describe> {
 public:
  OSKIT_COMDECL query(const oskit_guid* iid, void** out_ihandle) noexcept override {
    if (iid != nullptr && out_ihandle != nullptr && detail::same_guid(*iid, kFanoutSelfIid)) {
      addref();
      *out_ihandle = this;
      return 0;
    }
    return Implements::query(iid, out_ihandle);
  }

  OSKIT_COMDECL push(oskit_bufio* buf, oskit_size_t size) noexcept override {
    oskit_error_t rc = check_packet(buf, size);
    if (rc != 0) return rc;
    if (push_nesting >= OSKIT_NETIO_FANOUT_MAX_NESTING) return OSKIT_ELOOP;
    const std::uint64_t removals = removals_.load(std::memory_order_acquire);
    Targets targets;
    if (!snapshot(&targets)) return OSKIT_ENOMEM;
    pushes_.fetch_add(1, std::memory_order_relaxed);
    ++push_nesting;
    oskit_error_t first_error = 0;
    for (const ComPtr<oskit_netio>& target : targets) {
      if (removals_.load(std::memory_order_acquire) != removals && !registered(target.get())) continue;
      rc = target->push(buf, size);
      if (rc != 0 && first_error == 0) first_error = rc;
    }
    --push_nesting;
    return first_error;
  }

  OSKIT_COMDECL alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    if (out_buf == nullptr) return OSKIT_E_POINTER;
    *out_buf = nullptr;
    Targets targets;
    if (!snapshot(&targets)) return OSKIT_ENOMEM;
    for (const ComPtr<oskit_netio>& target : targets) {
      if (target->alloc_bufio(size, out_buf) == 0) return 0;
    }
    return OSKIT_E_NOTIMPL;
  }

  OSKIT_COMDECL add_listener(oskit_netio* consumer) noexcept override {
    if (consumer == nullptr) return OSKIT_E_POINTER;
    MutexLock topology(&topology_mu());
    bool cycle = false;
    oskit_error_t rc = reaches_me(consumer, &cycle);
    if (rc != 0) return rc;
    if (cycle) return OSKIT_E_INVALIDARG;
    MutexLock lock(&mu_);
    for (const Consumer& c : consumers_) {
      if (c.netio.get() == consumer) return OSKIT_EEXIST;
    }
    auto* node = new (std::nothrow) Consumer(consumer);
    if (node == nullptr) return OSKIT_ENOMEM;
    consumers_.push_back(*node);
    return 0;
  }

  OSKIT_COMDECL remove_listener(oskit_netio* consumer) noexcept override {
    Consumer* found = nullptr;
    {
      MutexLock lock(&mu_);
      for (Consumer& c : consumers_) {
        if (c.netio.get() == consumer) {
          found = &c;
          consumers_.erase(consumers_.iterator_to(c));
          removals_.fetch_add(1, std::memory_order_release);
          break;
        }
      }
    }
    if (found == nullptr) return OSKIT_E_INVALIDARG;
    delete found;  // releases the consumer outside the lock
    return 0;
  }

  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    Targets targets;
    const bool complete = snapshot(&targets);
    return describe_to(sink, [&](Description& d) {
      d.kind("netio_fanout", complete ? nullptr : "consumers not shown: out of memory");
      for (const ComPtr<oskit_netio>& target : targets) d.holds("consumer", target);
      d.counter("consumers", targets.size()).counter("pushes", pushes_);
    });
  }

 protected:
  NetioFanout() noexcept = default;
  ~NetioFanout() override {
    MutexLock lock(&mu_);
    consumers_.clear_and_dispose([](Consumer* c) { delete c; });
  }

 private:
  struct Consumer : boost::intrusive::list_base_hook<>, env::EnvAllocated<Consumer> {
    explicit Consumer(oskit_netio* n) : netio(ComPtr<oskit_netio>::copy(n)) {}
    ComPtr<oskit_netio> netio;
  };
  using ConsumerList = boost::intrusive::list<Consumer>;

  bool registered(oskit_netio* consumer) {
    MutexLock lock(&mu_);
    for (const Consumer& c : consumers_) {
      if (c.netio.get() == consumer) return true;
    }
    return false;
  }

  // Appends the consumers to *targets; false when there is no memory for them.
  bool snapshot(Targets* targets) noexcept {
    MutexLock lock(&mu_);
    for (Consumer& c : consumers_) {
      if (!append(targets, c.netio)) return false;
    }
    return true;
  }

  // Sets *cycle when pushing into consumer can come back here through
  // fanouts of this file (the consumer itself being this fanout included).
  // OSKIT_ENOMEM when the walk has no memory.
  oskit_error_t reaches_me(oskit_netio* consumer, bool* cycle) noexcept {
    *cycle = false;
    Targets pending;
    if (!append(&pending, ComPtr<oskit_netio>::copy(consumer))) return OSKIT_ENOMEM;
    while (!pending.empty()) {
      ComPtr<oskit_netio> next = std::move(pending.back());
      pending.pop_back();
      void* raw = nullptr;
      if (next->query(&kFanoutSelfIid, &raw) != 0) continue;
      auto fanout = ComPtr<NetioFanout>::adopt(static_cast<NetioFanout*>(raw));
      if (fanout.get() == this) {
        *cycle = true;
        return 0;
      }
      if (!fanout->snapshot(&pending)) return OSKIT_ENOMEM;
    }
    return 0;
  }

  Mutex mu_;
  ConsumerList consumers_ ABSL_GUARDED_BY(mu_);
  // Counts removals, so that a push skips a consumer removed after it took
  // its snapshot without a lookup when nothing was removed.
  std::atomic<std::uint64_t> removals_{0};
  std::atomic<std::uint64_t> pushes_{0};
};

}  // namespace
}  // namespace oskit::netio

extern "C" oskit_netio_fanout_t* oskit_netio_fanout_create(void) {
  return oskit::make<oskit::netio::NetioFanout>().detach();
}
