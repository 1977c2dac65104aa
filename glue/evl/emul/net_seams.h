/* Test seams and statistics of the emulation's out-of-band sockets. Usable
 * from C and C++. */
#ifndef GLUE_EVL_EMUL_NET_SEAMS_H
#define GLUE_EVL_EMUL_NET_SEAMS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Holds (non-zero) or releases (0) the in-band network worker: while it is
 * held, queued datagrams stay queued and nothing is taken from the kernel.
 * Release it before closing a socket with queued output. */
void oskit_evl_net_hold_worker(int hold);

struct oskit_evl_net_stats {
  uint64_t sent;     /* datagrams handed to the kernel */
  uint64_t received; /* datagrams taken from the kernel */
  uint64_t refused;  /* datagrams the kernel refused (reported as pending errors) */
};

/* The worker's counts since the process started (zeros before the first
 * out-of-band socket). */
void oskit_evl_net_get_stats(struct oskit_evl_net_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* GLUE_EVL_EMUL_NET_SEAMS_H */
