/*
 * The embedding environment as COM interfaces, after OSKit's osenv (the
 * oskit_osenv_* interfaces through which OSKit components import memory,
 * logging, sleeping and interrupts from the system hosting them): what a
 * kernel, a simulator or a test rig hands the toolkit, implementable in C or
 * C++ (docs/design.md, "Embedding"). Five interfaces of ours, outside OSKit's
 * IID range:
 *
 *   oskit_osenv_mem      memory, with alignment and a "may block" flag
 *   oskit_osenv_log      the log sink
 *   oskit_osenv_clock    a monotonic clock, and sleeping and waking on it
 *   oskit_osenv_threads  thread creation and join
 *   oskit_osenv_irq      interrupt-style callbacks for drivers
 *
 * An embedder fills a struct oskit_osenv with its objects and installs it
 * with oskit_env_install() (glue/env/osenv.h); a NULL member stands for the
 * host's service. Every method may be called from any thread.
 */
#ifndef OSKIT_OSENV_H
#define OSKIT_OSENV_H

#include "oskit/com.h"

/* IIDs (ours). */
#define OSKIT_OSENV_MEM_IID OSKIT_GUID(0x167e251e, 0xb35e, 0x4a1b, 0xbb, 0xe1, 0xfa, 0x3f, 0x76, 0xbf, 0x86, 0x64)
#define OSKIT_OSENV_LOG_IID OSKIT_GUID(0x878ab5bc, 0x29ee, 0x4760, 0xa1, 0xf3, 0xce, 0x29, 0x2e, 0x96, 0x45, 0xbd)
#define OSKIT_OSENV_CLOCK_IID OSKIT_GUID(0xe1f8c5a5, 0xd06e, 0x4ce5, 0xb6, 0x9f, 0xdd, 0x59, 0x9e, 0x7f, 0xa2, 0x1a)
#define OSKIT_OSENV_THREADS_IID OSKIT_GUID(0x3745d77e, 0xfad4, 0x48ac, 0x82, 0x3e, 0x9a, 0x54, 0xcf, 0x4a, 0x7e, 0x7c)
#define OSKIT_OSENV_IRQ_IID OSKIT_GUID(0xf0be901e, 0x854f, 0x450c, 0xa0, 0xdf, 0x66, 0xfc, 0xbf, 0xfc, 0xdd, 0xbc)

/* alloc flags: the caller may sleep until memory is available (in-band code).
 * Without it the allocator answers at once (interrupt handlers, out-of-band
 * code), failing rather than waiting. */
#define OSKIT_OSENV_MEM_MAYBLOCK 0x1u

/* Log levels. */
#define OSKIT_OSENV_LOG_DEBUG 0u
#define OSKIT_OSENV_LOG_INFO 1u
#define OSKIT_OSENV_LOG_WARNING 2u
#define OSKIT_OSENV_LOG_ERROR 3u

/* A deadline that never passes. */
#define OSKIT_OSENV_FOREVER INT64_MAX

/* Interrupt lines are numbered from 0 to OSKIT_OSENV_IRQ_LINES - 1. */
#define OSKIT_OSENV_IRQ_LINES 64u

/* What a started thread runs, and what an interrupt line calls. */
typedef void (*oskit_osenv_thread_body_t)(void *arg);
typedef void (*oskit_osenv_irq_handler_t)(void *arg);

/* A started thread, as the threads object that started it knows it. Never
 * defined: implementations convert their own objects to and from it. */
typedef struct oskit_osenv_thread_handle oskit_osenv_thread_handle_t;

#ifdef __cplusplus

struct oskit_osenv_mem : oskit_iunknown {
  /* Returns size bytes aligned to align (a power of two), or NULL when memory
   * is exhausted (at once without OSKIT_OSENV_MEM_MAYBLOCK) or align is not a
   * power of two. A size of 0 gives a unique pointer that must be freed. tag
   * names what the memory is for (a class name, "proxy ring"...), a static
   * string or NULL, for the environment's accounting and fault injection. */
  virtual void *OSKIT_COMCALL alloc(oskit_size_t size, oskit_u32_t flags, oskit_size_t align,
                                    const char *tag) noexcept = 0;
  /* Returns block to the environment; size and align are those given to
   * alloc. NULL is ignored. */
  virtual OSKIT_COMDECL_V free(void *block, oskit_size_t size, oskit_size_t align) noexcept = 0;

 protected:
  ~oskit_osenv_mem() = default;
};

struct oskit_osenv_log : oskit_iunknown {
  /* Records length bytes of message (not necessarily NUL-terminated) at level.
   * Returns 0; OSKIT_EINVAL for a level above OSKIT_OSENV_LOG_ERROR;
   * OSKIT_E_POINTER for a NULL message with length > 0. */
  virtual OSKIT_COMDECL log(oskit_u32_t level, const char *message, oskit_size_t length) noexcept = 0;

 protected:
  ~oskit_osenv_log() = default;
};

struct oskit_osenv_clock : oskit_iunknown {
  /* The time now, in nanoseconds; never decreases. Every deadline below is an
   * absolute time on this clock. */
  virtual oskit_s64_t OSKIT_COMCALL now() noexcept = 0;
  /* Sleeps while *word == expected (a futex wait). Returns OSKIT_EAGAIN at
   * once when *word != expected; OSKIT_ETIMEDOUT when deadline passes first
   * (at once when it has passed); 0 when woken, possibly spuriously: callers
   * re-check the state they wait for. OSKIT_E_POINTER for a NULL word. */
  virtual OSKIT_COMDECL wait(const oskit_u32_t *word, oskit_u32_t expected, oskit_s64_t deadline) noexcept = 0;
  /* Wakes up to count threads sleeping in wait() on word. Returns how many
   * were woken. Wakers change *word first, then wake. */
  virtual oskit_u32_t OSKIT_COMCALL wake(const oskit_u32_t *word, oskit_u32_t count) noexcept = 0;
  /* Sleeps until now() >= deadline, then returns 0 (at once for a deadline
   * passed). OSKIT_EINVAL for OSKIT_OSENV_FOREVER. */
  virtual OSKIT_COMDECL sleep_until(oskit_s64_t deadline) noexcept = 0;

 protected:
  ~oskit_osenv_clock() = default;
};

struct oskit_osenv_threads : oskit_iunknown {
  /* Starts a thread running body(arg); name (copied; may be NULL) is for
   * diagnostics. Returns 0 and the thread in *out_thread; OSKIT_E_POINTER
   * for a NULL body or out_thread; OSKIT_ENOMEM or OSKIT_EAGAIN when no
   * thread can be started (then *out_thread is NULL). */
  virtual OSKIT_COMDECL start(const char *name, oskit_osenv_thread_body_t body, void *arg,
                              oskit_osenv_thread_handle_t **out_thread) noexcept = 0;
  /* Waits for the thread's body to return and forgets the thread: every
   * started thread is joined exactly once. Returns 0; OSKIT_EDEADLK when
   * called by the thread itself (the thread stays joinable); OSKIT_EINVAL
   * for NULL. */
  virtual OSKIT_COMDECL join(oskit_osenv_thread_handle_t *thread) noexcept = 0;

 protected:
  ~oskit_osenv_threads() = default;
};

struct oskit_osenv_irq : oskit_iunknown {
  /* Attaches handler(arg) to line. Returns 0; OSKIT_EINVAL for a line out
   * of range or a NULL handler; OSKIT_EBUSY when the line has a handler;
   * OSKIT_ENOMEM when delivery cannot be set up. */
  virtual OSKIT_COMDECL request(oskit_u32_t line, oskit_osenv_irq_handler_t handler, void *arg) noexcept = 0;
  /* Detaches line's handler. Once it returns the handler is not running
   * (unless free is called from the handler itself) and is never called
   * again; a raise not yet delivered is dropped. Returns 0; OSKIT_EINVAL when
   * the line has no handler. */
  virtual OSKIT_COMDECL free(oskit_u32_t line) noexcept = 0;
  /* Marks line pending: its handler runs at least once after this call, in
   * the environment's interrupt context (the host's: a thread of its own; a
   * harness's: wherever it delivers), never concurrently with itself. Raises
   * before the handler starts coalesce into one call. Never blocks or
   * allocates; callable from any thread and from handlers. Returns 0;
   * OSKIT_EINVAL when the line has no handler. */
  virtual OSKIT_COMDECL raise(oskit_u32_t line) noexcept = 0;

 protected:
  ~oskit_osenv_irq() = default;
};

#else

struct oskit_osenv_mem {
  const struct oskit_osenv_mem_ops *ops;
};
struct oskit_osenv_mem_ops {
  OSKIT_COMDECL (*query)(struct oskit_osenv_mem *m, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_osenv_mem *m);
  OSKIT_COMDECL_U (*release)(struct oskit_osenv_mem *m);
  void *(OSKIT_COMCALL *alloc)(struct oskit_osenv_mem *m, oskit_size_t size, oskit_u32_t flags, oskit_size_t align,
                               const char *tag);
  OSKIT_COMDECL_V (*free)(struct oskit_osenv_mem *m, void *block, oskit_size_t size, oskit_size_t align);
};

struct oskit_osenv_log {
  const struct oskit_osenv_log_ops *ops;
};
struct oskit_osenv_log_ops {
  OSKIT_COMDECL (*query)(struct oskit_osenv_log *l, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_osenv_log *l);
  OSKIT_COMDECL_U (*release)(struct oskit_osenv_log *l);
  OSKIT_COMDECL (*log)(struct oskit_osenv_log *l, oskit_u32_t level, const char *message, oskit_size_t length);
};

struct oskit_osenv_clock {
  const struct oskit_osenv_clock_ops *ops;
};
struct oskit_osenv_clock_ops {
  OSKIT_COMDECL (*query)(struct oskit_osenv_clock *c, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_osenv_clock *c);
  OSKIT_COMDECL_U (*release)(struct oskit_osenv_clock *c);
  oskit_s64_t(OSKIT_COMCALL *now)(struct oskit_osenv_clock *c);
  OSKIT_COMDECL (*wait)
  (struct oskit_osenv_clock *c, const oskit_u32_t *word, oskit_u32_t expected, oskit_s64_t deadline);
  oskit_u32_t(OSKIT_COMCALL *wake)(struct oskit_osenv_clock *c, const oskit_u32_t *word, oskit_u32_t count);
  OSKIT_COMDECL (*sleep_until)(struct oskit_osenv_clock *c, oskit_s64_t deadline);
};

struct oskit_osenv_threads {
  const struct oskit_osenv_threads_ops *ops;
};
struct oskit_osenv_threads_ops {
  OSKIT_COMDECL (*query)(struct oskit_osenv_threads *t, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_osenv_threads *t);
  OSKIT_COMDECL_U (*release)(struct oskit_osenv_threads *t);
  OSKIT_COMDECL (*start)
  (struct oskit_osenv_threads *t, const char *name, oskit_osenv_thread_body_t body, void *arg,
   oskit_osenv_thread_handle_t **out_thread);
  OSKIT_COMDECL (*join)(struct oskit_osenv_threads *t, oskit_osenv_thread_handle_t *thread);
};

struct oskit_osenv_irq {
  const struct oskit_osenv_irq_ops *ops;
};
struct oskit_osenv_irq_ops {
  OSKIT_COMDECL (*query)(struct oskit_osenv_irq *i, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_osenv_irq *i);
  OSKIT_COMDECL_U (*release)(struct oskit_osenv_irq *i);
  OSKIT_COMDECL (*request)(struct oskit_osenv_irq *i, oskit_u32_t line, oskit_osenv_irq_handler_t handler, void *arg);
  OSKIT_COMDECL (*free)(struct oskit_osenv_irq *i, oskit_u32_t line);
  OSKIT_COMDECL (*raise)(struct oskit_osenv_irq *i, oskit_u32_t line);
};

#endif
typedef struct oskit_osenv_mem oskit_osenv_mem_t;
typedef struct oskit_osenv_log oskit_osenv_log_t;
typedef struct oskit_osenv_clock oskit_osenv_clock_t;
typedef struct oskit_osenv_threads oskit_osenv_threads_t;
typedef struct oskit_osenv_irq oskit_osenv_irq_t;
OSKIT_DECLARE_IID(oskit_osenv_mem, OSKIT_OSENV_MEM_IID)
OSKIT_DECLARE_IID(oskit_osenv_log, OSKIT_OSENV_LOG_IID)
OSKIT_DECLARE_IID(oskit_osenv_clock, OSKIT_OSENV_CLOCK_IID)
OSKIT_DECLARE_IID(oskit_osenv_threads, OSKIT_OSENV_THREADS_IID)
OSKIT_DECLARE_IID(oskit_osenv_irq, OSKIT_OSENV_IRQ_IID)

#define oskit_osenv_mem_alloc(m, size, flags, align, tag) \
  OSKIT_CALL(oskit_osenv_mem_t, m, alloc, size, flags, align, tag)
#define oskit_osenv_mem_free(m, block, size, align) OSKIT_CALL(oskit_osenv_mem_t, m, free, block, size, align)
#define oskit_osenv_log_log(l, level, message, length) OSKIT_CALL(oskit_osenv_log_t, l, log, level, message, length)
#define oskit_osenv_clock_now(c) OSKIT_CALL0(oskit_osenv_clock_t, c, now)
#define oskit_osenv_clock_wait(c, word, expected, deadline) \
  OSKIT_CALL(oskit_osenv_clock_t, c, wait, word, expected, deadline)
#define oskit_osenv_clock_wake(c, word, count) OSKIT_CALL(oskit_osenv_clock_t, c, wake, word, count)
#define oskit_osenv_clock_sleep_until(c, deadline) OSKIT_CALL(oskit_osenv_clock_t, c, sleep_until, deadline)
#define oskit_osenv_threads_start(t, name, body, arg, out_thread) \
  OSKIT_CALL(oskit_osenv_threads_t, t, start, name, body, arg, out_thread)
#define oskit_osenv_threads_join(t, thread) OSKIT_CALL(oskit_osenv_threads_t, t, join, thread)
#define oskit_osenv_irq_request(i, line, handler, arg) OSKIT_CALL(oskit_osenv_irq_t, i, request, line, handler, arg)
#define oskit_osenv_irq_free(i, line) OSKIT_CALL(oskit_osenv_irq_t, i, free, line)
#define oskit_osenv_irq_raise(i, line) OSKIT_CALL(oskit_osenv_irq_t, i, raise, line)

/* Query, addref and release through the IUnknown slots every interface shares. */
#define oskit_osenv_mem_release(m) OSKIT_CALL0(oskit_osenv_mem_t, m, release)
#define oskit_osenv_log_release(l) OSKIT_CALL0(oskit_osenv_log_t, l, release)
#define oskit_osenv_clock_release(c) OSKIT_CALL0(oskit_osenv_clock_t, c, release)
#define oskit_osenv_threads_release(t) OSKIT_CALL0(oskit_osenv_threads_t, t, release)
#define oskit_osenv_irq_release(i) OSKIT_CALL0(oskit_osenv_irq_t, i, release)

/*
 * An environment as a kernel installs it: one object per service. A NULL
 * member stands for the host's service, unless flags has OSKIT_OSENV_STRICT:
 * then a NULL member stands for a service that refuses every use, and the
 * host's services refuse too while it is installed (a test proving that the
 * toolkit uses nothing behind the environment's back).
 */
#define OSKIT_OSENV_STRICT 0x1u

struct oskit_osenv {
  oskit_osenv_mem_t *mem;
  oskit_osenv_log_t *log;
  oskit_osenv_clock_t *clock;
  oskit_osenv_threads_t *threads;
  oskit_osenv_irq_t *irq;
  oskit_u32_t flags;
};

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_osenv_mem_iid;
extern const struct oskit_guid oskit_osenv_log_iid;
extern const struct oskit_guid oskit_osenv_clock_iid;
extern const struct oskit_guid oskit_osenv_threads_iid;
extern const struct oskit_guid oskit_osenv_irq_iid;
OSKIT_END_DECLS

#endif /* OSKIT_OSENV_H */
