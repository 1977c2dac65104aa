#include "glue/evl/emul/device_entry.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "glue/evl/emul/library.h"

namespace oskit::evl::emul {
namespace {

// Whether the entry at path was left by a process that is gone, by an
// earlier program this process ran (its names are reserved in this process
// before an entry is made), or points nowhere any more. Anything but a link
// of ours is left alone.
bool stale(const std::string& path) {
  char target[PATH_MAX];
  const ssize_t n = readlink(path.c_str(), target, sizeof target - 1);
  if (n < 0) return false;
  target[n] = '\0';
  int pid = 0;
  if (sscanf(target, "/proc/%d/", &pid) != 1 || pid <= 0) return false;
  if (pid == getpid()) return true;
  if (kill(pid, 0) != 0 && errno == ESRCH) return true;
  struct stat st;
  return stat(path.c_str(), &st) != 0;
}

}  // namespace

DeviceEntry::~DeviceEntry() {
  if (!path_.empty() && owner_ == getpid()) unlink(path_.c_str());
}

int DeviceEntry::path_of(const std::string& type, const std::string& name, std::string* path) {
  *path = root_dir() + "/" + type + "/" + name;
  return path->size() >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int DeviceEntry::make(const std::string& type, const std::string& name, int anchor) {
  std::string path;
  int rc = path_of(type, name, &path);
  if (rc < 0) return rc;
  const std::string root = root_dir();
  mkdir(root.c_str(), 0755);
  mkdir((root + "/" + type).c_str(), 0755);
  const std::string link = "/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(anchor);
  for (int attempt = 0; attempt < 2; attempt++) {
    if (symlink(link.c_str(), path.c_str()) == 0) {
      path_ = path;
      owner_ = getpid();
      return 0;
    }
    const int e = errno;
    // The root cannot hold the entry (missing, not a directory, read-only,
    // not ours): libevl documents none of these, and without its device
    // hierarchy the core is unreachable, which it reports as ENXIO.
    if (e != EEXIST) return e == ENOMEM || e == ENOSPC || e == EDQUOT ? -ENOMEM : -ENXIO;
    if (!stale(path)) return -EEXIST;
    unlink(path.c_str());
  }
  return -EEXIST;
}

}  // namespace oskit::evl::emul
