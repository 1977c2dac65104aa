#include "glue/posix/fd_posixio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdint>

namespace oskit::posix {

oskit_error_t last_error() noexcept { return oskit_error_from_errno(errno); }

oskit_error_t fd_stat(int fd, oskit_stat_t* out) noexcept {
  if (out == nullptr) return OSKIT_E_POINTER;
  struct stat st;
  if (fstat(fd, &st) != 0) return last_error();
  *out = oskit_stat_t{};
  out->dev = st.st_dev;
  out->ino = st.st_ino;
  out->mode = st.st_mode;
  out->nlink = static_cast<oskit_nlink_t>(st.st_nlink);
  out->uid = st.st_uid;
  out->gid = st.st_gid;
  out->rdev = st.st_rdev;
  out->atime = {st.st_atim.tv_sec, static_cast<oskit_s32_t>(st.st_atim.tv_nsec)};
  out->mtime = {st.st_mtim.tv_sec, static_cast<oskit_s32_t>(st.st_mtim.tv_nsec)};
  out->ctime = {st.st_ctim.tv_sec, static_cast<oskit_s32_t>(st.st_ctim.tv_nsec)};
  out->size = st.st_size;
  out->blocks = static_cast<oskit_u64_t>(st.st_blocks);
  out->blksize = static_cast<oskit_u32_t>(st.st_blksize);
  return 0;
}

oskit_error_t check_setstat(oskit_u32_t mask, const oskit_stat_t* stats) noexcept {
  if (stats == nullptr) return OSKIT_E_POINTER;
  if (mask & ~static_cast<oskit_u32_t>(OSKIT_STAT_SETTABLE)) return OSKIT_EINVAL;
  if ((mask & OSKIT_STAT_UTIMES_NULL) && (mask & (OSKIT_STAT_ATIME | OSKIT_STAT_MTIME))) return OSKIT_EINVAL;
  if ((mask & OSKIT_STAT_SIZE) && stats->size < 0) return OSKIT_EINVAL;
  auto bad_ns = [](const oskit_timespec_t& t) { return t.tv_nsec < 0 || t.tv_nsec >= 1000000000; };
  if ((mask & OSKIT_STAT_ATIME) && bad_ns(stats->atime)) return OSKIT_EINVAL;
  if ((mask & OSKIT_STAT_MTIME) && bad_ns(stats->mtime)) return OSKIT_EINVAL;
  return 0;
}

oskit_error_t fd_setstat(int fd, oskit_u32_t mask, const oskit_stat_t* stats) noexcept {
  oskit_error_t rc = check_setstat(mask, stats);
  if (rc != 0) return rc;
  if ((mask & OSKIT_STAT_MODE) && fchmod(fd, stats->mode & 07777) != 0) return last_error();
  if (mask & (OSKIT_STAT_UID | OSKIT_STAT_GID)) {
    uid_t uid = (mask & OSKIT_STAT_UID) ? static_cast<uid_t>(stats->uid) : static_cast<uid_t>(-1);
    gid_t gid = (mask & OSKIT_STAT_GID) ? static_cast<gid_t>(stats->gid) : static_cast<gid_t>(-1);
    if (fchown(fd, uid, gid) != 0) return last_error();
  }
  if ((mask & OSKIT_STAT_SIZE) && ftruncate(fd, stats->size) != 0) return last_error();
  if (mask & OSKIT_STAT_UTIMES_NULL) {
    if (futimens(fd, nullptr) != 0) return last_error();
  } else if (mask & (OSKIT_STAT_ATIME | OSKIT_STAT_MTIME)) {
    struct timespec ts[2];
    ts[0] = (mask & OSKIT_STAT_ATIME) ? timespec{static_cast<time_t>(stats->atime.tv_sec), stats->atime.tv_nsec}
                                      : timespec{0, UTIME_OMIT};
    ts[1] = (mask & OSKIT_STAT_MTIME) ? timespec{static_cast<time_t>(stats->mtime.tv_sec), stats->mtime.tv_nsec}
                                      : timespec{0, UTIME_OMIT};
    if (futimens(fd, ts) != 0) return last_error();
  }
  return 0;
}

oskit_error_t fd_pathconf(int fd, oskit_s32_t option, oskit_s32_t* out_val) noexcept {
  if (out_val == nullptr) return OSKIT_E_POINTER;
  *out_val = 0;
  int name;
  switch (option) {
    case OSKIT_PC_LINK_MAX:
      name = _PC_LINK_MAX;
      break;
    case OSKIT_PC_MAX_CANON:
      name = _PC_MAX_CANON;
      break;
    case OSKIT_PC_MAX_INPUT:
      name = _PC_MAX_INPUT;
      break;
    case OSKIT_PC_NAME_MAX:
      name = _PC_NAME_MAX;
      break;
    case OSKIT_PC_PATH_MAX:
      name = _PC_PATH_MAX;
      break;
    case OSKIT_PC_PIPE_BUF:
      name = _PC_PIPE_BUF;
      break;
    case OSKIT_PC_CHOWN_RESTRICTED:
      name = _PC_CHOWN_RESTRICTED;
      break;
    case OSKIT_PC_NO_TRUNC:
      name = _PC_NO_TRUNC;
      break;
    case OSKIT_PC_VDISABLE:
      name = _PC_VDISABLE;
      break;
    case OSKIT_PC_ASYNC_IO:
      name = _PC_ASYNC_IO;
      break;
    case OSKIT_PC_PRIO_IO:
      name = _PC_PRIO_IO;
      break;
    case OSKIT_PC_SYNC_IO:
      name = _PC_SYNC_IO;
      break;
    default:
      return OSKIT_EINVAL;
  }
  errno = 0;
  long v = fpathconf(fd, name);
  if (v == -1 && errno != 0) return last_error();
  *out_val = v > INT32_MAX ? INT32_MAX : static_cast<oskit_s32_t>(v);
  return 0;
}

namespace {

// Repeats op (pread or pwrite) until amount bytes moved, an error other than
// EINTR, or end of file (op returns 0).
template <typename Buf, typename Op>
oskit_error_t transfer_all(int fd, Buf* buf, size_t amount, off_t offset, size_t* out_done, Op op) noexcept {
  size_t done = 0;
  while (done < amount) {
    ssize_t n = op(fd, buf + done, amount - done, offset + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      *out_done = done;
      return last_error();
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  *out_done = done;
  return 0;
}

}  // namespace

oskit_error_t pread_all(int fd, void* buf, size_t amount, off_t offset, size_t* out_done) noexcept {
  return transfer_all(fd, static_cast<char*>(buf), amount, offset, out_done, ::pread);
}

oskit_error_t pwrite_all(int fd, const void* buf, size_t amount, off_t offset, size_t* out_done) noexcept {
  return transfer_all(fd, static_cast<const char*>(buf), amount, offset, out_done, ::pwrite);
}

}  // namespace oskit::posix
