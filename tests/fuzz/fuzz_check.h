// What a fuzz target does when the code disagrees with its reference model:
// print what differed, where, and abort, so that libFuzzer keeps the input and
// the corpus test fails. With OSKIT_FUZZ_TRACE set, targets also say what they
// do, step by step.
#ifndef TESTS_FUZZ_FUZZ_CHECK_H
#define TESTS_FUZZ_FUZZ_CHECK_H

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_format.h"

namespace oskit::fuzz {

[[noreturn]] inline void model_mismatch(const char* file, int line, const char* condition, const std::string& detail) {
  std::fprintf(stderr, "%s:%d: model mismatch: %s\n  %s\n", file, line, condition, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

inline bool tracing() {
  static const bool on = std::getenv("OSKIT_FUZZ_TRACE") != nullptr;
  return on;
}

}  // namespace oskit::fuzz

// Checks that cond holds; otherwise reports the formatted detail and aborts.
#define FUZZ_CHECK(cond, ...)                                                                            \
  do {                                                                                                   \
    if (!(cond)) ::oskit::fuzz::model_mismatch(__FILE__, __LINE__, #cond, absl::StrFormat(__VA_ARGS__)); \
  } while (0)

// Checks that two integers are equal, printing both.
#define FUZZ_CHECK_EQ(actual, expected, ...)                                                                     \
  do {                                                                                                           \
    const auto fuzz_actual_ = (actual);                                                                          \
    const auto fuzz_expected_ = (expected);                                                                      \
    if (!(fuzz_actual_ == fuzz_expected_)) {                                                                     \
      ::oskit::fuzz::model_mismatch(                                                                             \
          __FILE__, __LINE__, #actual " == " #expected,                                                          \
          absl::StrFormat("got %d (%#x), model says %d (%#x); ", static_cast<long long>(fuzz_actual_),           \
                          static_cast<unsigned long long>(fuzz_actual_), static_cast<long long>(fuzz_expected_), \
                          static_cast<unsigned long long>(fuzz_expected_)) +                                     \
              absl::StrFormat(__VA_ARGS__));                                                                     \
    }                                                                                                            \
  } while (0)

// Says what the target does, when tracing.
#define FUZZ_TRACE(...)                                                                               \
  do {                                                                                                \
    if (::oskit::fuzz::tracing()) std::fprintf(stderr, "%s\n", absl::StrFormat(__VA_ARGS__).c_str()); \
  } while (0)

#endif  // TESTS_FUZZ_FUZZ_CHECK_H
