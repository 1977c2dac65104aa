// The process's default device-address space: one a harness installed, or an
// IOVA-mode space made on first use that lives as long as its references.
#include "absl/base/thread_annotations.h"
#include "glue/dma/space.h"

namespace oskit::dma {
namespace {

struct DefaultSpace {
  Mutex mu;
  oskit_dma_space* installed ABSL_GUARDED_BY(mu) = nullptr;  // holds a reference
  oskit_dma_space* made ABSL_GUARDED_BY(mu) = nullptr;       // holds none: it forgets itself as it goes
};

DefaultSpace& state() {
  static DefaultSpace* const s = new DefaultSpace;
  return *s;
}

// A reference to the current default, or nullptr when none exists yet.
oskit_dma_space* current_reference() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state().mu) {
  oskit_dma_space* space = state().installed != nullptr ? state().installed : state().made;
  if (space != nullptr) space->addref();  // the made space's last release waits for mu
  return space;
}

}  // namespace

Mutex& default_space_mutex() noexcept { return state().mu; }

void forget_default_space(oskit_dma_space* space) noexcept {
  state().mu.assert_held();  // the same mutex, by another name
  if (state().made == space) state().made = nullptr;
}

}  // namespace oskit::dma

extern "C" oskit_error_t oskit_dma_default_space(oskit_dma_space_t** out_space) {
  using oskit::dma::state;
  if (out_space == nullptr) return OSKIT_E_POINTER;
  {
    oskit::MutexLock lock(&state().mu);
    *out_space = oskit::dma::current_reference();
    if (*out_space != nullptr) return 0;
  }
  // Made outside the lock: its release (on failure or when another thread won) takes it.
  oskit::ComPtr<oskit_dma_space> fresh;
  oskit_error_t rc = oskit::dma::create_space(oskit_dma_space_options_t{}, true, &fresh);
  if (rc != 0) return rc;
  oskit::MutexLock lock(&state().mu);
  *out_space = oskit::dma::current_reference();
  if (*out_space == nullptr) {  // else another thread's came first: fresh goes after the lock
    state().made = fresh.get();
    *out_space = fresh.detach();
  }
  return 0;
}

extern "C" void oskit_dma_set_default_space(oskit_dma_space_t* space) {
  using oskit::dma::state;
  if (space != nullptr) space->addref();
  oskit_dma_space* previous;
  {
    oskit::MutexLock lock(&state().mu);
    previous = state().installed;
    state().installed = space;
  }
  if (previous != nullptr) previous->release();
}
