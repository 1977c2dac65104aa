/* Out-of-band I/O services (the EVL documentation's "Out-of-band I/O services").
 * Return convention: the count (or 0 for oob_ioctl) on success, otherwise -1
 * with errno set exactly as that page lists (EBADF, EINVAL, ENOTTY, EFAULT,
 * EAGAIN, plus driver-specific codes such as a proxy's EFBIG). */
#ifndef _EVL_SYSCALL_H
#define _EVL_SYSCALL_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Reads up to count bytes from an oob-capable descriptor into buf. */
ssize_t oob_read(int efd, void *buf, size_t count);

/* Writes count bytes from buf to an oob-capable descriptor. */
ssize_t oob_write(int efd, const void *buf, size_t count);

/* Issues request (with one optional argument) to an oob-capable descriptor. */
int oob_ioctl(int efd, unsigned long request, ...);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_SYSCALL_H */
