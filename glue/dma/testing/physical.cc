#include "glue/dma/testing/physical.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_format.h"
#include "oskit/error.h"

namespace oskit::dma::testing {
namespace {

// A field of /proc/meminfo ("HugePages_Free", ...), or -1.
long long meminfo(const char* field) {
  std::ifstream in("/proc/meminfo");
  std::string name;
  long long value = -1;
  while (in >> name) {
    if (name == std::string(field) + ":") {
      in >> value;
      return value;
    }
    std::getline(in, name);
  }
  return -1;
}

// Asks the kernel for `more` huge pages beyond those it has.
bool reserve_huge_pages(long long more) {
  const long long total = meminfo("HugePages_Total");
  std::ofstream out("/proc/sys/vm/nr_hugepages");
  if (total < 0 || !out) return false;
  out << total + more << "\n";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

oskit_size_t huge_page_size() {
  const long long kib = meminfo("Hugepagesize");
  return kib > 0 ? static_cast<oskit_size_t>(kib) * 1024 : 0;
}

ComPtr<oskit_dma_space> make_physical_space(oskit_size_t pool_bytes, std::string* why) {
  if (geteuid() != 0) {
    *why = "physical addresses need root (pagemap hides frame numbers from others)";
    return nullptr;
  }
  const int probe = 0;
  if (pagemap_address(&probe) == 0) {
    *why = "/proc/self/pagemap hides frame numbers here (no CAP_SYS_ADMIN in this namespace)";
    return nullptr;
  }
  const oskit_size_t page = huge_page_size();
  if (page == 0) {
    *why = "this kernel has no huge pages";
    return nullptr;
  }
  const long long needed = static_cast<long long>((pool_bytes + page - 1) / page);
  const long long free_pages = meminfo("HugePages_Free");
  if (free_pages < needed && !reserve_huge_pages(needed - free_pages + 8)) {
    *why = absl::StrFormat("%d huge pages free, %d needed, and /proc/sys/vm/nr_hugepages cannot be raised here",
                           free_pages, needed);
    return nullptr;
  }
  oskit_dma_space_options_t options = {};
  options.mode = OSKIT_DMA_MODE_PHYS;
  options.pool_bytes = pool_bytes;
  ComPtr<oskit_dma_space> space;
  oskit_error_t rc = oskit_dma_space_create(&options, space.put());
  if (rc != 0) {
    *why = absl::StrFormat("a physical-mode space cannot be made here: %s (%d huge pages free)", oskit_error_string(rc),
                           meminfo("HugePages_Free"));
  }
  return space;
}

oskit_addr_t pagemap_address(const void* cpu) {
  const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  const auto virt = reinterpret_cast<std::uintptr_t>(cpu);
  std::uint64_t entry = 0;
  const bool ok = pread(fd, &entry, sizeof entry, static_cast<off_t>(virt / 4096 * sizeof entry)) ==
                  static_cast<ssize_t>(sizeof entry);
  close(fd);
  const std::uint64_t frame = entry & ((std::uint64_t{1} << 55) - 1);
  if (!ok || (entry >> 63) == 0 || frame == 0) return 0;
  return static_cast<oskit_addr_t>(frame * 4096 + virt % 4096);
}

}  // namespace oskit::dma::testing
