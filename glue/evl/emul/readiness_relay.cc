#include "glue/evl/emul/readiness_relay.h"

#include <atomic>
#include <memory>

#include "glue/env/env.h"
#include "glue/evl/emul/stage_tracking.h"

namespace oskit::evl::emul {
namespace {

class Relay {
 public:
  void enqueue(File* f) {
    if (f->relay_queued.exchange(true, std::memory_order_acq_rel)) return;
    f->get();
    File* head = head_.load(std::memory_order_relaxed);
    do {
      f->relay_next = head;
    } while (!head_.compare_exchange_weak(head, f, std::memory_order_release, std::memory_order_relaxed));
    event_.wake_all();
  }
  // Called under the library's initialisation lock.
  bool start() {
    if (running()) return true;
    auto t = oskit::env::current().start_thread("evl-relay", [this] { run(); });
    if (!t.ok()) return false;
    thread_ = std::move(t).value();
    running_.store(true, std::memory_order_release);
    return true;
  }
  bool running() const { return running_.load(std::memory_order_acquire); }

 private:
  void run() {
    for (;;) {
      std::uint32_t ticket = event_.ticket();
      File* list = head_.exchange(nullptr, std::memory_order_acquire);
      if (list == nullptr) {
        event_.wait(ticket);
        continue;
      }
      while (list != nullptr) {
        File* next = list->relay_next;
        list->relay_queued.store(false, std::memory_order_release);
        list->sync_readiness();
        list->put();
        list = next;
      }
    }
  }
  std::atomic<File*> head_{nullptr};
  std::atomic<bool> running_{false};
  Event event_;
  std::unique_ptr<oskit::env::WorkerThread> thread_;
};

Relay& relay() {
  static Relay* r = new Relay;
  return *r;
}

const Event g_poll_event;

}  // namespace

const Event& poll_event() { return g_poll_event; }

bool start_readiness_relay() { return relay().start(); }

namespace {

void refresh(File* file, bool deferred) {
  g_poll_event.wake_all();
  if (deferred && relay().running()) {
    relay().enqueue(file);
  } else {
    file->sync_readiness();
  }
}

}  // namespace

void notify(File* file) { refresh(file, caller_is_oob()); }

void notify_from_interrupt(File* file) { refresh(file, true); }

}  // namespace oskit::evl::emul
