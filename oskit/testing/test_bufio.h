// A plain memory bufio for the conformance suites, so that they depend on the
// contract alone: read, write, getsize and map work; setsize, wire, unwire and
// copy are OSKIT_E_NOTIMPL.
#ifndef OSKIT_TESTING_TEST_BUFIO_H
#define OSKIT_TESTING_TEST_BUFIO_H

#include <cstring>
#include <vector>

#include "oskit/com/implements.h"
#include "oskit/io/bufio.h"
#include "oskit/io/range.h"

namespace oskit::testing {

class TestBufio : public Implements<TestBufio, oskit_bufio> {
 public:
  OSKIT_COMDECL_U getblocksize() noexcept override { return 1; }
  OSKIT_COMDECL read(void* buf, oskit_off_t offset, oskit_size_t amount, oskit_size_t* out_actual) noexcept override {
    oskit_size_t n = 0;
    oskit_error_t rc = clamp_transfer(offset, amount, size(), &n);
    if (rc == 0 && n > 0) std::memcpy(buf, bytes_.data() + offset, n);
    *out_actual = n;
    return rc;
  }
  OSKIT_COMDECL write(const void* buf, oskit_off_t offset, oskit_size_t amount,
                      oskit_size_t* out_actual) noexcept override {
    oskit_size_t n = 0;
    oskit_error_t rc = clamp_transfer(offset, amount, size(), &n);
    if (rc == 0 && n > 0) std::memcpy(bytes_.data() + offset, buf, n);
    *out_actual = n;
    return rc;
  }
  OSKIT_COMDECL getsize(oskit_off_t* out_size) noexcept override {
    *out_size = size();
    return 0;
  }
  OSKIT_COMDECL setsize(oskit_off_t) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL map(void** out_addr, oskit_off_t offset, oskit_size_t amount) noexcept override {
    oskit_size_t n = 0;
    oskit_error_t rc = clamp_transfer(offset, amount, size(), &n);
    *out_addr = rc == 0 && n == amount && n > 0 ? bytes_.data() + offset : nullptr;
    return *out_addr != nullptr ? 0 : OSKIT_EINVAL;
  }
  OSKIT_COMDECL unmap(void*, oskit_off_t, oskit_size_t) noexcept override { return 0; }
  OSKIT_COMDECL wire(oskit_addr_t* out_addr, oskit_off_t, oskit_size_t) noexcept override {
    *out_addr = 0;
    return OSKIT_E_NOTIMPL;
  }
  OSKIT_COMDECL unwire(oskit_addr_t, oskit_off_t, oskit_size_t) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL copy(oskit_off_t, oskit_size_t, oskit_bufio** out_io) noexcept override {
    *out_io = nullptr;
    return OSKIT_E_NOTIMPL;
  }

 protected:
  explicit TestBufio(oskit_size_t size) : bytes_(size) {}
  ~TestBufio() override = default;

 private:
  oskit_off_t size() const noexcept { return static_cast<oskit_off_t>(bytes_.size()); }
  std::vector<char> bytes_;
};

// A zero-filled TestBufio of size bytes.
inline ComPtr<oskit_bufio> make_test_bufio(oskit_size_t size) { return make<TestBufio>(size); }

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_TEST_BUFIO_H
