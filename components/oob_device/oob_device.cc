#include "components/oob_device/oob_device.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstring>

#include <evl/syscall.h>

#include "glue/devctl/devctl_server.h"
#include "glue/evl/driver.h"
#include "glue/oob_file/oob_file.h"
#include "oskit/io/devctl.h"

namespace oskit::evl {
namespace {

class OobDevice : public OobFileObject<OobDevice, oskit_devctl> {
 public:
  static constexpr const char* kKind = "oob_device";

  // devctl (see the top of this file). out_ret_val and out_nbytes may be NULL.
  OSKIT_COMDECL devctl(oskit_u32_t dcmd, void* data, oskit_size_t nbytes, oskit_s32_t* out_ret_val,
                       oskit_size_t* out_nbytes) noexcept override;

 protected:
  // fd, poll_fd: owned. open_mode: OSKIT_DEVCTL_OPEN_* of the opening.
  OobDevice(int fd, int poll_fd, oskit_u32_t open_mode) noexcept;
  ~OobDevice() override = default;

 private:
  // The request as the driver sees it: the result, or a negated errno.
  long issue(oskit_u32_t dcmd, void* arg) const noexcept;
  long issue_bounced(oskit_u32_t dcmd, void* data, oskit_size_t nbytes) const noexcept;

  const oskit_u32_t open_mode_;
};

static_assert(OSKIT_OOB_DEVICE_READ == OSKIT_DEVCTL_OPEN_READ && OSKIT_OOB_DEVICE_WRITE == OSKIT_DEVCTL_OPEN_WRITE,
              "open modes are devctl open modes");
static_assert(OSKIT_OOB_DEVICE_READ == kOobRead && OSKIT_OOB_DEVICE_WRITE == kOobWrite,
              "open modes are OobFile directions");

OobDevice::OobDevice(int fd, int poll_fd, oskit_u32_t open_mode) noexcept
    : OobFileObject(fd, poll_fd, open_mode), open_mode_(open_mode) {}

long OobDevice::issue(oskit_u32_t dcmd, void* arg) const noexcept {
  const unsigned long request = oskit_devctl_to_ioc(dcmd);
  const bool evl = caller_is_evl_thread();
  int rc;
  do {
    rc = evl ? oob_ioctl(file_.fd(), request, arg) : ::ioctl(file_.fd(), request, arg);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? -errno : rc;
}

// Kept out of line so that only a devctl that needs the bounce buffer pays for
// it on the stack.
__attribute__((noinline)) long OobDevice::issue_bounced(oskit_u32_t dcmd, void* data,
                                                        oskit_size_t nbytes) const noexcept {
  alignas(16) unsigned char bounce[OSKIT_DCMD_SIZE_MAX];
  const oskit_u32_t dir = OSKIT_DCMD_DIR(dcmd);
  std::memset(bounce, 0, OSKIT_DCMD_LEN(dcmd));
  if ((dir & OSKIT_DEVDIR_TO) && nbytes != 0) std::memcpy(bounce, data, nbytes);
  long rc = issue(dcmd, bounce);
  if (rc >= 0 && (dir & OSKIT_DEVDIR_FROM) && nbytes != 0) std::memcpy(data, bounce, nbytes);
  return rc;
}

OSKIT_COMDECL OobDevice::devctl(oskit_u32_t dcmd, void* data, oskit_size_t nbytes, oskit_s32_t* out_ret_val,
                                oskit_size_t* out_nbytes) noexcept {
  if (out_ret_val != nullptr) *out_ret_val = 0;
  if (out_nbytes != nullptr) *out_nbytes = 0;
  oskit_error_t rc = oskit_devctl_verify(dcmd, data, nbytes, open_mode_);
  if (rc != 0) return rc;
  long result = nbytes == OSKIT_DCMD_LEN(dcmd) ? issue(dcmd, data) : issue_bounced(dcmd, data, nbytes);
  if (result < 0) return oskit_error_from_errno(static_cast<int>(-result));
  if (out_ret_val != nullptr) *out_ret_val = static_cast<oskit_s32_t>(result);
  if (out_nbytes != nullptr && (OSKIT_DCMD_DIR(dcmd) & OSKIT_DEVDIR_FROM)) *out_nbytes = nbytes;
  return 0;
}

int open_flags(oskit_u32_t mode) noexcept {
  int flags = O_CLOEXEC;
  switch (mode & OSKIT_OOB_DEVICE_RDWR) {
    case OSKIT_OOB_DEVICE_READ:
      flags |= O_RDONLY;
      break;
    case OSKIT_OOB_DEVICE_WRITE:
      flags |= O_WRONLY;
      break;
    default:
      flags |= O_RDWR;
      break;
  }
  if (mode & OSKIT_OOB_DEVICE_NONBLOCK) flags |= O_NONBLOCK;
  return flags;
}

oskit_error_t open_device(const char* name, oskit_u32_t mode, oskit_stream_t** out_stream) noexcept {
  constexpr oskit_u32_t kKnown = OSKIT_OOB_DEVICE_RDWR | OSKIT_OOB_DEVICE_NONBLOCK;
  if ((mode & ~kKnown) != 0 || (mode & OSKIT_OOB_DEVICE_RDWR) == 0) return OSKIT_EINVAL;
  int fd = oskit_evl_open(name, open_flags(mode));
  if (fd < 0) return oskit_error_from_errno(-fd);
  const oskit_u32_t open_mode = mode & OSKIT_OOB_DEVICE_RDWR;
  int poll_fd = -1;
  oskit_error_t rc = OobFile::open_poll_set(fd, open_mode, &poll_fd);
  if (rc != 0) {
    ::close(fd);
    return rc;
  }
  ComPtr<oskit_stream> dev = make<OobDevice>(fd, poll_fd, open_mode);
  if (!dev) {
    ::close(poll_fd);
    ::close(fd);
    return OSKIT_ENOMEM;
  }
  *out_stream = dev.detach();
  return 0;
}

}  // namespace
}  // namespace oskit::evl

extern "C" oskit_error_t oskit_oob_device_open(const char* name, oskit_u32_t mode, oskit_stream_t** out_stream) {
  if (out_stream == nullptr) return OSKIT_E_POINTER;
  *out_stream = nullptr;
  if (name == nullptr) return OSKIT_E_POINTER;
  return oskit::evl::open_device(name, mode, out_stream);
}
