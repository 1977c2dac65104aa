// oob_write into an EVL proxy relaying to a file and to /dev/null, against
// write(2) per record and spdlog's async logger, for 64-byte and 4 KiB
// records. Per-call producer latency (p50, p99, p99.9, in ns) and throughput
// (producer side, and relayed: until the proxy has drained) are counters; a
// summary of the ratios follows the run.
//
// Each case runs twice: flat out, which measures throughput (the producer
// soon fills any bounded queue, so its latency is then the consumer's pace),
// and paced like a real-time loop emitting one record per period, which
// measures what a producer pays per call while the consumer keeps up.
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <evl/evl.h>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include "bench/bench_support.h"
#include "benchmark/benchmark.h"
#include "glue/evl/emul/seams.h"
#include "glue/evl/stage.h"
#include "oskit/testing/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;

enum Target { kFile = 0, kDevNull = 1 };

std::string target_path(int target) {
  if (target == kDevNull) return "/dev/null";
  return oskit::testing::temp_path("evl_proxy_bench.out");
}

// Periods of the paced runs: a record every 2 us, but 4 KiB records to a
// file every 8 us (about 0.5 GB/s, within what every peer relays to a file).
std::chrono::nanoseconds period_for(int target, int64_t size) {
  return std::chrono::nanoseconds(target == kFile && size > 64 ? 8000 : 2000);
}

// The proxy's ring: 1 MiB, as a logger's bounded queue.
constexpr size_t kProxyBufsz = 1 << 20;

// Spins until the next period starts (no-op when the run is not paced).
class Pacer {
 public:
  explicit Pacer(benchmark::State& state)
      : paced_(state.range(2) != 0),
        period_(period_for(static_cast<int>(state.range(0)), state.range(1))),
        next_(Clock::now()) {}
  void wait() {
    if (!paced_) return;
    next_ += period_;
    while (Clock::now() < next_) {
    }
  }

 private:
  const bool paced_;
  const std::chrono::nanoseconds period_;
  Clock::time_point next_;
};

// Producer latencies in ns: the first 4 Mi calls of a case.
struct Latencies {
  Latencies() { ns.reserve(1 << 22); }
  void add(Clock::time_point a, Clock::time_point b) {
    if (ns.size() == ns.capacity()) return;
    ns.push_back(static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count()));
  }
  double pct(double p) { return oskit::bench::quantile(ns, p); }
  std::vector<uint32_t> ns;
};

// The benchmark's loop over records: paced when the case says so, each call
// of record() timed into lat; record() returns false when it failed.
template <class Record>
void produce(benchmark::State& state, Latencies* lat, const char* failure, Record record) {
  Pacer pacer(state);
  for (auto _ : state) {
    pacer.wait();
    const Clock::time_point a = Clock::now();
    const bool ok = record();
    const Clock::time_point b = Clock::now();
    if (!ok) state.SkipWithError(failure);
    lat->add(a, b);
  }
}

std::string key(const char* method, int target, int64_t size, bool paced, const char* what) {
  return std::string(method) + "/" + (target == kFile ? "file" : "null") + "/" + std::to_string(size) +
         (paced ? "/paced/" : "/flat/") + what;
}

// Reports a case whose records all reached the target now, the first having
// been sent at start.
void report(benchmark::State& state, const char* method, Latencies& lat, Clock::time_point start) {
  const double relayed_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  int target = static_cast<int>(state.range(0));
  int64_t size = state.range(1);
  double bytes = static_cast<double>(state.iterations()) * size;
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["p50_ns"] = lat.pct(0.50);
  state.counters["p99_ns"] = lat.pct(0.99);
  double p999 = lat.pct(0.999);
  state.counters["p999_ns"] = p999;
  double gbps = relayed_seconds > 0 ? bytes / relayed_seconds / 1e9 : 0;
  state.counters["relayed_GBps"] = gbps;
  const bool paced = state.range(2) != 0;
  // p99.9 and relayed throughput per (method, target, size), for the summary.
  oskit::bench::summary_figures()[key(method, target, size, paced, "p999")] = p999;
  oskit::bench::summary_figures()[key(method, target, size, paced, "GBps")] = gbps;
}

void attach_once() {
  static thread_local bool attached = false;
  if (!attached) attached = evl_attach_self("bench-producer:%d", getpid()) >= 0;
}

// Waits until the proxy's output ring is empty (POLLOUT, the EVL documentation's "File proxy" page).
void drain(int proxyfd) {
  int set = evl_new_poll();
  evl_add_pollfd(set, proxyfd, POLLOUT, evl_nil);
  struct evl_poll_event ev;
  evl_poll(set, &ev, 1);
  close(set);
}

void BM_EvlProxyOobWrite(benchmark::State& state) {
  evl_init();
  attach_once();
  int target = static_cast<int>(state.range(0));
  size_t size = static_cast<size_t>(state.range(1));
  int tfd = open(target_path(target).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  int proxyfd = evl_new_proxy(tfd, kProxyBufsz, nullptr);
  if (tfd < 0 || proxyfd < 0) {
    state.SkipWithError("cannot create the proxy");
    return;
  }
  std::vector<char> rec(size, 'r');
  Latencies lat;
  oskit_evl_stage_reset();
  Clock::time_point start = Clock::now();
  produce(state, &lat, "oob_write failed",
          [&] { return oob_write(proxyfd, rec.data(), size) == static_cast<ssize_t>(size); });
  state.counters["stage_violations"] = static_cast<double>(oskit_evl_stage_thread_violations());
  evl_switch_inband();
  drain(proxyfd);
  oskit_evl_proxy_stats stats{};
  oskit_evl_proxy_get_stats(proxyfd, &stats);
  state.counters["worker_sleeps"] = static_cast<double>(stats.worker_sleeps);
  state.counters["worker_wakeups"] = static_cast<double>(stats.worker_wakeups);
  report(state, "evl", lat, start);
  close(proxyfd);
  close(tfd);
  if (target == kFile) unlink(target_path(target).c_str());
}

void BM_Write2PerRecord(benchmark::State& state) {
  int target = static_cast<int>(state.range(0));
  size_t size = static_cast<size_t>(state.range(1));
  int tfd = open(target_path(target).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char> rec(size, 'w');
  Latencies lat;
  Clock::time_point start = Clock::now();
  produce(state, &lat, "write failed", [&] { return write(tfd, rec.data(), size) == static_cast<ssize_t>(size); });
  report(state, "write2", lat, start);
  close(tfd);
  if (target == kFile) unlink(target_path(target).c_str());
}

void BM_SpdlogAsync(benchmark::State& state) {
  int target = static_cast<int>(state.range(0));
  size_t size = static_cast<size_t>(state.range(1));
  spdlog::init_thread_pool(8192, 1);
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(target_path(target), true);
  auto logger = std::make_shared<spdlog::async_logger>("bench", sink, spdlog::thread_pool(),
                                                       spdlog::async_overflow_policy::block);
  logger->set_pattern("%v");
  std::string rec(size - 1, 's');  // the sink appends a newline
  Latencies lat;
  Clock::time_point start = Clock::now();
  produce(state, &lat, "logging failed", [&] {
    logger->info(rec);
    return true;
  });
  logger->flush();
  logger.reset();
  spdlog::shutdown();  // joins the pool: every record reached the file
  report(state, "spdlog", lat, start);
  if (target == kFile) unlink(target_path(target).c_str());
}

void Args(benchmark::internal::Benchmark* b) {
  for (int target : {kFile, kDevNull}) {
    for (int size : {64, 4096}) {
      for (int paced : {0, 1}) b->Args({target, size, paced});
    }
  }
  b->ArgNames({"target", "size", "paced"});
}

BENCHMARK(BM_EvlProxyOobWrite)->Apply(Args)->UseRealTime();
BENCHMARK(BM_Write2PerRecord)->Apply(Args)->UseRealTime();
BENCHMARK(BM_SpdlogAsync)->Apply(Args)->UseRealTime();

void print_summary() {
  auto& r = oskit::bench::summary_figures();
  std::printf(
      "\nsummary: producer p99.9 latency in paced runs, peer / evl proxy;"
      " relayed GB/s in flat-out runs\n");
  for (int target : {kFile, kDevNull}) {
    for (int size : {64, 4096}) {
      double evl = r[key("evl", target, size, true, "p999")];
      double spd = r[key("spdlog", target, size, true, "p999")];
      double w2 = r[key("write2", target, size, true, "p999")];
      std::printf(
          "  %-4s %5d B: p99.9 evl %7.0f ns, spdlog %7.0f ns (x%.1f), write(2) %7.0f ns (x%.1f); "
          "relayed evl %.2f GB/s, spdlog %.2f GB/s, write(2) %.2f GB/s\n",
          target == kFile ? "file" : "null", size, evl, spd, evl > 0 ? spd / evl : 0, w2, evl > 0 ? w2 / evl : 0,
          r[key("evl", target, size, false, "GBps")], r[key("spdlog", target, size, false, "GBps")],
          r[key("write2", target, size, false, "GBps")]);
    }
  }
}

}  // namespace

int main(int argc, char** argv) { return oskit::bench::run_benchmarks_then_summarize(argc, argv, print_summary); }
