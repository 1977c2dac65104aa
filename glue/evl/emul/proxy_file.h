// Proxies as files of the emulation: evl_create_proxy() and the test seams of
// glue/evl/emul/seams.h.
#ifndef GLUE_EVL_EMUL_PROXY_FILE_H
#define GLUE_EVL_EMUL_PROXY_FILE_H

#include <stdarg.h>
#include <stddef.h>

#include "glue/evl/emul/seams.h"

namespace oskit::evl::emul {

// evl_create_proxy() with its format arguments in ap; a descriptor or -errno.
int create_proxy(int targetfd, size_t bufsz, size_t granularity, int flags, const char* fmt, va_list ap);
// oskit_evl_proxy_set_target_io() and oskit_evl_proxy_get_stats().
int proxy_set_io(int fd, const oskit_evl_target_io* io);
int proxy_stats(int fd, oskit_evl_proxy_stats* s);
// oskit_evl_proxy_hold_awake().
int proxy_hold_awake(int fd, bool on);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_PROXY_FILE_H
