#include "glue/evl/emul/out_ring.h"

namespace oskit::evl::emul {

size_t out_ring_storage(size_t bufsz, size_t min_record) {
  const uint64_t b = bufsz;
  const uint64_t m = min_record > 0 ? min_record : 1;
  // roundup8(n + 4) <= min(n + 11, 8n) for every n >= 1.
  uint64_t need = std::min(8 * b, b + 11 * (b / m));
  uint64_t size = 64;
  while (size < need) size <<= 1;
  return static_cast<size_t>(size);
}

template class BasicOutRing<NoHooks>;

}  // namespace oskit::evl::emul
