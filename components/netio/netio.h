/*
 * netio helpers (OSKit manual 7.5): the function netio, a packet consumer that
 * calls a C function for each push, and the fanout, which pushes each packet
 * to every registered consumer.
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

#endif /* COMPONENTS_NETIO_NETIO_H */
