// The MBR example's library: builds a disk image holding an MBR partition
// table whose partitions carry a tiny filesystem ("toyfs"), and reads it back
// the way a driver stack would: blockdev -> oskit_blkio_subset per partition
// -> absio adapter -> a filesystem-like reader.
//
// toyfs, at byte 0 of a partition: the magic "TOYFS1\0\0", a little-endian
// u32 file count, then per file a 24-byte NUL-padded name, a u64 byte offset
// from the partition's start and a u32 length. File data sits at any byte
// offset, so reading it needs byte-granular access.
#ifndef EXAMPLES_MBR_PARTITIONS_MBR_H
#define EXAMPLES_MBR_PARTITIONS_MBR_H

#include <cstdint>
#include <string>
#include <vector>

#include "oskit/com/ptr.h"
#include "oskit/io/absio.h"
#include "oskit/io/blkio.h"

namespace mbr_example {

constexpr oskit_u32_t kSectorSize = 512;

struct File {
  std::string name;
  std::string contents;
};

struct PartitionSpec {
  std::uint8_t type;           // MBR partition type byte
  std::uint32_t first_sector;  // LBA of the first sector
  std::uint32_t sectors;       // length in sectors
  std::vector<File> files;     // written as toyfs (none: left empty)
};

// One entry of the partition table.
struct Partition {
  int slot;  // 0..3
  std::uint8_t type;
  std::uint32_t first_sector;
  std::uint32_t sectors;
};

// Writes a disk image of total_sectors sectors to path.
oskit_error_t build_image(const std::string& path, std::uint32_t total_sectors,
                          const std::vector<PartitionSpec>& partitions);

// Reads sector 0 of disk through blkio and returns the used table entries.
// OSKIT_EINVAL when the block size is not 512 or the 0x55AA signature is
// missing; OSKIT_ERANGE for an entry reaching past the disk.
oskit_error_t read_partition_table(oskit_blkio_t* disk, std::vector<Partition>* out);

// Lists a toyfs through a byte-granular view of a partition. OSKIT_EINVAL when
// the magic is missing or an entry reaches past the partition.
oskit_error_t list_toyfs(oskit_absio_t* fs, std::vector<File>* out);

}  // namespace mbr_example

#endif  // EXAMPLES_MBR_PARTITIONS_MBR_H
