#include "oskit/com/implements.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "oskit/com/heap.h"
#include "oskit/com/listener.h"
#include "oskit/io/absio.h"
#include "oskit/io/bufio.h"
#include "oskit/io/netio.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/leak_check.h"

namespace oskit {
namespace {

// A listener and netio in one object, with a destructor that calls back.
class Probe : public Implements<Probe, oskit_listener, oskit_netio> {
 public:
  OSKIT_COMDECL notify(oskit_iunknown*) noexcept override { return 0; }
  OSKIT_COMDECL push(oskit_bufio*, oskit_size_t) noexcept override { return 0; }
  OSKIT_COMDECL alloc_bufio(oskit_size_t, oskit_bufio** out) noexcept override {
    *out = nullptr;
    return OSKIT_E_NOTIMPL;
  }
  static std::atomic<int> destroyed;

 protected:
  Probe() = default;
  ~Probe() override {
    // A destructor may hand the object out again: the count is stabilised.
    ComPtr<oskit_netio> again = oskit::query<oskit_netio>(static_cast<oskit_listener*>(this));
    EXPECT_TRUE(again);
    destroyed++;
  }
};
std::atomic<int> Probe::destroyed{0};

// An object that refuses one of its listed interfaces at run time.
class Choosy : public Implements<Choosy, oskit_listener, oskit_netio> {
 public:
  OSKIT_COMDECL notify(oskit_iunknown*) noexcept override { return 0; }
  OSKIT_COMDECL push(oskit_bufio*, oskit_size_t) noexcept override { return 0; }
  OSKIT_COMDECL alloc_bufio(oskit_size_t, oskit_bufio**) noexcept override { return OSKIT_E_NOTIMPL; }
  bool exports(const oskit_guid& iid) const noexcept {
    return !detail::same_guid(iid, iid_of<oskit_netio>::value) || netio_enabled_;
  }

 protected:
  explicit Choosy(bool netio_enabled) : netio_enabled_(netio_enabled) {}
  ~Choosy() override = default;

 private:
  const bool netio_enabled_;
};

struct ProbeFactory {
  static ComPtr<oskit_iunknown> make() { return ComPtr<oskit_listener>(oskit::make<Probe>()); }
  static std::vector<oskit_guid> interfaces() { return {iid_of<oskit_listener>::value, iid_of<oskit_netio>::value}; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(Implements, ComConformance, ::testing::Types<ProbeFactory>);
}  // namespace oskit::testing

namespace oskit {
namespace {

TEST(Implements, IdentityIsTheFirstListedInterface) {
  ComPtr<Probe> p = make<Probe>();
  oskit_iunknown* id = testing::identity_of(static_cast<oskit_netio*>(p.get()));
  EXPECT_EQ(id, static_cast<oskit_iunknown*>(static_cast<oskit_listener*>(p.get())));
}

TEST(Implements, DestructorMayReferenceTheObject) {
  const int before = Probe::destroyed;
  make<Probe>().reset();
  EXPECT_EQ(Probe::destroyed, before + 1);
}

TEST(Implements, ExportsFilterRefusesAtRunTime) {
  ComPtr<Choosy> off = make<Choosy>(false);
  ComPtr<Choosy> on = make<Choosy>(true);
  EXPECT_FALSE(query<oskit_netio>(static_cast<oskit_listener*>(off.get())));
  EXPECT_TRUE(query<oskit_listener>(static_cast<oskit_listener*>(off.get())));
  EXPECT_TRUE(query<oskit_netio>(static_cast<oskit_listener*>(on.get())));
}

TEST(Implements, QueryRefusesNullArguments) {
  ComPtr<Probe> p = make<Probe>();
  oskit_listener* l = p.get();
  EXPECT_EQ(l->query(&iid_of<oskit_netio>::value, nullptr), OSKIT_E_POINTER);
  void* out = reinterpret_cast<void*>(1);
  EXPECT_EQ(l->query(nullptr, &out), OSKIT_E_INVALIDARG);
  EXPECT_EQ(out, nullptr);
}

TEST(Implements, ConcurrentAddrefReleaseDestroysExactlyOnce) {
  const int before = Probe::destroyed;
  const long alive = oskit_live_objects();
  for (int round = 0; round < 50; round++) {
    oskit_listener* l = make<Probe>().detach();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
      l->addref();
      threads.emplace_back([l] {
        for (int i = 0; i < 1000; i++) {
          l->addref();
          l->release();
        }
        l->release();
      });
    }
    l->release();
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(Probe::destroyed, before + 50);
  EXPECT_EQ(oskit_live_objects(), alive);
}

// A listener whose objects need 256-byte alignment (a device descriptor, say).
class alignas(256) Aligned : public Implements<Aligned, oskit_listener> {
 public:
  OSKIT_COMDECL notify(oskit_iunknown*) noexcept override { return 0; }

 protected:
  Aligned() = default;
  ~Aligned() override = default;

 private:
  char payload_[3] = {};
};

TEST(Implements, MakeHonoursOverAlignedTypes) {
  std::vector<ComPtr<Aligned>> objects;
  for (int i = 0; i < 16; i++) {
    objects.push_back(make<Aligned>());
    ASSERT_TRUE(objects.back());
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(objects.back().get()) % 256, 0u);
  }
}

TEST(Implements, LeakReportsNameTheClass) {
  const auto before = testing::live_objects_by_class();
  ComPtr<Probe> kept = make<Probe>();
  const std::string report = testing::describe_leaks(before);
  EXPECT_NE(report.find("1 x oskit::(anonymous namespace)::Probe"), std::string::npos) << report;
  kept.reset();
  EXPECT_EQ(testing::describe_leaks(before), "");
}

#ifndef NDEBUG
// Its memory is never given back, so a release after the last one reads the
// count the destructor left, not freed memory.
class Immortal : public Implements<Immortal, oskit_listener> {
 public:
  OSKIT_COMDECL notify(oskit_iunknown*) noexcept override { return 0; }
  static void operator delete(void*, std::size_t) noexcept {}

 protected:
  Immortal() = default;
  ~Immortal() override = default;
};

TEST(ImplementsDeathTest, ReleasePastZeroIsCaughtInDebugBuilds) {
  EXPECT_DEATH(
      {
        Immortal* object = make<Immortal>().detach();
        object->release();  // the last reference: destroyed
        object->release();  // past zero
      },
      "release\\(\\) past zero on an object of class oskit::.*Immortal");
}
#endif

TEST(ComPtr, AdoptCopyMovePutDetach) {
  oskit_listener* raw = make<Probe>().detach();
  ComPtr<oskit_listener> a = ComPtr<oskit_listener>::copy(raw);   // 2 refs
  ComPtr<oskit_listener> b = ComPtr<oskit_listener>::adopt(raw);  // still 2
  EXPECT_EQ(raw->addref(), 3u);
  raw->release();
  ComPtr<oskit_listener> c = std::move(a);
  EXPECT_FALSE(a);
  EXPECT_EQ(c, b);
  oskit_listener* d = c.detach();
  EXPECT_FALSE(c);
  EXPECT_EQ(d->release(), 1u);
  ComPtr<oskit_netio> n;
  ASSERT_EQ(query<oskit_netio>(b.get(), &n), 0);
  ASSERT_EQ(b->query(&iid_of<oskit_netio>::value, n.put_void()), 0);  // put releases the old one
  n.reset();
  EXPECT_EQ(b.detach()->release(), 0u);
}

TEST(ComPtr, QueryOnNullGivesAnError) {
  ComPtr<oskit_netio> out;
  EXPECT_EQ(query<oskit_netio>(static_cast<oskit_listener*>(nullptr), &out), OSKIT_E_POINTER);
  EXPECT_FALSE(out);
}

}  // namespace
}  // namespace oskit

namespace oskit {
namespace {

// An object told of its last release while it is still whole.
class Farewell : public Implements<Farewell, oskit_netio> {
 public:
  OSKIT_COMDECL push(oskit_bufio*, oskit_size_t) noexcept override { return 0; }
  OSKIT_COMDECL alloc_bufio(oskit_size_t, oskit_bufio**) noexcept override { return OSKIT_E_NOTIMPL; }
  void last_reference_gone() noexcept {
    // Still whole: a virtual call reaches this class, and the count is stabilised.
    told_++;
    EXPECT_EQ(push(nullptr, 0), 0);
    EXPECT_EQ(alive_, 1);
  }
  static std::atomic<int> told_;
  static std::atomic<int> alive_;

 protected:
  Farewell() { alive_++; }
  ~Farewell() override {
    EXPECT_EQ(told_.load(), 1) << "told before destruction";
    alive_--;
  }
};
std::atomic<int> Farewell::told_{0};
std::atomic<int> Farewell::alive_{0};

TEST(Implements, TheLastReleaseTellsTheObjectBeforeDestroyingIt) {
  ComPtr<Farewell> f = make<Farewell>();
  ComPtr<Farewell> second = f;
  f.reset();
  EXPECT_EQ(Farewell::told_.load(), 0) << "not the last reference";
  second.reset();
  EXPECT_EQ(Farewell::told_.load(), 1);
  EXPECT_EQ(Farewell::alive_.load(), 0);
}

}  // namespace
}  // namespace oskit
