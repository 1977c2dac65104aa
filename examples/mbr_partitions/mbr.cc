#include "examples/mbr_partitions/mbr.h"

#include <cstring>
#include <fstream>

#include "components/blkio_adapters/adapters.h"

namespace mbr_example {
namespace {

constexpr char kMagic[8] = {'T', 'O', 'Y', 'F', 'S', '1', 0, 0};
constexpr size_t kNameSize = 24;
constexpr size_t kEntrySize = kNameSize + 8 + 4;
constexpr size_t kHeaderSize = sizeof kMagic + 4;

void put_le(std::string* s, size_t at, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) (*s)[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::uint64_t get_le(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

// Reads exactly n bytes at offset through absio (short reads are retried).
oskit_error_t read_exact(oskit_absio_t* io, void* buf, oskit_off_t offset, size_t n) {
  size_t done = 0;
  while (done < n) {
    oskit_size_t got = 0;
    oskit_error_t rc = oskit_absio_read(io, static_cast<char*>(buf) + done, offset + done, n - done, &got);
    if (rc != 0) return rc;
    if (got == 0) return OSKIT_EIO;
    done += got;
  }
  return 0;
}

}  // namespace

oskit_error_t build_image(const std::string& path, std::uint32_t total_sectors,
                          const std::vector<PartitionSpec>& partitions) {
  if (partitions.size() > 4) return OSKIT_EINVAL;
  std::string image(static_cast<size_t>(total_sectors) * kSectorSize, '\0');
  for (size_t slot = 0; slot < partitions.size(); slot++) {
    const PartitionSpec& p = partitions[slot];
    if (static_cast<std::uint64_t>(p.first_sector) + p.sectors > total_sectors) return OSKIT_ERANGE;
    const size_t entry = 0x1be + 16 * slot;
    image[entry] = 0;  // not bootable
    image[entry + 4] = static_cast<char>(p.type);
    put_le(&image, entry + 8, p.first_sector, 4);
    put_le(&image, entry + 12, p.sectors, 4);
    if (p.files.empty()) continue;
    const size_t base = static_cast<size_t>(p.first_sector) * kSectorSize;
    const size_t limit = static_cast<size_t>(p.sectors) * kSectorSize;
    std::memcpy(&image[base], kMagic, sizeof kMagic);
    put_le(&image, base + sizeof kMagic, p.files.size(), 4);
    // Data after the table, each file at an odd offset: nothing is aligned.
    size_t data = kHeaderSize + kEntrySize * p.files.size() + 13;
    for (size_t i = 0; i < p.files.size(); i++) {
      const File& f = p.files[i];
      if (f.name.size() >= kNameSize || data + f.contents.size() > limit) return OSKIT_ERANGE;
      const size_t e = base + kHeaderSize + kEntrySize * i;
      std::memcpy(&image[e], f.name.data(), f.name.size());
      put_le(&image, e + kNameSize, data, 8);
      put_le(&image, e + kNameSize + 8, f.contents.size(), 4);
      std::memcpy(&image[base + data], f.contents.data(), f.contents.size());
      data += f.contents.size() + 7;
    }
  }
  image[510] = 0x55;
  image[511] = static_cast<char>(0xaa);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(image.data(), static_cast<std::streamsize>(image.size()));
  return out.good() ? 0 : OSKIT_EIO;
}

oskit_error_t read_partition_table(oskit_blkio_t* disk, std::vector<Partition>* out) {
  out->clear();
  if (oskit_blkio_getblocksize(disk) != kSectorSize) return OSKIT_EINVAL;
  unsigned char sector[kSectorSize];
  oskit_size_t got = 0;
  oskit_error_t rc = oskit_blkio_read(disk, sector, 0, sizeof sector, &got);
  if (rc != 0) return rc;
  if (got != sizeof sector || sector[510] != 0x55 || sector[511] != 0xaa) return OSKIT_EINVAL;
  oskit_off_t disk_size = 0;
  rc = oskit_blkio_getsize(disk, &disk_size);
  if (rc != 0) return rc;
  for (int slot = 0; slot < 4; slot++) {
    const unsigned char* e = sector + 0x1be + 16 * slot;
    Partition p{slot, e[4], static_cast<std::uint32_t>(get_le(e + 8, 4)),
                static_cast<std::uint32_t>(get_le(e + 12, 4))};
    if (p.type == 0 || p.sectors == 0) continue;
    if ((static_cast<oskit_off_t>(p.first_sector) + p.sectors) * kSectorSize > disk_size) return OSKIT_ERANGE;
    out->push_back(p);
  }
  return 0;
}

oskit_error_t list_toyfs(oskit_absio_t* fs, std::vector<File>* out) {
  out->clear();
  oskit_off_t size = 0;
  oskit_error_t rc = oskit_absio_getsize(fs, &size);
  if (rc != 0) return rc;
  unsigned char header[kHeaderSize];
  rc = read_exact(fs, header, 0, sizeof header);
  if (rc != 0) return rc;
  if (std::memcmp(header, kMagic, sizeof kMagic) != 0) return OSKIT_EINVAL;
  const std::uint64_t count = get_le(header + sizeof kMagic, 4);
  for (std::uint64_t i = 0; i < count; i++) {
    unsigned char entry[kEntrySize];
    rc = read_exact(fs, entry, static_cast<oskit_off_t>(kHeaderSize + kEntrySize * i), sizeof entry);
    if (rc != 0) return rc;
    File f;
    f.name.assign(reinterpret_cast<const char*>(entry), strnlen(reinterpret_cast<const char*>(entry), kNameSize));
    const std::uint64_t offset = get_le(entry + kNameSize, 8);
    const std::uint64_t length = get_le(entry + kNameSize + 8, 4);
    if (offset > static_cast<std::uint64_t>(size) || length > static_cast<std::uint64_t>(size) - offset) {
      return OSKIT_EINVAL;
    }
    f.contents.resize(length);
    rc = read_exact(fs, f.contents.data(), static_cast<oskit_off_t>(offset), length);
    if (rc != 0) return rc;
    out->push_back(std::move(f));
  }
  return 0;
}

}  // namespace mbr_example
