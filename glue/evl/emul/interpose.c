/* In-band system calls on the emulation's descriptors. EVL serves read(2),
 * write(2), ioctl(2), mmap(2), close(2), poll(2) and open(2) of its device
 * files on its elements in the kernel; the
 * emulation interposes on the C library's entry points and routes calls on
 * its own descriptors to the driver's in-band operations. Every other
 * descriptor goes straight to the next definition (the C library, or a
 * sanitizer's interceptor). Calls made out-of-band by an attached thread are
 * stage violations (glue/evl/stage.h). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "glue/evl/emul/real.h"

typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef int (*close_fn)(int);
typedef int (*ioctl_fn)(int, unsigned long, ...);
typedef int (*fcntl_fn)(int, int, ...);
typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef int (*poll_fn)(struct pollfd *, nfds_t, int);
typedef int (*ppoll_fn)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *);

/* The wrappers run before sanitizer runtimes finish initialising (their own
 * start-up calls mmap and close through the PLT): they are not instrumented,
 * and until the constructor below has found the next definitions they issue
 * the system calls directly. */
#define UNINSTRUMENTED __attribute__((no_sanitize("thread", "address", "undefined")))

static read_fn next_read;
static write_fn next_write;
static close_fn next_close;
static ioctl_fn next_ioctl;
static fcntl_fn next_fcntl;
static fcntl_fn next_fcntl64;
static mmap_fn next_mmap;
static mmap_fn next_mmap64;
static openat_fn next_openat;
static poll_fn next_poll;
static ppoll_fn next_ppoll;
static int resolved;

__attribute__((constructor(101))) static void resolve_next(void) {
  next_read = (read_fn)dlsym(RTLD_NEXT, "read");
  next_write = (write_fn)dlsym(RTLD_NEXT, "write");
  next_close = (close_fn)dlsym(RTLD_NEXT, "close");
  next_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
  next_fcntl = (fcntl_fn)dlsym(RTLD_NEXT, "fcntl");
  next_fcntl64 = (fcntl_fn)dlsym(RTLD_NEXT, "fcntl64");
  next_mmap = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
  next_mmap64 = (mmap_fn)dlsym(RTLD_NEXT, "mmap64");
  next_openat = (openat_fn)dlsym(RTLD_NEXT, "openat");
  next_poll = (poll_fn)dlsym(RTLD_NEXT, "poll");
  next_ppoll = (ppoll_fn)dlsym(RTLD_NEXT, "ppoll");
  __atomic_store_n(&resolved, 1, __ATOMIC_RELEASE);
}

static UNINSTRUMENTED int ready(void) { return __atomic_load_n(&resolved, __ATOMIC_ACQUIRE); }

/* The descriptor table of core.cc: 1024 chunks of 1024 {File *, int}. */
struct fd_slot {
  void *file;
  int users;
  int pad;
};
extern struct fd_slot *oskit_evl_fd_table[1024];

static UNINSTRUMENTED int ours(int fd) {
  struct fd_slot *chunk;

  if (fd < 0 || fd >= 1024 * 1024 || !ready()) return 0;
  chunk = __atomic_load_n(&oskit_evl_fd_table[fd >> 10], __ATOMIC_ACQUIRE);
  return chunk != NULL && __atomic_load_n(&chunk[fd & 1023].file, __ATOMIC_RELAXED) != NULL;
}

UNINSTRUMENTED ssize_t oskit_evl_real_read(int fd, void *buf, size_t count) {
  return ready() && next_read ? next_read(fd, buf, count) : syscall(SYS_read, fd, buf, count);
}

UNINSTRUMENTED ssize_t oskit_evl_real_write(int fd, const void *buf, size_t count) {
  return ready() && next_write ? next_write(fd, buf, count) : syscall(SYS_write, fd, buf, count);
}

UNINSTRUMENTED int oskit_evl_real_close(int fd) {
  return ready() && next_close ? next_close(fd) : (int)syscall(SYS_close, fd);
}

UNINSTRUMENTED void *oskit_evl_real_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
  return ready() && next_mmap ? next_mmap(addr, length, prot, flags, fd, offset)
                              : (void *)syscall(SYS_mmap, addr, length, prot, flags, fd, offset);
}

UNINSTRUMENTED ssize_t read(int fd, void *buf, size_t count) {
  if (ours(fd)) return oskit_evl_inband_read(fd, buf, count);
  if (ready()) oskit_evl_note_inband("read");
  return oskit_evl_real_read(fd, buf, count);
}

UNINSTRUMENTED ssize_t write(int fd, const void *buf, size_t count) {
  if (ours(fd)) return oskit_evl_inband_write(fd, buf, count);
  if (ready()) oskit_evl_note_inband("write");
  return oskit_evl_real_write(fd, buf, count);
}

UNINSTRUMENTED int close(int fd) {
  if (ours(fd)) return oskit_evl_inband_close(fd);
  if (ready()) oskit_evl_note_inband("close");
  return oskit_evl_real_close(fd);
}

UNINSTRUMENTED int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  unsigned long arg;

  va_start(ap, request);
  arg = va_arg(ap, unsigned long);
  va_end(ap);
  if (ours(fd)) return oskit_evl_inband_ioctl(fd, request, arg);
  if (ready()) oskit_evl_note_inband("ioctl");
  return ready() && next_ioctl ? next_ioctl(fd, request, arg) : (int)syscall(SYS_ioctl, fd, request, arg);
}

static UNINSTRUMENTED int do_fcntl(fcntl_fn fn, int fd, int cmd, void *arg) {
  int ret;

  if (ready()) oskit_evl_note_inband("fcntl");
  ret = ready() && fn ? fn(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg);
  if (ret >= 0 && cmd == F_SETFL && ours(fd)) oskit_evl_inband_setfl(fd, (int)(long)arg);
  if (ret >= 0 && cmd == F_GETFL && ours(fd)) ret = oskit_evl_inband_getfl(fd, ret);
  return ret;
}

UNINSTRUMENTED int fcntl(int fd, int cmd, ...) {
  va_list ap;
  void *arg;

  va_start(ap, cmd);
  arg = va_arg(ap, void *);
  va_end(ap);
  return do_fcntl(next_fcntl, fd, cmd, arg);
}

UNINSTRUMENTED int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  void *arg;

  va_start(ap, cmd);
  arg = va_arg(ap, void *);
  va_end(ap);
  return do_fcntl(next_fcntl64, fd, cmd, arg);
}

UNINSTRUMENTED void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
  if (ours(fd)) return oskit_evl_inband_mmap(addr, length, prot, flags, fd, offset);
  return oskit_evl_real_mmap(addr, length, prot, flags, fd, offset);
}

UNINSTRUMENTED void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
  if (ours(fd)) return oskit_evl_inband_mmap(addr, length, prot, flags, fd, offset);
  if (ready() && next_mmap64) return next_mmap64(addr, length, prot, flags, fd, offset);
  return oskit_evl_real_mmap(addr, length, prot, flags, fd, offset);
}

UNINSTRUMENTED int oskit_evl_real_poll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout,
                                       const sigset_t *sigmask) {
  if (ready() && next_ppoll) return next_ppoll(fds, nfds, timeout, sigmask);
  return (int)syscall(SYS_ppoll, fds, nfds, timeout, sigmask, _NSIG / 8);
}

static UNINSTRUMENTED int any_ours(const struct pollfd *fds, nfds_t nfds) {
  nfds_t n;

  for (n = 0; n < nfds; n++)
    if (ours(fds[n].fd)) return 1;
  return 0;
}

UNINSTRUMENTED int poll(struct pollfd *fds, nfds_t nfds, int timeout) {
  struct timespec ts;

  if (ready() && any_ours(fds, nfds)) return oskit_evl_inband_poll(fds, nfds, timeout, NULL);
  if (ready() && next_poll) return next_poll(fds, nfds, timeout);
  ts.tv_sec = timeout / 1000;
  ts.tv_nsec = (timeout % 1000) * 1000000L;
  return (int)syscall(SYS_ppoll, fds, nfds, timeout < 0 ? NULL : &ts, NULL, _NSIG / 8);
}

UNINSTRUMENTED int ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *timeout, const sigset_t *sigmask) {
  int ms;

  if (ready() && any_ours(fds, nfds) && sigmask == NULL) {
    ms = timeout == NULL ? -1 : (int)(timeout->tv_sec * 1000 + timeout->tv_nsec / 1000000);
    return oskit_evl_inband_poll(fds, nfds, ms, NULL);
  }
  return oskit_evl_real_poll(fds, nfds, timeout, sigmask);
}

/* open(2) of a public element's device file gives one more file on the
 * element; every other path goes to the next definition. */
static UNINSTRUMENTED int do_openat(int dirfd, const char *path, int flags, mode_t mode) {
  int fd;

  if (ready()) {
    fd = oskit_evl_open_public(dirfd, path, flags);
    if (fd != -ENOENT) {
      if (fd >= 0) return fd;
      errno = -fd;
      return -1;
    }
  }
  if (ready() && next_openat) return next_openat(dirfd, path, flags, mode);
  return (int)syscall(SYS_openat, dirfd, path, flags, mode);
}

static UNINSTRUMENTED mode_t mode_arg(int flags, va_list ap) {
  return (flags & (O_CREAT | __O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

UNINSTRUMENTED int open(const char *path, int flags, ...) {
  va_list ap;
  mode_t mode;

  va_start(ap, flags);
  mode = mode_arg(flags, ap);
  va_end(ap);
  return do_openat(AT_FDCWD, path, flags, mode);
}

UNINSTRUMENTED int open64(const char *path, int flags, ...) {
  va_list ap;
  mode_t mode;

  va_start(ap, flags);
  mode = mode_arg(flags, ap);
  va_end(ap);
  return do_openat(AT_FDCWD, path, flags | O_LARGEFILE, mode);
}

UNINSTRUMENTED int openat(int dirfd, const char *path, int flags, ...) {
  va_list ap;
  mode_t mode;

  va_start(ap, flags);
  mode = mode_arg(flags, ap);
  va_end(ap);
  return do_openat(dirfd, path, flags, mode);
}

UNINSTRUMENTED int openat64(int dirfd, const char *path, int flags, ...) {
  va_list ap;
  mode_t mode;

  va_start(ap, flags);
  mode = mode_arg(flags, ap);
  va_end(ap);
  return do_openat(dirfd, path, flags | O_LARGEFILE, mode);
}

UNINSTRUMENTED int __open_2(const char *path, int flags) { return do_openat(AT_FDCWD, path, flags, 0); }

UNINSTRUMENTED int __open64_2(const char *path, int flags) { return do_openat(AT_FDCWD, path, flags | O_LARGEFILE, 0); }

UNINSTRUMENTED int __openat_2(int dirfd, const char *path, int flags) { return do_openat(dirfd, path, flags, 0); }

UNINSTRUMENTED int __openat64_2(int dirfd, const char *path, int flags) {
  return do_openat(dirfd, path, flags | O_LARGEFILE, 0);
}
