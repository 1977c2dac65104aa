/*
 * The function listener: an oskit_listener whose notify calls a C function.
 */
#ifndef COMPONENTS_LISTENER_LISTENER_H
#define COMPONENTS_LISTENER_LISTENER_H

#include "oskit/com/listener.h"

OSKIT_BEGIN_DECLS

/* Creates a listener whose notify returns func(obj, arg). Returns an owned
 * reference, or NULL for a NULL func or when memory is exhausted. */
oskit_listener_t *oskit_create_listener(oskit_error_t (*func)(oskit_iunknown_t *obj, void *arg), void *arg);

OSKIT_END_DECLS

#endif /* COMPONENTS_LISTENER_LISTENER_H */
