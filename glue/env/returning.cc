#include "glue/env/returning.h"

namespace oskit::env::internal {
namespace {
thread_local int t_returning = 0;
}  // namespace

ReturningToOwner::ReturningToOwner() noexcept { ++t_returning; }
ReturningToOwner::~ReturningToOwner() { --t_returning; }
CoreBookkeeping::CoreBookkeeping() noexcept { ++t_returning; }
CoreBookkeeping::~CoreBookkeeping() { --t_returning; }
bool returning_to_owner() noexcept { return t_returning != 0; }

}  // namespace oskit::env::internal
