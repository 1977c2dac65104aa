/* The object heap and live-object counts (see heap.h). */
#include "oskit/com/heap.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* size rounded up to a multiple of align, or 0 when that overflows. */
static oskit_size_t round_up(oskit_size_t size, oskit_size_t align) {
  if (size > SIZE_MAX - (align - 1)) return 0;
  return (size + align - 1) & ~(align - 1);
}

static void *c_heap_alloc(void *ctx, oskit_size_t size, oskit_size_t align, const char *tag) {
  (void)ctx;
  (void)tag;
  if (align < sizeof(void *)) align = sizeof(void *);
  size = round_up(size ? size : 1, align);
  return size ? aligned_alloc(align, size) : NULL;
}

static void c_heap_free(void *ctx, void *ptr, oskit_size_t size, oskit_size_t align) {
  (void)ctx;
  (void)size;
  (void)align;
  free(ptr);
}

static const struct oskit_heap_hooks c_heap = {c_heap_alloc, c_heap_free, NULL};
static _Atomic(const struct oskit_heap_hooks *) current_hooks = &c_heap;
static atomic_long live_objects;
static atomic_long live_allocations;
static _Atomic(struct oskit_object_class *) classes;

oskit_error_t oskit_heap_set_hooks(const struct oskit_heap_hooks *hooks) {
  if (atomic_load(&live_allocations) != 0) return OSKIT_EBUSY;
  atomic_store(&current_hooks, hooks ? hooks : &c_heap);
  return 0;
}

void *oskit_heap_alloc(oskit_size_t size, oskit_size_t align) { return oskit_heap_alloc_tagged(size, align, NULL); }

void *oskit_heap_alloc_tagged(oskit_size_t size, oskit_size_t align, const char *tag) {
  const struct oskit_heap_hooks *h = atomic_load(&current_hooks);
  void *p;
  if (align == 0 || (align & (align - 1)) != 0 || round_up(size, align) < size) return NULL;
  p = h->alloc(h->ctx, size, align, tag);
  if (p) atomic_fetch_add_explicit(&live_allocations, 1, memory_order_relaxed);
  return p;
}

void oskit_heap_free(void *ptr, oskit_size_t size, oskit_size_t align) {
  const struct oskit_heap_hooks *h;
  if (!ptr) return;
  h = atomic_load(&current_hooks);
  h->free(h->ctx, ptr, size, align);
  atomic_fetch_sub_explicit(&live_allocations, 1, memory_order_relaxed);
}

/* The class fields are plain C objects shared with C++: they are reached
 * through the compiler's __atomic builtins. */
static void register_class(struct oskit_object_class *cls) {
  int expected = 0;
  struct oskit_object_class *head;
  if (__atomic_load_n(&cls->registered, __ATOMIC_ACQUIRE)) return;
  if (!__atomic_compare_exchange_n(&cls->registered, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
  head = atomic_load(&classes);
  do {
    cls->next = head;
  } while (!atomic_compare_exchange_weak(&classes, &head, cls));
}

void oskit_object_born(struct oskit_object_class *cls) {
  atomic_fetch_add_explicit(&live_objects, 1, memory_order_relaxed);
  if (!cls) return;
  register_class(cls);
  __atomic_fetch_add(&cls->live, 1, __ATOMIC_RELAXED);
}

void oskit_object_died(struct oskit_object_class *cls) {
  atomic_fetch_sub_explicit(&live_objects, 1, memory_order_relaxed);
  if (cls) __atomic_fetch_sub(&cls->live, 1, __ATOMIC_RELAXED);
}

long oskit_live_objects(void) { return atomic_load(&live_objects); }

void oskit_object_classes(void (*fn)(const char *name, long live, void *arg), void *arg) {
  struct oskit_object_class *c;
  for (c = atomic_load(&classes); c != NULL; c = c->next) {
    fn(c->name, __atomic_load_n(&c->live, __ATOMIC_RELAXED), arg);
  }
}

void oskit_com_fatal_release(const char *class_name) {
  fprintf(stderr, "oskit: release() past zero on an object of class %s\n", class_name ? class_name : "?");
  abort();
}
