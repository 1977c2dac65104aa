/*
 * A small kernel-like test harness, written in C (C99), that embeds the
 * toolkit (docs/embedding.md): it implements the embedding environment of
 * oskit/osenv.h and installs it, so that everything the toolkit does runs on
 * the harness's own services:
 *
 *   - memory from an allocator that tracks every block by tag and fails on a
 *     schedule (the nth allocation, every nth, or the nth with a given tag);
 *   - a virtual clock that only the harness moves: every timeout, periodic
 *     loop and sleep of the toolkit follows it, so a 10-second timeout takes
 *     microseconds;
 *   - threads it counts (and can refuse on a schedule);
 *   - interrupt lines whose handlers run only when the harness delivers them,
 *     in its own context;
 *   - a log it keeps.
 *
 * At shutdown it proves that every object, thread, line and byte came back
 * and prints its accounting.
 */
#ifndef EXAMPLES_HARNESS_HARNESS_H
#define EXAMPLES_HARNESS_HARNESS_H

#include <stdio.h>

#include "oskit/osenv.h"

OSKIT_BEGIN_DECLS

struct harness;

/* Creates a harness whose clock starts at start_ns (a monotonic clock never
 * reads 0: 1 s is a good start). NULL when the host has no memory. */
struct harness *harness_create(oskit_s64_t start_ns);
/* Destroys a harness that is not installed. */
void harness_destroy(struct harness *h);

/* The harness's objects, as an environment to install. */
void harness_osenv(struct harness *h, struct oskit_osenv *out);
/* Installs the harness's environment (oskit_env_install) or the host's
 * again; oskit_env_install's result. */
oskit_error_t harness_install(struct harness *h);
oskit_error_t harness_uninstall(struct harness *h);

/* Virtual time. */
oskit_s64_t harness_now(struct harness *h);
/* Moves the clock forward by ns; sleepers whose deadline passed wake. */
void harness_advance(struct harness *h, oskit_s64_t ns);
/* Moves the clock to the earliest deadline a sleeper waits for; returns 0
 * when no sleeper has a deadline (nothing moved), 1 otherwise. */
int harness_advance_to_next_deadline(struct harness *h);
/* Threads sleeping on the clock now; blocks until at least n are. */
unsigned harness_sleepers(struct harness *h);
void harness_await_sleepers(struct harness *h, unsigned n);

/* Runs, in the caller's context, the handlers of the lines raised since
 * they last ran (and of those raised again meanwhile). Returns how many
 * handler calls were made. Deliveries from several threads take turns. */
unsigned harness_deliver(struct harness *h);

/* Allocation faults, counted from the call that arms them. n = 0 disarms. */
void harness_fail_nth(struct harness *h, unsigned long n);
void harness_fail_every(struct harness *h, unsigned long n);
/* The nth allocation tagged tag fails (n = 0: every one); tag is copied. */
void harness_fail_tag(struct harness *h, const char *tag, unsigned long n);
/* The nth thread start fails with OSKIT_EAGAIN. */
void harness_fail_thread_nth(struct harness *h, unsigned long n);
/* Disarms every fault. */
void harness_faults_off(struct harness *h);

struct harness_stats {
  unsigned long allocations;        /* allocation calls, failed ones included */
  unsigned long failed_allocations; /* failed on purpose */
  unsigned long nonblocking;        /* asked without OSKIT_OSENV_MEM_MAYBLOCK */
  unsigned long frees;
  unsigned long bad_frees; /* a size or alignment unlike the block's */
  unsigned long live_blocks;
  oskit_u64_t live_bytes;
  oskit_u64_t peak_bytes;
  const char *last_failed_tag; /* the tag of the last failed allocation */
  unsigned long threads_started;
  unsigned long threads_joined;
  unsigned long threads_refused;
  unsigned long irq_raised;
  unsigned long irq_delivered;
  unsigned irq_lines;         /* lines with a handler now */
  unsigned long log_lines[4]; /* by level */
  oskit_s64_t elapsed;        /* virtual time since creation */
};
void harness_get_stats(struct harness *h, struct harness_stats *out);

/* Calls fn for every block not freed. */
void harness_live_blocks(struct harness *h, void (*fn)(const char *tag, oskit_size_t size, void *arg), void *arg);

/* Copies the last line logged (NUL-terminated, truncated to size); returns
 * 0, or -1 when nothing was logged. */
int harness_last_log(struct harness *h, char *buf, size_t size);
/* Log lines at level or above are also written to f (NULL: none). */
void harness_echo_log(struct harness *h, FILE *f, oskit_u32_t level);

/* Whether everything came back: no block, thread, interrupt line or COM
 * object outstanding. */
int harness_all_returned(struct harness *h);
/* Prints the accounting to f (leaks by tag included); returns
 * harness_all_returned(). */
int harness_report(struct harness *h, FILE *f);

OSKIT_END_DECLS

#endif /* EXAMPLES_HARNESS_HARNESS_H */
