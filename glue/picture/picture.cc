#include "glue/picture/picture.h"

#include <string>

#include "glue/picture/stack.h"
#include "oskit/com/status.h"

namespace oskit::picture {
namespace {

void append_to_string(void* ctx, const char* text, oskit_size_t length) {
  static_cast<std::string*>(ctx)->append(text, length);
}

}  // namespace

absl::StatusOr<std::string> describe(absl::Span<oskit_iunknown* const> roots, oskit_picture_format_t format) {
  std::string out;
  const oskit_error_t rc = oskit_picture_write(roots.data(), roots.size(), format, append_to_string, &out);
  if (rc != 0) return to_status(rc, "describing a stack");
  return out;
}

}  // namespace oskit::picture

extern "C" oskit_error_t oskit_picture_write(oskit_iunknown_t* const* roots, oskit_size_t count,
                                             oskit_picture_format_t format, oskit_picture_writer_t write, void* ctx) {
  if (roots == nullptr || count == 0 || write == nullptr) return OSKIT_E_INVALIDARG;
  if (format != OSKIT_PICTURE_TEXT && format != OSKIT_PICTURE_DOT) return OSKIT_E_INVALIDARG;
  for (oskit_size_t i = 0; i < count; ++i) {
    if (roots[i] == nullptr) return OSKIT_E_INVALIDARG;
  }
  oskit::picture::Stack stack;
  for (oskit_size_t i = 0; i < count; ++i) {
    const oskit_error_t rc = stack.walk_from(roots[i]);
    if (rc != 0) return rc;
  }
  oskit::picture::String text;
  const oskit_error_t rc = format == OSKIT_PICTURE_DOT ? stack.render_dot(&text) : stack.render_text(&text);
  if (rc != 0) return rc;
  write(ctx, text.data(), text.size());
  return 0;
}
