/*
 * Where COM objects made by make<T>() get their memory, and how many are alive,
 * per class. The default is the C heap; glue/env installs an embedding
 * environment's allocator here (docs/design.md, "Embedding").
 */
#ifndef OSKIT_COM_HEAP_H
#define OSKIT_COM_HEAP_H

#include "oskit/com.h"

OSKIT_BEGIN_DECLS

struct oskit_heap_hooks {
  /* tag: what the memory is for (a class name), a static string or NULL. */
  void *(*alloc)(void *ctx, oskit_size_t size, oskit_size_t align, const char *tag);
  void (*free)(void *ctx, void *ptr, oskit_size_t size, oskit_size_t align);
  void *ctx;
};

/* Installs hooks (NULL restores the C heap). Returns OSKIT_EBUSY, changing
 * nothing, while objects allocated through the current hooks are alive. */
oskit_error_t oskit_heap_set_hooks(const struct oskit_heap_hooks *hooks);

/* Allocates size bytes aligned to align (a power of two) through the installed
 * hooks; NULL on exhaustion or when size rounded up to align overflows. */
void *oskit_heap_alloc(oskit_size_t size, oskit_size_t align);
/* As oskit_heap_alloc, telling the hooks what the memory is for (a static
 * string: a class name, "bufio data"...). */
void *oskit_heap_alloc_tagged(oskit_size_t size, oskit_size_t align, const char *tag);
/* Frees what oskit_heap_alloc returned, with the same size and align. */
void oskit_heap_free(void *ptr, oskit_size_t size, oskit_size_t align);

/* A class of COM objects, counted while its objects live. Zero-initialise it
 * with its name; it registers itself at its first object. */
struct oskit_object_class {
  const char *name;
  long live;                       /* objects alive now (atomic) */
  struct oskit_object_class *next; /* registry link */
  int registered;                  /* atomic */
};

/* Called by every object's constructor and destructor. */
void oskit_object_born(struct oskit_object_class *cls);
void oskit_object_died(struct oskit_object_class *cls);

/* Number of COM objects made through make<T>() and not yet destroyed. */
long oskit_live_objects(void);

/* Calls fn(name, live, arg) for every class that has had objects, in no
 * particular order; live may be 0. */
void oskit_object_classes(void (*fn)(const char *name, long live, void *arg), void *arg);

/* Reports a broken reference-counting rule (a release past zero) on the class
 * named and aborts. */
void oskit_com_fatal_release(const char *class_name);

OSKIT_END_DECLS

#endif /* OSKIT_COM_HEAP_H */
