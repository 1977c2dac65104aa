/* The libevl API (libevl <evl/evl.h>): includes every service header. */
#ifndef _EVL_EVL_H
#define _EVL_EVL_H

#include <evl/clock.h>
#include <evl/event.h>
#include <evl/flags.h>
#include <evl/mutex.h>
#include <evl/net/net.h>
#include <evl/poll.h>
#include <evl/proxy.h>
#include <evl/sched.h>
#include <evl/sem.h>
#include <evl/syscall.h>
#include <evl/thread.h>
#include <evl/xbuf.h>
#include <signal.h>

#define __EVL__ 18 /* API level of the libevl this follows */

#define EVL_ABI_PREREQ 26 /* core ABI that libevl API level requires */

struct evl_version {
  int api_level;
  int abi_level; /* -1: the emulation, no EVL core */
  const char *version_string;
};

#ifdef __cplusplus
extern "C" {
#endif

/* Initialises the library for the process (idempotent): creates the stdout
 * and stderr proxies. Returns 0 or a negated errno. */
int evl_init(void);

/* A SIGDEBUG handler writing the cause of the notification to stdout. */
void evl_sigdebug_handler(int sig, siginfo_t *si, void *ctxt);

/* The FPU features the core tests for (none in the emulation: 0). */
unsigned int evl_detect_fpu(void);

/* The library's version. */
struct evl_version evl_get_version(void);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_EVL_H */
