// posixio over a file descriptor (OSKit manual section 7.6), shared by the
// components that wrap one, and small fd helpers.
#ifndef GLUE_POSIX_FD_POSIXIO_H
#define GLUE_POSIX_FD_POSIXIO_H

#include <sys/types.h>

#include "oskit/error.h"
#include "oskit/io/posixio.h"

namespace oskit::posix {

// The OSKit code of the current errno.
oskit_error_t last_error() noexcept;

// fstat(2) into an oskit_stat (7.6.1).
oskit_error_t fd_stat(int fd, oskit_stat_t* out) noexcept;

// Checks a setstat request without changing anything: OSKIT_E_POINTER for a
// null stats, OSKIT_EINVAL for bits outside OSKIT_STAT_SETTABLE, for
// UTIMES_NULL combined with ATIME or MTIME, for a negative size or for a
// nanosecond field outside [0, 1e9).
oskit_error_t check_setstat(oskit_u32_t mask, const oskit_stat_t* stats) noexcept;

// setstat (7.6.2) after check_setstat: MODE by fchmod (file type bits ignored),
// UID/GID by fchown, SIZE by ftruncate, ATIME/MTIME/UTIMES_NULL by futimens.
// Applied in that order; the first failure is returned.
oskit_error_t fd_setstat(int fd, oskit_u32_t mask, const oskit_stat_t* stats) noexcept;

// pathconf (7.6.3) by fpathconf with the OSKIT_PC_* option mapped to _PC_*.
// An unknown option is OSKIT_EINVAL; an option without a limit gives -1;
// values beyond INT32_MAX are clamped.
oskit_error_t fd_pathconf(int fd, oskit_s32_t option, oskit_s32_t* out_val) noexcept;

// pread/pwrite of the whole range, resuming after EINTR and short transfers.
// *out_done gets the bytes transferred (short only at end of file for reads).
oskit_error_t pread_all(int fd, void* buf, size_t amount, off_t offset, size_t* out_done) noexcept;
oskit_error_t pwrite_all(int fd, const void* buf, size_t amount, off_t offset, size_t* out_done) noexcept;

}  // namespace oskit::posix

#endif  // GLUE_POSIX_FD_POSIXIO_H
