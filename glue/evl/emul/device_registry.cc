// Registered devices of the driver API (glue/evl/driver.h): registration,
// lookup by name, and oskit_evl_open().
#include <errno.h>
#include <fcntl.h>

#include <new>
#include <string>

#include <boost/intrusive/list.hpp>

#include "glue/evl/driver.h"
#include "glue/evl/emul/device.h"
#include "glue/evl/emul/element.h"
#include "glue/evl/emul/file.h"
#include "glue/evl/emul/library.h"
#include "glue/evl/emul/naming.h"
#include "oskit/sync/mutex.h"

namespace oskit::evl::emul {
namespace {

struct Registry {
  oskit::Mutex mu;
  boost::intrusive::list<Device> devices ABSL_GUARDED_BY(mu);

  Device* find(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    for (Device& d : devices) {
      if (d.name() == name) return &d;
    }
    return nullptr;
  }
};

Registry& registry() {
  static Registry* r = new Registry;
  return *r;
}

}  // namespace
}  // namespace oskit::evl::emul

using oskit::evl::emul::Device;
using oskit::evl::emul::registry;
using oskit::evl::emul::Registry;

extern "C" {

int oskit_evl_register_device(const char* name, const struct oskit_evl_file_operations* fops, void* drvdata,
                              struct oskit_evl_device** devp) {
  if (name == nullptr || fops == nullptr || devp == nullptr) return -EINVAL;
  std::string n(name);
  if (oskit::evl::emul::check_name(n) != 0) return -EINVAL;
  Registry& r = registry();
  oskit::MutexLock lock(&r.mu);
  if (r.find(n) != nullptr) return -EEXIST;
  Device* d = new (std::nothrow) Device(n, fops, drvdata);
  if (d == nullptr) return -ENOMEM;
  r.devices.push_back(*d);
  *devp = d->handle();
  return 0;
}

int oskit_evl_unregister_device(struct oskit_evl_device* dev) {
  if (dev == nullptr) return -EINVAL;
  Device* d = Device::from(dev);
  Registry& r = registry();
  oskit::MutexLock lock(&r.mu);
  if (d->open_files() != 0) return -EBUSY;
  r.devices.erase(r.devices.iterator_to(*d));
  delete d;
  return 0;
}

void* oskit_evl_device_data(const struct oskit_evl_device* dev) { return Device::from(dev)->data(); }

int oskit_evl_open(const char* name, int flags) {
  if (!oskit::evl::emul::core_running()) return -ENXIO;
  if (name == nullptr) return -EINVAL;
  if (flags & ~(O_ACCMODE | O_NONBLOCK | O_CLOEXEC)) return -EINVAL;
  if ((flags & O_ACCMODE) == O_ACCMODE) return -EINVAL;
  Device* d;
  {
    Registry& r = registry();
    oskit::MutexLock lock(&r.mu);
    d = r.find(name);
    if (d == nullptr) return -ENODEV;
    d->opened();  // pins the device while it opens
  }
  int fd = oskit::evl::emul::open_file(d, d->fops(), nullptr, flags & ~O_CLOEXEC);
  d->closed();
  return fd;
}

}  // extern "C"
