// EVL threads: attachment, the element descriptor, stage switches.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

#include <mutex>
#include <string>

#include "glue/evl/emul/env_object.h"
#include "glue/evl/emul/file.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/naming.h"
#include "glue/evl/emul/stage_tracking.h"
#include "glue/evl/stage.h"
#include "evl/thread.h"

namespace oskit::evl::emul {
namespace {

// In static storage, never destroyed: no memory is taken for it.
NameRegistry& thread_names() {
  alignas(NameRegistry) static unsigned char storage[sizeof(NameRegistry)];
  static NameRegistry* const names = new (storage) NameRegistry;
  return *names;
}

pthread_key_t g_key;
std::once_flag g_key_once;

void release_name(const Name& name) {
  if (!name.empty()) thread_names().release(name);
}

unsigned int thread_poll(oskit_evl_file*, unsigned int) { return 0; }

void thread_release(oskit_evl_file* f) {
  EnvPtr<Name> name(static_cast<Name*>(f->private_data));
  release_name(*name);
}

const oskit_evl_file_operations kThreadOps = {
    nullptr, nullptr, thread_release, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, thread_poll, nullptr,
};

void detach_at_exit(void*) { evl_detach_thread(0); }

int reserve(const char* fmt, va_list ap, Name* name) {
  if (fmt == nullptr) return 0;
  if (int rc = vformat(name, fmt, ap); rc < 0) return rc;
  if (!name->empty() && (*name)[0] == '/') name->erase(0, 1);
  if (check_name(*name) != 0) return -EINVAL;
  return thread_names().reserve(*name);
}

}  // namespace
}  // namespace oskit::evl::emul

using oskit::evl::emul::self;
using oskit::evl::emul::ThreadState;

extern "C" {

int evl_attach_thread(int flags, const char* fmt, ...) {
  using namespace oskit::evl::emul;
  if (flags & ~(EVL_CLONE_PUBLIC | EVL_CLONE_OBSERVABLE | EVL_CLONE_UNICAST)) return -EINVAL;
  ThreadState& t = self();
  if (t.stage != OSKIT_EVL_STAGE_UNATTACHED) return -EBUSY;
  int rc = ensure_init();
  if (rc < 0) return rc;
  EnvPtr<Name> name = make_env<Name>("evl thread name");
  if (name == nullptr) return -ENOMEM;
  va_list ap;
  va_start(ap, fmt);
  rc = reserve(fmt, ap, name.get());
  va_end(ap);
  if (rc < 0) return rc;
  int fd = open_file(nullptr, &kThreadOps, name.get(), O_RDWR);
  if (fd < 0) {
    release_name(*name);
    return fd;
  }
  const Name* owned = name.release();  // the descriptor's now
  std::call_once(g_key_once, [] { pthread_key_create(&g_key, detach_at_exit); });
  pthread_setspecific(g_key, &g_key);
  t.stage = OSKIT_EVL_STAGE_INBAND;
  t.self_fd = fd;
  snprintf(t.name, sizeof t.name, "%s", owned->c_str());
  return fd;
}

int evl_detach_thread(int flags) {
  using namespace oskit::evl::emul;
  if (flags != 0) return -EINVAL;
  ThreadState& t = self();
  if (t.stage == OSKIT_EVL_STAGE_UNATTACHED) return -EPERM;
  t.stage = OSKIT_EVL_STAGE_INBAND;  // detaching is an in-band operation
  int fd = t.self_fd;
  t.stage = OSKIT_EVL_STAGE_UNATTACHED;
  t.self_fd = -1;
  t.name[0] = 0;
  pthread_setspecific(g_key, nullptr);
  close_file(fd);
  return 0;
}

int evl_detach_self(void) { return evl_detach_thread(0); }

int evl_get_self(void) {
  ThreadState& t = self();
  return t.stage == OSKIT_EVL_STAGE_UNATTACHED ? -EPERM : t.self_fd;
}

int evl_switch_oob(void) {
  ThreadState& t = self();
  if (t.stage == OSKIT_EVL_STAGE_UNATTACHED) return -EPERM;
  t.stage = OSKIT_EVL_STAGE_OOB;
  return 0;
}

int evl_switch_inband(void) {
  ThreadState& t = self();
  if (t.stage == OSKIT_EVL_STAGE_UNATTACHED) return -EPERM;
  t.stage = OSKIT_EVL_STAGE_INBAND;
  return 0;
}

bool evl_is_inband(void) { return self().stage != OSKIT_EVL_STAGE_OOB; }

}  // extern "C"
