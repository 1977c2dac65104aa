/*
 * netio helpers (OSKit manual 7.5): the function netio, a packet consumer that
 * calls a C function for each push; the fanout, which pushes each packet to
 * every registered consumer; the filter, which passes on the packets a
 * predicate accepts; the loopback pair, two ends wired back to back; and the
 * queue, which hands packets to another thread with explicit back-pressure.
 * The filter, the pair's ends and the queue count what they do
 * (oskit_netio_counters).
 */
#ifndef COMPONENTS_NETIO_NETIO_H
#define COMPONENTS_NETIO_NETIO_H

#include "oskit/io/bufio_pool.h"
#include "oskit/io/netio.h"

OSKIT_BEGIN_DECLS

typedef oskit_error_t (*oskit_netio_func_t)(void *data, oskit_bufio_t *buf, oskit_size_t size);

/* Creates a netio whose push checks the packet (buf present, size within buf:
 * else OSKIT_E_POINTER, OSKIT_EINVAL) and returns func(data, buf, size).
 * alloc_bufio is OSKIT_E_NOTIMPL: it has no buffers of its own. Returns an
 * owned reference, or NULL for a NULL func or on exhaustion. */
oskit_netio_t *oskit_netio_create(oskit_netio_func_t func, void *data);

/* As oskit_netio_create; destructor(data), if not NULL, runs when the last
 * reference goes. */
oskit_netio_t *oskit_netio_create_cleanup(oskit_netio_func_t func, void *data, void (*destructor)(void *data));

/* As oskit_netio_create_cleanup, with alloc_bufio served by pool (the netio
 * holds a reference to it; NULL: OSKIT_E_NOTIMPL as above). */
oskit_netio_t *oskit_netio_create_pooled(oskit_netio_func_t func, void *data, void (*destructor)(void *data),
                                         oskit_bufio_pool_t *pool);

/*
 * Creates a fanout with no consumers. Returns an owned reference, or NULL.
 *
 * push delivers to the consumers registered when it began, in registration
 * order, outside any lock, and returns the first error any of them returned
 * after trying them all. A consumer removed while a push is under way is
 * skipped if the push has not reached it yet (a consumer may remove others,
 * or itself, from its own push); remove_listener does not wait for a push on
 * another thread that is calling the consumer at that moment. Consumers added
 * during a push see the next one. Pushes
 * nested deeper than OSKIT_NETIO_FANOUT_MAX_NESTING on one thread (a loop
 * through some other consumer) fail with OSKIT_ELOOP. Up to eight consumers
 * are listed on the stack for a push, more in the environment's memory:
 * without it, push fails with OSKIT_ENOMEM and reaches no consumer.
 *
 * add_listener keeps a reference to the consumer: OSKIT_EEXIST if it is
 * registered already, OSKIT_E_INVALIDARG if it is this fanout or a fanout
 * from which this one can be reached (a cycle), OSKIT_E_POINTER for NULL,
 * OSKIT_ENOMEM when no memory holds its record.
 * remove_listener gives the reference back: OSKIT_E_INVALIDARG if the
 * consumer is not registered.
 *
 * alloc_bufio asks the consumers in order and returns the first buffer one
 * of them gives; OSKIT_E_NOTIMPL when none does; OSKIT_ENOMEM as push.
 */
oskit_netio_fanout_t *oskit_netio_fanout_create(void);

/* Nested pushes through fanouts one thread may make before OSKIT_ELOOP. */
#define OSKIT_NETIO_FANOUT_MAX_NESTING 32

OSKIT_END_DECLS

/* What a filter, a loopback end or a queue has done since it was made; a
 * field a helper has no use for stays 0. */
struct oskit_netio_stats {
  oskit_u64_t pushed;     /* packets pushed into it (bad packets refused by the checks excluded) */
  oskit_u64_t delivered;  /* packets its consumer accepted */
  oskit_u64_t filtered;   /* packets a filter's predicate turned away (push returned 0) */
  oskit_u64_t refused;    /* packets refused with an error: a full queue, a closed peer */
  oskit_u64_t failed;     /* packets the consumer returned an error for */
  oskit_u64_t queued;     /* packets waiting in a queue now */
  oskit_u64_t high_water; /* the most packets a queue has held at once */
};
typedef struct oskit_netio_stats oskit_netio_stats_t;

/* IID 3b7e5c10-9d2a-4f61-8e47-2a90c1d6b3f8 (ours, outside OSKit's range). */
#define OSKIT_NETIO_COUNTERS_IID OSKIT_GUID(0x3b7e5c10, 0x9d2a, 0x4f61, 0x8e, 0x47, 0x2a, 0x90, 0xc1, 0xd6, 0xb3, 0xf8)

#ifdef __cplusplus
struct oskit_netio_counters : oskit_iunknown {
  /* *out_stats gets the counts; OSKIT_E_POINTER for NULL. */
  virtual OSKIT_COMDECL getstats(oskit_netio_stats_t *out_stats) noexcept = 0;

 protected:
  ~oskit_netio_counters() = default;
};
#else
struct oskit_netio_counters {
  const struct oskit_netio_counters_ops *ops;
};
struct oskit_netio_counters_ops {
  OSKIT_COMDECL (*query)(struct oskit_netio_counters *c, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_netio_counters *c);
  OSKIT_COMDECL_U (*release)(struct oskit_netio_counters *c);
  OSKIT_COMDECL (*getstats)(struct oskit_netio_counters *c, oskit_netio_stats_t *out_stats);
};
#endif
typedef struct oskit_netio_counters oskit_netio_counters_t;
OSKIT_DECLARE_IID(oskit_netio_counters, OSKIT_NETIO_COUNTERS_IID)

#define oskit_netio_counters_getstats(c, out) OSKIT_CALL(oskit_netio_counters_t, c, getstats, out)
#define oskit_netio_counters_release(c) OSKIT_CALL0(oskit_netio_counters_t, c, release)

OSKIT_BEGIN_DECLS
extern const struct oskit_guid oskit_netio_counters_iid;

/* A filter's predicate: non-zero to pass the packet on. */
typedef int (*oskit_netio_predicate_t)(void *data, oskit_bufio_t *buf, oskit_size_t size);

/*
 * Creates a filter in front of consumer (the filter holds a reference). push
 * checks the packet (OSKIT_E_POINTER, OSKIT_EINVAL as the function netio),
 * then pushes it into consumer and returns its result when
 * predicate(data, buf, size) is non-zero; otherwise it drops the packet,
 * counts it as filtered and returns 0. alloc_bufio asks consumer. Answers
 * oskit_netio_counters. Returns 0 and an owned reference in *out_netio, or
 * OSKIT_E_POINTER (a NULL argument other than data), OSKIT_ENOMEM.
 */
oskit_error_t oskit_netio_filter_create(oskit_netio_t *consumer, oskit_netio_predicate_t predicate, void *data,
                                        oskit_netio_t **out_netio);

/*
 * Wires two ends back to back, as a cable between two devices, doing OSKit's
 * open handshake for both parties: party A gives its receive netio rx_a and
 * gets *out_tx_a, party B likewise. A packet pushed into *out_tx_a is pushed
 * into rx_b on the pushing thread, and the other way round; alloc_bufio asks
 * the consumer at the other end. Releasing an end's send netio closes that
 * end: its party's receive netio is released, and pushes into the other end
 * then fail with OSKIT_ENOTCONN (counted as refused). A push already under
 * way when an end closes may still deliver; none that starts later does.
 * Both ends answer oskit_netio_counters. Returns 0, or OSKIT_E_POINTER,
 * OSKIT_ENOMEM with both out-parameters NULL.
 */
oskit_error_t oskit_netio_loopback_pair(oskit_netio_t *rx_a, oskit_netio_t *rx_b, oskit_netio_t **out_tx_a,
                                        oskit_netio_t **out_tx_b);

/*
 * Creates a bounded queue in front of consumer (the queue holds a reference):
 * push keeps the packet (a reference to its bufio, no copy) and returns at
 * once; a worker thread from the embedding environment pushes the queued
 * packets into consumer, in order. A full queue refuses a push with
 * OSKIT_EAGAIN (counted as refused): nothing is dropped silently, the
 * producer decides. A consumer's error is counted as failed. alloc_bufio asks
 * consumer. Releasing the queue's last reference delivers what is queued,
 * then ends the worker and releases consumer; it must not happen inside the
 * consumer's push. Answers oskit_netio_counters. Returns 0 and an owned
 * reference in *out_netio, or OSKIT_E_POINTER, OSKIT_EINVAL (capacity 0),
 * OSKIT_ENOMEM (no memory or no thread).
 */
oskit_error_t oskit_netio_queue_create(oskit_netio_t *consumer, oskit_size_t capacity, oskit_netio_t **out_netio);

OSKIT_END_DECLS

#endif /* COMPONENTS_NETIO_NETIO_H */
