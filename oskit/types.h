/* Scalar types of the OSKit COM interfaces (OSKit <oskit/types.h>). */
#ifndef OSKIT_TYPES_H
#define OSKIT_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef uint8_t oskit_u8_t;
typedef uint16_t oskit_u16_t;
typedef uint32_t oskit_u32_t;
typedef uint64_t oskit_u64_t;
typedef int8_t oskit_s8_t;
typedef int16_t oskit_s16_t;
typedef int32_t oskit_s32_t;
typedef int64_t oskit_s64_t;

typedef size_t oskit_size_t;
typedef ptrdiff_t oskit_ssize_t;
typedef oskit_s64_t oskit_off_t;
typedef uintptr_t oskit_addr_t;
typedef oskit_s64_t oskit_time_t;

typedef oskit_u64_t oskit_dev_t;
typedef oskit_u64_t oskit_ino_t;
typedef oskit_u32_t oskit_mode_t;
typedef oskit_u32_t oskit_nlink_t;
typedef oskit_u32_t oskit_uid_t;
typedef oskit_u32_t oskit_gid_t;
typedef oskit_s32_t oskit_pid_t;
typedef oskit_u16_t oskit_wchar_t;

struct oskit_timespec {
  oskit_time_t tv_sec;
  oskit_s32_t tv_nsec;
};
typedef struct oskit_timespec oskit_timespec_t;

#endif /* OSKIT_TYPES_H */
