#include "components/netio/function_netio.h"

namespace oskit {

oskit_error_t check_packet(oskit_bufio* buf, oskit_size_t size) noexcept {
  if (buf == nullptr) return OSKIT_E_POINTER;
  oskit_off_t buf_size;
  oskit_error_t rc = buf->getsize(&buf_size);
  if (rc != 0) return rc;
  if (buf_size < 0 || size > static_cast<oskit_u64_t>(buf_size)) return OSKIT_EINVAL;
  return 0;
}

FunctionNetio::~FunctionNetio() {
  if (destructor_ != nullptr) destructor_(data_);
}

OSKIT_COMDECL FunctionNetio::push(oskit_bufio* buf, oskit_size_t size) noexcept {
  oskit_error_t rc = check_packet(buf, size);
  return rc != 0 ? rc : push_(data_, buf, size);
}

OSKIT_COMDECL FunctionNetio::alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept {
  if (out_buf == nullptr) return OSKIT_E_POINTER;
  *out_buf = oskit_bufio_create(size);
  return *out_buf ? 0 : OSKIT_ENOMEM;
}

}  // namespace oskit

extern "C" oskit_netio_t* oskit_netio_create_cleanup(oskit_error_t (*func)(void*, oskit_bufio_t*, oskit_size_t),
                                                    void* data, void (*destructor)(void*)) {
  if (func == nullptr) return nullptr;
  return oskit::make<oskit::FunctionNetio>(func, data, destructor).detach();
}

extern "C" oskit_netio_t* oskit_netio_create(oskit_error_t (*func)(void*, oskit_bufio_t*, oskit_size_t),
                                            void* data) {
  return oskit_netio_create_cleanup(func, data, nullptr);
}
