/* A kernel-like driver API for out-of-band drivers running inside the
 * emulation (docs/design.md, section 5, "oob drivers"). A driver registers a named
 * device with a file-operations table; oskit_evl_open() yields a real kernel
 * descriptor which poll(2)/epoll report as the driver's poll operation says,
 * on which oob_read/oob_write/oob_ioctl reach the oob_* operations (with the
 * error codes of the EVL documentation's "Out-of-band I/O services") and
 * read(2)/write(2)/ioctl(2)/close(2) the in-band ones.
 *
 * Operations return a non-negative result or a negated errno, like a Linux
 * driver's. Usable from C and C++. */
#ifndef GLUE_EVL_DRIVER_H
#define GLUE_EVL_DRIVER_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct oskit_evl_device;

/* One open file on a device. */
struct oskit_evl_file {
  int fd; /* the descriptor the opener holds */
  struct oskit_evl_device *device;
  void *private_data; /* the driver's, per open file */
};

struct oskit_evl_file_operations {
  /* Called by oskit_evl_open(); non-zero fails the open with that error. */
  int (*open)(struct oskit_evl_file *file);
  /* Called by close(2), before release: wake callers blocked on file. */
  void (*flush)(struct oskit_evl_file *file);
  /* Called once no caller uses file any more. */
  void (*release)(struct oskit_evl_file *file);
  ssize_t (*oob_read)(struct oskit_evl_file *file, void *buf, size_t count);
  ssize_t (*oob_write)(struct oskit_evl_file *file, const void *buf, size_t count);
  long (*oob_ioctl)(struct oskit_evl_file *file, unsigned int cmd, unsigned long arg);
  ssize_t (*read)(struct oskit_evl_file *file, void *buf, size_t count);
  ssize_t (*write)(struct oskit_evl_file *file, const void *buf, size_t count);
  long (*ioctl)(struct oskit_evl_file *file, unsigned int cmd, unsigned long arg);
  /* The events ready now (POLLIN, POLLOUT, POLLERR...). events is what the
   * poller asked for, 0 when the emulation refreshes the descriptor. */
  unsigned int (*poll)(struct oskit_evl_file *file, unsigned int events);
  /* Maps the device; stores the address in *mapped. */
  int (*mmap)(struct oskit_evl_file *file, void *addr, size_t length, int prot, int flags, off_t offset, void **mapped);
};

/* Registers a device; returns 0, -EEXIST (name taken), -EINVAL (bad name or
 * no table), -ENOMEM. */
int oskit_evl_register_device(const char *name, const struct oskit_evl_file_operations *fops, void *drvdata,
                              struct oskit_evl_device **devp);

/* Unregisters a device; -EBUSY while files are open on it. */
int oskit_evl_unregister_device(struct oskit_evl_device *dev);

/* The drvdata given at registration. */
void *oskit_evl_device_data(const struct oskit_evl_device *dev);

/* Opens a device by name with open(2) flags (O_RDONLY, O_WRONLY, O_RDWR,
 * O_NONBLOCK). Returns a descriptor or -ENODEV, -EINVAL, -EMFILE, -ENFILE,
 * -ENOMEM, -ENXIO (before evl_init()), or the open operation's error. */
int oskit_evl_open(const char *name, int flags);

/* The file's current open flags (fcntl(F_SETFL) changes O_NONBLOCK). */
int oskit_evl_file_flags(const struct oskit_evl_file *file);

/* Sets or clears O_NONBLOCK on the file, as fcntl(F_SETFL) would, without a
 * system call (a driver may do it for an out-of-band caller). Returns 0. */
int oskit_evl_file_set_nonblock(struct oskit_evl_file *file, int on);

/* Whether close(2) has begun on the file: blocked callers return -EBADF. */
int oskit_evl_file_closing(const struct oskit_evl_file *file);

/* Tells the emulation that the file's poll state may have changed: evl_poll
 * waiters are woken and the kernel descriptor's readiness is refreshed (at
 * once in-band, through a relay thread when called out-of-band). */
void oskit_evl_file_notify(struct oskit_evl_file *file);

/* Checks that the caller can read [ptr, ptr + len) / write it; 0 or -EFAULT
 * (NULL, a non-canonical or an unmapped address, a page without the access).
 * No system call for an accessible buffer. */
int oskit_evl_check_user(const void *ptr, size_t len);
int oskit_evl_check_user_write(void *ptr, size_t len);

/* Answers a FIONREAD request: stores count (at most INT_MAX) as an int at
 * arg. Returns 0 or -EFAULT. */
long oskit_evl_reply_fionread(unsigned long arg, size_t count);

/* A wait queue for blocking operations (an oob wait on a real core). Zero
 * initialised. Waiters: take a ticket, re-check the condition, then wait on
 * the ticket; wakers change the state, then wake. */
struct oskit_evl_waitq {
  unsigned int seq;
  unsigned int waiters;
};

unsigned int oskit_evl_waitq_ticket(struct oskit_evl_waitq *q);
/* Sleeps until a wake after the ticket was taken. Returns 0. */
int oskit_evl_waitq_wait(struct oskit_evl_waitq *q, unsigned int ticket);
void oskit_evl_waitq_wake_all(struct oskit_evl_waitq *q);

#ifdef __cplusplus
}
#endif

#endif /* GLUE_EVL_DRIVER_H */
