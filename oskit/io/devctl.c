/* The devctl verify helper (see devctl.h). */
#include "oskit/io/devctl.h"

oskit_error_t oskit_devctl_verify(oskit_u32_t dcmd, const void *data, oskit_size_t nbytes, oskit_u32_t open_mode) {
  oskit_u32_t dir = OSKIT_DCMD_DIR(dcmd);
  if ((dir & OSKIT_DEVDIR_TO) && !(open_mode & OSKIT_DEVCTL_OPEN_WRITE)) return OSKIT_EPERM;
  if ((dir & OSKIT_DEVDIR_FROM) && !(open_mode & OSKIT_DEVCTL_OPEN_READ)) return OSKIT_EPERM;
  if (nbytes > OSKIT_DCMD_LEN(dcmd)) return OSKIT_EINVAL;
  if (nbytes != 0 && data == NULL) return OSKIT_EFAULT;
  return 0;
}
