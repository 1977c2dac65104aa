/* In-band system calls on the emulation's descriptors. EVL serves read(2),
 * write(2), ioctl(2), mmap(2) and close(2) on its elements in the kernel; the
 * emulation interposes on the C library's entry points and routes calls on
 * its own descriptors to the driver's in-band operations. Every other
 * descriptor goes straight to the next definition (the C library, or a
 * sanitizer's interceptor). Calls made out-of-band by an attached thread are
 * stage violations (glue/evl/stage.h). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
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

static void *next_symbol(void **cache, const char *name)
{
	void *fn = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
	if (fn == NULL) {
		fn = dlsym(RTLD_NEXT, name);
		__atomic_store_n(cache, fn, __ATOMIC_RELEASE);
	}
	return fn;
}

#define NEXT(type, name)                                  \
	static type next_##name(void)                     \
	{                                                 \
		static void *cache;                       \
		return (type)next_symbol(&cache, #name);  \
	}

NEXT(read_fn, read)
NEXT(write_fn, write)
NEXT(close_fn, close)
NEXT(ioctl_fn, ioctl)
NEXT(fcntl_fn, fcntl)
NEXT(fcntl_fn, fcntl64)
NEXT(mmap_fn, mmap)
NEXT(mmap_fn, mmap64)

ssize_t oskit_evl_real_read(int fd, void *buf, size_t count)
{
	read_fn fn = next_read();
	return fn ? fn(fd, buf, count) : syscall(SYS_read, fd, buf, count);
}

ssize_t oskit_evl_real_write(int fd, const void *buf, size_t count)
{
	write_fn fn = next_write();
	return fn ? fn(fd, buf, count) : syscall(SYS_write, fd, buf, count);
}

int oskit_evl_real_close(int fd)
{
	close_fn fn = next_close();
	return fn ? fn(fd) : (int)syscall(SYS_close, fd);
}

void *oskit_evl_real_mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	mmap_fn fn = next_mmap();
	return fn ? fn(addr, length, prot, flags, fd, offset)
		  : (void *)syscall(SYS_mmap, addr, length, prot, flags, fd, offset);
}

ssize_t read(int fd, void *buf, size_t count)
{
	if (oskit_evl_is_ours(fd))
		return oskit_evl_inband_read(fd, buf, count);
	oskit_evl_note_inband("read");
	return oskit_evl_real_read(fd, buf, count);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	if (oskit_evl_is_ours(fd))
		return oskit_evl_inband_write(fd, buf, count);
	oskit_evl_note_inband("write");
	return oskit_evl_real_write(fd, buf, count);
}

int close(int fd)
{
	if (oskit_evl_is_ours(fd))
		return oskit_evl_inband_close(fd);
	oskit_evl_note_inband("close");
	return oskit_evl_real_close(fd);
}

int ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	unsigned long arg;

	va_start(ap, request);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (oskit_evl_is_ours(fd))
		return oskit_evl_inband_ioctl(fd, request, arg);
	oskit_evl_note_inband("ioctl");
	ioctl_fn fn = next_ioctl();
	return fn ? fn(fd, request, arg) : (int)syscall(SYS_ioctl, fd, request, arg);
}

static int do_fcntl(fcntl_fn fn, int fd, int cmd, void *arg)
{
	int ret;

	oskit_evl_note_inband("fcntl");
	ret = fn ? fn(fd, cmd, arg) : (int)syscall(SYS_fcntl, fd, cmd, arg);
	if (ret >= 0 && cmd == F_SETFL && oskit_evl_is_ours(fd))
		oskit_evl_inband_setfl(fd, (int)(long)arg);
	return ret;
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(next_fcntl(), fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl(next_fcntl64(), fd, cmd, arg);
}

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	if (fd >= 0 && oskit_evl_is_ours(fd))
		return oskit_evl_inband_mmap(addr, length, prot, flags, fd, offset);
	return oskit_evl_real_mmap(addr, length, prot, flags, fd, offset);
}

void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	if (fd >= 0 && oskit_evl_is_ours(fd))
		return oskit_evl_inband_mmap(addr, length, prot, flags, fd, offset);
	mmap_fn fn = next_mmap64();
	return fn ? fn(addr, length, prot, flags, fd, offset) : oskit_evl_real_mmap(addr, length, prot, flags, fd, offset);
}
