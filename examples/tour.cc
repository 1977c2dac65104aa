// A tour of the toolkit: components are created through factories, queried for
// the interfaces they export, and pushed into one another.
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/strings/str_format.h"
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

}  // namespace

int main() {
  std::printf("oskit-io tour\n");
  memory_bufio_through_a_fanout();
  one_object_many_interfaces();
  stop("every reference given back");
  std::printf("  live COM objects: %ld\n", oskit_live_objects());
  return oskit_live_objects() == 0 ? 0 : 1;
}
