#include "glue/evl/emul/monitor.h"

#include <errno.h>
#include <fcntl.h>

#include <new>

#include "glue/evl/emul/library.h"
#include "glue/evl/emul/naming.h"
#include "uapi/evl/clock.h"

namespace oskit::evl::emul {

Monitor::Monitor(int type, int proto, clockid_t clk, int initval, bool recursive)
    : Element(EVL_MONITOR_DEV), kind(type), protocol(proto), clock(clk), handle(next_handle()), state() {
  if (type == EVL_MONITOR_GATE) {
    gate_.reset(new Gate(proto, static_cast<unsigned int>(initval), recursive, &state));
  } else {
    event_.reset(new EventMonitor(proto, &state, initval));
  }
}

Monitor::~Monitor() {
  MutexLock lock(&core_lock);
  gate_.reset();
  event_.reset();
}

unsigned int Monitor::poll(oskit_evl_file*, unsigned int) { return event_ ? event_->poll_events() : 0; }

void Monitor::flush(oskit_evl_file*) {
  MutexLock lock(&core_lock);
  if (gate_) gate_->flush(-EIDRM);
  if (event_) event_->flush(-EIDRM);
}

int clock_of(int clockfd, clockid_t* clock) {
  switch (clockfd) {
    case EVL_CLOCK_MONOTONIC:
      *clock = CLOCK_MONOTONIC;
      return 0;
    case EVL_CLOCK_REALTIME:
      *clock = CLOCK_REALTIME;
      return 0;
    default:
      return -EINVAL;
  }
}

int create_monitor(int type, int protocol, int clockfd, int initval, int flags, bool recursive, const char* fmt,
                   va_list ap, Monitor** out) {
  clockid_t clock;
  if (clock_of(clockfd, &clock) < 0) return -EINVAL;
  if (flags & ~(EVL_CLONE_PUBLIC | EVL_CLONE_NONBLOCK)) return -EINVAL;
  Monitor* m = new (std::nothrow) Monitor(type, protocol, clock, initval, recursive);
  if (m == nullptr) return -ENOMEM;
  m->get();  // kept for *out until the descriptor exists
  const int efd = create_element(m, flags, fmt, ap);
  *out = efd >= 0 ? m : nullptr;
  m->put();
  return efd;
}

int open_monitor(const char* fmt, va_list ap, Monitor** out) {
  if (!initialised()) return -ENXIO;
  std::string name;
  if (fmt == nullptr) return -EINVAL;
  if (int rc = vformat(&name, fmt, ap); rc < 0) return rc;
  if (!name.empty() && name[0] == '/') name.erase(0, 1);
  Element* e = find_public(EVL_MONITOR_DEV, name);
  if (e == nullptr) return -ENOENT;
  const int efd = e->open_file(O_RDWR);
  *out = efd >= 0 ? static_cast<Monitor*>(e) : nullptr;
  e->put();
  return efd;
}

Monitor* monitor_of(int efd, FileRef* ref) { return static_cast<Monitor*>(Element::of(efd, ref, EVL_MONITOR_DEV)); }

fundle_t next_handle() {
  static std::atomic<fundle_t> next{1};
  fundle_t h;
  do {
    h = next.fetch_add(1, std::memory_order_relaxed) & 0x3fffffff;
  } while (h == EVL_NO_HANDLE);
  return h;
}

}  // namespace oskit::evl::emul
