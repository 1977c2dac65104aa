// A device registered through the driver API (glue/evl/driver.h).
#ifndef GLUE_EVL_EMUL_DEVICE_H
#define GLUE_EVL_EMUL_DEVICE_H

#include <atomic>
#include <string>

#include <boost/intrusive/list.hpp>

#include "glue/evl/driver.h"

namespace oskit::evl::emul {

class Device : public boost::intrusive::list_base_hook<> {
 public:
  Device(std::string name, const oskit_evl_file_operations* fops, void* data)
      : name_(std::move(name)), fops_(fops), data_(data) {}
  const std::string& name() const { return name_; }
  const oskit_evl_file_operations* fops() const { return fops_; }
  void* data() const { return data_; }
  void opened() { open_files_.fetch_add(1, std::memory_order_relaxed); }
  void closed() { open_files_.fetch_sub(1, std::memory_order_relaxed); }
  int open_files() const { return open_files_.load(std::memory_order_relaxed); }
  // oskit_evl_device is opaque: a handle is a Device's address.
  static Device* from(oskit_evl_device* d) { return reinterpret_cast<Device*>(d); }
  static const Device* from(const oskit_evl_device* d) { return reinterpret_cast<const Device*>(d); }
  oskit_evl_device* handle() { return reinterpret_cast<oskit_evl_device*>(this); }

 private:
  std::string name_;
  const oskit_evl_file_operations* fops_;
  void* data_;
  std::atomic<int> open_files_{0};
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_DEVICE_H
