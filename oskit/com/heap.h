/*
 * Where COM objects made by make<T>() get their memory, and how many are alive.
 * The default is the C heap; glue/env installs an embedding environment's
 * allocator here (DESIGN.md section 8).
 */
#ifndef OSKIT_COM_HEAP_H
#define OSKIT_COM_HEAP_H

#include <oskit/com.h>

OSKIT_BEGIN_DECLS

struct oskit_heap_hooks {
  void *(*alloc)(void *ctx, oskit_size_t size, oskit_size_t align);
  void (*free)(void *ctx, void *ptr, oskit_size_t size, oskit_size_t align);
  void *ctx;
};

/* Installs hooks (NULL restores the C heap). Returns OSKIT_EBUSY, changing
 * nothing, while objects allocated through the current hooks are alive. */
oskit_error_t oskit_heap_set_hooks(const struct oskit_heap_hooks *hooks);

/* Allocates/frees object memory through the installed hooks. */
void *oskit_heap_alloc(oskit_size_t size, oskit_size_t align);
void oskit_heap_free(void *ptr, oskit_size_t size, oskit_size_t align);

/* Number of COM objects made through make<T>() and not yet destroyed. */
long oskit_live_objects(void);

/* Called by every object's constructor and destructor. */
void oskit_object_born(void);
void oskit_object_died(void);

OSKIT_END_DECLS

#endif /* OSKIT_COM_HEAP_H */
