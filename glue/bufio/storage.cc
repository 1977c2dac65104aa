#include "glue/bufio/storage.h"

#include <cstring>
#include <new>

#include "oskit/com/heap.h"
#include "oskit/io/range.h"

namespace oskit::bufio {
namespace {

constexpr oskit_size_t kAlign = 64;
constexpr oskit_size_t kHeader = 64;  // heap bytes follow the header, cache-line aligned

Storage* heap_for_copy(const Storage*, oskit_size_t size) noexcept { return Storage::heap(size, false); }
void drop_heap(Storage* s) noexcept;
void drop_external(Storage* s) noexcept;

constexpr Storage::Kind kHeapKind = {&drop_heap, &heap_for_copy, true, Resize::kReallocate};
constexpr Storage::Kind kExternalKind = {&drop_external, &heap_for_copy, false, Resize::kFixed};

// A heap block: header and bytes in one allocation.
class HeapStorage final : public Storage {
 public:
  HeapStorage(char* bytes, oskit_size_t size) noexcept : Storage(&kHeapKind, bytes, size, nullptr) {}
};
static_assert(sizeof(HeapStorage) <= kHeader, "the header must fit before the bytes");

// Caller memory, given back through the caller's function.
class ExternalStorage final : public Storage {
 public:
  ExternalStorage(void* buf, oskit_size_t size, FreeFn free, void* cookie) noexcept
      : Storage(&kExternalKind, static_cast<char*>(buf), size, nullptr), free(free), cookie(cookie) {}
  FreeFn free;
  void* const cookie;
};

void drop_heap(Storage* s) noexcept {
  auto* self = static_cast<HeapStorage*>(s);
  const oskit_size_t size = self->capacity();
  self->~HeapStorage();
  oskit_heap_free(self, kHeader + size, kAlign);
}

void drop_external(Storage* s) noexcept {
  auto* self = static_cast<ExternalStorage*>(s);
  if (self->free != nullptr) self->free(self->cookie, self->bytes());
  self->~ExternalStorage();
  oskit_heap_free(self, sizeof(ExternalStorage), alignof(ExternalStorage));
}

}  // namespace

Storage* Storage::heap(oskit_size_t size, bool zeroed) noexcept {
  if (size > kMaxOffset - kHeader) return nullptr;
  char* mem = static_cast<char*>(oskit_heap_alloc_tagged(kHeader + size, kAlign, "bufio data"));
  if (mem == nullptr) return nullptr;
  if (zeroed) std::memset(mem + kHeader, 0, size);
  return new (mem) HeapStorage(mem + kHeader, size);
}

Storage* Storage::external(void* buf, oskit_size_t size, FreeFn free, void* cookie) noexcept {
  void* mem = oskit_heap_alloc_tagged(sizeof(ExternalStorage), alignof(ExternalStorage), "bufio external storage");
  return mem == nullptr ? nullptr : new (mem) ExternalStorage(buf, size, free, cookie);
}

void Storage::discard_external(Storage* storage) noexcept {
  static_cast<ExternalStorage*>(storage)->free = nullptr;
  storage->unref();
}

}  // namespace oskit::bufio
