/* A 32-bit atomic counter (libevl's <evl/atomic.h>). Read-modify-write
 * operations are full barriers. */
#ifndef _EVL_ATOMIC_H
#define _EVL_ATOMIC_H

#include <linux/types.h>

typedef struct {
  __s32 val;
} atomic_t;

#define ATOMIC_INIT(__val) \
  { (__val) }

static inline int atomic_read(const atomic_t *ptr) { return __atomic_load_n(&ptr->val, __ATOMIC_RELAXED); }

static inline void atomic_set(atomic_t *ptr, int val) { __atomic_store_n(&ptr->val, val, __ATOMIC_RELAXED); }

/* Stores __new if the value is __old; returns the value found. */
#ifndef atomic_cmpxchg
#define atomic_cmpxchg(__ptr, __old, __new) __sync_val_compare_and_swap(&(__ptr)->val, __old, __new)
#endif

/* Adds __n; returns the new value. */
#ifndef atomic_add_return
#define atomic_add_return(__ptr, __n) __sync_add_and_fetch(&(__ptr)->val, __n)
#endif

#ifndef smp_mb
#define smp_mb() __sync_synchronize()
#endif

/* Volatile accesses to a scalar. C only: C++ has std::atomic_load. */
#ifndef __cplusplus
#define atomic_load(__ptr) (*(volatile __typeof__(*(__ptr)) *)(__ptr))
#define atomic_store(__ptr, __val)                       \
  do {                                                   \
    *(volatile __typeof__(*(__ptr)) *)(__ptr) = (__val); \
  } while (0)
#endif

#endif /* _EVL_ATOMIC_H */
