#include "glue/evl/emul/in_ring.h"

namespace oskit::evl::emul {

template class BasicInRing<NoHooks>;

}  // namespace oskit::evl::emul
