// EVL thread elements (/dev/evl/thread/<name>): the element an attached
// thread is reached through, holding the core's record of it and, for a
// thread attached with EVL_CLONE_OBSERVABLE, its observable.
#ifndef GLUE_EVL_EMUL_THREAD_ELEMENT_H
#define GLUE_EVL_EMUL_THREAD_ELEMENT_H

#include <memory>

#include "glue/evl/emul/element.h"
#include "glue/evl/emul/observable.h"
#include "glue/evl/emul/thread_record.h"

namespace oskit::evl::emul {

class ThreadElement : public Element {
 public:
  ThreadElement(bool observable, bool master);

 private:
  std::unique_ptr<Observable> observable_;  // before record, which points to it

 public:
  ThreadRecord record;

  Observable* observable() override { return observable_.get(); }
  ssize_t oob_read(oskit_evl_file* f, void* buf, size_t count) override;
  ssize_t oob_write(oskit_evl_file* f, const void* buf, size_t count) override;
  ssize_t read(oskit_evl_file* f, void* buf, size_t count) override;
  ssize_t write(oskit_evl_file* f, const void* buf, size_t count) override;
  long ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg) override;
  unsigned int poll(oskit_evl_file* f, unsigned int events) override;
};

// The record of the thread fd refers to, held by ref; nullptr if fd is not a
// thread's.
ThreadRecord* thread_of(int fd, FileRef* ref);

// Read, write, poll and subscription requests on an observable, for the
// elements that have one (observables, observable threads).
ssize_t observable_read(Observable* o, oskit_evl_file* f, void* buf, size_t count);
long observable_ioctl(Observable* o, unsigned int cmd, unsigned long arg);

// Called when the calling attached thread, running out-of-band, is switched
// in-band by a system call: counts the switch and, with T_WOSS, sends the
// health-monitoring notice (SIGDEBUG with T_HMSIG, a notice through its
// observable with T_HMOBS).
void switched_inband(int cause);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_THREAD_ELEMENT_H
