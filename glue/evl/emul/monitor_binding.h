// One of libevl's monitor structures (struct evl_sem, evl_flags, evl_event,
// evl_mutex) bound to the monitor element behind it: created by evl_create_*()
// or on first use of a statically initialised structure, opened by name,
// closed, and its monitor reached for a call. What tells the structures apart
// is a Traits class:
//   using Object = struct evl_sem;           the structure
//   kUninitMagic, kActiveMagic               its magic before and after creation
//   kKind, kProtocol                         the monitor it binds to (kProtocol
//                                            -1: any protocol of that kind)
//   int static_initval(const Object&)        a static initialiser's initval
//   int params(int initval, int flags,       what evl_create_*()'s arguments
//              MonitorParams*)               create: 0 or -errno
//   void bound(Object*, const Monitor&)      fills what else the structure keeps
#ifndef GLUE_EVL_EMUL_MONITOR_BINDING_H
#define GLUE_EVL_EMUL_MONITOR_BINDING_H

#include <errno.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "glue/evl/emul/core_lock.h"
#include "glue/evl/emul/deadline.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/monitor.h"
#include "glue/evl/emul/stage_tracking.h"
#include "glue/evl/emul/thread_record.h"

namespace oskit::evl::emul {

// create_monitor()'s arguments for a new monitor.
struct MonitorParams {
  int protocol;
  int initval;
  int flags;
  bool recursive;
};

// Traits of a structure bound to an event monitor of one protocol, created
// with evl_create_*()'s initval and flags as they are.
template <typename T, unsigned int uninit_magic, unsigned int active_magic, int protocol>
struct EventMonitorTraits {
  using Object = T;
  static constexpr unsigned int kUninitMagic = uninit_magic;
  static constexpr unsigned int kActiveMagic = active_magic;
  static constexpr int kKind = EVL_MONITOR_EVENT;
  static constexpr int kProtocol = protocol;
  static int params(int initval, int flags, MonitorParams* p) {
    *p = {protocol, initval, flags, false};
    return 0;
  }
  static void bound(T*, const Monitor&) {}
};

template <typename Traits>
class MonitorBinding {
 public:
  using Object = typename Traits::Object;

  // evl_create_*(): creates the monitor and binds obj to it. Its descriptor,
  // -ENXIO (library not initialised), Traits::params()'s or create_monitor()'s
  // error.
  static int create(Object* obj, int clockfd, int initval, int flags, const char* fmt, va_list ap) {
    if (!initialised()) return -ENXIO;  // libevl needs evl_init() for monitors
    MonitorParams p;
    if (const int rc = Traits::params(initval, flags, &p); rc < 0) return rc;
    Monitor* m;
    const int efd = create_monitor(Traits::kKind, p.protocol, clockfd, p.initval, p.flags, p.recursive, fmt, ap, &m);
    if (efd >= 0) bind(obj, m, efd);
    return efd;
  }

  // evl_open_*(): binds obj to the public monitor named from fmt. Its
  // descriptor, open_monitor()'s error, -EINVAL if that monitor is not of
  // obj's kind.
  static int open(Object* obj, const char* fmt, va_list ap) {
    Monitor* m;
    const int efd = open_monitor(fmt, ap, &m);
    if (efd < 0) return efd;
    if (m->kind != Traits::kKind || (Traits::kProtocol >= 0 && m->protocol != Traits::kProtocol)) {
      ::close(efd);
      return -EINVAL;
    }
    bind(obj, m, efd);
    return efd;
  }

  // evl_close_*(): 0 for a structure never used since its static
  // initialisation, else close_monitor()'s result.
  static int close(Object* obj) {
    return obj->magic == Traits::kUninitMagic ? 0 : close_monitor(obj, Traits::kActiveMagic);
  }

  // The monitor of an active obj (active_monitor()).
  static int active(const Object* obj, FileRef* ref, Monitor** m) {
    return active_monitor(obj, Traits::kActiveMagic, Traits::kKind, Traits::kProtocol, ref, m);
  }

  // The monitor of obj, created first if obj is statically initialised: 0,
  // create()'s or active()'s error.
  static int resolve(Object* obj, FileRef* ref, Monitor** m) {
    if (obj->magic == Traits::kUninitMagic) {
      const int rc = create_static(obj, obj->u.uninit.name);
      if (rc < 0) return rc;
    }
    return active(obj, ref, m);
  }

  // op(m) on obj's monitor, held for the call, without the core lock: op's
  // result or resolve()'s error.
  template <typename Op>
  static int apply(Object* obj, Op op) {
    FileRef ref;
    Monitor* m;
    const int rc = resolve(obj, &ref, &m);
    return rc < 0 ? rc : op(m);
  }

  // apply() through with_monitor(): op under the core lock, then pollers told
  // of a change and a woken higher-priority thread run.
  template <typename Op>
  static int update(Object* obj, Op op) {
    return apply(obj, [&op](Monitor* m) { return with_monitor(m, op); });
  }

  // apply() with op under the core lock.
  template <typename Op>
  static int locked(Object* obj, Op op) {
    return apply(obj, [&op](Monitor* m) {
      MutexLock lock(&core_lock);
      return op(m);
    });
  }

  // A blocking call: op(m, self, deadline) run out-of-band for the attached
  // caller, without the core lock, timeout being absolute on the monitor's
  // clock (null: none). -EPERM (caller not attached), apply()'s or
  // user_deadline()'s error.
  template <typename Op>
  static int wait(Object* obj, const struct timespec* timeout, Op op) {
    ThreadRecord* self = current_thread();
    if (self == nullptr) return -EPERM;
    return apply(obj, [&](Monitor* m) {
      Deadline d;
      const int rc = user_deadline(m->clock, timeout, &d);
      if (rc < 0) return rc;
      enter_oob();
      return op(m, self, d);
    });
  }

 private:
  static void bind(Object* obj, Monitor* m, int efd) {
    bind_monitor(obj, Traits::kActiveMagic, m, efd);
    Traits::bound(obj, *m);
  }

  // The monitor a static initialiser describes, its name taken as a format
  // as libevl takes it.
  static int create_static(Object* obj, const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const int rc = create(obj, obj->u.uninit.clockfd, Traits::static_initval(*obj), obj->u.uninit.flags, fmt, ap);
    va_end(ap);
    return rc;
  }
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_MONITOR_BINDING_H
