/*
 * Installing an embedding environment (the oskit_osenv_* interfaces of
 * oskit/osenv.h) and calling it: the C side of glue/env (docs/design.md,
 * "Embedding"). A kernel or test rig installs its environment once, before it
 * uses the toolkit, and uninstalls it after the last object is gone; every
 * component and glue library takes its memory, log, time, sleep, threads and
 * interrupt lines from the installed environment, through these calls or the
 * C++ convenience of glue/env/env.h. C99-clean.
 */
#ifndef GLUE_ENV_OSENV_H
#define GLUE_ENV_OSENV_H

#include <stdarg.h>

#include "oskit/osenv.h"

OSKIT_BEGIN_DECLS

/*
 * Installs env (NULL: the host's; NULL members: the host's service, or a
 * refusing one with OSKIT_OSENV_STRICT), adding a reference to each member.
 * Returns 0; OSKIT_EBUSY, changing nothing, while COM objects are alive, or
 * when eight replaced environments still hold things given out. Calls into
 * the replaced environment made by other threads meanwhile are waited for.
 * What an environment gave out goes back to it whatever is installed later:
 * memory to its free, threads to its join, interrupt lines to its irq, and a
 * wake reaches threads sleeping on its clock. It keeps its references until
 * all of that has come back.
 */
oskit_error_t oskit_env_install(const struct oskit_osenv *env);

/* The installed environment, every member filled (the host's or refusing
 * objects in place of NULL). The pointers are borrowed: valid until the next
 * install. */
void oskit_env_current(struct oskit_osenv *out);

/* The host's services: the C heap, stderr, CLOCK_MONOTONIC with futexes,
 * POSIX threads, and interrupts delivered by a thread of the host's own.
 * Static objects (their reference counts do nothing). While a strict
 * environment is installed they refuse every use and count it. */
void oskit_env_host(struct oskit_osenv *out);

/* The same services for an environment to delegate to (a test's strict
 * environment serving memory from the C heap, say): they never refuse, since
 * it is the embedder who chose them. */
void oskit_env_host_services(struct oskit_osenv *out);

/* What the toolkit holds of the installed environment, counted since it was
 * installed. */
struct oskit_env_usage {
  oskit_u64_t allocations;      /* successful allocs */
  oskit_u64_t live_allocations; /* allocs not freed yet */
  oskit_u64_t live_bytes;       /* their sizes */
  oskit_u64_t threads_started;
  oskit_u64_t live_threads; /* started and not joined */
  oskit_u32_t irq_lines;    /* lines requested and not freed */
  oskit_u32_t sleepers;     /* threads in wait or sleep_until now */
  long live_objects;        /* COM objects alive (oskit_live_objects) */
};
void oskit_env_get_usage(struct oskit_env_usage *out);

/* Uses of a refused service (the host's under a strict environment, or a
 * NULL member of one) since the last strict install, and the last one's name
 * ("host memory", "clock"...; NULL when there was none). */
unsigned long oskit_env_strict_violations(void);
const char *oskit_env_strict_last(void);

/* The installed environment's services, for the toolkit's code. Each call
 * goes to the environment installed when it is made (oskit/osenv.h says
 * what each does), except that a thread started through an environment reads
 * and sleeps on that environment's clock for its whole life. */
void *oskit_env_alloc(oskit_size_t size, oskit_u32_t flags, oskit_size_t align, const char *tag);
void oskit_env_free(void *block, oskit_size_t size, oskit_size_t align);
/* Logs length bytes of message; oskit_env_logf formats it first (truncated
 * to OSKIT_ENV_LOG_MAX - 1 bytes, on the stack). */
void oskit_env_log(oskit_u32_t level, const char *message, oskit_size_t length);
#define OSKIT_ENV_LOG_MAX 512
void oskit_env_logf(oskit_u32_t level, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void oskit_env_vlogf(oskit_u32_t level, const char *format, va_list args);
oskit_s64_t oskit_env_now(void);
oskit_error_t oskit_env_wait(const oskit_u32_t *word, oskit_u32_t expected, oskit_s64_t deadline);
oskit_u32_t oskit_env_wake(const oskit_u32_t *word, oskit_u32_t count);
oskit_error_t oskit_env_sleep_until(oskit_s64_t deadline);
/* now() + delay, saturating at OSKIT_OSENV_FOREVER. */
oskit_s64_t oskit_env_deadline_after(oskit_s64_t delay);
oskit_error_t oskit_env_thread_start(const char *name, oskit_osenv_thread_body_t body, void *arg,
                                     oskit_osenv_thread_handle_t **out_thread);
oskit_error_t oskit_env_thread_join(oskit_osenv_thread_handle_t *thread);
oskit_error_t oskit_env_irq_request(oskit_u32_t line, oskit_osenv_irq_handler_t handler, void *arg);
oskit_error_t oskit_env_irq_free(oskit_u32_t line);
oskit_error_t oskit_env_irq_raise(oskit_u32_t line);

OSKIT_END_DECLS

#endif /* GLUE_ENV_OSENV_H */
