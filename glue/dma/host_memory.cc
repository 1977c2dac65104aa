#include "glue/dma/host_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_format.h"

namespace oskit::dma {
namespace {

constexpr oskit_size_t kPagemapPage = 4096;
constexpr std::uint64_t kPresent = std::uint64_t{1} << 63;
constexpr std::uint64_t kFrameMask = (std::uint64_t{1} << 55) - 1;

// Closes a descriptor at scope exit.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

oskit_size_t default_huge_page_size() noexcept {
  FILE* f = std::fopen("/proc/meminfo", "re");
  if (f == nullptr) return 0;
  char line[256];
  unsigned long long kib = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "Hugepagesize: %llu kB", &kib) == 1) break;
  }
  std::fclose(f);
  return static_cast<oskit_size_t>(kib) * 1024;
}

oskit_error_t physical_addresses(const void* cpu, std::size_t pages, oskit_size_t page_size, oskit_addr_t* out,
                                 std::string* why) noexcept {
  Fd pagemap{open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)};
  if (pagemap.fd < 0) {
    *why = absl::StrFormat("cannot open /proc/self/pagemap: %s", std::strerror(errno));
    return errno == EACCES || errno == EPERM ? OSKIT_EPERM : OSKIT_EIO;
  }
  const auto first = reinterpret_cast<std::uintptr_t>(cpu);
  for (std::size_t i = 0; i < pages; i++) {
    const std::uintptr_t virt = first + i * page_size;
    std::uint64_t entry = 0;
    const off_t where = static_cast<off_t>(virt / kPagemapPage * sizeof entry);
    if (pread(pagemap.fd, &entry, sizeof entry, where) != static_cast<ssize_t>(sizeof entry)) {
      *why = absl::StrFormat("cannot read /proc/self/pagemap at %#x", virt);
      return OSKIT_EIO;
    }
    if ((entry & kPresent) == 0) {
      *why = absl::StrFormat("page at %#x is not present", virt);
      return OSKIT_EIO;
    }
    const std::uint64_t frame = entry & kFrameMask;
    if (frame == 0) {
      *why = "/proc/self/pagemap hides frame numbers (needs CAP_SYS_ADMIN)";
      return OSKIT_EPERM;
    }
    out[i] = static_cast<oskit_addr_t>(frame * kPagemapPage + virt % kPagemapPage);
  }
  return 0;
}

}  // namespace oskit::dma
