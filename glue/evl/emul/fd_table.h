// The descriptor -> File table of the emulation. Lookups take no lock; a
// descriptor's File is published once open and unpublished by close.
#ifndef GLUE_EVL_EMUL_FD_TABLE_H
#define GLUE_EVL_EMUL_FD_TABLE_H

#include "glue/evl/emul/file.h"

namespace oskit::evl::emul {

// A reference to fd's File, empty if fd is not ours.
FileRef lookup(int fd);
bool is_ours(int fd);

// Makes f fd's File; false when fd is beyond the table (or memory ran out).
bool publish(int fd, File* f);
// Removes fd's File and returns it once no lookup can still reach it
// (nullptr if fd is not ours). Lookups already done keep their references.
File* unpublish(int fd);

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_FD_TABLE_H
