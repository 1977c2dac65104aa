#include "oskit/io/range.h"

#include <cstring>

#include "oskit/io/absio.h"

namespace oskit {

bool blkio_exports(const oskit_guid& iid, oskit_u32_t block_size) noexcept {
  return block_size == 1 || std::memcmp(&iid, &iid_of<oskit_absio>::value, sizeof iid) != 0;
}

}  // namespace oskit
