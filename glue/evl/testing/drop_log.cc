#include "glue/evl/testing/drop_log.h"

#include <cctype>

namespace oskit::evl::testing {

// Reads "proxy '<name>': <n> bytes dropped" out of a message.
void DropLog::log(env::LogLevel, absl::string_view message) noexcept {
  constexpr absl::string_view kProxy = "proxy '";
  constexpr absl::string_view kDropped = " bytes dropped";
  const std::size_t at = message.find(kDropped);
  const std::size_t name_at = message.find(kProxy);
  const std::size_t name_end = name_at == absl::string_view::npos ? name_at : message.find("': ", name_at);
  if (at == absl::string_view::npos || name_end == absl::string_view::npos) return;
  std::size_t begin = at;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(message[begin - 1]))) --begin;
  std::uint64_t n = 0;
  for (std::size_t i = begin; i < at; ++i) n = n * 10 + static_cast<std::uint64_t>(message[i] - '0');
  const std::size_t name_begin = name_at + kProxy.size();
  std::lock_guard<std::mutex> lock(mu_);
  dropped_[std::string(message.substr(name_begin, name_end - name_begin))] += n;
}

std::uint64_t DropLog::dropped(const std::string& proxy) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = dropped_.find(proxy);
  return it == dropped_.end() ? 0 : it->second;
}

}  // namespace oskit::evl::testing
