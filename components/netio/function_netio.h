// The function netio: a packet consumer that calls a C function for each push
// (oskit_netio_create, oskit_netio_create_cleanup; oskit/io/netio.h).
#ifndef COMPONENTS_NETIO_FUNCTION_NETIO_H
#define COMPONENTS_NETIO_FUNCTION_NETIO_H

#include "oskit/com/implements.h"
#include "oskit/io/netio.h"

namespace oskit {

// Checks a pushed packet (seed 004 7.5.1): buf present, size within its size.
oskit_error_t check_packet(oskit_bufio* buf, oskit_size_t size) noexcept;

class FunctionNetio : public Implements<FunctionNetio, oskit_netio> {
 public:
  using PushFn = oskit_error_t (*)(void* data, oskit_bufio_t* buf, oskit_size_t size);
  using Destructor = void (*)(void* data);

  OSKIT_COMDECL push(oskit_bufio* buf, oskit_size_t size) noexcept override;
  // A heap bufio of size bytes (oskit_bufio_create).
  OSKIT_COMDECL alloc_bufio(oskit_size_t size, oskit_bufio** out_buf) noexcept override;

 protected:
  FunctionNetio(PushFn push, void* data, Destructor destructor) noexcept
      : push_(push), data_(data), destructor_(destructor) {}
  ~FunctionNetio() override;

 private:
  const PushFn push_;
  void* const data_;
  const Destructor destructor_;
};

}  // namespace oskit

#endif  // COMPONENTS_NETIO_FUNCTION_NETIO_H
