// Monitor elements (/dev/evl/monitor/<name>): an EVL mutex (a gate), or a
// semaphore, flag group or event (an event monitor). libevl's
// <evl/mutex.h>, <evl/sem.h>, <evl/flags.h> and <evl/event.h> calls reach them
// through the descriptor their structures keep.
#ifndef GLUE_EVL_EMUL_MONITOR_H
#define GLUE_EVL_EMUL_MONITOR_H

#include <errno.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include <memory>

#include "glue/evl/emul/element.h"
#include "glue/evl/emul/event_monitor.h"
#include "glue/evl/emul/gate.h"
#include "uapi/evl/monitor.h"

namespace oskit::evl::emul {

class Monitor : public Element {
 public:
  // type: EVL_MONITOR_GATE or EVL_MONITOR_EVENT; protocol: EVL_GATE_* or
  // EVL_EVENT_*; initval: a gate's ceiling, a semaphore's count, a mask.
  Monitor(int type, int protocol, clockid_t clock, int initval, bool recursive);
  ~Monitor() override;

  const int kind;
  const int protocol;
  const clockid_t clock;
  const fundle_t handle;
  struct evl_monitor_state state;
  Gate* gate() { return gate_.get(); }
  EventMonitor* event() { return event_.get(); }

  unsigned int poll(oskit_evl_file* f, unsigned int events) override;
  // Closing any file of a monitor wakes its waiters with -EIDRM, as the EVL
  // core does on release.
  void flush(oskit_evl_file* f) override;

 private:
  std::unique_ptr<Gate> gate_;
  std::unique_ptr<EventMonitor> event_;
};

// The clock an EVL clock identifier names (EVL_CLOCK_MONOTONIC,
// EVL_CLOCK_REALTIME): 0 or -EINVAL.
int clock_of(int clockfd, clockid_t* clock);

// Creates a monitor element; returns its descriptor (*out set) or -errno.
int create_monitor(int type, int protocol, int clockfd, int initval, int flags, bool recursive, const char* fmt,
                   va_list ap, Monitor** out);

// Opens the public monitor named from fmt in this process: its descriptor
// (*out set), -ENOENT, -ENXIO (library not initialised).
int open_monitor(const char* fmt, va_list ap, Monitor** out);

// The monitor efd refers to, held by ref; nullptr if it is not one.
Monitor* monitor_of(int efd, FileRef* ref);

// A handle for a new element (threads and monitors).
fundle_t next_handle();

// The monitor behind one of libevl's structures (evl_sem, evl_flags,
// evl_event, evl_mutex) whose magic says it is active: -EBADF once closed
// (magic 0) or if the descriptor is gone, -EINVAL if it is something else or
// not a monitor of that kind (protocol -1: any).
template <typename T>
int active_monitor(const T* obj, unsigned int active_magic, int kind, int protocol, FileRef* ref, Monitor** m) {
  if (obj->magic == 0) return -EBADF;
  if (obj->magic != active_magic) return -EINVAL;
  *m = monitor_of(obj->u.active.efd, ref);
  if (*m == nullptr) return -EBADF;
  if ((*m)->kind != kind || (protocol >= 0 && (*m)->protocol != protocol)) return -EINVAL;
  return 0;
}

// Fills the active part of one of libevl's structures from m.
template <typename T>
void bind_monitor(T* obj, unsigned int active_magic, Monitor* m, int efd) {
  obj->u.active.state = &m->state;
  obj->u.active.fundle = m->handle;
  obj->u.active.efd = efd;
  obj->magic = active_magic;
}

// Closes one of libevl's structures: its descriptor goes, the structure is
// marked closed (magic 0). -EBADF if it was already, -EINVAL if it is not
// active.
template <typename T>
int close_monitor(T* obj, unsigned int active_magic) {
  if (obj->magic == 0) return -EBADF;
  if (obj->magic != active_magic) return -EINVAL;
  if (close(obj->u.active.efd) != 0) return -errno;
  obj->u.active.fundle = EVL_NO_HANDLE;
  obj->u.active.state = nullptr;
  obj->magic = 0;
  return 0;
}

// Runs op(m) under the core lock, then tells m's pollers if its poll state
// changed.
template <typename Op>
int with_monitor(Monitor* m, Op op) {
  int rc;
  bool changed;
  {
    MutexLock lock(&core_lock);
    const unsigned int before = m->poll(nullptr, 0);
    rc = op(m);
    changed = m->poll(nullptr, 0) != before;
  }
  if (changed) m->notify_pollers();
  yield_to_woken();
  return rc;
}

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_MONITOR_H
