// Each thread's execution stage, and the count of in-band system calls the
// toolkit makes on behalf of an out-of-band caller (glue/evl/stage.h;
// docs/design.md, "glue/evl", Stages).
#ifndef GLUE_EVL_EMUL_STAGE_TRACKING_H
#define GLUE_EVL_EMUL_STAGE_TRACKING_H

#include "glue/evl/stage.h"

namespace oskit::evl::emul {

struct ThreadState {
  int stage;  // enum oskit_evl_stage
  int self_fd;
  unsigned long violations;
  char name[64];
};
ThreadState& self();

// An attached caller entering an oob service switches out-of-band.
inline void enter_oob() {
  ThreadState& t = self();
  if (t.stage != OSKIT_EVL_STAGE_UNATTACHED) t.stage = OSKIT_EVL_STAGE_OOB;
}

// Called before every in-band system call the toolkit makes on a caller's
// behalf: a violation when the caller runs out-of-band; the caller then runs
// in-band (EVL demotes it).
void inband_syscall(const char* what);

// Whether the calling thread runs out-of-band.
inline bool caller_is_oob() { return self().stage == OSKIT_EVL_STAGE_OOB; }

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_STAGE_TRACKING_H
