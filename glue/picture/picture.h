/*
 * Stack pictures (docs/design.md, "Stack pictures"): the objects reachable
 * from the ones a caller holds, the interfaces each answers, which holds
 * which, and their live counters, written as text or as Graphviz DOT. The
 * walk follows what each object reports through oskit_describe
 * (oskit/com/describe.h) and queries each for the contract's interfaces; an
 * object that does not describe itself is drawn with its interfaces and no
 * edges. Objects are told apart by COM identity (their IUnknown pointer), so
 * a shared object is drawn once. Nothing is registered anywhere: a picture is
 * of what the caller passes, its memory comes from the installed environment
 * and is gone when the call returns. C99-clean, with a C++ convenience.
 */
#ifndef GLUE_PICTURE_PICTURE_H
#define GLUE_PICTURE_PICTURE_H

#include "oskit/com.h"
#include "oskit/error.h"

OSKIT_BEGIN_DECLS

typedef enum oskit_picture_format {
  OSKIT_PICTURE_TEXT = 0, /* one paragraph per object */
  OSKIT_PICTURE_DOT = 1   /* a Graphviz digraph: `dot -Tpng` draws it */
} oskit_picture_format_t;

/* Receives the picture, in one or more pieces (not NUL-terminated). */
typedef void (*oskit_picture_writer_t)(void *ctx, const char *text, oskit_size_t length);

/*
 * Describes the stack reachable from the count objects of roots (in that
 * order; objects are numbered as they are reached) and writes it in format
 * to write. Takes and gives back references of its own; a reference count
 * shown is the object's without them. Returns 0; OSKIT_E_INVALIDARG for no
 * roots, a NULL root or writer, or an unknown format; OSKIT_ENOMEM when the
 * environment's memory runs out (nothing is written then).
 */
oskit_error_t oskit_picture_write(struct oskit_iunknown *const *roots, oskit_size_t count,
                                  oskit_picture_format_t format, oskit_picture_writer_t write, void *ctx);

OSKIT_END_DECLS

#ifdef __cplusplus
#include <initializer_list>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace oskit::picture {

// The picture of the stack reachable from roots, as oskit_picture_write.
absl::StatusOr<std::string> describe(absl::Span<oskit_iunknown *const> roots,
                                     oskit_picture_format_t format = OSKIT_PICTURE_TEXT);
inline absl::StatusOr<std::string> describe(std::initializer_list<oskit_iunknown *> roots,
                                            oskit_picture_format_t format = OSKIT_PICTURE_TEXT) {
  return describe(absl::Span<oskit_iunknown *const>(roots.begin(), roots.size()), format);
}

}  // namespace oskit::picture
#endif

#endif /* GLUE_PICTURE_PICTURE_H */
