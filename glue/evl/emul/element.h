// EVL elements (the EVL documentation's "Element" concept): threads,
// monitors, cross-buffers, observables and timers are objects of the emulated
// core reached through the descriptors of their files. An element may be
// named (unique per type) and public (a device file under <root>/<type>/,
// which open(2) in this process turns into a new file on it). It lives while
// a file refers to it. Creating one is refused with ENXIO while the core is
// stopped.
#ifndef GLUE_EVL_EMUL_ELEMENT_H
#define GLUE_EVL_EMUL_ELEMENT_H

#include <stdarg.h>
#include <sys/types.h>

#include <atomic>
#include <string>
#include <vector>

#include "glue/evl/driver.h"
#include "glue/evl/emul/core_lock.h"
#include "glue/evl/emul/device_entry.h"
#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/file.h"

namespace oskit::evl::emul {

class Element {
 public:
  // type: the /dev/evl subdirectory ("monitor", "xbuf"...).
  explicit Element(const char* type);
  Element(const Element&) = delete;
  Element& operator=(const Element&) = delete;
  virtual ~Element();

  const char* type() const { return type_; }
  const std::string& name() const { return name_; }

  // The element a descriptor refers to, if it is one of type (any type for
  // nullptr), with a reference held by ref.
  static Element* of(int fd, FileRef* ref, const char* type = nullptr);
  static Element* of(oskit_evl_file* f) { return static_cast<Element*>(f->private_data); }

  // Opens one more file on the element (open(2) on its device): the
  // descriptor or -errno.
  int open_file(int flags);

  // Tells the pollers of every file on the element that its state changed.
  // Called without core_lock (refreshing a descriptor asks the element's poll
  // operation, which may take it).
  void notify_pollers() ABSL_LOCKS_EXCLUDED(core_lock);
  // The same from the emulated core's timer interrupt (readiness_relay.h).
  void notify_pollers_from_interrupt() ABSL_LOCKS_EXCLUDED(core_lock);

  // The observable behind the element's files, if any.
  virtual class Observable* observable() { return nullptr; }

  // The file operations, per file. Defaults: -EINVAL for transfers, -ENOTTY
  // for control requests, no event.
  virtual ssize_t oob_read(oskit_evl_file* f, void* buf, size_t count);
  virtual ssize_t oob_write(oskit_evl_file* f, const void* buf, size_t count);
  virtual long oob_ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg);
  virtual ssize_t read(oskit_evl_file* f, void* buf, size_t count);
  virtual ssize_t write(oskit_evl_file* f, const void* buf, size_t count);
  virtual long ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg);
  // events: what an evl_poll() caller asks for; 0 when the kernel descriptor
  // is refreshed (the in-band view).
  virtual unsigned int poll(oskit_evl_file* f, unsigned int events);
  // close(2) on one of the element's files began.
  virtual void flush(oskit_evl_file* f);

  void get() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void put();
  // get() unless the element is already on its way out.
  bool try_get();

  // Names the element from fmt and makes its device entry (create_element).
  int publish(int flags, const char* fmt, va_list ap);
  // Files opened and released on the element.
  void attach(File* f);
  void detach(File* f);

 private:
  void notify_files(void (*tell)(File*)) ABSL_LOCKS_EXCLUDED(core_lock);
  const char* const type_;
  std::string name_;
  bool named_ = false;
  int anchor_ = -1;
  DeviceEntry entry_;
  std::atomic<int> refs_{1};
  oskit::Mutex files_mu_;
  std::vector<File*> files_ ABSL_GUARDED_BY(files_mu_);
};

// Names e from fmt (NULL: anonymous; a leading '/' makes it public, as
// EVL_CLONE_PUBLIC does), makes its device entry if public and opens its first
// file. Returns the descriptor (O_CLOEXEC; O_NONBLOCK with EVL_CLONE_NONBLOCK)
// or -ENXIO (core stopped), -EINVAL, -EEXIST, -ENAMETOOLONG, -EMFILE,
// -ENFILE, -ENOMEM. Takes e over: deleted on failure.
int create_element(Element* e, int flags, const char* fmt, va_list ap);

// create_element() for an element with no name.
int create_anonymous(Element* e, int flags);

// The element of type/name made public in this process, with a reference, or
// nullptr. For open(2) on its device file.
Element* find_public(const std::string& type, const std::string& name);

// open(2) on the device file of a public element of this process (path
// relative to dirfd's directory, or AT_FDCWD): one more file on the element,
// its descriptor or -errno; -ENOENT when path names no such element (the
// caller then opens it as any other file).
int open_public(int dirfd, const char* path, int flags);

// Whether the core runs (the EVL core's control state); elements can be made
// only then. Stopping fails with -EBUSY while threads are attached.
bool core_running();
int stop_core();
int start_core();
// Attached threads, which keep the core from stopping.
void count_attached(int delta);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_ELEMENT_H
