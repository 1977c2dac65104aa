#include "bench/bench_support.h"

#include "benchmark/benchmark.h"

namespace oskit::bench {

std::map<std::string, double>& summary_figures() {
  static std::map<std::string, double> figures;
  return figures;
}

int run_benchmarks_then_summarize(int argc, char** argv, void (*print_summary)()) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  print_summary();
  return 0;
}

}  // namespace oskit::bench
