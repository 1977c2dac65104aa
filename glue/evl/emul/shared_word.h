// Words the proxy rings share between threads. Every access goes through a
// Hooks policy: production code uses NoHooks (plain atomics, no cost); the
// rings' interleaving test passes hooks that hand control to its scheduler
// before each access, so the rings' own code runs step by step.
#ifndef GLUE_EVL_EMUL_SHARED_WORD_H
#define GLUE_EVL_EMUL_SHARED_WORD_H

#include <atomic>

namespace oskit::evl::emul {

enum class Access { kRead, kWrite };

struct NoHooks {
  // Called before an access to shared memory at addr.
  static void before(const void*, Access) {}
  // Called by a thread that waits for another to change shared memory.
  static void wait_for_change() {}
};

template <typename T, typename Hooks>
class SharedWord {
 public:
  SharedWord() = default;
  explicit SharedWord(T v) : v_(v) {}
  SharedWord(const SharedWord&) = delete;
  SharedWord& operator=(const SharedWord&) = delete;

  T load(std::memory_order o) const {
    Hooks::before(&v_, Access::kRead);
    return v_.load(o);
  }
  void store(T x, std::memory_order o) {
    Hooks::before(&v_, Access::kWrite);
    v_.store(x, o);
  }
  T exchange(T x, std::memory_order o) {
    Hooks::before(&v_, Access::kWrite);
    return v_.exchange(x, o);
  }
  bool compare_exchange(T& expected, T desired, std::memory_order success, std::memory_order failure) {
    Hooks::before(&v_, Access::kWrite);
    return v_.compare_exchange_strong(expected, desired, success, failure);
  }
  T fetch_add(T x, std::memory_order o) {
    Hooks::before(&v_, Access::kWrite);
    return v_.fetch_add(x, o);
  }
  T fetch_sub(T x, std::memory_order o) {
    Hooks::before(&v_, Access::kWrite);
    return v_.fetch_sub(x, o);
  }

 private:
  std::atomic<T> v_{};
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_SHARED_WORD_H
