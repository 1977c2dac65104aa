// ComPtr<T>: an owning reference to a COM interface, and query<T>().
#ifndef OSKIT_COM_PTR_H
#define OSKIT_COM_PTR_H

#include "oskit/com.h"

#include <cstddef>
#include <type_traits>
#include <utility>

namespace oskit {

template <class T>
class ComPtr {
 public:
  ComPtr() noexcept = default;
  ComPtr(std::nullptr_t) noexcept {}  // NOLINT: implicit from nullptr

  // Takes over a reference the caller already owns (a factory's result).
  static ComPtr adopt(T* p) noexcept {
    ComPtr r;
    r.p_ = p;
    return r;
  }
  // Adds a reference of its own to p.
  static ComPtr copy(T* p) noexcept {
    if (p) p->addref();
    return adopt(p);
  }

  ComPtr(const ComPtr& o) noexcept : p_(o.p_) {
    if (p_) p_->addref();
  }
  ComPtr(ComPtr&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  template <class U, class = std::enable_if_t<std::is_convertible_v<U*, T*>>>
  ComPtr(const ComPtr<U>& o) noexcept : p_(o.get()) {  // NOLINT: upcast
    if (p_) p_->addref();
  }
  template <class U, class = std::enable_if_t<std::is_convertible_v<U*, T*>>>
  ComPtr(ComPtr<U>&& o) noexcept : p_(o.detach()) {}  // NOLINT: upcast

  ComPtr& operator=(ComPtr o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~ComPtr() { reset(); }

  T* get() const noexcept { return p_; }
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

  // Releases the reference held, if any.
  void reset() noexcept {
    if (T* p = std::exchange(p_, nullptr)) p->release();
  }
  // Releases what is held and returns the slot for an out-parameter.
  T** put() noexcept {
    reset();
    return &p_;
  }
  void** put_void() noexcept { return reinterpret_cast<void**>(put()); }
  // Gives up ownership without releasing.
  T* detach() noexcept { return std::exchange(p_, nullptr); }

  friend bool operator==(const ComPtr& a, const ComPtr& b) noexcept { return a.p_ == b.p_; }
  friend bool operator!=(const ComPtr& a, const ComPtr& b) noexcept { return a.p_ != b.p_; }

 private:
  T* p_ = nullptr;
};

// Queries obj for interface I. Returns 0 and a reference in *out, or an error
// with *out empty.
template <class I, class T>
oskit_error_t query(T* obj, ComPtr<I>* out) noexcept {
  if (obj == nullptr) {
    out->reset();
    return OSKIT_E_POINTER;
  }
  static constexpr oskit_guid iid = iid_of<I>::value;
  return obj->query(&iid, out->put_void());
}

// Queries obj for interface I; an empty pointer when it does not answer.
template <class I, class T>
ComPtr<I> query(T* obj) noexcept {
  ComPtr<I> r;
  query<I>(obj, &r);
  return r;
}
template <class I, class T>
ComPtr<I> query(const ComPtr<T>& obj) noexcept {
  return query<I>(obj.get());
}

}  // namespace oskit

#endif  // OSKIT_COM_PTR_H
