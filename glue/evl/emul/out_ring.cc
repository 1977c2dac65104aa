#include "glue/evl/emul/out_ring.h"

namespace oskit::evl::emul {

template class BasicOutRing<NoHooks>;

}  // namespace oskit::evl::emul
