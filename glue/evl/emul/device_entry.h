// The device file of a public element, <root>/<type>/<name> (the EVL
// documentation's "/dev/evl file hierarchy"): a symbolic link to
// /proc/<pid>/fd/<anchor>, where anchor is a descriptor the element holds for
// its lifetime. The link names the process, so an entry left by a process
// that died is recognised and replaced; a live one makes the name taken.
#ifndef GLUE_EVL_EMUL_DEVICE_ENTRY_H
#define GLUE_EVL_EMUL_DEVICE_ENTRY_H

#include <sys/types.h>

#include <string>

namespace oskit::evl::emul {

class DeviceEntry {
 public:
  DeviceEntry() = default;
  DeviceEntry(const DeviceEntry&) = delete;
  DeviceEntry& operator=(const DeviceEntry&) = delete;
  // Removes the entry, in the process that made it only (a forked child
  // leaves its parent's entries alone).
  ~DeviceEntry();

  // The path type/name would have: -ENAMETOOLONG past PATH_MAX.
  static int path_of(const std::string& type, const std::string& name, std::string* path);

  // Makes the entry, linking to anchor. 0, -EEXIST (a live process has it),
  // -ENAMETOOLONG, -ENOMEM (no space for it) or -ENXIO (the root cannot hold
  // it).
  int make(const std::string& type, const std::string& name, int anchor);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  pid_t owner_ = 0;
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_DEVICE_ENTRY_H
