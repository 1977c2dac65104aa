// A tour of the toolkit: components are created through factories, queried for
// the interfaces they export, and pushed into one another.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <cstring>
#include <string>
#include <vector>

#include <evl/evl.h>

#include "absl/strings/str_format.h"
#include "components/blkio_adapters/adapters.h"
#include "components/blockdev/blockdev.h"
#include "components/evl_proxy/logger.h"
#include "components/fault/fault.h"
#include "components/membufio/membufio.h"
#include "components/netio/netio.h"
#include "components/oob_device/oob_device.h"
#include "components/subset/subset.h"
#include "examples/mbr_partitions/mbr.h"
#include "glue/devctl/devctl_server.h"
#include "glue/evl/evl_thread.h"
#include "glue/evl/loopback.h"
#include "glue/evl/stage.h"
#include "oskit/testing/temp_dir.h"
#include "oskit/io/devctl.h"
#include "oskit/com/heap.h"
#include "oskit/com/ptr.h"
#include "oskit/com/status.h"
#include "oskit/io/bufio.h"
#include "oskit/io/netio.h"

namespace {

using oskit::ComPtr;

void stop(const char* title) { std::printf("\n== %s\n", title); }

struct Consumer {
  const char* name;
  int packets = 0;
};

// A packet consumer: reads the packet through the bufio it was handed.
oskit_error_t consume(void* data, oskit_bufio_t* buf, oskit_size_t size) {
  auto* c = static_cast<Consumer*>(data);
  std::string text(size, '\0');
  oskit_size_t actual = 0;
  oskit_error_t rc = oskit_bufio_read(buf, text.data(), 0, size, &actual);
  if (rc != 0) return rc;
  c->packets++;
  std::printf("  %s got %zu bytes: \"%s\"\n", c->name, actual, text.c_str());
  return 0;
}

void memory_bufio_through_a_fanout() {
  stop("a memory bufio pushed through a netio fanout to two consumers");
  const char message[] = "hello from the tour";
  ComPtr<oskit_bufio> packet = ComPtr<oskit_bufio>::adopt(oskit_bufio_create(64));
  oskit_size_t actual = 0;
  oskit_bufio_write(packet.get(), message, 0, std::strlen(message), &actual);

  Consumer left{"left"}, right{"right"};
  ComPtr<oskit_netio> a = ComPtr<oskit_netio>::adopt(oskit_netio_create(consume, &left));
  ComPtr<oskit_netio> b = ComPtr<oskit_netio>::adopt(oskit_netio_create(consume, &right));
  ComPtr<oskit_netio_fanout> fanout = ComPtr<oskit_netio_fanout>::adopt(oskit_netio_fanout_create());
  oskit_netio_fanout_add_listener(fanout.get(), a.get());
  oskit_netio_fanout_add_listener(fanout.get(), b.get());

  oskit_error_t rc = oskit_netio_push(fanout.get(), packet.get(), std::strlen(message));
  std::printf("  push: %s; left saw %d packet(s), right %d\n", rc == 0 ? "ok" : oskit_error_string(rc), left.packets,
              right.packets);
  rc = oskit_netio_push(fanout.get(), packet.get(), 65);
  std::printf("  a 65-byte packet in a 64-byte buffer: %s\n", oskit::to_status(rc, "push").ToString().c_str());
}

void one_object_many_interfaces() {
  stop("one object, several interfaces: query");
  ComPtr<oskit_bufio> buffer = ComPtr<oskit_bufio>::adopt(oskit_bufio_create(512));
  ComPtr<oskit_absio> absio = oskit::query<oskit_absio>(buffer);
  ComPtr<oskit_blkio> blkio = oskit::query<oskit_blkio>(buffer);
  ComPtr<oskit_netio> netio = oskit::query<oskit_netio>(buffer);
  std::printf("  bufio %p answers absio at %p and blkio at %p (block size %u)\n", static_cast<void*>(buffer.get()),
              static_cast<void*>(absio.get()), static_cast<void*>(blkio.get()), blkio->getblocksize());
  std::printf("  asked for netio: %s\n", netio ? "answered" : "no such interface (OSKIT_E_NOINTERFACE)");
  char byte;
  oskit_size_t actual;
  oskit_error_t rc = oskit_absio_read(absio.get(), &byte, 512, 1, &actual);
  std::printf("  reading at the end: %s\n", oskit::to_status(rc, "absio read").ToString().c_str());
}

std::string temp_path(const char* name) {
  return oskit::testing::temp_path(absl::StrFormat("%s.%d", name, static_cast<int>(getpid())));
}

// blockdev -> oskit_blkio_subset per partition -> absio adapter -> a reader.
void disk_partitions() {
  stop("a disk image: block device -> partition subsets -> byte adapter -> a filesystem reader");
  const std::string path = temp_path("tour-disk.img");
  oskit_error_t rc = mbr_example::build_image(
      path, 1024,
      {{0x83, 63, 400, {{"motd", "Partitions are subsets of the disk.\n"}, {"notes", "Read byte by byte.\n"}}},
       {0x83, 500, 300, {{"readme", "The second partition.\n"}}}});
  ComPtr<oskit_blkio> disk;
  if (rc == 0) rc = oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_READ, mbr_example::kSectorSize, disk.put());
  std::vector<mbr_example::Partition> table;
  if (rc == 0) rc = mbr_example::read_partition_table(disk.get(), &table);
  if (rc != 0) {
    std::printf("  %s\n", oskit::to_status(rc, "disk image").ToString().c_str());
    return;
  }
  std::printf("  %s: %zu partitions, block size %u\n", path.c_str(), table.size(), disk->getblocksize());
  for (const mbr_example::Partition& p : table) {
    ComPtr<oskit_blkio> part;
    ComPtr<oskit_absio> bytes;
    rc = oskit_blkio_subset(disk.get(), oskit_off_t{p.first_sector} * mbr_example::kSectorSize,
                            oskit_off_t{p.sectors} * mbr_example::kSectorSize, part.put());
    if (rc == 0) rc = oskit_absio_adapter_create(part.get(), bytes.put());
    std::vector<mbr_example::File> files;
    if (rc == 0) rc = mbr_example::list_toyfs(bytes.get(), &files);
    std::printf("  partition %d (sectors %u..%u): %s\n", p.slot + 1, p.first_sector, p.first_sector + p.sectors - 1,
                rc == 0 ? "" : oskit_error_string(rc));
    for (const mbr_example::File& f : files) std::printf("    %-8s %s", f.name.c_str(), f.contents.c_str());
  }
  char sector[512];
  oskit_size_t actual = 0;
  rc = disk->read(sector, 100, sizeof sector, &actual);
  std::printf("  a misaligned block read: %s\n", oskit::to_status(rc, "blkio read").ToString().c_str());
  std::remove(path.c_str());
}

// A fault injector slid under a stack: the errors surface where the user is.
void faults_under_a_stack() {
  stop("a fault injector under a stack: every third write fails with ENOSPC");
  ComPtr<oskit_bufio> memory = ComPtr<oskit_bufio>::adopt(oskit_bufio_create(4096));
  oskit_fault_plan_t plan{};
  plan.calls = OSKIT_FAULT_WRITE;
  plan.every_nth = 3;
  plan.error = OSKIT_ENOSPC;
  ComPtr<oskit_iunknown> flaky;
  oskit_error_t rc = oskit_fault_wrap(memory.get(), &plan, flaky.put());
  ComPtr<oskit_blkio> blocks;
  if (rc == 0) rc = oskit_blkio_adapter_create(oskit::query<oskit_absio>(flaky).get(), 512, blocks.put());
  if (rc != 0) {
    std::printf("  %s\n", oskit_error_string(rc));
    return;
  }
  char block[512] = "data";
  for (int i = 0; i < 6; i++) {
    oskit_size_t actual = 0;
    rc = blocks->write(block, i * 512, sizeof block, &actual);
    std::printf("  write of block %d: %s\n", i, rc == 0 ? "ok" : oskit_error_string(rc));
  }
  ComPtr<oskit_fault_control> control = oskit::query<oskit_fault_control>(flaky);
  oskit_fault_stats_t stats{};
  control->getstats(&stats);
  std::printf("  the injector saw %llu writes and failed %llu\n", static_cast<unsigned long long>(stats.calls),
              static_cast<unsigned long long>(stats.failed));
}

// Out-of-band work over EVL: a driver reached through the oob device
// component's stream and devctl, logging through a proxy to a file.
void out_of_band_control() {
  stop("out-of-band: an oob device with devctl, logging through an EVL proxy");
  if (evl_init() != 0 || oskit_loopback_register("tour-loop", 0) != 0) {
    std::printf("  cannot set up the EVL emulation\n");
    return;
  }
  ComPtr<oskit_stream> device, reader;
  oskit_error_t rc = oskit_oob_device_open("tour-loop", OSKIT_OOB_DEVICE_RDWR, device.put());
  if (rc == 0) rc = oskit_oob_device_open("tour-loop", OSKIT_OOB_DEVICE_READ, reader.put());
  const std::string log_path = temp_path("tour-oob.log");
  const int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::unique_ptr<oskit::evl::Logger> log;
  if (rc == 0) rc = oskit::evl::Logger::open(log_fd, 1 << 16, nullptr, &log);
  if (rc != 0) {
    std::printf("  %s\n", oskit::to_status(rc, "opening the device and the log").ToString().c_str());
    return;
  }
  ComPtr<oskit_devctl> control = oskit::query<oskit_devctl>(device);
  ComPtr<oskit_devctl> read_only = oskit::query<oskit_devctl>(reader);
  unsigned long violations = 0;
  auto thread = oskit::evl::start_evl_thread("tour-control", [&] {
    oskit_evl_stage_reset();
    for (oskit_u32_t i = 1; i <= 3; i++) {
      oskit_u32_t n = 0;
      device->write(&i, sizeof i, &n);
      oskit_loopback_xchg x = {i * 100, 0};
      oskit_s32_t ret = -1;
      oskit_size_t back = 0;
      rc = control->devctl(oskit_devctl_from_ioc(OSKIT_LOOPBACK_XCHG), &x, sizeof x, &ret, &back);
      log->printf("step %u: xchg %llu -> %llu, %zu bytes back (%s)\n", i, static_cast<unsigned long long>(x.in),
                  static_cast<unsigned long long>(x.out), back, oskit_error_string(rc));
    }
    oskit_u32_t capacity = 4096;
    rc = read_only->devctl(oskit_devctl_from_ioc(OSKIT_LOOPBACK_SET_CAPACITY), &capacity, sizeof capacity, nullptr,
                           nullptr);
    log->printf("a read-only opener resizing the ring: %s\n", oskit_error_string(rc));
    rc = control->devctl(OSKIT_DION(0x7e, 1), nullptr, 0, nullptr, nullptr);
    log->printf("a command the driver does not know: %s\n", oskit_error_string(rc));
    oskit_u32_t flags = OSKIT_DEVCTL_F_NONBLOCK;
    control->devctl(OSKIT_DCMD_ALL_SETFLAGS, &flags, sizeof flags, nullptr, nullptr);
    char drained[64];
    oskit_u32_t n = 0;
    device->read(drained, sizeof drained, &n);
    rc = device->read(drained, sizeof drained, &n);
    log->printf("after the generic SETFLAGS(NONBLOCK), an empty read: %s\n", oskit_error_string(rc));
    violations = oskit_evl_stage_thread_violations();
  });
  if (thread.ok()) (*thread)->join();
  log.reset();  // closing the proxy writes out what it still holds
  ::close(log_fd);
  if (FILE* f = std::fopen(log_path.c_str(), "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, f)) std::printf("  log: %s", line);
    std::fclose(f);
  }
  std::remove(log_path.c_str());
  std::printf("  in-band system calls made by the out-of-band loop: %lu\n", violations);
  device.reset();
  reader.reset();
  oskit_loopback_unregister("tour-loop");
}

}  // namespace

int main() {
  std::printf("oskit-io tour\n");
  memory_bufio_through_a_fanout();
  one_object_many_interfaces();
  disk_partitions();
  faults_under_a_stack();
  out_of_band_control();
  stop("every reference given back");
  std::printf("  live COM objects: %ld\n", oskit_live_objects());
  return oskit_live_objects() == 0 ? 0 : 1;
}
