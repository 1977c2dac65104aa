/* The libevl API (libevl <evl/evl.h>): includes every service header. */
#ifndef _EVL_EVL_H
#define _EVL_EVL_H

#include <signal.h>
#include <evl/syscall.h>
#include <evl/thread.h>
#include <evl/poll.h>
#include <evl/proxy.h>
#include <evl/net/net.h>

#define __EVL__ 9 /* API level of the libevl this API follows */

/* SIGDEBUG as EVL raises it on a stage violation. */
#ifndef SIGDEBUG
#define SIGDEBUG SIGXCPU
#endif

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

/* The library's version. */
struct evl_version evl_get_version(void);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_EVL_H */
