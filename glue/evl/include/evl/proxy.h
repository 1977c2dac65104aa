/* File proxies (the EVL documentation's "File proxy"; libevl <evl/proxy.h>). evl_* calls
 * return a non-negative value on success, a negated errno on failure. */
#ifndef _EVL_PROXY_H
#define _EVL_PROXY_H

#include <linux/types.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>
#include <uapi/evl/factory.h>
#include <uapi/evl/proxy.h>

/* A private proxy with no particular granularity ("File proxy", evl_new_proxy). */
#define evl_new_proxy(__targetfd, __bufsz, ...) evl_create_proxy(__targetfd, __bufsz, 0, EVL_CLONE_PRIVATE, __VA_ARGS__)

#ifdef __cplusplus
extern "C" {
#endif

/* Creates a proxy to targetfd; returns its descriptor or -EEXIST, -EINVAL,
 * -EBADF, -ENAMETOOLONG, -EMFILE, -ENFILE, -ENOMEM, -ENXIO ("File proxy",
 * evl_create_proxy). fmt may be NULL for an anonymous private proxy. */
int evl_create_proxy(int targetfd, size_t bufsz, size_t granularity, int flags, const char *fmt, ...);

/* write(2) in-band, oob_write() out-of-band; returns the count or -errno. */
ssize_t evl_send_proxy(int proxyfd, const void *buf, size_t count);

/* Same as evl_send_proxy() (the later libevl name). */
ssize_t evl_write_proxy(int proxyfd, const void *buf, size_t count);

/* read(2) in-band, oob_read() out-of-band; returns the count or -errno. */
ssize_t evl_read_proxy(int proxyfd, void *buf, size_t count);

/* Formats then sends through proxyfd; returns the count or -errno. */
ssize_t evl_vprint_proxy(int proxyfd, const char *fmt, va_list ap);

/* Formats then sends through proxyfd; returns the count or -errno. */
ssize_t evl_print_proxy(int proxyfd, const char *fmt, ...);

/* Formats then sends through the stdout proxy evl_init() creates. */
ssize_t evl_printf(const char *fmt, ...);

/* Formats then sends through the stderr proxy evl_init() creates. */
ssize_t evl_eprintf(const char *fmt, ...);

/* The stdout and stderr proxies (proxy_outfd, proxy_errfd); negative before
 * evl_init(). */
int evl_stdout(void);
int evl_stderr(void);

/* The proxies to stdout and stderr evl_init() creates (-EBADF before). */
extern int proxy_outfd, proxy_errfd;

#ifdef __cplusplus
}
#endif

#endif /* _EVL_PROXY_H */
