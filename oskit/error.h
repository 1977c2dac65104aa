/*
 * OSKit error codes (OSKit <oskit/error.h>, values kept exactly) and total
 * mappings between them and the host's errno values.
 */
#ifndef OSKIT_ERROR_H
#define OSKIT_ERROR_H

#include "oskit/types.h"

typedef oskit_s32_t oskit_error_t;

#define OSKIT_ERROR_VALUE(v) ((oskit_error_t)(v))
#define OSKIT_SUCCEEDED(rc) ((oskit_error_t)(rc) >= 0)
#define OSKIT_FAILED(rc) ((oskit_error_t)(rc) < 0)
#define OSKIT_S_OK 0

#define OSKIT_E_UNEXPECTED OSKIT_ERROR_VALUE(0x8000ffff)    /* Unexpected error */
#define OSKIT_E_NOTIMPL OSKIT_ERROR_VALUE(0x80004001)       /* Not implemented */
#define OSKIT_E_NOINTERFACE OSKIT_ERROR_VALUE(0x80004002)   /* Interface not supported */
#define OSKIT_E_POINTER OSKIT_ERROR_VALUE(0x80004003)       /* Bad pointer */
#define OSKIT_E_ABORT OSKIT_ERROR_VALUE(0x80004004)         /* Operation aborted */
#define OSKIT_E_FAIL OSKIT_ERROR_VALUE(0x80004005)          /* Operation failed */
#define OSKIT_E_ACCESSDENIED OSKIT_ERROR_VALUE(0x80070005)  /* Access denied */
#define OSKIT_E_OUTOFMEMORY OSKIT_ERROR_VALUE(0x8007000e)   /* Out of memory */
#define OSKIT_E_INVALIDARG OSKIT_ERROR_VALUE(0x80070057)    /* Invalid argument */
#define OSKIT_EDOM OSKIT_ERROR_VALUE(0x8f100001)            /* Argument out of domain */
#define OSKIT_ERANGE OSKIT_ERROR_VALUE(0x8f100002)          /* Result too large */
#define OSKIT_E2BIG OSKIT_ERROR_VALUE(0x8f100101)           /* Argument list too long */
#define OSKIT_EACCES OSKIT_ERROR_VALUE(0x8f100102)          /* Permission denied */
#define OSKIT_EAGAIN OSKIT_ERROR_VALUE(0x8f100103)          /* Resource temporarily unavailable */
#define OSKIT_EBADF OSKIT_ERROR_VALUE(0x8f100104)           /* Bad file descriptor */
#define OSKIT_EBUSY OSKIT_ERROR_VALUE(0x8f100105)           /* Device busy */
#define OSKIT_ECHILD OSKIT_ERROR_VALUE(0x8f100106)          /* No child processes */
#define OSKIT_EDEADLK OSKIT_ERROR_VALUE(0x8f100107)         /* Resource deadlock avoided */
#define OSKIT_EEXIST OSKIT_ERROR_VALUE(0x8f100108)          /* File exists */
#define OSKIT_EFBIG OSKIT_ERROR_VALUE(0x8f100109)           /* File too large */
#define OSKIT_EINTR OSKIT_ERROR_VALUE(0x8f10010a)           /* Interrupted system call */
#define OSKIT_EIO OSKIT_ERROR_VALUE(0x8f10010b)             /* Input/output error */
#define OSKIT_EISDIR OSKIT_ERROR_VALUE(0x8f10010c)          /* Is a directory */
#define OSKIT_EMFILE OSKIT_ERROR_VALUE(0x8f10010d)          /* Too many open files */
#define OSKIT_EMLINK OSKIT_ERROR_VALUE(0x8f10010e)          /* Too many links */
#define OSKIT_ENAMETOOLONG OSKIT_ERROR_VALUE(0x8f10010f)    /* File name too long */
#define OSKIT_ENFILE OSKIT_ERROR_VALUE(0x8f100110)          /* Too many open files in system */
#define OSKIT_ENODEV OSKIT_ERROR_VALUE(0x8f100111)          /* Operation not supported by device */
#define OSKIT_ENOENT OSKIT_ERROR_VALUE(0x8f100112)          /* No such file or directory */
#define OSKIT_ENOEXEC OSKIT_ERROR_VALUE(0x8f100113)         /* Exec format error */
#define OSKIT_ENOLCK OSKIT_ERROR_VALUE(0x8f100114)          /* No locks available */
#define OSKIT_ENOSPC OSKIT_ERROR_VALUE(0x8f100115)          /* No space left on device */
#define OSKIT_ENOTDIR OSKIT_ERROR_VALUE(0x8f100116)         /* Not a directory */
#define OSKIT_ENOTEMPTY OSKIT_ERROR_VALUE(0x8f100117)       /* Directory not empty */
#define OSKIT_ENOTTY OSKIT_ERROR_VALUE(0x8f100118)          /* Inappropriate ioctl for device */
#define OSKIT_ENXIO OSKIT_ERROR_VALUE(0x8f100119)           /* Device not configured */
#define OSKIT_EPIPE OSKIT_ERROR_VALUE(0x8f10011a)           /* Broken pipe */
#define OSKIT_EROFS OSKIT_ERROR_VALUE(0x8f10011b)           /* Read-only file system */
#define OSKIT_ESPIPE OSKIT_ERROR_VALUE(0x8f10011c)          /* Illegal seek */
#define OSKIT_ESRCH OSKIT_ERROR_VALUE(0x8f10011d)           /* No such process */
#define OSKIT_EXDEV OSKIT_ERROR_VALUE(0x8f10011e)           /* Cross-device link */
#define OSKIT_EBADMSG OSKIT_ERROR_VALUE(0x8f100120)         /* Bad message */
#define OSKIT_ECANCELED OSKIT_ERROR_VALUE(0x8f100121)       /* Operation canceled */
#define OSKIT_EINPROGRESS OSKIT_ERROR_VALUE(0x8f100122)     /* Operation in progress */
#define OSKIT_EMSGSIZE OSKIT_ERROR_VALUE(0x8f100123)        /* Message too long */
#define OSKIT_ENOTSUP OSKIT_ERROR_VALUE(0x8f100124)         /* Not supported */
#define OSKIT_ETIMEDOUT OSKIT_ERROR_VALUE(0x8f100130)       /* Operation timed out */
#define OSKIT_EADDRINUSE OSKIT_ERROR_VALUE(0x8f100200)      /* Address in use */
#define OSKIT_EADDRNOTAVAIL OSKIT_ERROR_VALUE(0x8f100201)   /* Address not available */
#define OSKIT_EAFNOSUPPORT OSKIT_ERROR_VALUE(0x8f100202)    /* Address family not supported */
#define OSKIT_EALREADY OSKIT_ERROR_VALUE(0x8f100203)        /* Operation already in progress */
#define OSKIT_ECONNABORTED OSKIT_ERROR_VALUE(0x8f100204)    /* Connection aborted */
#define OSKIT_ECONNREFUSED OSKIT_ERROR_VALUE(0x8f100205)    /* Connection refused */
#define OSKIT_ECONNRESET OSKIT_ERROR_VALUE(0x8f100206)      /* Connection reset */
#define OSKIT_EDESTADDRREQ OSKIT_ERROR_VALUE(0x8f100207)    /* Destination address required */
#define OSKIT_EDQUOT OSKIT_ERROR_VALUE(0x8f100208)          /* Disk quota exceeded */
#define OSKIT_EHOSTUNREACH OSKIT_ERROR_VALUE(0x8f100209)    /* Host is unreachable */
#define OSKIT_EIDRM OSKIT_ERROR_VALUE(0x8f10020a)           /* Identifier removed */
#define OSKIT_EILSEQ OSKIT_ERROR_VALUE(0x8f10020b)          /* Illegal byte sequence */
#define OSKIT_EISCONN OSKIT_ERROR_VALUE(0x8f10020c)         /* Socket is connected */
#define OSKIT_ELOOP OSKIT_ERROR_VALUE(0x8f10020d)           /* Too many symbolic links */
#define OSKIT_EMULTIHOP OSKIT_ERROR_VALUE(0x8f10020e)       /* Multihop attempted */
#define OSKIT_ENETDOWN OSKIT_ERROR_VALUE(0x8f10020f)        /* Network is down */
#define OSKIT_ENETUNREACH OSKIT_ERROR_VALUE(0x8f100210)     /* Network unreachable */
#define OSKIT_ENOBUFS OSKIT_ERROR_VALUE(0x8f100211)         /* No buffer space available */
#define OSKIT_ENODATA OSKIT_ERROR_VALUE(0x8f100212)         /* No message is available */
#define OSKIT_ENOLINK OSKIT_ERROR_VALUE(0x8f100213)         /* Link has been severed */
#define OSKIT_ENOMSG OSKIT_ERROR_VALUE(0x8f100214)          /* No message of desired type */
#define OSKIT_ENOPROTOOPT OSKIT_ERROR_VALUE(0x8f100215)     /* Protocol not available */
#define OSKIT_ENOSR OSKIT_ERROR_VALUE(0x8f100216)           /* No STREAM resources */
#define OSKIT_ENOSTR OSKIT_ERROR_VALUE(0x8f100217)          /* Not a STREAM */
#define OSKIT_ENOTCONN OSKIT_ERROR_VALUE(0x8f100218)        /* Socket not connected */
#define OSKIT_ENOTSOCK OSKIT_ERROR_VALUE(0x8f100219)        /* Not a socket */
#define OSKIT_EOPNOTSUPP OSKIT_ERROR_VALUE(0x8f10021a)      /* Operation not supported on socket */
#define OSKIT_EOVERFLOW OSKIT_ERROR_VALUE(0x8f10021b)       /* Value too large */
#define OSKIT_EPROTO OSKIT_ERROR_VALUE(0x8f10021c)          /* Protocol error */
#define OSKIT_EPROTONOSUPPORT OSKIT_ERROR_VALUE(0x8f10021d) /* Protocol not supported */
#define OSKIT_EPROTOTYPE OSKIT_ERROR_VALUE(0x8f10021e)      /* Protocol wrong type for socket */
#define OSKIT_ESTALE OSKIT_ERROR_VALUE(0x8f10021f)          /* Stale file handle */
#define OSKIT_ETIME OSKIT_ERROR_VALUE(0x8f100220)           /* Timer expired */
#define OSKIT_ETXTBSY OSKIT_ERROR_VALUE(0x8f100221)         /* Text file busy */
#define OSKIT_EWOULDBLOCK OSKIT_ERROR_VALUE(0x8f100222)     /* Operation would block */

/* Codes that share a COM value. */
#define OSKIT_EFAULT OSKIT_E_POINTER
#define OSKIT_EINVAL OSKIT_E_INVALIDARG
#define OSKIT_ENOMEM OSKIT_E_OUTOFMEMORY
#define OSKIT_ENOSYS OSKIT_E_NOTIMPL
#define OSKIT_EPERM OSKIT_E_ACCESSDENIED

#ifdef __cplusplus
extern "C" {
#endif

/* Maps an errno value to its OSKit code. Total: 0 gives 0, an errno with no
 * OSKit counterpart gives OSKIT_E_FAIL. */
oskit_error_t oskit_error_from_errno(int err);

/* Maps an OSKit code to an errno value. Total: 0 gives 0, a code with no errno
 * counterpart gives EIO (OSKIT_E_NOINTERFACE gives ENOSYS, OSKIT_E_ABORT
 * ECANCELED, OSKIT_EWOULDBLOCK EAGAIN, OSKIT_EOPNOTSUPP EOPNOTSUPP). */
int oskit_errno_from_error(oskit_error_t rc);

/* A short English description of the code; never NULL. */
const char *oskit_error_string(oskit_error_t rc);

#ifdef __cplusplus
}
#endif

#endif /* OSKIT_ERROR_H */
