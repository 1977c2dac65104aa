// An embedding environment (glue/env) for proxy tests: everything goes to the
// host's, except the log, which is kept quiet and read for what the EVL
// documentation's "File proxy" relay reports: bytes it gave up on ("N bytes
// dropped", docs/design.md, "Proxies": counted and logged), per proxy name.
#ifndef GLUE_EVL_TESTING_DROP_LOG_H
#define GLUE_EVL_TESTING_DROP_LOG_H

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "glue/env/env.h"

namespace oskit::evl::testing {

class DropLog : public env::Environment {
 public:
  void* allocate(std::size_t size, std::size_t align) noexcept override { return host().allocate(size, align); }
  void deallocate(void* ptr, std::size_t size, std::size_t align) noexcept override {
    host().deallocate(ptr, size, align);
  }
  void log(env::LogLevel level, absl::string_view message) noexcept override;
  std::int64_t monotonic_ns() noexcept override { return host().monotonic_ns(); }
  absl::StatusOr<std::unique_ptr<env::WorkerThread>> start_thread(std::string name,
                                                                  std::function<void()> body) override {
    return host().start_thread(std::move(name), std::move(body));
  }

  // Bytes reported dropped since the program began, by the proxy named
  // (the empty name: anonymous proxies).
  std::uint64_t dropped(const std::string& proxy) const;

 private:
  static env::Environment& host() { return env::host(); }

  mutable std::mutex mu_;
  std::map<std::string, std::uint64_t> dropped_;
};

}  // namespace oskit::evl::testing

#endif  // GLUE_EVL_TESTING_DROP_LOG_H
