#include "oskit/com/status.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_format.h"

namespace oskit {
namespace {

constexpr absl::string_view kPayloadUrl = "oskit.error";

oskit_error_t from_canonical(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 0;
    case absl::StatusCode::kCancelled:
      return OSKIT_ECANCELED;
    case absl::StatusCode::kInvalidArgument:
      return OSKIT_EINVAL;
    case absl::StatusCode::kDeadlineExceeded:
      return OSKIT_ETIMEDOUT;
    case absl::StatusCode::kNotFound:
      return OSKIT_ENOENT;
    case absl::StatusCode::kAlreadyExists:
      return OSKIT_EEXIST;
    case absl::StatusCode::kPermissionDenied:
      return OSKIT_EPERM;
    case absl::StatusCode::kResourceExhausted:
      return OSKIT_ENOMEM;
    case absl::StatusCode::kFailedPrecondition:
      return OSKIT_EBUSY;
    case absl::StatusCode::kAborted:
      return OSKIT_E_ABORT;
    case absl::StatusCode::kOutOfRange:
      return OSKIT_ERANGE;
    case absl::StatusCode::kUnimplemented:
      return OSKIT_E_NOTIMPL;
    case absl::StatusCode::kUnavailable:
      return OSKIT_EAGAIN;
    case absl::StatusCode::kDataLoss:
      return OSKIT_EIO;
    case absl::StatusCode::kUnauthenticated:
      return OSKIT_EACCES;
    default:
      return OSKIT_E_FAIL;
  }
}

}  // namespace

absl::Status to_status(oskit_error_t rc, absl::string_view context) {
  if (rc >= 0) return absl::OkStatus();
  absl::StatusCode code = absl::ErrnoToStatusCode(oskit_errno_from_error(rc));
  if (rc == OSKIT_E_NOTIMPL || rc == OSKIT_E_NOINTERFACE) code = absl::StatusCode::kUnimplemented;
  std::string message =
      context.empty() ? absl::StrFormat("%s (oskit error 0x%08x)", oskit_error_string(rc), static_cast<oskit_u32_t>(rc))
                      : absl::StrFormat("%s: %s (oskit error 0x%08x)", context, oskit_error_string(rc),
                                        static_cast<oskit_u32_t>(rc));
  absl::Status status(code, message);
  status.SetPayload(kPayloadUrl, absl::Cord(absl::StrFormat("%08x", static_cast<oskit_u32_t>(rc))));
  return status;
}

oskit_error_t to_error(const absl::Status& status) {
  if (status.ok()) return 0;
  if (auto payload = status.GetPayload(kPayloadUrl)) {
    std::string text(*payload);
    char* end = nullptr;
    unsigned long value = std::strtoul(text.c_str(), &end, 16);
    if (end != text.c_str() && *end == '\0') return static_cast<oskit_error_t>(static_cast<oskit_u32_t>(value));
  }
  return from_canonical(status.code());
}

}  // namespace oskit
