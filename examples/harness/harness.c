/* The harness's environment (harness.h). The harness plays the kernel, so it
 * builds its services on the host's own primitives: POSIX threads, a mutex
 * and a condition variable, the C heap. One lock and one condition variable
 * guard everything; that is plenty for a test rig. */
#define _GNU_SOURCE
#include "examples/harness/harness.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "glue/env/osenv.h"
#include "oskit/com/heap.h"

#define LOG_RING 32
#define LOG_LINE 240
#define TAG_MAX 64

/* Before every block: the list of live blocks, and what the block is. */
struct block {
  struct block *prev, *next;
  const char *tag;
  oskit_size_t size;
  oskit_size_t align;
};

/* A thread sleeping on the clock: on a word (wait), or until a deadline. */
struct sleeper {
  struct sleeper *next;
  const oskit_u32_t *word; /* NULL for sleep_until */
  oskit_s64_t deadline;
  int woken;
};

struct line {
  oskit_osenv_irq_handler_t handler;
  void *arg;
  int requested; /* read without the lock by raise() */
  int pending;   /* atomic */
};

struct thread {
  pthread_t thread;
  oskit_osenv_thread_body_t body;
  void *arg;
  pthread_t self;
  int started; /* atomic */
};

/* The COM objects: an ops table and the harness. */
struct hmem {
  const struct oskit_osenv_mem_ops *ops;
  struct harness *h;
};
struct hlog {
  const struct oskit_osenv_log_ops *ops;
  struct harness *h;
};
struct hclock {
  const struct oskit_osenv_clock_ops *ops;
  struct harness *h;
};
struct hthreads {
  const struct oskit_osenv_threads_ops *ops;
  struct harness *h;
};
struct hirq {
  const struct oskit_osenv_irq_ops *ops;
  struct harness *h;
};

struct harness {
  struct hmem mem;
  struct hlog log;
  struct hclock clock;
  struct hthreads threads;
  struct hirq irq;

  pthread_mutex_t mu;
  pthread_cond_t cv;

  /* memory */
  struct block live; /* list head */
  struct harness_stats stats;
  unsigned long alloc_seq; /* allocations since the schedule was armed */
  unsigned long fail_nth;
  unsigned long fail_every;
  char fail_tag[TAG_MAX];
  unsigned long fail_tag_nth;
  unsigned long tag_seq;

  /* clock */
  oskit_s64_t start;
  oskit_s64_t now;
  struct sleeper *sleepers;
  unsigned nsleepers;

  /* threads */
  unsigned long thread_seq;
  unsigned long fail_thread_nth;

  /* interrupts */
  struct line lines[OSKIT_OSENV_IRQ_LINES];
  unsigned long raised;       /* atomic */
  pthread_mutex_t deliver_mu; /* one delivery at a time */
  int running_line;
  pthread_t delivering;

  /* log */
  char ring[LOG_RING][LOG_LINE];
  unsigned long logged;
  FILE *echo;
  oskit_u32_t echo_level;
};

static void lock(struct harness *h) { pthread_mutex_lock(&h->mu); }
static void unlock(struct harness *h) { pthread_mutex_unlock(&h->mu); }

/* --- what every object answers --------------------------------------------- */

static oskit_error_t answer(void *self, const struct oskit_guid *mine, const struct oskit_guid *iid, void **out) {
  if (out == NULL) return OSKIT_E_POINTER;
  *out = NULL;
  if (iid == NULL) return OSKIT_E_INVALIDARG;
  if (!oskit_guid_equal(iid, &oskit_iunknown_iid) && !oskit_guid_equal(iid, mine)) return OSKIT_E_NOINTERFACE;
  *out = self;
  return 0;
}

/* The objects live as long as the harness: references are not counted. */
#define STATIC_COM(prefix, type, iid)                                                    \
  static OSKIT_COMDECL prefix##_query(type *o, const struct oskit_guid *i, void **out) { \
    return answer(o, &iid, i, out);                                                      \
  }                                                                                      \
  static OSKIT_COMDECL_U prefix##_addref(type *o) {                                      \
    (void)o;                                                                             \
    return 1;                                                                            \
  }                                                                                      \
  static OSKIT_COMDECL_U prefix##_release(type *o) {                                     \
    (void)o;                                                                             \
    return 1;                                                                            \
  }

STATIC_COM(mem, oskit_osenv_mem_t, oskit_osenv_mem_iid)
STATIC_COM(log, oskit_osenv_log_t, oskit_osenv_log_iid)
STATIC_COM(clock, oskit_osenv_clock_t, oskit_osenv_clock_iid)
STATIC_COM(threads, oskit_osenv_threads_t, oskit_osenv_threads_iid)
STATIC_COM(irq, oskit_osenv_irq_t, oskit_osenv_irq_iid)

/* --- memory ------------------------------------------------------------------ */

static oskit_size_t header_room(oskit_size_t align) {
  oskit_size_t room = sizeof(struct block);
  if (align < 16) align = 16;
  return (room + align - 1) & ~(align - 1);
}

/* Whether the allocation being made must fail (under the lock). */
static int scheduled_failure(struct harness *h, const char *tag) {
  int fail = 0;
  h->alloc_seq++;
  if (h->fail_nth != 0 && h->alloc_seq == h->fail_nth) fail = 1;
  if (h->fail_every != 0 && h->alloc_seq % h->fail_every == 0) fail = 1;
  if (h->fail_tag[0] != '\0' && tag != NULL && strcmp(tag, h->fail_tag) == 0) {
    h->tag_seq++;
    if (h->fail_tag_nth == 0 || h->tag_seq == h->fail_tag_nth) fail = 1;
  }
  return fail;
}

static void *OSKIT_COMCALL mem_alloc(oskit_osenv_mem_t *m, oskit_size_t size, oskit_u32_t flags, oskit_size_t align,
                                     const char *tag) {
  struct harness *h = ((struct hmem *)m)->h;
  oskit_size_t room;
  void *raw = NULL;
  struct block *b;
  if (align == 0 || (align & (align - 1)) != 0) return NULL;
  room = header_room(align);
  lock(h);
  h->stats.allocations++;
  if (!(flags & OSKIT_OSENV_MEM_MAYBLOCK)) h->stats.nonblocking++;
  if (scheduled_failure(h, tag)) {
    h->stats.failed_allocations++;
    h->stats.last_failed_tag = tag;
    unlock(h);
    return NULL;
  }
  unlock(h);
  if (size > (oskit_size_t)PTRDIFF_MAX - room) return NULL;
  if (posix_memalign(&raw, align < 16 ? 16 : align, room + size) != 0) return NULL;
  b = (struct block *)((char *)raw + room) - 1;
  b->tag = tag;
  b->size = size;
  b->align = align;
  lock(h);
  b->next = h->live.next;
  b->prev = &h->live;
  h->live.next->prev = b;
  h->live.next = b;
  h->stats.live_blocks++;
  h->stats.live_bytes += size;
  if (h->stats.live_bytes > h->stats.peak_bytes) h->stats.peak_bytes = h->stats.live_bytes;
  unlock(h);
  return (char *)raw + room;
}

static OSKIT_COMDECL_V mem_free(oskit_osenv_mem_t *m, void *block, oskit_size_t size, oskit_size_t align) {
  struct harness *h = ((struct hmem *)m)->h;
  struct block *b;
  if (block == NULL) return;
  b = (struct block *)block - 1;
  lock(h);
  if (b->size != size || b->align != align) h->stats.bad_frees++;
  b->prev->next = b->next;
  b->next->prev = b->prev;
  h->stats.frees++;
  h->stats.live_blocks--;
  h->stats.live_bytes -= b->size;
  unlock(h);
  free((char *)block - header_room(b->align));
}

static const struct oskit_osenv_mem_ops mem_ops = {mem_query, mem_addref, mem_release, mem_alloc, mem_free};

/* --- log ------------------------------------------------------------------------ */

static OSKIT_COMDECL log_log(oskit_osenv_log_t *l, oskit_u32_t level, const char *message, oskit_size_t length) {
  static const char *const names[] = {"debug", "info", "warning", "error"};
  struct harness *h = ((struct hlog *)l)->h;
  char *slot;
  size_t n;
  if (level > OSKIT_OSENV_LOG_ERROR) return OSKIT_EINVAL;
  if (message == NULL && length > 0) return OSKIT_E_POINTER;
  n = length < LOG_LINE - 1 ? length : LOG_LINE - 1;
  lock(h);
  slot = h->ring[h->logged % LOG_RING];
  if (n > 0) memcpy(slot, message, n);
  slot[n] = '\0';
  h->logged++;
  h->stats.log_lines[level]++;
  if (h->echo != NULL && level >= h->echo_level) fprintf(h->echo, "harness log %s: %s\n", names[level], slot);
  unlock(h);
  return 0;
}

static const struct oskit_osenv_log_ops log_ops = {log_query, log_addref, log_release, log_log};

/* --- clock ---------------------------------------------------------------------- */

static oskit_s64_t OSKIT_COMCALL clock_now(oskit_osenv_clock_t *c) { return harness_now(((struct hclock *)c)->h); }

/* Sleeps (under the lock) until woken or the deadline passes; 0 or
 * OSKIT_ETIMEDOUT. */
static oskit_error_t sleep_locked(struct harness *h, const oskit_u32_t *word, oskit_s64_t deadline) {
  struct sleeper s, **p;
  s.word = word;
  s.deadline = deadline;
  s.woken = 0;
  s.next = h->sleepers;
  h->sleepers = &s;
  h->nsleepers++;
  pthread_cond_broadcast(&h->cv); /* for harness_await_sleepers */
  while (!s.woken && h->now < deadline) pthread_cond_wait(&h->cv, &h->mu);
  for (p = &h->sleepers; *p != &s; p = &(*p)->next) {
  }
  *p = s.next;
  h->nsleepers--;
  return s.woken ? 0 : OSKIT_ETIMEDOUT;
}

static OSKIT_COMDECL clock_wait(oskit_osenv_clock_t *c, const oskit_u32_t *word, oskit_u32_t expected,
                                oskit_s64_t deadline) {
  struct harness *h = ((struct hclock *)c)->h;
  oskit_error_t rc;
  if (word == NULL) return OSKIT_E_POINTER;
  lock(h);
  /* Wakers change the word, then take the lock to wake: checked under it,
   * no wake is lost. */
  if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != expected) {
    rc = OSKIT_EAGAIN;
  } else if (deadline <= h->now) {
    rc = OSKIT_ETIMEDOUT;
  } else {
    rc = sleep_locked(h, word, deadline);
  }
  unlock(h);
  return rc;
}

static oskit_u32_t OSKIT_COMCALL clock_wake(oskit_osenv_clock_t *c, const oskit_u32_t *word, oskit_u32_t count) {
  struct harness *h = ((struct hclock *)c)->h;
  struct sleeper *s;
  oskit_u32_t woken = 0;
  if (word == NULL) return 0;
  lock(h);
  for (s = h->sleepers; s != NULL && woken < count; s = s->next) {
    if (s->word == word && !s->woken) {
      s->woken = 1;
      woken++;
    }
  }
  if (woken > 0) pthread_cond_broadcast(&h->cv);
  unlock(h);
  return woken;
}

static OSKIT_COMDECL clock_sleep_until(oskit_osenv_clock_t *c, oskit_s64_t deadline) {
  struct harness *h = ((struct hclock *)c)->h;
  if (deadline == OSKIT_OSENV_FOREVER) return OSKIT_EINVAL;
  lock(h);
  while (h->now < deadline) sleep_locked(h, NULL, deadline);
  unlock(h);
  return 0;
}

static const struct oskit_osenv_clock_ops clock_ops = {clock_query, clock_addref, clock_release,    clock_now,
                                                       clock_wait,  clock_wake,   clock_sleep_until};

/* --- threads -------------------------------------------------------------------- */

static void *run_thread(void *raw) {
  struct thread *t = raw;
  t->self = pthread_self();
  __atomic_store_n(&t->started, 1, __ATOMIC_RELEASE);
  t->body(t->arg);
  return NULL;
}

static OSKIT_COMDECL threads_start(oskit_osenv_threads_t *ts, const char *name, oskit_osenv_thread_body_t body,
                                   void *arg, oskit_osenv_thread_handle_t **out_thread) {
  struct harness *h = ((struct hthreads *)ts)->h;
  struct thread *t;
  int refuse;
  if (out_thread != NULL) *out_thread = NULL;
  if (body == NULL || out_thread == NULL) return OSKIT_E_POINTER;
  lock(h);
  h->thread_seq++;
  refuse = h->fail_thread_nth != 0 && h->thread_seq == h->fail_thread_nth;
  if (refuse) h->stats.threads_refused++;
  unlock(h);
  if (refuse) return OSKIT_EAGAIN;
  t = calloc(1, sizeof *t);
  if (t == NULL) return OSKIT_ENOMEM;
  t->body = body;
  t->arg = arg;
  if (pthread_create(&t->thread, NULL, run_thread, t) != 0) {
    free(t);
    return OSKIT_EAGAIN;
  }
  if (name != NULL) {
    char short_name[16];
    snprintf(short_name, sizeof short_name, "%s", name);
    pthread_setname_np(t->thread, short_name);
  }
  lock(h);
  h->stats.threads_started++;
  unlock(h);
  *out_thread = (oskit_osenv_thread_handle_t *)t;
  return 0;
}

static OSKIT_COMDECL threads_join(oskit_osenv_threads_t *ts, oskit_osenv_thread_handle_t *thread) {
  struct harness *h = ((struct hthreads *)ts)->h;
  struct thread *t = (struct thread *)thread;
  if (t == NULL) return OSKIT_EINVAL;
  if (__atomic_load_n(&t->started, __ATOMIC_ACQUIRE) && pthread_equal(t->self, pthread_self())) return OSKIT_EDEADLK;
  pthread_join(t->thread, NULL);
  free(t);
  lock(h);
  h->stats.threads_joined++;
  unlock(h);
  return 0;
}

static const struct oskit_osenv_threads_ops threads_ops = {threads_query, threads_addref, threads_release,
                                                           threads_start, threads_join};

/* --- interrupts ----------------------------------------------------------------- */

static OSKIT_COMDECL irq_request(oskit_osenv_irq_t *i, oskit_u32_t line, oskit_osenv_irq_handler_t handler, void *arg) {
  struct harness *h = ((struct hirq *)i)->h;
  oskit_error_t rc = 0;
  if (line >= OSKIT_OSENV_IRQ_LINES || handler == NULL) return OSKIT_EINVAL;
  lock(h);
  if (h->lines[line].requested) {
    rc = OSKIT_EBUSY;
  } else {
    h->lines[line].handler = handler;
    h->lines[line].arg = arg;
    __atomic_store_n(&h->lines[line].pending, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&h->lines[line].requested, 1, __ATOMIC_SEQ_CST);
    h->stats.irq_lines++;
  }
  unlock(h);
  return rc;
}

static OSKIT_COMDECL irq_free(oskit_osenv_irq_t *i, oskit_u32_t line) {
  struct harness *h = ((struct hirq *)i)->h;
  if (line >= OSKIT_OSENV_IRQ_LINES) return OSKIT_EINVAL;
  lock(h);
  if (!h->lines[line].requested) {
    unlock(h);
    return OSKIT_EINVAL;
  }
  __atomic_store_n(&h->lines[line].requested, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&h->lines[line].pending, 0, __ATOMIC_SEQ_CST);
  h->lines[line].handler = NULL;
  h->stats.irq_lines--;
  /* A handler running elsewhere finishes first; one freeing its own line
   * (it runs on the delivering thread) goes on. */
  while (h->running_line == (int)line && !pthread_equal(h->delivering, pthread_self())) {
    pthread_cond_wait(&h->cv, &h->mu);
  }
  unlock(h);
  return 0;
}

/* No lock, no allocation: an interrupt may be raised from anywhere. */
static OSKIT_COMDECL irq_raise(oskit_osenv_irq_t *i, oskit_u32_t line) {
  struct harness *h = ((struct hirq *)i)->h;
  if (line >= OSKIT_OSENV_IRQ_LINES || !__atomic_load_n(&h->lines[line].requested, __ATOMIC_SEQ_CST)) {
    return OSKIT_EINVAL;
  }
  __atomic_store_n(&h->lines[line].pending, 1, __ATOMIC_SEQ_CST);
  __atomic_fetch_add(&h->raised, 1, __ATOMIC_RELAXED);
  return 0;
}

static const struct oskit_osenv_irq_ops irq_ops = {irq_query,   irq_addref, irq_release,
                                                   irq_request, irq_free,   irq_raise};

/* Runs line's handler if it is pending and still requested; 1 if it ran. */
static int deliver_line(struct harness *h, unsigned line) {
  oskit_osenv_irq_handler_t handler;
  void *arg;
  if (!__atomic_exchange_n(&h->lines[line].pending, 0, __ATOMIC_SEQ_CST)) return 0;
  lock(h);
  handler = h->lines[line].handler;
  arg = h->lines[line].arg;
  if (handler == NULL) {
    unlock(h);
    return 0;
  }
  h->running_line = (int)line;
  h->delivering = pthread_self();
  unlock(h);
  handler(arg);
  lock(h);
  h->running_line = -1;
  h->stats.irq_delivered++;
  pthread_cond_broadcast(&h->cv);
  unlock(h);
  return 1;
}

unsigned harness_deliver(struct harness *h) {
  unsigned ran = 0, pass, line;
  int any = 1;
  pthread_mutex_lock(&h->deliver_mu);
  /* Handlers may raise lines again: deliver until none is pending (a bounded
   * number of passes, so that a line raising itself for ever cannot hang). */
  for (pass = 0; any && pass < 1000; ++pass) {
    any = 0;
    for (line = 0; line < OSKIT_OSENV_IRQ_LINES; ++line) {
      if (deliver_line(h, line)) {
        ran++;
        any = 1;
      }
    }
  }
  pthread_mutex_unlock(&h->deliver_mu);
  return ran;
}

/* --- the harness ---------------------------------------------------------------- */

struct harness *harness_create(oskit_s64_t start_ns) {
  struct harness *h = calloc(1, sizeof *h);
  if (h == NULL) return NULL;
  h->mem.ops = &mem_ops;
  h->mem.h = h;
  h->log.ops = &log_ops;
  h->log.h = h;
  h->clock.ops = &clock_ops;
  h->clock.h = h;
  h->threads.ops = &threads_ops;
  h->threads.h = h;
  h->irq.ops = &irq_ops;
  h->irq.h = h;
  pthread_mutex_init(&h->mu, NULL);
  pthread_mutex_init(&h->deliver_mu, NULL);
  pthread_cond_init(&h->cv, NULL);
  h->live.next = h->live.prev = &h->live;
  h->start = h->now = start_ns;
  h->running_line = -1;
  h->echo_level = OSKIT_OSENV_LOG_ERROR + 1;
  return h;
}

void harness_destroy(struct harness *h) {
  if (h == NULL) return;
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->deliver_mu);
  pthread_mutex_destroy(&h->mu);
  free(h);
}

void harness_osenv(struct harness *h, struct oskit_osenv *out) {
  out->mem = (oskit_osenv_mem_t *)&h->mem;
  out->log = (oskit_osenv_log_t *)&h->log;
  out->clock = (oskit_osenv_clock_t *)&h->clock;
  out->threads = (oskit_osenv_threads_t *)&h->threads;
  out->irq = (oskit_osenv_irq_t *)&h->irq;
  out->flags = 0;
}

oskit_error_t harness_install(struct harness *h) {
  struct oskit_osenv env;
  harness_osenv(h, &env);
  return oskit_env_install(&env);
}

oskit_error_t harness_uninstall(struct harness *h) {
  (void)h;
  return oskit_env_install(NULL);
}

oskit_s64_t harness_now(struct harness *h) {
  oskit_s64_t now;
  lock(h);
  now = h->now;
  unlock(h);
  return now;
}

void harness_advance(struct harness *h, oskit_s64_t ns) {
  lock(h);
  if (ns > 0) h->now = ns >= OSKIT_OSENV_FOREVER - h->now ? OSKIT_OSENV_FOREVER - 1 : h->now + ns;
  pthread_cond_broadcast(&h->cv);
  unlock(h);
}

int harness_advance_to_next_deadline(struct harness *h) {
  struct sleeper *s;
  oskit_s64_t next = OSKIT_OSENV_FOREVER;
  lock(h);
  for (s = h->sleepers; s != NULL; s = s->next) {
    if (!s->woken && s->deadline < next) next = s->deadline;
  }
  if (next != OSKIT_OSENV_FOREVER && next > h->now) h->now = next;
  pthread_cond_broadcast(&h->cv);
  unlock(h);
  return next != OSKIT_OSENV_FOREVER;
}

unsigned harness_sleepers(struct harness *h) {
  unsigned n;
  lock(h);
  n = h->nsleepers;
  unlock(h);
  return n;
}

void harness_await_sleepers(struct harness *h, unsigned n) {
  lock(h);
  while (h->nsleepers < n) pthread_cond_wait(&h->cv, &h->mu);
  unlock(h);
}

void harness_fail_nth(struct harness *h, unsigned long n) {
  lock(h);
  h->alloc_seq = 0;
  h->fail_nth = n;
  unlock(h);
}

void harness_fail_every(struct harness *h, unsigned long n) {
  lock(h);
  h->alloc_seq = 0;
  h->fail_every = n;
  unlock(h);
}

void harness_fail_tag(struct harness *h, const char *tag, unsigned long n) {
  lock(h);
  snprintf(h->fail_tag, sizeof h->fail_tag, "%s", tag != NULL ? tag : "");
  h->fail_tag_nth = n;
  h->tag_seq = 0;
  unlock(h);
}

void harness_fail_thread_nth(struct harness *h, unsigned long n) {
  lock(h);
  h->thread_seq = 0;
  h->fail_thread_nth = n;
  unlock(h);
}

void harness_faults_off(struct harness *h) {
  harness_fail_nth(h, 0);
  harness_fail_every(h, 0);
  harness_fail_tag(h, NULL, 0);
  harness_fail_thread_nth(h, 0);
}

void harness_get_stats(struct harness *h, struct harness_stats *out) {
  lock(h);
  *out = h->stats;
  out->irq_raised = __atomic_load_n(&h->raised, __ATOMIC_RELAXED);
  out->elapsed = h->now - h->start;
  unlock(h);
}

void harness_live_blocks(struct harness *h, void (*fn)(const char *tag, oskit_size_t size, void *arg), void *arg) {
  struct block *b;
  lock(h);
  for (b = h->live.next; b != &h->live; b = b->next) fn(b->tag, b->size, arg);
  unlock(h);
}

int harness_last_log(struct harness *h, char *buf, size_t size) {
  int rc = -1;
  lock(h);
  if (h->logged > 0 && size > 0) {
    snprintf(buf, size, "%s", h->ring[(h->logged - 1) % LOG_RING]);
    rc = 0;
  }
  unlock(h);
  return rc;
}

void harness_echo_log(struct harness *h, FILE *f, oskit_u32_t level) {
  lock(h);
  h->echo = f;
  h->echo_level = level;
  unlock(h);
}

int harness_all_returned(struct harness *h) {
  struct harness_stats s;
  harness_get_stats(h, &s);
  return s.live_blocks == 0 && s.threads_started == s.threads_joined && s.irq_lines == 0 && s.bad_frees == 0 &&
         oskit_live_objects() == 0;
}

static void print_leak(const char *tag, oskit_size_t size, void *arg) {
  fprintf((FILE *)arg, "harness:   leaked %lu bytes tagged \"%s\"\n", (unsigned long)size, tag ? tag : "(none)");
}

int harness_report(struct harness *h, FILE *f) {
  struct harness_stats s;
  int clean;
  harness_get_stats(h, &s);
  clean = harness_all_returned(h);
  fprintf(f, "harness: virtual time %lld.%09lld s elapsed\n", (long long)(s.elapsed / 1000000000),
          (long long)(s.elapsed % 1000000000));
  fprintf(
      f, "harness: memory: %lu allocations (%lu failed on purpose, %lu without MAYBLOCK), %lu freed, peak %llu bytes\n",
      s.allocations, s.failed_allocations, s.nonblocking, s.frees, (unsigned long long)s.peak_bytes);
  fprintf(f, "harness: threads: %lu started, %lu joined, %lu refused on purpose\n", s.threads_started, s.threads_joined,
          s.threads_refused);
  fprintf(f, "harness: interrupts: %lu raised, %lu handler calls, %u lines requested\n", s.irq_raised, s.irq_delivered,
          s.irq_lines);
  fprintf(f, "harness: log: %lu errors, %lu warnings, %lu info, %lu debug\n", s.log_lines[3], s.log_lines[2],
          s.log_lines[1], s.log_lines[0]);
  fprintf(f, "harness: outstanding: %lu blocks (%llu bytes), %lu threads, %u lines, %ld objects, %lu bad frees\n",
          s.live_blocks, (unsigned long long)s.live_bytes, s.threads_started - s.threads_joined, s.irq_lines,
          oskit_live_objects(), s.bad_frees);
  harness_live_blocks(h, print_leak, f);
  fprintf(f, clean ? "harness: every object, thread, line and byte was returned\n"
                   : "harness: NOT everything was returned\n");
  return clean;
}
