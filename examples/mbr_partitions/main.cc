// Example: a disk image with an MBR partition table. It is created, opened as
// a block device (512-byte sectors), each partition becomes a subset, and a
// filesystem-like reader lists each partition's files through the absio
// adapter. Usage: mbr_partitions [image-path]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "components/blkio_adapters/adapters.h"
#include "components/blockdev/blockdev.h"
#include "components/subset/subset.h"
#include "examples/mbr_partitions/mbr.h"

using mbr_example::File;
using mbr_example::Partition;

int main(int argc, char** argv) {
  std::string path =
      argc > 1 ? argv[1] : std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/mbr_example.img";
  std::string big(5000, 'x');
  for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<char>('a' + i % 26);
  oskit_error_t rc =
      mbr_example::build_image(path, 2048,
                               {{0x83, 63, 500, {{"hello.txt", "Hello from partition 1\n"}, {"alphabet", big}}},
                                {0x83, 600, 400, {{"readme", "Partition 2 holds one file.\n"}}},
                                {0x0c, 1100, 900, {}}});
  if (rc != 0) {
    std::fprintf(stderr, "cannot build %s: %s\n", path.c_str(), oskit_error_string(rc));
    return 1;
  }
  oskit::ComPtr<oskit_blkio> disk;
  rc = oskit_blockdev_open(path.c_str(), OSKIT_BLOCKDEV_READ, mbr_example::kSectorSize, disk.put());
  if (rc != 0) {
    std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), oskit_error_string(rc));
    return 1;
  }
  std::vector<Partition> table;
  rc = mbr_example::read_partition_table(disk.get(), &table);
  if (rc != 0) {
    std::fprintf(stderr, "no partition table: %s\n", oskit_error_string(rc));
    return 1;
  }
  std::printf("%s: %zu partitions\n", path.c_str(), table.size());
  for (const Partition& p : table) {
    oskit::ComPtr<oskit_blkio> part;
    rc = oskit_blkio_subset(disk.get(), static_cast<oskit_off_t>(p.first_sector) * mbr_example::kSectorSize,
                            static_cast<oskit_off_t>(p.sectors) * mbr_example::kSectorSize, part.put());
    oskit::ComPtr<oskit_absio> bytes;
    if (rc == 0) rc = oskit_absio_adapter_create(part.get(), bytes.put());
    if (rc != 0) {
      std::fprintf(stderr, "partition %d: %s\n", p.slot + 1, oskit_error_string(rc));
      return 1;
    }
    std::printf("partition %d: type 0x%02x, sectors %u..%u\n", p.slot + 1, p.type, p.first_sector,
                p.first_sector + p.sectors - 1);
    std::vector<File> files;
    rc = mbr_example::list_toyfs(bytes.get(), &files);
    if (rc != 0) {
      std::printf("  no toyfs (%s)\n", oskit_error_string(rc));
      continue;
    }
    for (const File& f : files) {
      unsigned sum = 0;
      for (unsigned char c : f.contents) sum = sum * 31 + c;
      std::printf("  %-12s %6zu bytes  checksum %08x  \"%.20s\"\n", f.name.c_str(), f.contents.size(), sum,
                  f.contents.c_str());
    }
  }
  if (argc <= 1) unlink(path.c_str());
  return 0;
}
