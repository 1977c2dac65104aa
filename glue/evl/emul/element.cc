#include "glue/evl/emul/element.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include <limits.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <utility>

#include "evl/thread.h"
#include "glue/evl/config.h"
#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/naming.h"
#include "glue/evl/emul/readiness_relay.h"
#include "glue/evl/emul/real.h"

namespace oskit::evl::emul {
namespace {

std::atomic<bool> g_running{true};
std::atomic<int> g_attached{0};
std::atomic<int> g_published{0};  // public elements alive: open(2) looks only when some are

// Names in use per element type, and the public elements by type and name.
struct Registries {
  oskit::Mutex mu;
  std::map<std::string, NameRegistry> names ABSL_GUARDED_BY(mu);
  std::map<std::pair<std::string, std::string>, Element*> published ABSL_GUARDED_BY(mu);
};

Registries& registries() {
  static auto* r = new Registries;
  return *r;
}

NameRegistry& names_of(const char* type) {
  Registries& r = registries();
  oskit::MutexLock lock(&r.mu);
  return r.names[type];
}

// The file operations every element's files share; they reach the element
// through the file's private data.
int op_open(oskit_evl_file* f) {
  Element* e = Element::of(f);
  e->get();
  e->attach(File::from(f));
  return 0;
}
void op_release(oskit_evl_file* f) {
  Element* e = Element::of(f);
  e->detach(File::from(f));
  e->put();
}
ssize_t op_oob_read(oskit_evl_file* f, void* buf, size_t n) { return Element::of(f)->oob_read(f, buf, n); }
ssize_t op_oob_write(oskit_evl_file* f, const void* buf, size_t n) { return Element::of(f)->oob_write(f, buf, n); }
long op_oob_ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg) {
  return Element::of(f)->oob_ioctl(f, cmd, arg);
}
ssize_t op_read(oskit_evl_file* f, void* buf, size_t n) { return Element::of(f)->read(f, buf, n); }
ssize_t op_write(oskit_evl_file* f, const void* buf, size_t n) { return Element::of(f)->write(f, buf, n); }
long op_ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg) { return Element::of(f)->ioctl(f, cmd, arg); }
unsigned int op_poll(oskit_evl_file* f, unsigned int events) { return Element::of(f)->poll(f, events); }
void op_flush(oskit_evl_file* f) { Element::of(f)->flush(f); }

const oskit_evl_file_operations kElementOps = {
    op_open, op_flush, op_release, op_oob_read, op_oob_write, op_oob_ioctl,
    op_read, op_write, op_ioctl,   op_poll,     nullptr,
};

// Splits fmt's name into *name, public if it starts with '/'.
int element_name(const char* fmt, va_list ap, int* flags, std::string* name) {
  if (fmt == nullptr) return (*flags & EVL_CLONE_PUBLIC) ? -EINVAL : 0;
  if (int rc = vformat(name, fmt, ap); rc < 0) return rc;
  if (!name->empty() && (*name)[0] == '/') {
    *flags |= EVL_CLONE_PUBLIC;
    name->erase(0, 1);
  }
  return check_name(*name);
}

}  // namespace

Element::Element(const char* type) : type_(type) {}

Element::~Element() {
  if (!entry_.path().empty()) {
    Registries& r = registries();
    oskit::MutexLock lock(&r.mu);
    r.published.erase({type_, name_});
    g_published.fetch_sub(1, std::memory_order_relaxed);
  }
  if (named_) names_of(type_).release(name_);
  if (anchor_ >= 0) real::close(anchor_);
}

Element* Element::of(int fd, FileRef* ref, const char* type) {
  *ref = lookup(fd);
  if (!*ref || (*ref)->fops != &kElementOps) return nullptr;
  Element* e = of((*ref)->cfile());
  return type == nullptr || strcmp(e->type_, type) == 0 ? e : nullptr;
}

int Element::open_file(int flags) {
  return emul::open_file(nullptr, &kElementOps, this, (flags & (O_ACCMODE | O_NONBLOCK)) | O_RDWR);
}

void Element::attach(File* f) {
  MutexLock lock(&files_mu_);
  files_.push_back(f);
}

void Element::detach(File* f) {
  MutexLock lock(&files_mu_);
  files_.erase(std::remove(files_.begin(), files_.end(), f), files_.end());
}

void Element::notify_pollers() { notify_files(notify); }

void Element::notify_pollers_from_interrupt() { notify_files(notify_from_interrupt); }

void Element::notify_files(void (*tell)(File*)) {
  MutexLock lock(&files_mu_);
  for (File* f : files_) tell(f);
}

void Element::put() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

bool Element::try_get() {
  int n = refs_.load(std::memory_order_relaxed);
  while (n > 0) {
    if (refs_.compare_exchange_weak(n, n + 1, std::memory_order_acq_rel)) return true;
  }
  return false;
}

ssize_t Element::oob_read(oskit_evl_file*, void*, size_t) { return -EINVAL; }
ssize_t Element::oob_write(oskit_evl_file*, const void*, size_t) { return -EINVAL; }
long Element::oob_ioctl(oskit_evl_file*, unsigned int, unsigned long) { return -ENOTTY; }
ssize_t Element::read(oskit_evl_file*, void*, size_t) { return -EINVAL; }
ssize_t Element::write(oskit_evl_file*, const void*, size_t) { return -EINVAL; }
long Element::ioctl(oskit_evl_file*, unsigned int, unsigned long) { return -ENOTTY; }
unsigned int Element::poll(oskit_evl_file*, unsigned int) { return 0; }
void Element::flush(oskit_evl_file*) {}

int Element::publish(int flags, const char* fmt, va_list ap) {
  int rc = element_name(fmt, ap, &flags, &name_);
  if (rc < 0) return rc;
  if (name_.empty()) return 0;
  std::string path;
  if (flags & EVL_CLONE_PUBLIC) {
    rc = DeviceEntry::path_of(type_, name_, &path);
    if (rc < 0) return rc;
  }
  rc = names_of(type_).reserve(name_);
  if (rc < 0) return rc;
  named_ = true;
  if (!(flags & EVL_CLONE_PUBLIC)) return 0;
  anchor_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (anchor_ < 0) return -errno;
  rc = entry_.make(type_, name_, anchor_);
  if (rc < 0) return rc;
  Registries& r = registries();
  oskit::MutexLock lock(&r.mu);
  r.published[{type_, name_}] = this;
  g_published.fetch_add(1, std::memory_order_relaxed);
  return 0;
}

int create_element(Element* e, int flags, const char* fmt, va_list ap) {
  if (!core_running()) {
    e->put();
    return -ENXIO;
  }
  int rc = e->publish(flags, fmt, ap);
  if (rc == 0) rc = e->open_file((flags & EVL_CLONE_NONBLOCK) ? O_NONBLOCK : 0);
  e->put();  // the files hold the element from now on
  return rc;
}

namespace {

int create_nameless(Element* e, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const int fd = create_element(e, flags, nullptr, ap);
  va_end(ap);
  return fd;
}

}  // namespace

int create_anonymous(Element* e, int flags) { return create_nameless(e, flags); }

Element* find_public(const std::string& type, const std::string& name) {
  Registries& r = registries();
  oskit::MutexLock lock(&r.mu);
  auto it = r.published.find({type, name});
  if (it == r.published.end() || !it->second->try_get()) return nullptr;
  return it->second;
}

namespace {

// path made absolute (against dirfd's directory when relative) and cleaned
// of ".", ".." and repeated slashes; empty if the directory is unknown.
std::string absolute_path(int dirfd, const char* path) {
  std::string full;
  if (path[0] == '/') {
    full = path;
  } else {
    char base[PATH_MAX];
    if (dirfd == AT_FDCWD) {
      if (getcwd(base, sizeof base) == nullptr) return std::string();
    } else {
      const std::string link = "/proc/self/fd/" + std::to_string(dirfd);
      const ssize_t n = readlink(link.c_str(), base, sizeof base - 1);
      if (n <= 0) return std::string();
      base[n] = '\0';
    }
    full = std::string(base) + "/" + path;
  }
  std::vector<std::string> parts;
  size_t at = 0;
  while (at < full.size()) {
    size_t end = full.find('/', at);
    if (end == std::string::npos) end = full.size();
    const std::string part = full.substr(at, end - at);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    at = end + 1;
  }
  std::string clean;
  for (const std::string& part : parts) clean += "/" + part;
  return clean.empty() ? "/" : clean;
}

}  // namespace

int open_public(int dirfd, const char* path, int flags) {
  if (g_published.load(std::memory_order_relaxed) == 0 || path == nullptr) return -ENOENT;
  const std::string full = absolute_path(dirfd, path);
  const std::string root = absolute_path(AT_FDCWD, root_dir().c_str()) + "/";
  if (full.compare(0, root.size(), root) != 0) return -ENOENT;
  const std::string rest = full.substr(root.size());
  const size_t slash = rest.find('/');
  if (slash == std::string::npos || rest.find('/', slash + 1) != std::string::npos) return -ENOENT;
  Element* e = find_public(rest.substr(0, slash), rest.substr(slash + 1));
  if (e == nullptr) return -ENOENT;
  const int fd = e->open_file(flags);
  e->put();
  return fd;
}

bool core_running() { return g_running.load(std::memory_order_acquire); }

int stop_core() {
  if (g_attached.load(std::memory_order_acquire) > 0) return -EBUSY;
  g_running.store(false, std::memory_order_release);
  return 0;
}

int start_core() {
  g_running.store(true, std::memory_order_release);
  return 0;
}

void count_attached(int delta) { g_attached.fetch_add(delta, std::memory_order_acq_rel); }

}  // namespace oskit::evl::emul

extern "C" int oskit_evl_open_public(int dirfd, const char* path, int flags) {
  return oskit::evl::emul::open_public(dirfd, path, flags);
}

extern "C" {

int oskit_evl_core_stop(void) { return oskit::evl::emul::stop_core(); }

int oskit_evl_core_start(void) { return oskit::evl::emul::start_core(); }

int oskit_evl_core_running(void) { return oskit::evl::emul::core_running() ? 1 : 0; }

}  // extern "C"
