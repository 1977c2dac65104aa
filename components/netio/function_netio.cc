// The function netio (components/netio/netio.h).
#include "components/netio/netio.h"

#include <atomic>

#include "components/netio/packet.h"
#include "oskit/com/description.h"
#include "oskit/com/implements.h"

namespace oskit::netio {

oskit_error_t check_packet(oskit_bufio* buf, oskit_size_t size) noexcept {
  if (buf == nullptr) return OSKIT_E_POINTER;
  oskit_off_t buf_size;
  oskit_error_t rc = buf->getsize(&buf_size);
  if (rc != 0) return rc;
  if (buf_size < 0 || size > static_cast<oskit_u64_t>(buf_size)) return OSKIT_EINVAL;
  return 0;
}

namespace {

class FunctionNetio : public Implements<FunctionNetio, oskit_netio, oskit_describe> {
 public:
  using Destructor = void (*)(void* data);

  OSKIT_COMDECL push(oskit_bufio* buf, oskit_size_t size) noexcept override {
    oskit_error_t rc = check_packet(buf, size);
    if (rc != 0) return rc;
    pushes_.fetch_add(1, std::memory_order_relaxed);
    return push_(data_, buf, size);
  }

  OSKIT_COMDECL alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept override {
    if (out_buf == nullptr) return OSKIT_E_POINTER;
    *out_buf = nullptr;
    return pool_ ? pool_->alloc(size, out_buf) : OSKIT_E_NOTIMPL;
  }

  OSKIT_COMDECL describe(const oskit_description_sink* sink) noexcept override {
    return describe_to(
        sink, [&](Description& d) { d.kind("netio", "a C function").holds("pool", pool_).counter("pushes", pushes_); });
  }

 protected:
  FunctionNetio(oskit_netio_func_t push, void* data, Destructor destructor, oskit_bufio_pool* pool) noexcept
      : push_(push), data_(data), destructor_(destructor), pool_(ComPtr<oskit_bufio_pool>::copy(pool)) {}
  ~FunctionNetio() override {
    if (destructor_ != nullptr) destructor_(data_);
  }

 private:
  const oskit_netio_func_t push_;
  void* const data_;
  const Destructor destructor_;
  const ComPtr<oskit_bufio_pool> pool_;
  std::atomic<oskit_u64_t> pushes_{0};
};

}  // namespace
}  // namespace oskit::netio

extern "C" oskit_netio_t* oskit_netio_create_pooled(oskit_netio_func_t func, void* data, void (*destructor)(void*),
                                                    oskit_bufio_pool_t* pool) {
  if (func == nullptr) return nullptr;
  return oskit::make<oskit::netio::FunctionNetio>(func, data, destructor, pool).detach();
}

extern "C" oskit_netio_t* oskit_netio_create_cleanup(oskit_netio_func_t func, void* data, void (*destructor)(void*)) {
  return oskit_netio_create_pooled(func, data, destructor, nullptr);
}

extern "C" oskit_netio_t* oskit_netio_create(oskit_netio_func_t func, void* data) {
  return oskit_netio_create_pooled(func, data, nullptr, nullptr);
}
