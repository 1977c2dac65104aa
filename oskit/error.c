/* Total mappings between OSKit error codes and errno (see error.h). */
#include "oskit/error.h"

#include <errno.h>
#include <stddef.h>

struct oskit_error_entry {
  oskit_error_t code;
  int err;
  const char *text;
};

/* Ordered so that the first entry for an errno is the code it maps to. */
static const struct oskit_error_entry oskit_error_table[] = {
    {OSKIT_E_UNEXPECTED, EIO, "Unexpected error"},
    {OSKIT_E_NOTIMPL, ENOSYS, "Not implemented"},
    {OSKIT_E_NOINTERFACE, ENOSYS, "Interface not supported"},
    {OSKIT_E_POINTER, EFAULT, "Bad pointer"},
    {OSKIT_E_ABORT, ECANCELED, "Operation aborted"},
    {OSKIT_E_FAIL, EIO, "Operation failed"},
    {OSKIT_E_ACCESSDENIED, EPERM, "Access denied"},
    {OSKIT_E_OUTOFMEMORY, ENOMEM, "Out of memory"},
    {OSKIT_E_INVALIDARG, EINVAL, "Invalid argument"},
    {OSKIT_EDOM, EDOM, "Argument out of domain"},
    {OSKIT_ERANGE, ERANGE, "Result too large"},
    {OSKIT_E2BIG, E2BIG, "Argument list too long"},
    {OSKIT_EACCES, EACCES, "Permission denied"},
    {OSKIT_EAGAIN, EAGAIN, "Resource temporarily unavailable"},
    {OSKIT_EBADF, EBADF, "Bad file descriptor"},
    {OSKIT_EBUSY, EBUSY, "Device busy"},
    {OSKIT_ECHILD, ECHILD, "No child processes"},
    {OSKIT_EDEADLK, EDEADLK, "Resource deadlock avoided"},
    {OSKIT_EEXIST, EEXIST, "File exists"},
    {OSKIT_EFBIG, EFBIG, "File too large"},
    {OSKIT_EINTR, EINTR, "Interrupted system call"},
    {OSKIT_EIO, EIO, "Input/output error"},
    {OSKIT_EISDIR, EISDIR, "Is a directory"},
    {OSKIT_EMFILE, EMFILE, "Too many open files"},
    {OSKIT_EMLINK, EMLINK, "Too many links"},
    {OSKIT_ENAMETOOLONG, ENAMETOOLONG, "File name too long"},
    {OSKIT_ENFILE, ENFILE, "Too many open files in system"},
    {OSKIT_ENODEV, ENODEV, "Operation not supported by device"},
    {OSKIT_ENOENT, ENOENT, "No such file or directory"},
    {OSKIT_ENOEXEC, ENOEXEC, "Exec format error"},
    {OSKIT_ENOLCK, ENOLCK, "No locks available"},
    {OSKIT_ENOSPC, ENOSPC, "No space left on device"},
    {OSKIT_ENOTDIR, ENOTDIR, "Not a directory"},
    {OSKIT_ENOTEMPTY, ENOTEMPTY, "Directory not empty"},
    {OSKIT_ENOTTY, ENOTTY, "Inappropriate ioctl for device"},
    {OSKIT_ENXIO, ENXIO, "Device not configured"},
    {OSKIT_EPIPE, EPIPE, "Broken pipe"},
    {OSKIT_EROFS, EROFS, "Read-only file system"},
    {OSKIT_ESPIPE, ESPIPE, "Illegal seek"},
    {OSKIT_ESRCH, ESRCH, "No such process"},
    {OSKIT_EXDEV, EXDEV, "Cross-device link"},
    {OSKIT_EBADMSG, EBADMSG, "Bad message"},
    {OSKIT_ECANCELED, ECANCELED, "Operation canceled"},
    {OSKIT_EINPROGRESS, EINPROGRESS, "Operation in progress"},
    {OSKIT_EMSGSIZE, EMSGSIZE, "Message too long"},
    {OSKIT_ENOTSUP, ENOTSUP, "Not supported"},
    {OSKIT_ETIMEDOUT, ETIMEDOUT, "Operation timed out"},
    {OSKIT_EADDRINUSE, EADDRINUSE, "Address in use"},
    {OSKIT_EADDRNOTAVAIL, EADDRNOTAVAIL, "Address not available"},
    {OSKIT_EAFNOSUPPORT, EAFNOSUPPORT, "Address family not supported"},
    {OSKIT_EALREADY, EALREADY, "Operation already in progress"},
    {OSKIT_ECONNABORTED, ECONNABORTED, "Connection aborted"},
    {OSKIT_ECONNREFUSED, ECONNREFUSED, "Connection refused"},
    {OSKIT_ECONNRESET, ECONNRESET, "Connection reset"},
    {OSKIT_EDESTADDRREQ, EDESTADDRREQ, "Destination address required"},
    {OSKIT_EDQUOT, EDQUOT, "Disk quota exceeded"},
    {OSKIT_EHOSTUNREACH, EHOSTUNREACH, "Host is unreachable"},
    {OSKIT_EIDRM, EIDRM, "Identifier removed"},
    {OSKIT_EILSEQ, EILSEQ, "Illegal byte sequence"},
    {OSKIT_EISCONN, EISCONN, "Socket is connected"},
    {OSKIT_ELOOP, ELOOP, "Too many symbolic links"},
    {OSKIT_EMULTIHOP, EMULTIHOP, "Multihop attempted"},
    {OSKIT_ENETDOWN, ENETDOWN, "Network is down"},
    {OSKIT_ENETUNREACH, ENETUNREACH, "Network unreachable"},
    {OSKIT_ENOBUFS, ENOBUFS, "No buffer space available"},
    {OSKIT_ENODATA, ENODATA, "No message is available"},
    {OSKIT_ENOLINK, ENOLINK, "Link has been severed"},
    {OSKIT_ENOMSG, ENOMSG, "No message of desired type"},
    {OSKIT_ENOPROTOOPT, ENOPROTOOPT, "Protocol not available"},
    {OSKIT_ENOSR, ENOSR, "No STREAM resources"},
    {OSKIT_ENOSTR, ENOSTR, "Not a STREAM"},
    {OSKIT_ENOTCONN, ENOTCONN, "Socket not connected"},
    {OSKIT_ENOTSOCK, ENOTSOCK, "Not a socket"},
    {OSKIT_EOPNOTSUPP, EOPNOTSUPP, "Operation not supported on socket"},
    {OSKIT_EOVERFLOW, EOVERFLOW, "Value too large"},
    {OSKIT_EPROTO, EPROTO, "Protocol error"},
    {OSKIT_EPROTONOSUPPORT, EPROTONOSUPPORT, "Protocol not supported"},
    {OSKIT_EPROTOTYPE, EPROTOTYPE, "Protocol wrong type for socket"},
    {OSKIT_ESTALE, ESTALE, "Stale file handle"},
    {OSKIT_ETIME, ETIME, "Timer expired"},
    {OSKIT_ETXTBSY, ETXTBSY, "Text file busy"},
    {OSKIT_EWOULDBLOCK, EAGAIN, "Operation would block"},
};

#define OSKIT_ERROR_TABLE_SIZE (sizeof(oskit_error_table) / sizeof(oskit_error_table[0]))

/* errno values whose OSKit code is not the first table entry for that errno. */
static oskit_error_t oskit_error_special(int err) {
  switch (err) {
    case EIO:
      return OSKIT_EIO;
    case ENOSYS:
      return OSKIT_E_NOTIMPL;
    case ECANCELED:
      return OSKIT_ECANCELED;
#if EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP:
      return OSKIT_EOPNOTSUPP;
#endif
    case ENOTBLK:
      return OSKIT_EINVAL;
    default:
      return 0;
  }
}

oskit_error_t oskit_error_from_errno(int err) {
  size_t i;
  oskit_error_t special;
  if (err == 0) return 0;
  special = oskit_error_special(err);
  if (special != 0) return special;
  for (i = 0; i < OSKIT_ERROR_TABLE_SIZE; i++)
    if (oskit_error_table[i].err == err) return oskit_error_table[i].code;
  return OSKIT_E_FAIL;
}

int oskit_errno_from_error(oskit_error_t rc) {
  size_t i;
  if (rc == 0) return 0;
  for (i = 0; i < OSKIT_ERROR_TABLE_SIZE; i++)
    if (oskit_error_table[i].code == rc) return oskit_error_table[i].err;
  return EIO;
}

const char *oskit_error_string(oskit_error_t rc) {
  size_t i;
  if (rc == 0) return "Success";
  for (i = 0; i < OSKIT_ERROR_TABLE_SIZE; i++)
    if (oskit_error_table[i].code == rc) return oskit_error_table[i].text;
  return "Unknown error";
}
