// What the benchmark programs share: quantiles of latency samples, the
// figures a program keeps for the summary it prints after the run, and a main
// that runs the benchmarks and then prints that summary.
#ifndef BENCH_BENCH_SUPPORT_H
#define BENCH_BENCH_SUPPORT_H

#include <algorithm>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace oskit::bench {

// The p-quantile (0 <= p <= 1) of samples, which it reorders; 0 when there
// are none.
template <class T>
double quantile(std::vector<T>& samples, double p) {
  if (samples.empty()) return 0;
  const std::size_t k = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(k), samples.end());
  return static_cast<double>(samples[k]);
}

// Figures kept by name for the summary.
std::map<std::string, double>& summary_figures();

// Runs the benchmarks the command line selects, then print_summary(); 1 for
// an argument the benchmark library does not know.
int run_benchmarks_then_summarize(int argc, char** argv, void (*print_summary)());

}  // namespace oskit::bench

#endif  // BENCH_BENCH_SUPPORT_H
