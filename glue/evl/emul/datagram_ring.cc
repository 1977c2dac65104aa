#include "glue/evl/emul/datagram_ring.h"

#include <cstring>

namespace oskit::evl::emul {

struct DatagramRing::Header {
  std::uint32_t len;
  std::int32_t flags;
  sockaddr_in addr;
  std::uint32_t has_addr;
  std::uint32_t pad;
};

namespace {

void gather(char* dst, const struct iovec* iov, size_t iovcnt, size_t len) {
  for (size_t i = 0; i < iovcnt && len > 0; i++) {
    size_t n = iov[i].iov_len < len ? iov[i].iov_len : len;
    if (n > 0) std::memcpy(dst, iov[i].iov_base, n);
    dst += n;
    len -= n;
  }
}

size_t scatter(const struct iovec* iov, size_t iovcnt, const char* src, size_t len) {
  size_t copied = 0;
  for (size_t i = 0; i < iovcnt && copied < len; i++) {
    size_t n = iov[i].iov_len < len - copied ? iov[i].iov_len : len - copied;
    if (n > 0) std::memcpy(iov[i].iov_base, src + copied, n);
    copied += n;
  }
  return copied;
}

}  // namespace

DatagramRing::~DatagramRing() {
  if (base_ != nullptr) env_->deallocate(base_, capacity_, 64);
}

bool DatagramRing::init(size_t capacity) noexcept {
  env_ = &env::current();
  base_ = static_cast<char*>(env_->allocate(capacity, 64));
  capacity_ = base_ != nullptr ? capacity : 0;
  return base_ != nullptr;
}

size_t DatagramRing::record_size(size_t len) noexcept {
  static_assert(sizeof(Header) % 8 == 0, "records stay 8-byte aligned");
  return (sizeof(Header) + len + 7) & ~size_t{7};
}

char* DatagramRing::reserve_locked(size_t size) {
  if (count_ == 0) head_ = tail_ = wrap_ = 0, wrapped_ = false;
  if (wrapped_) {
    if (head_ - tail_ < size) return nullptr;
  } else if (capacity_ - tail_ < size) {
    if (head_ < size) return nullptr;
    wrap_ = tail_;
    wrapped_ = true;
    tail_ = 0;
  }
  char* at = base_ + tail_;
  tail_ += size;
  return at;
}

size_t DatagramRing::room_locked(size_t size) const {
  if (count_ == 0) return capacity_ / size;
  if (wrapped_) return (head_ - tail_) / size;
  return (capacity_ - tail_) / size + head_ / size;
}

const DatagramRing::Header* DatagramRing::head_record_locked() const {
  if (count_ == 0) return nullptr;
  return reinterpret_cast<const Header*>(base_ + head_);
}

void DatagramRing::pop_front_locked() {
  const Header* h = head_record_locked();
  bytes_ -= h->len;
  head_ += record_size(h->len);
  if (wrapped_ && head_ == wrap_) {
    head_ = 0;
    wrapped_ = false;
  }
  if (--count_ == 0) head_ = tail_ = wrap_ = 0, wrapped_ = false;
}

bool DatagramRing::push(const struct iovec* iov, size_t iovcnt, size_t len, const sockaddr_in* addr,
                        int flags) noexcept {
  MutexLock lock(&mu_);
  char* at = reserve_locked(record_size(len));
  if (at == nullptr) return false;
  Header* h = reinterpret_cast<Header*>(at);
  h->len = static_cast<std::uint32_t>(len);
  h->flags = flags;
  h->has_addr = addr != nullptr;
  if (addr != nullptr) h->addr = *addr;
  gather(at + sizeof(Header), iov, iovcnt, len);
  count_++;
  bytes_ += len;
  return true;
}

bool DatagramRing::pop(const struct iovec* iov, size_t iovcnt, sockaddr_in* from, bool peek, Taken* out) noexcept {
  MutexLock lock(&mu_);
  const Header* h = head_record_locked();
  if (h == nullptr) return false;
  out->len = h->len;
  out->copied = scatter(iov, iovcnt, reinterpret_cast<const char*>(h + 1), h->len);
  if (from != nullptr) {
    if (h->has_addr) {
      *from = h->addr;
    } else {
      std::memset(from, 0, sizeof *from);
    }
  }
  if (!peek) pop_front_locked();
  return true;
}

size_t DatagramRing::front(View* out, size_t max) noexcept {
  MutexLock lock(&mu_);
  size_t n = 0;
  size_t at = head_;
  bool wrapped = wrapped_;
  while (n < max && n < count_) {
    if (wrapped && at == wrap_) {
      at = 0;
      wrapped = false;
    }
    const Header* h = reinterpret_cast<const Header*>(base_ + at);
    out[n++] = View{h + 1, h->len, h->has_addr ? &h->addr : nullptr, h->flags};
    at += record_size(h->len);
  }
  return n;
}

void DatagramRing::drop(size_t n) noexcept {
  MutexLock lock(&mu_);
  while (n-- > 0 && count_ > 0) pop_front_locked();
}

bool DatagramRing::empty() const noexcept {
  MutexLock lock(&mu_);
  return count_ == 0;
}

long DatagramRing::front_len() const noexcept {
  MutexLock lock(&mu_);
  const Header* h = head_record_locked();
  return h != nullptr ? static_cast<long>(h->len) : -1;
}

size_t DatagramRing::room_for(size_t len) const noexcept {
  MutexLock lock(&mu_);
  return room_locked(record_size(len));
}

size_t DatagramRing::bytes() const noexcept {
  MutexLock lock(&mu_);
  return bytes_;
}

}  // namespace oskit::evl::emul
