/* Compiler helpers libevl's headers and programs use (libevl's
 * <evl/compiler.h>). */
#ifndef _EVL_COMPILER_H
#define _EVL_COMPILER_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifndef container_of
#define container_of(__ptr, __type, __member) ((__type *)(void *)((char *)(__ptr)-offsetof(__type, __member)))
#endif

#ifndef __stringify
#define __stringify_1(...) #__VA_ARGS__
#define __stringify(...) __stringify_1(__VA_ARGS__)
#endif

#ifndef __noreturn
#define __noreturn __attribute__((__noreturn__))
#endif
#ifndef __must_check
#define __must_check __attribute__((__warn_unused_result__))
#endif
#ifndef __weak
#define __weak __attribute__((__weak__))
#endif
#ifndef __maybe_unused
#define __maybe_unused __attribute__((__unused__))
#endif
#ifndef __aligned
#define __aligned(__n) __attribute__((__aligned__(__n)))
#endif
#ifndef __deprecated
#define __deprecated __attribute__((__deprecated__))
#endif
#ifndef __packed
#define __packed __attribute__((__packed__))
#endif
#ifndef __alloc_size
#define __alloc_size(__args) __attribute__((__alloc_size__(__args)))
#endif

/* __size rounded up to a multiple of __al, a power of two. */
#ifndef __align_to
#define __align_to(__size, __al) (((__size) + (__al)-1) & ~((__al)-1))
#endif

/* Leading and trailing zero bits of an unsigned long long. */
#define __lzcount(__x) ((__x) == 0 ? 64 : __builtin_clzll((unsigned long long)(__x)))
#define __tzcount(__x) ((__x) == 0 ? 64 : __builtin_ctzll((unsigned long long)(__x)))

#define compiler_barrier() __asm__ __volatile__("" : : : "memory")

/* Byte offset of __addr from __base, and back. */
#define __memoff(__base, __addr) ((uintptr_t)((char *)(__addr) - (char *)(__base)))
#define __memptr(__base, __off) ((void *)((char *)(__base) + (__off)))

#endif /* _EVL_COMPILER_H */
