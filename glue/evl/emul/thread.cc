// libevl's <evl/thread.h> and <evl/sched.h>: attaching threads to the
// emulated core, their stages, states, modes and scheduling attributes.
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <mutex>
#include <new>

#include "evl/sched.h"
#include "evl/thread.h"
#include "glue/env/returning.h"
#include "glue/evl/emul/gate.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/stage_tracking.h"
#include "glue/evl/emul/thread_element.h"
#include "glue/evl/stage.h"

namespace oskit::evl::emul {
namespace {

constexpr int kAttachFlags = EVL_CLONE_PUBLIC | EVL_CLONE_OBSERVABLE | EVL_CLONE_NONBLOCK | EVL_CLONE_MASTER;

thread_local ThreadElement* tls_element = nullptr;

pthread_key_t g_exit_key;
std::once_flag g_once;

void detach_at_exit(void*) { evl_detach_thread(0); }

// A forked child starts with no attached thread, as with libevl.
void forget_attachment_in_child() {
  tls_element = nullptr;
  set_current_thread(nullptr);
  ThreadState& st = self();
  st.stage = OSKIT_EVL_STAGE_UNATTACHED;
  st.self_fd = -1;
  st.name[0] = '\0';
}

void setup_once() {
  pthread_key_create(&g_exit_key, detach_at_exit);
  pthread_atfork(nullptr, nullptr, forget_attachment_in_child);
}

void become_attached(ThreadElement* t, int fd) {
  std::call_once(g_once, setup_once);
  tls_element = t;
  set_current_thread(&t->record);
  ThreadState& st = self();
  st.stage = OSKIT_EVL_STAGE_INBAND;
  st.self_fd = fd;
  snprintf(st.name, sizeof st.name, "%s", t->name().c_str());
  pthread_setspecific(g_exit_key, &g_exit_key);
  count_attached(1);
}

// Runs op on the record of the thread fd refers to, under the core lock:
// -EBADF if it is not a thread, -ESTALE if that thread has detached.
template <typename Op>
int with_thread(int efd, Op op) {
  FileRef ref;
  ThreadRecord* t = thread_of(efd, &ref);
  if (t == nullptr) return -EBADF;
  MutexLock lock(&core_lock);
  if (t->detached) return -ESTALE;
  return op(t);
}

// Sets or clears the mode bits of mask on the thread efd refers to, the bits
// it had going to *oldmask (if not null): update_mode()'s or with_thread()'s
// result.
int change_mode(int efd, int mask, bool set, int* oldmask) {
  return with_thread(efd, [mask, set, oldmask](ThreadRecord* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    __u32 old = 0;
    const int rc = update_mode(t, static_cast<__u32>(mask), set, &old);
    if (rc == 0 && oldmask != nullptr) *oldmask = static_cast<int>(old);
    return rc;
  });
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;
using oskit::MutexLock;

extern "C" {

// Thread elements are the core's own objects (kernel memory on a real
// system): not the embedding environment's.
int evl_attach_thread(int flags, const char* fmt, ...) {
  oskit::env::internal::CoreBookkeeping core;
  int rc = ensure_init();
  if (rc < 0) return rc;
  if (current_thread() != nullptr) return -EBUSY;
  if (flags & ~kAttachFlags) return -EINVAL;
  auto* t = new (std::nothrow) ThreadElement((flags & EVL_CLONE_OBSERVABLE) != 0, (flags & EVL_CLONE_MASTER) != 0);
  if (t == nullptr) return -ENOMEM;
  t->get();  // the attached thread's own hold, until it detaches
  va_list ap;
  va_start(ap, fmt);
  const int fd = create_element(t, flags & (EVL_CLONE_PUBLIC | EVL_CLONE_NONBLOCK), fmt, ap);
  va_end(ap);
  if (fd < 0) {
    t->put();
    return fd;
  }
  become_attached(t, fd);
  return fd;
}

int evl_detach_thread(int flags) {
  oskit::env::internal::CoreBookkeeping core;
  if (flags != 0) return -EINVAL;
  ThreadElement* t = tls_element;
  if (t == nullptr) return -EPERM;
  ThreadState& st = self();
  st.stage = OSKIT_EVL_STAGE_INBAND;  // detaching is an in-band operation
  {
    MutexLock lock(&core_lock);
    while (!t->record.owned.empty()) t->record.owned.front().abandon();
    t->record.detached = true;
  }
  if (t->observable() != nullptr) t->observable()->flush();
  const int fd = st.self_fd;
  FileRef ref;
  const bool still_ours = Element::of(fd, &ref, EVL_THREAD_DEV) == t;
  ref = FileRef();
  if (still_ours) close(fd);
  tls_element = nullptr;
  set_current_thread(nullptr);
  st.stage = OSKIT_EVL_STAGE_UNATTACHED;
  st.self_fd = -1;
  st.name[0] = '\0';
  pthread_setspecific(g_exit_key, nullptr);
  count_attached(-1);
  t->put();
  return 0;
}

int evl_detach_self(void) { return evl_detach_thread(0); }

int evl_get_self(void) { return current_thread() != nullptr ? self().self_fd : -EPERM; }

int evl_switch_oob(void) {
  ThreadState& st = self();
  if (st.stage == OSKIT_EVL_STAGE_UNATTACHED) return -EPERM;
  st.stage = OSKIT_EVL_STAGE_OOB;
  return 0;
}

int evl_switch_inband(void) {
  ThreadState& st = self();
  if (st.stage == OSKIT_EVL_STAGE_UNATTACHED) return -EPERM;
  st.stage = OSKIT_EVL_STAGE_INBAND;
  return 0;
}

bool evl_is_inband(void) { return self().stage != OSKIT_EVL_STAGE_OOB; }

int evl_get_state(int efd, struct evl_thread_state* statebuf) {
  if (oskit_evl_check_user(statebuf, sizeof *statebuf) != 0) return -EFAULT;
  return with_thread(efd, [statebuf](ThreadRecord* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    thread_state(t, statebuf);
    return 0;
  });
}

int evl_unblock_thread(int efd) {
  return with_thread(efd, [](ThreadRecord* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    unblock(t);
    return 0;
  });
}

int evl_demote_thread(int efd) {
  return with_thread(efd, [](ThreadRecord* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    if (t == current_thread()) {
      self().stage = OSKIT_EVL_STAGE_INBAND;
    } else {
      unblock(t);
    }
    return 0;
  });
}

int evl_set_thread_mode(int efd, int mask, int* oldmask) { return change_mode(efd, mask, true, oldmask); }

int evl_clear_thread_mode(int efd, int mask, int* oldmask) { return change_mode(efd, mask, false, oldmask); }

int evl_subscribe(int ofd, unsigned int backlog_count, int flags) {
  struct evl_subscription sub = {backlog_count, static_cast<__u32>(flags)};
  if (ioctl(ofd, EVL_OBSIOC_SUBSCRIBE, &sub) == 0) return 0;
  return errno == ENOTTY ? -EPERM : -errno;
}

int evl_unsubscribe(int ofd) {
  if (ioctl(ofd, EVL_OBSIOC_UNSUBSCRIBE) == 0) return 0;
  return errno == ENOTTY ? -EPERM : -errno;
}

int evl_set_schedattr(int efd, const struct evl_sched_attrs* attrs) {
  if (oskit_evl_check_user(attrs, sizeof *attrs) != 0) return -EFAULT;
  return with_thread(
      efd, [attrs](ThreadRecord* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) { return set_base_attrs(t, *attrs); });
}

int evl_get_schedattr(int efd, struct evl_sched_attrs* attrs) {
  if (oskit_evl_check_user(attrs, sizeof *attrs) != 0) return -EFAULT;
  return with_thread(efd, [attrs](ThreadRecord* t) ABSL_EXCLUSIVE_LOCKS_REQUIRED(core_lock) {
    *attrs = t->base;
    return 0;
  });
}

int evl_yield(void) {
  if (current_thread() == nullptr) return -EPERM;
  enter_oob();
  sched_yield();
  return 0;
}

}  // extern "C"
