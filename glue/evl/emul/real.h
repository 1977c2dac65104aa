// The C library's own entry points behind the descriptors the emulation
// interposes on (read, write, close, ioctl, fcntl, mmap).
#ifndef GLUE_EVL_EMUL_REAL_H
#define GLUE_EVL_EMUL_REAL_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

ssize_t oskit_evl_real_read(int fd, void *buf, size_t count);
ssize_t oskit_evl_real_write(int fd, const void *buf, size_t count);
int oskit_evl_real_close(int fd);
void *oskit_evl_real_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
int oskit_evl_real_poll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask);
/* send(2) and recv(2) on the kernel side of the emulation's own descriptors,
 * past the socket calls net_interpose.c routes. */
ssize_t oskit_evl_real_send(int fd, const void *buf, size_t len, int flags);
ssize_t oskit_evl_real_recv(int fd, void *buf, size_t len, int flags);

/* Entry points the interposed calls use for descriptors of ours. Return the
 * result, or -1 with errno set. */
int oskit_evl_is_ours(int fd);
ssize_t oskit_evl_inband_read(int fd, void *buf, size_t count);
ssize_t oskit_evl_inband_write(int fd, const void *buf, size_t count);
int oskit_evl_inband_close(int fd);
int oskit_evl_inband_ioctl(int fd, unsigned long request, unsigned long arg);
void oskit_evl_inband_setfl(int fd, int flags);
/* The kernel's F_GETFL result with O_NONBLOCK as the emulated file has it
 * (FIONBIO and driver-side changes set it there only). */
int oskit_evl_inband_getfl(int fd, int kernel_flags);
void *oskit_evl_inband_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset);
/* poll(2) over descriptors some of which are ours: theirs report the file's
 * own poll events. timeout in milliseconds, negative for none. */
int oskit_evl_inband_poll(struct pollfd *fds, nfds_t nfds, int timeout, const sigset_t *sigmask);
/* open(2) of a public element's device file in this process: the new
 * descriptor, -ENOENT when path is not one (opened as usual then), or -errno. */
int oskit_evl_open_public(int dirfd, const char *path, int flags);
/* Counts a stage violation if the caller runs out-of-band. */
void oskit_evl_note_inband(const char *what);

#ifdef __cplusplus
}

namespace oskit::evl::emul::real {
inline ssize_t read(int fd, void *buf, size_t n) { return oskit_evl_real_read(fd, buf, n); }
inline ssize_t write(int fd, const void *buf, size_t n) { return oskit_evl_real_write(fd, buf, n); }
inline int close(int fd) { return oskit_evl_real_close(fd); }
inline ssize_t send(int fd, const void *buf, size_t n, int flags) { return oskit_evl_real_send(fd, buf, n, flags); }
inline ssize_t recv(int fd, void *buf, size_t n, int flags) { return oskit_evl_real_recv(fd, buf, n, flags); }
}  // namespace oskit::evl::emul::real
#endif

#endif /* GLUE_EVL_EMUL_REAL_H */
