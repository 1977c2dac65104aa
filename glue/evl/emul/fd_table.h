// The descriptor -> File table of the emulation.
//
// A lookup takes no lock and, for a thread, writes only its own cache line: it
// publishes the File it is about to use in one of its hazard slots, checks
// that the table still holds it, and clears the slot when done (a hazard
// pointer: Maged Michael, IEEE TPDS 2004). close(2) removes the File from the
// table, then waits until no hazard slot holds it before freeing it. A thread
// nesting more lookups than it has slots falls back to counting references.
#ifndef GLUE_EVL_EMUL_FD_TABLE_H
#define GLUE_EVL_EMUL_FD_TABLE_H

#include "glue/evl/emul/file.h"

namespace oskit::evl::emul {

// A File found in the table, usable until the reference goes (on the thread
// that looked it up).
class FileRef {
 public:
  FileRef() = default;
  FileRef(FileRef&& o) noexcept : f_(o.f_), hazard_(o.hazard_) { o.f_ = nullptr; }
  FileRef& operator=(FileRef&& o) noexcept;
  FileRef(const FileRef&) = delete;
  FileRef& operator=(const FileRef&) = delete;
  ~FileRef() { reset(); }

  File* operator->() const { return f_; }
  File* get() const { return f_; }
  explicit operator bool() const { return f_ != nullptr; }
  void reset();

 private:
  friend FileRef lookup(int fd);
  FileRef(File* f, int hazard) : f_(f), hazard_(hazard) {}

  File* f_ = nullptr;
  int hazard_ = -1;  // the hazard slot holding f_, or -1: a counted reference
};

// A reference to fd's File, empty if fd is not ours.
FileRef lookup(int fd);
bool is_ours(int fd);

// Makes f fd's File; false when fd is beyond the table (or memory ran out).
bool publish(int fd, File* f);
// Removes fd's File and returns it once no counted lookup can still reach it
// (nullptr if fd is not ours or already closing). Lookups already done keep
// their references. Until forget(fd), fd stays ours but reaches no File, so
// calls on it fail with EBADF while the close completes, as on a closed
// descriptor.
File* unpublish(int fd);
// Ends what unpublish(fd) began, once the kernel descriptor is closed.
void forget(int fd);
// Waits until no thread's hazard slot holds f (f unpublished).
void await_no_hazard(const File* f);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_FD_TABLE_H
