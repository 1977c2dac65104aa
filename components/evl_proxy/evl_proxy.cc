#include "components/evl_proxy/evl_proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <evl/proxy.h>

#include "glue/oob_file/oob_file.h"

namespace oskit::evl {
namespace {

class EvlProxy : public OobFileObject<EvlProxy> {
 public:
  static constexpr const char* kKind = "evl_proxy";

 protected:
  // fd, poll_fd: owned. directions: kOobRead for input, kOobWrite for output.
  EvlProxy(int fd, int poll_fd, oskit_u32_t directions) noexcept : OobFileObject(fd, poll_fd, directions) {}
  ~EvlProxy() override = default;
};

static_assert(OSKIT_EVL_PROXY_INPUT == kOobRead && OSKIT_EVL_PROXY_OUTPUT == kOobWrite,
              "proxy directions are the OobFile directions");

constexpr oskit_u32_t kDirections = OSKIT_EVL_PROXY_INPUT | OSKIT_EVL_PROXY_OUTPUT;

int clone_flags(const oskit_evl_proxy_options& o) noexcept {
  int flags = 0;
  if (o.directions & OSKIT_EVL_PROXY_INPUT) flags |= EVL_CLONE_INPUT;
  if (o.directions & OSKIT_EVL_PROXY_OUTPUT) flags |= EVL_CLONE_OUTPUT;
  if (o.nonblock) flags |= EVL_CLONE_NONBLOCK;
  return flags;
}

// The directions the proxy gets (evl_create_proxy's default: output).
oskit_u32_t effective_directions(const oskit_evl_proxy_options& o) noexcept {
  if (o.bufsz == 0) return 0;
  return o.directions != 0 ? o.directions : OSKIT_EVL_PROXY_OUTPUT;
}

// Whether a zero-byte in-band transfer is accepted (a proxy refuses one on a
// direction it lacks with ENXIO).
template <class Buf, class Fn>
bool accepts(int fd, Buf buf, Fn fn) noexcept {
  return fn(fd, buf, 0) == 0;
}

// The object over fd (owned on success only).
oskit_error_t wrap(int fd, oskit_u32_t directions, oskit_stream_t** out_stream) noexcept {
  int poll_fd = -1;
  oskit_error_t rc = OobFile::open_poll_set(fd, directions, &poll_fd);
  if (rc != 0) return rc;
  ComPtr<EvlProxy> proxy = make<EvlProxy>(fd, poll_fd, directions);
  if (!proxy) {
    ::close(poll_fd);
    return OSKIT_ENOMEM;
  }
  *out_stream = proxy.detach();
  return 0;
}

oskit_error_t create(int target_fd, const oskit_evl_proxy_options& o, oskit_stream_t** out_stream) noexcept {
  if (o.directions & ~kDirections) return OSKIT_EINVAL;
  int fd = o.name != nullptr ? evl_create_proxy(target_fd, o.bufsz, o.granularity, clone_flags(o), "%s", o.name)
                             : evl_create_proxy(target_fd, o.bufsz, o.granularity, clone_flags(o), nullptr);
  if (fd < 0) return oskit_error_from_errno(-fd);
  oskit_error_t rc = wrap(fd, effective_directions(o), out_stream);
  if (rc != 0) ::close(fd);
  return rc;
}

oskit_error_t adopt(int fd, oskit_stream_t** out_stream) noexcept {
  int probe = -1;
  oskit_error_t rc = OobFile::open_poll_set(fd, 0, &probe);  // refuses what is not an EVL file
  if (rc != 0) return rc;
  ::close(probe);
  char byte = 0;
  oskit_u32_t directions = 0;
  if (accepts(fd, &byte, ::read)) directions |= OSKIT_EVL_PROXY_INPUT;
  if (accepts(fd, static_cast<const void*>(&byte), ::write)) directions |= OSKIT_EVL_PROXY_OUTPUT;
  return wrap(fd, directions, out_stream);
}

}  // namespace
}  // namespace oskit::evl

extern "C" oskit_error_t oskit_evl_proxy_create(int target_fd, const struct oskit_evl_proxy_options* opts,
                                                oskit_stream_t** out_stream) {
  if (out_stream == nullptr) return OSKIT_E_POINTER;
  *out_stream = nullptr;
  if (opts == nullptr) return OSKIT_E_POINTER;
  return oskit::evl::create(target_fd, *opts, out_stream);
}

extern "C" oskit_error_t oskit_evl_proxy_adopt(int proxy_fd, oskit_stream_t** out_stream) {
  if (out_stream == nullptr) return OSKIT_E_POINTER;
  *out_stream = nullptr;
  return oskit::evl::adopt(proxy_fd, out_stream);
}
