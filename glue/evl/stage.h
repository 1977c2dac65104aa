/* Stage tracking (docs/design.md, section 5, "Stages"): the emulation knows whether
 * each thread runs in-band or out-of-band, and counts every in-band system
 * call the toolkit makes while an attached thread runs out-of-band, as EVL's
 * SIGDEBUG reports on a real system. By configuration a violation is also
 * logged through glue/env's log, or aborts the process. The initial action
 * comes from the environment variable OSKIT_EVL_STAGE_VIOLATION (count, log or
 * abort; count when unset). Usable from C and C++. */
#ifndef GLUE_EVL_STAGE_H
#define GLUE_EVL_STAGE_H

#ifdef __cplusplus
extern "C" {
#endif

/* What happens on a stage violation, besides counting it. */
enum oskit_evl_stage_action {
  OSKIT_EVL_STAGE_COUNT = 0,
  OSKIT_EVL_STAGE_LOG = 1,
  OSKIT_EVL_STAGE_ABORT = 2,
};

/* A thread's stage. */
enum oskit_evl_stage {
  OSKIT_EVL_STAGE_UNATTACHED = 0, /* not an EVL thread: always in-band */
  OSKIT_EVL_STAGE_INBAND = 1,
  OSKIT_EVL_STAGE_OOB = 2,
};

/* Stage violations counted in the process since the last reset. */
unsigned long oskit_evl_stage_violations(void);

/* Stage violations counted on the calling thread since its last reset. */
unsigned long oskit_evl_stage_thread_violations(void);

/* Resets the process-wide count and the caller's own count to zero. */
void oskit_evl_stage_reset(void);

/* Sets the action; returns the previous one, or -EINVAL. */
int oskit_evl_stage_set_action(int action);

/* The calling thread's stage (enum oskit_evl_stage). */
int oskit_evl_stage_current(void);

#ifdef __cplusplus
}
#endif

#endif /* GLUE_EVL_STAGE_H */
