// Marks the calling thread as giving back to an environment what it gave out
// (a block to its memory, a thread to its join, a line to its interrupts, a
// wake to threads sleeping on its clock) after another was installed: the
// environment's own work, done with its own objects. glue/env/testing's host
// traps do not count what happens meanwhile (not part of glue/env's API).
#ifndef GLUE_ENV_RETURNING_H
#define GLUE_ENV_RETURNING_H

namespace oskit::env::internal {

class ReturningToOwner {
 public:
  ReturningToOwner() noexcept;
  ~ReturningToOwner();
  ReturningToOwner(const ReturningToOwner&) = delete;
  ReturningToOwner& operator=(const ReturningToOwner&) = delete;
};

// Marks the calling thread as doing the emulated EVL core's own bookkeeping
// (thread elements, their names and registries): kernel memory on a real
// system, the host's here, and not counted by the host traps either.
class CoreBookkeeping {
 public:
  CoreBookkeeping() noexcept;
  ~CoreBookkeeping();
  CoreBookkeeping(const CoreBookkeeping&) = delete;
  CoreBookkeeping& operator=(const CoreBookkeeping&) = delete;
};

// Whether the calling thread is inside a ReturningToOwner or CoreBookkeeping
// scope.
bool returning_to_owner() noexcept;

}  // namespace oskit::env::internal

#endif  // GLUE_ENV_RETURNING_H
