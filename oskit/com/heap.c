/* The object heap and live-object count (see heap.h). */
#include <oskit/com/heap.h>

#include <stdatomic.h>
#include <stdlib.h>

static void *c_heap_alloc(void *ctx, oskit_size_t size, oskit_size_t align) {
  (void)ctx;
  if (align < sizeof(void *)) align = sizeof(void *);
  size = (size + align - 1) / align * align;
  return aligned_alloc(align, size);
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

oskit_error_t oskit_heap_set_hooks(const struct oskit_heap_hooks *hooks) {
  if (atomic_load(&live_allocations) != 0) return OSKIT_EBUSY;
  atomic_store(&current_hooks, hooks ? hooks : &c_heap);
  return 0;
}

void *oskit_heap_alloc(oskit_size_t size, oskit_size_t align) {
  const struct oskit_heap_hooks *h = atomic_load(&current_hooks);
  void *p = h->alloc(h->ctx, size, align);
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

long oskit_live_objects(void) { return atomic_load(&live_objects); }

void oskit_object_born(void) { atomic_fetch_add_explicit(&live_objects, 1, memory_order_relaxed); }

void oskit_object_died(void) { atomic_fetch_sub_explicit(&live_objects, 1, memory_order_relaxed); }
