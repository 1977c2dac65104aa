/* The driver half of devctl (see devctl_server.h). */
#include "glue/devctl/devctl_server.h"

#include <string.h>

#define LINUX_IOC_WRITE 0x40000000u
#define LINUX_IOC_READ 0x80000000u

static const struct oskit_devctl_command *find_command(const struct oskit_devctl_command *table, oskit_size_t count,
                                                       oskit_u32_t dcmd) {
  oskit_size_t i;
  for (i = 0; i < count; i++)
    if (table[i].dcmd == dcmd) return &table[i];
  return NULL;
}

static oskit_error_t get_flags(const struct oskit_devctl_generic *generic, struct oskit_devctl_msg *msg) {
  memcpy(msg->data, &generic->flags, sizeof generic->flags);
  msg->out_nbytes = sizeof generic->flags;
  return 0;
}

static oskit_error_t set_flags(void *dev, struct oskit_devctl_generic *generic, struct oskit_devctl_msg *msg) {
  oskit_u32_t flags;
  oskit_u32_t old = generic->flags;
  oskit_error_t rc;
  if (msg->nbytes != sizeof flags) return OSKIT_EINVAL;
  memcpy(&flags, msg->data, sizeof flags);
  if (flags & ~OSKIT_DEVCTL_F_KNOWN) return OSKIT_EINVAL;
  if (generic->flags_changed != NULL && flags != old) {
    rc = generic->flags_changed(dev, old, flags);
    if (rc != 0) return rc;
  }
  generic->flags = flags;
  return 0;
}

oskit_error_t oskit_devctl_default(void *dev, struct oskit_devctl_generic *generic, struct oskit_devctl_msg *msg) {
  oskit_error_t rc;
  if (generic == NULL || !OSKIT_DCMD_IS_RESERVED(msg->dcmd)) return OSKIT_DEVCTL_DEFAULT;
  if (msg->dcmd != OSKIT_DCMD_ALL_GETFLAGS && msg->dcmd != OSKIT_DCMD_ALL_SETFLAGS) return OSKIT_DEVCTL_DEFAULT;
  rc = oskit_devctl_verify(msg->dcmd, msg->data, msg->nbytes, msg->open_mode);
  if (rc != 0) return rc;
  if (msg->dcmd == OSKIT_DCMD_ALL_GETFLAGS) {
    if (msg->nbytes != sizeof generic->flags) return OSKIT_EINVAL;
    return get_flags(generic, msg);
  }
  return set_flags(dev, generic, msg);
}

oskit_error_t oskit_devctl_dispatch(const struct oskit_devctl_command *table, oskit_size_t count, void *dev,
                                    struct oskit_devctl_generic *generic, struct oskit_devctl_msg *msg) {
  const struct oskit_devctl_command *cmd = find_command(table, count, msg->dcmd);
  oskit_error_t rc = OSKIT_DEVCTL_DEFAULT;
  msg->ret_val = 0;
  msg->out_nbytes = 0;
  if (cmd != NULL) {
    rc = oskit_devctl_verify(msg->dcmd, msg->data, msg->nbytes, msg->open_mode);
    if (rc != 0) return rc;
    rc = cmd->handler(dev, msg);
  }
  if (rc == OSKIT_DEVCTL_DEFAULT) rc = oskit_devctl_default(dev, generic, msg);
  return rc == OSKIT_DEVCTL_DEFAULT ? OSKIT_ENOTTY : rc;
}

static oskit_u32_t swap_direction(oskit_u32_t word, oskit_u32_t from_a, oskit_u32_t to_a, oskit_u32_t from_b,
                                  oskit_u32_t to_b) {
  oskit_u32_t out = word & ~(from_a | from_b);
  if (word & from_a) out |= to_a;
  if (word & from_b) out |= to_b;
  return out;
}

oskit_u32_t oskit_devctl_to_ioc(oskit_u32_t dcmd) {
  return swap_direction(dcmd, OSKIT_DEVDIR_TO, LINUX_IOC_WRITE, OSKIT_DEVDIR_FROM, LINUX_IOC_READ);
}

oskit_u32_t oskit_devctl_from_ioc(unsigned long request) {
  return swap_direction((oskit_u32_t)request, LINUX_IOC_WRITE, OSKIT_DEVDIR_TO, LINUX_IOC_READ, OSKIT_DEVDIR_FROM);
}
