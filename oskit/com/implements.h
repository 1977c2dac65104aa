// Implements<Derived, I...>: the reference count and query of a COM object,
// answering from its interface list; make<T>() as the only way to create one
// (docs/design.md, "The COM model"; in the manner of XPCOM and C++/WinRT).
#ifndef OSKIT_COM_IMPLEMENTS_H
#define OSKIT_COM_IMPLEMENTS_H

#include "oskit/com.h"
#include "oskit/com/heap.h"
#include "oskit/com/ptr.h"

#include <cxxabi.h>

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <typeinfo>
#include <utility>

namespace oskit {
namespace detail {

template <class... T>
struct TypeList {};

// True when some interface in Is... derives from I (so I needs no base of its own).
template <class I, class... Is>
constexpr bool kCoveredByAnother = ((!std::is_same_v<I, Is> && std::is_base_of_v<I, Is>) || ...);

template <class Out, class... In>
struct FilterBases;
template <class... Out>
struct FilterBases<TypeList<Out...>> {
  using type = TypeList<Out...>;
};
template <class... Out, class Head, class... Tail>
struct FilterBases<TypeList<Out...>, Head, Tail...> {
  using type = std::conditional_t<kCoveredByAnother<Head, Out..., Tail...>,
                                  typename FilterBases<TypeList<Out...>, Tail...>::type,
                                  typename FilterBases<TypeList<Out..., Head>, Tail...>::type>;
};

template <class List>
struct InheritAll;
template <class... Bases>
struct InheritAll<TypeList<Bases...>> : Bases... {
 protected:
  ~InheritAll() = default;
};

template <class... I>
using ImplementsBase = InheritAll<typename FilterBases<TypeList<>, I...>::type>;

template <class First, class... Rest>
struct FirstOf {
  using type = First;
};

inline bool same_guid(const oskit_guid& a, const oskit_guid& b) noexcept { return std::memcmp(&a, &b, sizeof a) == 0; }

// The readable name of C++ class T, for leak and misuse reports.
template <class T>
const char* class_name() noexcept {
  static const char* const name = [] {
    const char* mangled = typeid(T).name();
    int status = 0;
    char* readable = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
    return status == 0 && readable != nullptr ? readable : mangled;
  }();
  return name;
}

// Alignment of the memory an object of class T gets: T's own, at least
// max_align_t's.
template <class T>
constexpr std::size_t object_alignment() noexcept {
  return alignof(T) > alignof(std::max_align_t) ? alignof(T) : alignof(std::max_align_t);
}

}  // namespace detail

// Base of every C++ COM object. I... lists the interfaces it answers; an
// interface implied by another in the list (absio by bufio) shares its pointer.
// Derived may define `bool exports(const oskit_guid&) const noexcept` to refuse
// some listed interfaces at run time, and `void last_reference_gone() noexcept`
// to stop what calls into it (a worker thread) before its destruction begins.
// The count is atomic; release stabilises it before destruction so a
// destructor may call back into the object safely.
template <class Derived, class... I>
class Implements : public detail::ImplementsBase<I...> {
  static_assert(sizeof...(I) > 0, "Implements<> needs at least one interface");
  static_assert((std::is_base_of_v<oskit_iunknown, I> && ...),
                "every interface of Implements<> must derive from oskit_iunknown");
  static_assert((std::is_abstract_v<I> && ...), "Implements<> lists interfaces, not classes");

  using Primary = typename detail::FirstOf<I...>::type;

 public:
  OSKIT_COMDECL query(const oskit_guid* iid, void** out_ihandle) noexcept override {
    if (out_ihandle == nullptr) return OSKIT_E_POINTER;
    *out_ihandle = nullptr;
    if (iid == nullptr) return OSKIT_E_INVALIDARG;
    void* found = find(*iid);
    if (found == nullptr) return OSKIT_E_NOINTERFACE;
    addref();
    *out_ihandle = found;
    return 0;
  }

  OSKIT_COMDECL_U addref() noexcept override { return refs_.fetch_add(1, std::memory_order_relaxed) + 1; }

  OSKIT_COMDECL_U release() noexcept override {
    const oskit_u32_t before = refs_.fetch_sub(1, std::memory_order_acq_rel);
#ifndef NDEBUG
    if (before == 0) oskit_com_fatal_release(detail::class_name<Derived>());
#endif
    const oskit_u32_t left = before - 1;
    if (left == 0) {
      refs_.store(1, std::memory_order_relaxed);  // stabilised: callbacks from the destructor are safe
      static_cast<Derived*>(this)->last_reference_gone();
      delete this;
    }
    return left;
  }

  // The IUnknown identity of this object.
  oskit_iunknown* identity() noexcept { return static_cast<Primary*>(static_cast<Derived*>(this)); }

  // Class-specific allocation through the object heap (oskit/com/heap.h),
  // honouring Derived's alignment, over-aligned types included.
  static void* operator new(std::size_t size) {
    void* p = oskit_heap_alloc_tagged(size, detail::object_alignment<Derived>(), detail::class_name<Derived>());
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  static void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return oskit_heap_alloc_tagged(size, detail::object_alignment<Derived>(), detail::class_name<Derived>());
  }
  static void operator delete(void* p, std::size_t size) noexcept {
    oskit_heap_free(p, size, detail::object_alignment<Derived>());
  }
  static void operator delete(void* p, const std::nothrow_t&) noexcept {
    oskit_heap_free(p, 0, detail::object_alignment<Derived>());
  }

 protected:
  Implements() noexcept { oskit_object_born(&object_class()); }
  Implements(const Implements&) = delete;
  Implements& operator=(const Implements&) = delete;
  virtual ~Implements() {
    oskit_object_died(&object_class());
#ifndef NDEBUG
    refs_.store(0, std::memory_order_relaxed);  // a later release finds zero
#endif
  }

  bool exports(const oskit_guid&) const noexcept { return true; }
  // Derived may define this to act while it is still whole, just before it
  // is destroyed: a worker thread that calls back into the object stops here.
  void last_reference_gone() noexcept {}

 private:
  void* find(const oskit_guid& iid) noexcept {
    Derived* self = static_cast<Derived*>(this);
    if (detail::same_guid(iid, iid_of<oskit_iunknown>::value)) return identity();
    if (!self->exports(iid)) return nullptr;
    void* found = nullptr;
    ((found == nullptr && detail::same_guid(iid, iid_of<I>::value) ? (found = static_cast<I*>(self), true) : false),
     ...);
    return found;
  }

  // The live-object count of Derived, named in leak reports.
  static oskit_object_class& object_class() noexcept {
    static oskit_object_class cls{detail::class_name<Derived>(), 0, nullptr, 0};
    return cls;
  }

  std::atomic<oskit_u32_t> refs_{1};
};

namespace detail {
// The concrete, final type make<T>() allocates: it alone reaches T's protected
// constructors, so objects exist only as owned references.
template <class T>
class Made final : public T {
 public:
  template <class... A>
  explicit Made(A&&... args) : T(std::forward<A>(args)...) {}
};
}  // namespace detail

// Creates a T and returns the only reference to it (empty on exhaustion).
template <class T, class... A>
ComPtr<T> make(A&&... args) noexcept {
  static_assert(!std::is_constructible_v<T, A...> || std::is_abstract_v<T>,
                "make<T>: give T protected constructors so that make<T>() is the only way to create it");
  static_assert(alignof(detail::Made<T>) <= detail::object_alignment<T>(),
                "make<T>: the object heap cannot honour this alignment");
  return ComPtr<T>::adopt(new (std::nothrow) detail::Made<T>(std::forward<A>(args)...));
}

}  // namespace oskit

#endif  // OSKIT_COM_IMPLEMENTS_H
