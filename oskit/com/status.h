// The bridge between oskit_error_t and absl::Status (C++ convenience layer
// only; vtables never carry a Status).
#ifndef OSKIT_COM_STATUS_H
#define OSKIT_COM_STATUS_H

#include "oskit/error.h"

#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace oskit {

// The Status for rc: OK for success; otherwise the canonical code of rc's errno,
// a message naming the OSKit error (after context, if given), and the exact
// code as a payload so that to_error() gives rc back.
absl::Status to_status(oskit_error_t rc, absl::string_view context = {});

// The OSKit code of a Status: the payload when to_status() made it, otherwise
// the code that matches its canonical code. OK gives 0.
oskit_error_t to_error(const absl::Status& status);

}  // namespace oskit

#endif  // OSKIT_COM_STATUS_H
