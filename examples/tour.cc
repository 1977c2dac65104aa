// A tour of the toolkit: components are created through factories, queried for
// the interfaces they export, and pushed into one another; stacks draw
// themselves; a kernel-like harness runs one on its own environment.
//
//   tour                      every part
//   tour --list               the parts' names
//   tour --part=dma,harness   some parts
//   tour --pictures=DIR       also write each stack's picture as DIR/NAME.dot,
//                             and DIR/NAME.png when Graphviz's dot is installed
#include <arpa/inet.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <evl/evl.h>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "components/blkio_adapters/adapters.h"
#include "components/blockdev/blockdev.h"
#include "components/dma_engine/dma_engine.h"
#include "components/evl_proxy/evl_proxy.h"
#include "components/evl_proxy/logger.h"
#include "components/fault/fault.h"
#include "components/membufio/membufio.h"
#include "components/netio/netio.h"
#include "components/oob_device/oob_device.h"
#include "components/subset/subset.h"
#include "components/udp/udp.h"
#include "examples/harness/campaign.h"
#include "examples/harness/harness.h"
#include "examples/harness/scenarios.h"
#include "examples/mbr_partitions/mbr.h"
#include "glue/devctl/devctl_server.h"
#include "glue/dma/dma.h"
#include "glue/evl/evl_thread.h"
#include "glue/evl/loopback.h"
#include "glue/evl/stage.h"
#include "glue/picture/picture.h"
#include "oskit/com/heap.h"
#include "oskit/com/ptr.h"
#include "oskit/com/status.h"
#include "oskit/io/bufio.h"
#include "oskit/io/devctl.h"
#include "oskit/io/netio.h"
#include "oskit/testing/temp_dir.h"

namespace {

using oskit::ComPtr;

void stop(const char* title) { std::printf("\n== %s\n", title); }

std::string g_pictures_dir;  // --pictures=DIR

// Runs Graphviz's dot on a DOT file; false when dot is not installed or fails.
bool render_png(const std::string& dot_path, const std::string& png_path) {
  const char* argv[] = {"dot", "-Tpng", dot_path.c_str(), "-o", png_path.c_str(), nullptr};
  pid_t pid;
  if (posix_spawnp(&pid, "dot", nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0) return false;
  int status = 0;
  return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Prints the stack reachable from roots as text; with --pictures, writes it
// as DIR/name.dot and renders DIR/name.png.
void picture(const char* name, std::initializer_list<oskit_iunknown*> roots) {
  auto text = oskit::picture::describe(roots);
  if (!text.ok()) {
    std::printf("  no picture: %s\n", text.status().ToString().c_str());
    return;
  }
  std::printf("  the stack, as it describes itself:\n");
  for (absl::string_view line : absl::StrSplit(*text, '\n', absl::SkipEmpty())) {
    std::printf("    %.*s\n", static_cast<int>(line.size()), line.data());
  }
  if (g_pictures_dir.empty()) return;
  auto dot = oskit::picture::describe(roots, OSKIT_PICTURE_DOT);
  const std::string dot_path = g_pictures_dir + "/" + name + ".dot";
  const std::string png_path = g_pictures_dir + "/" + name + ".png";
  std::ofstream(dot_path) << (dot.ok() ? *dot : std::string());
  std::printf(
      "  wrote %s%s\n", dot_path.c_str(),
      render_png(dot_path, png_path) ? (" and " + png_path).c_str() : " (no PNG: Graphviz's dot is not installed)");
}

template <class T>
oskit_iunknown* unknown(const ComPtr<T>& p) {
  return reinterpret_cast<oskit_iunknown*>(p.get());
}

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
  picture("fanout", {unknown(fanout)});
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
    if (p.slot == 0 && bytes) picture("disk", {unknown(bytes)});
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
  picture("faults", {unknown(blocks)});
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
  picture("oob", {unknown(device), unknown(reader)});
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

// A bufio wired into a device-address space and copied by the DMA engine,
// programmed through devctl.
oskit_error_t dma_copy(oskit_devctl* engine, oskit_addr_t src, oskit_addr_t dst, oskit_u64_t length) {
  oskit_u32_t ctrl = OSKIT_DMA_CTRL_ENABLE;
  oskit_error_t rc = engine->devctl(OSKIT_DMA_DCMD_SETCTRL, &ctrl, sizeof ctrl, nullptr, nullptr);
  oskit_dma_submit submit{};
  submit.count = 1;
  submit.desc[0] = {OSKIT_DMA_OP_COPY, 0, 7, src, dst, length, 0, 0, 0};
  if (rc == 0) {
    rc = engine->devctl(OSKIT_DMA_DCMD_SUBMIT, &submit, offsetof(oskit_dma_submit, desc) + sizeof submit.desc[0],
                        nullptr, nullptr);
  }
  oskit_dma_reap reap{};
  reap.max = 1;
  if (rc == 0) rc = engine->devctl(OSKIT_DMA_DCMD_REAP, &reap, sizeof reap, nullptr, nullptr);
  return rc != 0 ? rc : reap.completion[0].status;
}

void bufio_wired_and_copied_by_dma() {
  stop("DMA: bufios wired into an IOVA space and copied by the DMA engine");
  oskit_dma_space_options_t options{};
  options.mode = OSKIT_DMA_MODE_IOVA;
  ComPtr<oskit_dma_space> space;
  ComPtr<oskit_devctl> engine;
  ComPtr<oskit_bufio_pool> pool;
  ComPtr<oskit_bufio> src, dst;
  const oskit_dma_engine_options_t engine_options{1, 16, 0};
  oskit_error_t rc = oskit_dma_space_create(&options, space.put());
  if (rc == 0) rc = oskit_dma_engine_create(space.get(), &engine_options, engine.put());
  if (rc == 0) rc = oskit_dma_bufio_pool_create(space.get(), 4096, 4, pool.put());
  if (rc == 0) rc = pool->alloc(64, src.put());
  if (rc == 0) rc = pool->alloc(64, dst.put());
  const char text[] = "moved by the engine, not the CPU";
  oskit_size_t n = 0;
  if (rc == 0) rc = src->write(text, 0, sizeof text, &n);
  oskit_addr_t from = 0, to = 0;
  if (rc == 0) rc = src->wire(&from, 0, sizeof text);
  if (rc == 0) rc = dst->wire(&to, 0, sizeof text);
  if (rc != 0) {
    std::printf("  %s\n", oskit::to_status(rc, "setting up").ToString().c_str());
    return;
  }
  std::printf("  wired: source at device address 0x%llx, destination at 0x%llx\n",
              static_cast<unsigned long long>(from), static_cast<unsigned long long>(to));
  rc = dma_copy(engine.get(), from, to, sizeof text);
  char back[sizeof text] = {};
  if (rc == 0) rc = dst->read(back, 0, sizeof back, &n);
  std::printf("  the engine's copy: %s; the destination reads \"%s\"\n", oskit_error_string(rc), back);
  rc = dma_copy(engine.get(), from, 0xdead0000, sizeof text);
  std::printf("  a copy to an address nobody wired: %s (the IOMMU faulted)\n", oskit_error_string(rc));
  picture("dma", {unknown(engine), unknown(pool), unknown(dst)});
  src->unwire(from, 0, sizeof text);
  dst->unwire(to, 0, sizeof text);
}

// The kernel-like harness of examples/harness: its own environment (virtual
// clock, failing allocator, counted threads), a driver stack on it, and an
// allocation-failure campaign over the stack.
void harness_with_a_fault_campaign() {
  stop("a kernel-like harness: its own environment and an allocation-failure campaign over a DMA stack");
  if (evl_init() != 0) {  // the emulation plays the kernel: started before the harness
    std::printf("  cannot set up the EVL emulation\n");
    return;
  }
  harness* h = harness_create(1000000000);
  if (h == nullptr || harness_install(h) != 0) {
    std::printf("  cannot install the harness\n");
    if (h != nullptr) harness_destroy(h);
    return;
  }
  harness_campaign campaign;
  const int rc = harness_campaign_run(h, harness_scenario_dma, nullptr, &campaign);
  harness_campaign_print("dma", &campaign, stdout);
  std::printf("  campaign: %s\n", rc == 0 ? "every failure reported, nothing leaked" : "FAILED");
  harness_uninstall(h);
  harness_report(h, stdout);
  harness_destroy(h);
}

// An out-of-band loop that makes an in-band call is caught, as EVL's
// SIGDEBUG catches it on a real system.
void stage_violation_caught() {
  stop("a stage violation caught: an out-of-band loop creating a proxy (an in-band call)");
  if (evl_init() != 0 || oskit_loopback_register("tour-stage", 0) != 0) {
    std::printf("  cannot set up the EVL emulation\n");
    return;
  }
  ComPtr<oskit_stream> device;
  oskit_error_t rc = oskit_oob_device_open("tour-stage", OSKIT_OOB_DEVICE_RDWR, device.put());
  const int previous = oskit_evl_stage_set_action(OSKIT_EVL_STAGE_LOG);
  struct Loop {
    oskit_stream* device;
    unsigned long violations_before, violations_after;
  } loop{device.get(), 0, 0};
  auto thread = oskit::evl::start_evl_thread("tour-stage", [l = &loop] {
    oskit_evl_stage_reset();
    oskit_u32_t n = 0;
    l->device->write("x", 1, &n);  // out-of-band: oob_write
    l->violations_before = oskit_evl_stage_thread_violations();
    ComPtr<oskit_stream> proxy;
    oskit_evl_proxy_options options{4096, 0, OSKIT_EVL_PROXY_OUTPUT, nullptr, 0};
    oskit_evl_proxy_create(STDOUT_FILENO, &options, proxy.put());  // in-band: the violation
    l->violations_after = oskit_evl_stage_thread_violations();
  });
  if (rc == 0 && thread.ok()) (*thread)->join();
  oskit_evl_stage_set_action(previous);
  std::printf("  violations after the out-of-band write: %lu; after creating the proxy: %lu\n", loop.violations_before,
              loop.violations_after);
  device.reset();
  oskit_loopback_unregister("tour-stage");
}

// A consumer whose count another thread waits on.
struct CountedConsumer {
  Consumer consumer;
  std::atomic<int> arrived{0};
};

oskit_error_t consume_counted(void* data, oskit_bufio_t* buf, oskit_size_t size) {
  auto* c = static_cast<CountedConsumer*>(data);
  oskit_error_t rc = consume(&c->consumer, buf, size);
  c->arrived++;
  return rc;
}

// Two UDP endpoints over out-of-band sockets on the loopback interface: one
// connected to the other pushes a datagram, which the other's receive thread
// pushes through a filter and a queue to a consumer.
void udp_between_two_endpoints() {
  stop("UDP between two endpoints: out-of-band sockets, datagrams pushed through netio helpers");
  if (evl_init() != 0) {
    std::printf("  cannot set up the EVL emulation\n");
    return;
  }
  CountedConsumer sink{{"the receiver"}};
  ComPtr<oskit_netio> printer = ComPtr<oskit_netio>::adopt(oskit_netio_create(consume_counted, &sink));
  ComPtr<oskit_netio> queue, filter, discard, receiver, sender;
  oskit_error_t rc = oskit_netio_queue_create(printer.get(), 16, queue.put());
  const oskit_netio_predicate_t nonempty = [](void*, oskit_bufio_t*, oskit_size_t size) { return size > 0 ? 1 : 0; };
  if (rc == 0) rc = oskit_netio_filter_create(queue.get(), nonempty, nullptr, filter.put());
  discard = ComPtr<oskit_netio>::adopt(
      oskit_netio_create([](void*, oskit_bufio_t*, oskit_size_t) -> oskit_error_t { return 0; }, nullptr));
  oskit_udp_options_t options{};
  options.local.sin_family = AF_INET;
  options.local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (rc == 0) rc = oskit_udp_open(&options, filter.get(), receiver.put());
  ComPtr<oskit_udp_endpoint> receiving = oskit::query<oskit_udp_endpoint>(receiver);
  if (rc == 0) rc = receiving->getsockname(&options.peer);
  if (rc == 0) rc = oskit_udp_open(&options, discard.get(), sender.put());
  if (rc != 0) {
    std::printf("  %s\n", oskit::to_status(rc, "opening the endpoints").ToString().c_str());
    return;
  }
  std::printf("  the receiver is bound to 127.0.0.1:%u; the sender is connected to it\n", ntohs(options.peer.sin_port));
  const char text[] = "a datagram over an out-of-band socket";
  ComPtr<oskit_bufio> packet;
  oskit_size_t n = 0;
  rc = sender->alloc_bufio(sizeof text - 1, packet.put());
  if (rc == 0) rc = packet->write(text, 0, sizeof text - 1, &n);
  if (rc == 0) rc = sender->push(packet.get(), sizeof text - 1);
  std::printf("  push: %s\n", oskit_error_string(rc));
  for (int waited_ms = 0; rc == 0 && sink.arrived.load() == 0 && waited_ms < 5000; ++waited_ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  oskit_udp_stats_t stats{};
  receiving->getstats(&stats);
  std::printf("  the receiver: %llu datagram(s), %llu bytes\n", static_cast<unsigned long long>(stats.received),
              static_cast<unsigned long long>(stats.received_bytes));
  picture("udp", {unknown(sender), unknown(receiver)});
  packet.reset();
  sender.reset();
  receiving.reset();
  receiver.reset();  // stops its receive thread, then releases the filter, the queue and the printer
}

struct Part {
  const char* name;
  void (*run)();
};

const Part kParts[] = {
    {"fanout", memory_bufio_through_a_fanout},
    {"query", one_object_many_interfaces},
    {"disk", disk_partitions},
    {"faults", faults_under_a_stack},
    {"oob", out_of_band_control},
    {"dma", bufio_wired_and_copied_by_dma},
    {"harness", harness_with_a_fault_campaign},
    {"stage", stage_violation_caught},
    {"udp", udp_between_two_endpoints},
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> chosen;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--part=")) {
      for (absl::string_view name : absl::StrSplit(arg, ',', absl::SkipEmpty())) chosen.emplace_back(name);
    } else if (absl::ConsumePrefix(&arg, "--pictures=")) {
      g_pictures_dir = std::string(arg);
    } else if (arg == "--list") {
      for (const Part& p : kParts) std::printf("%s\n", p.name);
      return 0;
    } else {
      std::fprintf(stderr, "usage: tour [--list] [--part=NAME,...] [--pictures=DIR]\n");
      return 2;
    }
  }
  std::printf("oskit-io tour\n");
  for (const std::string& name : chosen) {
    bool known = false;
    for (const Part& p : kParts) known = known || name == p.name;
    if (!known) {
      std::fprintf(stderr, "tour: no part named %s (see --list)\n", name.c_str());
      return 2;
    }
  }
  for (const Part& p : kParts) {
    bool wanted = chosen.empty();
    for (const std::string& name : chosen) wanted = wanted || name == p.name;
    if (wanted) p.run();
  }
  stop("every reference given back");
  std::printf("  live COM objects: %ld\n", oskit_live_objects());
  return oskit_live_objects() == 0 ? 0 : 1;
}
