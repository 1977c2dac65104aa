#include "glue/evl/driver_devctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "absl/container/inlined_vector.h"

namespace {

oskit_u32_t open_mode_of(int flags) {
  const int access = flags & O_ACCMODE;
  oskit_u32_t mode = 0;
  if (access != O_WRONLY) mode |= OSKIT_DEVCTL_OPEN_READ;
  if (access != O_RDONLY) mode |= OSKIT_DEVCTL_OPEN_WRITE;
  return mode;
}

oskit_error_t set_nonblock(void* file, oskit_u32_t, oskit_u32_t new_flags) {
  oskit_evl_file_set_nonblock(static_cast<oskit_evl_file*>(file), (new_flags & OSKIT_DEVCTL_F_NONBLOCK) != 0);
  return 0;
}

}  // namespace

extern "C" long oskit_evl_devctl_ioctl(struct oskit_evl_file* file, const struct oskit_devctl_command* table,
                                       size_t count, unsigned int cmd, unsigned long arg) {
  const oskit_u32_t dcmd = oskit_devctl_from_ioc(cmd);
  const size_t size = OSKIT_DCMD_LEN(dcmd);
  void* user = reinterpret_cast<void*>(arg);
  if (size != 0 && (dcmd & OSKIT_DEVDIR_TO) && oskit_evl_check_user(user, size) != 0) return -EFAULT;
  if (size != 0 && (dcmd & OSKIT_DEVDIR_FROM) && oskit_evl_check_user_write(user, size) != 0) return -EFAULT;
  absl::InlinedVector<char, 256> bounce(size);
  if (size != 0 && (dcmd & OSKIT_DEVDIR_TO)) memcpy(bounce.data(), user, size);

  const int flags = oskit_evl_file_flags(file);
  oskit_devctl_generic generic{(flags & O_NONBLOCK) ? OSKIT_DEVCTL_F_NONBLOCK : 0u, set_nonblock};
  oskit_devctl_msg msg{dcmd, size ? bounce.data() : nullptr, size, open_mode_of(flags), 0, 0};
  oskit_error_t rc = oskit_devctl_dispatch(table, count, file, &generic, &msg);
  if (rc != 0) return -oskit_errno_from_error(rc);
  if ((dcmd & OSKIT_DEVDIR_FROM) && msg.out_nbytes != 0) {
    memcpy(user, bounce.data(), msg.out_nbytes < size ? msg.out_nbytes : size);
  }
  return msg.ret_val;
}
