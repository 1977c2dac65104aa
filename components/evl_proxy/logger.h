// A printf-style logger for out-of-band code (the EVL documentation's
// "Logging debug messages via a proxy"): each record is formatted on the caller's stack and
// sent as one write through a stream, normally an EVL proxy component to any
// file. From an EVL thread the record goes out with oob_write into the
// proxy's ring: no in-band system call, no allocation, no lock, hence no stage
// violation; the proxy's in-band worker writes it to the file. Records from
// several threads never interleave (each is one all-or-nothing write).
#ifndef COMPONENTS_EVL_PROXY_LOGGER_H
#define COMPONENTS_EVL_PROXY_LOGGER_H

#include <stdarg.h>

#include <cstddef>
#include <memory>

#include "components/evl_proxy/evl_proxy.h"
#include "glue/env/env.h"
#include "oskit/com/ptr.h"

namespace oskit::evl {

// Its memory comes from the embedding environment.
class Logger : public env::EnvAllocated<Logger> {
 public:
  // The longest record, formatted in a buffer of this size on the stack.
  static constexpr std::size_t kMaxRecord = 1024;

  // A logger writing to stream (any oskit_stream; its stage behaviour is the
  // stream's own).
  explicit Logger(ComPtr<oskit_stream> stream) noexcept;

  // A logger over a new output proxy to target_fd (the caller keeps target_fd)
  // whose ring holds ring_size bytes; name as in oskit_evl_proxy_options (NULL:
  // anonymous). Returns 0 and the logger in *out, or oskit_evl_proxy_create's
  // errors (OSKIT_EINVAL for a ring_size of 0). In-band.
  static oskit_error_t open(int target_fd, oskit_size_t ring_size, const char* name, std::unique_ptr<Logger>* out);

  // Formats a record and sends it. Returns its length (0 for an empty record,
  // which sends nothing), or an error and nothing is sent: OSKIT_EINVAL for a
  // formatting error, OSKIT_EFBIG for a record of kMaxRecord bytes or more (or
  // larger than the proxy's ring), or the stream's write error (OSKIT_EAGAIN
  // from a non-blocking proxy whose ring is full...).
  oskit_error_t printf(const char* fmt, ...) noexcept __attribute__((format(printf, 2, 3)));
  oskit_error_t vprintf(const char* fmt, va_list ap) noexcept __attribute__((format(printf, 2, 0)));

  // Waits until everything sent so far has left the proxy for the file (the
  // stream's asyncio reports WRITABLE). In-band: call it from ordinary code,
  // not from an out-of-band loop. Returns 0; OSKIT_EIO when the stream reports
  // an exception (the proxy failed to write to the file; the next printf
  // returns the failure itself); OSKIT_E_NOINTERFACE when the stream has no
  // asyncio; at once, the stream's error for an empty write when it can never
  // be written (OSKIT_ENXIO for a proxy without output, OSKIT_EBADF for a
  // device opened read-only); or the asyncio's error. While the target keeps
  // failing with a transient error the proxy retries, and flush waits.
  oskit_error_t flush() noexcept;

  oskit_stream* stream() const noexcept { return stream_.get(); }

 private:
  ComPtr<oskit_stream> stream_;
};

}  // namespace oskit::evl

#endif  // COMPONENTS_EVL_PROXY_LOGGER_H
