// UDP on the loopback interface, four ways side by side, for 64-byte and
// 1400-byte datagrams: the UDP endpoint component (components/udp),
// oob_sendmsg/oob_recvmsg directly on out-of-band sockets, plain sendmsg(2)/
// recvmsg(2), and sendmmsg(2)/recvmmsg(2) in batches of 32. The plain peers
// make their system calls directly, past the emulation's socket-call routing.
//
// Throughput: one sender, one receiver, at most kWindow datagrams in flight
// so that nothing is lost; reported as datagrams per second (items_per_second)
// and the cost of one datagram. Latency: ping-pong round trips driven by the
// thread that receives each reply; p50, p99 and p99.9 in microseconds. A
// summary of the ratios follows the run.
//
// `udp_bench --echo_server=PORT [--echo_seconds=S]` instead runs an endpoint as
// sockperf's ping-pong server on 127.0.0.1:PORT (bench/udp_sockperf.sh).
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <evl/evl.h>

#include "bench/bench_support.h"
#include "benchmark/benchmark.h"
#include "components/netio/netio.h"
#include "components/udp/udp.h"
#include "glue/evl/stage.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kWindow = 256;
constexpr int kBatch = 32;
constexpr int kThroughputDatagrams = 200000;
constexpr int kRoundTrips = 20000;

enum Kind { kEndpoint = 0, kOob = 1, kRaw = 2, kRawBatched = 3 };
const char* const kKindNames[] = {"endpoint", "oob", "raw", "raw_mmsg"};

// ------------------------------------------------------------------ plumbing

sockaddr_in loopback_any() {
  sockaddr_in a = {};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

sockaddr_in address_of(int fd) {
  sockaddr_in a = {};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return a;
}

// A bound socket (out-of-band or plain) with a receive buffer large enough
// for the window.
int bound_socket(bool oob) {
  int fd = socket(AF_INET, SOCK_DGRAM | (oob ? SOCK_OOB : 0), 0);
  sockaddr_in a = loopback_any();
  int big = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  return fd;
}

ssize_t raw_sendmsg(int fd, const msghdr* m) { return syscall(SYS_sendmsg, fd, m, 0); }
ssize_t raw_recvmsg(int fd, msghdr* m) { return syscall(SYS_recvmsg, fd, m, 0); }
int raw_sendmmsg(int fd, mmsghdr* v, unsigned n) { return static_cast<int>(syscall(SYS_sendmmsg, fd, v, n, 0)); }
int raw_recvmmsg(int fd, mmsghdr* v, unsigned n, int flags) {
  return static_cast<int>(syscall(SYS_recvmmsg, fd, v, n, flags, nullptr));
}

// One datagram's worth of buffer and header, reusable. It points into itself:
// keep it where it was made.
struct Message {
  explicit Message(size_t size) : data(size, 'd') {
    iov = {data.data(), size};
    hdr.msg_iov = &iov;
    hdr.msg_iovlen = 1;
  }
  void to(sockaddr_in* dest) {
    hdr.msg_name = dest;
    hdr.msg_namelen = dest != nullptr ? sizeof *dest : 0;
  }
  void reset_for_receive(sockaddr_in* from) {
    iov.iov_len = data.size();
    to(from);
    hdr.msg_flags = 0;
  }
  std::vector<char> data;
  iovec iov;
  msghdr hdr = {};
};

oob_msghdr oob_header(Message& m) {
  oob_msghdr h = {};
  h.msg_iov = &m.iov;
  h.msg_iovlen = 1;
  h.msg_name = m.hdr.msg_name;
  h.msg_namelen = m.hdr.msg_namelen;
  return h;
}

void attach_main_thread() {
  static const int fd = [] {
    evl_init();
    return evl_attach_self("udp-bench:%d", getpid());
  }();
  (void)fd;
}

std::string key(int kind, int64_t size, const char* what) {
  return std::string(kKindNames[kind]) + "/" + std::to_string(size) + "/" + what;
}

struct Latencies {
  std::vector<double> us;
  double pct(double p) { return oskit::bench::quantile(us, p); }
};

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

// ------------------------------------------------------------------ throughput

// Counts what arrives and lets the sender keep a window in flight.
struct Flow {
  std::atomic<int> received{0};
  std::atomic<int> out_of_order{0};
  unsigned long violations = 0;  // the sender's stage violations while sending
  void got(int seq) {
    if (seq != received.load(std::memory_order_relaxed)) out_of_order.fetch_add(1, std::memory_order_relaxed);
    received.fetch_add(1, std::memory_order_release);
  }
  void wait_window(int sent) const {
    while (sent - received.load(std::memory_order_acquire) >= kWindow) std::this_thread::yield();
  }
  void wait_all(int n) const {
    while (received.load(std::memory_order_acquire) < n) std::this_thread::yield();
  }
};

int seq_of(const std::vector<char>& data) {
  int seq;
  std::memcpy(&seq, data.data(), sizeof seq);
  return seq;
}

// A receiving thread over plain or out-of-band calls, until n have come.
std::thread receiver(int kind, int fd, size_t size, int n, Flow* flow) {
  return std::thread([=] {
    if (kind == kOob) evl_attach_self("udp-bench-rx:%d", getpid());
    std::vector<Message> batch;
    batch.reserve(kBatch);  // messages point into themselves: they must not move
    for (int i = 0; i < (kind == kRawBatched ? kBatch : 1); i++) batch.emplace_back(size);
    std::vector<mmsghdr> vec(batch.size());
    while (flow->received.load(std::memory_order_acquire) < n) {
      if (kind == kRawBatched) {
        for (size_t i = 0; i < batch.size(); i++) {
          batch[i].reset_for_receive(nullptr);
          vec[i].msg_hdr = batch[i].hdr;
        }
        int got = raw_recvmmsg(fd, vec.data(), static_cast<unsigned>(vec.size()), MSG_WAITFORONE);
        for (int i = 0; i < got; i++) flow->got(seq_of(batch[i].data));
        continue;
      }
      batch[0].reset_for_receive(nullptr);
      ssize_t got;
      if (kind == kOob) {
        oob_msghdr h = oob_header(batch[0]);
        got = oob_recvmsg(fd, &h, nullptr, 0);
      } else {
        got = raw_recvmsg(fd, &batch[0].hdr);
      }
      if (got >= 0) flow->got(seq_of(batch[0].data));
    }
    if (kind == kOob) evl_detach_self();
  });
}

// Sends n datagrams over plain or out-of-band calls, keeping the window.
void send_all(int kind, int fd, sockaddr_in dest, size_t size, int n, Flow* flow) {
  std::vector<Message> batch;
  batch.reserve(kBatch);  // messages point into themselves: they must not move
  for (int i = 0; i < (kind == kRawBatched ? kBatch : 1); i++) batch.emplace_back(size);
  std::vector<mmsghdr> vec(batch.size());
  int pending = 0;
  for (int seq = 0; seq < n; seq++) {
    flow->wait_window(seq);
    Message& m = batch[kind == kRawBatched ? pending : 0];
    std::memcpy(m.data.data(), &seq, sizeof seq);
    m.to(&dest);
    if (kind == kRawBatched) {
      vec[pending++].msg_hdr = m.hdr;
      if (pending == kBatch || seq + 1 == n || seq + 1 - flow->received.load() >= kWindow) {
        for (int done = 0; done < pending;) done += std::max(0, raw_sendmmsg(fd, vec.data() + done, pending - done));
        pending = 0;
      }
    } else if (kind == kOob) {
      oob_msghdr h = oob_header(m);
      oob_sendmsg(fd, &h, nullptr, 0);
    } else {
      raw_sendmsg(fd, &m.hdr);
    }
  }
}

oskit_error_t count_datagram(void* flow, oskit_bufio_t* buf, oskit_size_t) {
  int seq = -1;
  oskit_size_t n = 0;
  buf->read(&seq, 0, sizeof seq, &n);
  static_cast<Flow*>(flow)->got(seq);
  return 0;
}

oskit::ComPtr<oskit_netio> endpoint(oskit_netio* recv, const sockaddr_in* peer, size_t size) {
  oskit_udp_options_t o = {};
  o.local = loopback_any();
  if (peer != nullptr) o.peer = *peer;
  o.rx_buffer_size = size;
  o.rx_buffers = 2 * kWindow;
  oskit::ComPtr<oskit_netio> send;
  oskit_udp_open(&o, recv, send.put());
  return send;
}

sockaddr_in endpoint_address(oskit_netio* send) {
  sockaddr_in a = {};
  oskit::udp_endpoint(send)->getsockname(&a);
  return a;
}

// Endpoint to endpoint: the bench thread (an EVL thread) pushes pool buffers.
void endpoint_throughput(size_t size, int n, Flow* flow) {
  auto counter = oskit::ComPtr<oskit_netio>::adopt(oskit_netio_create(count_datagram, flow));
  oskit::ComPtr<oskit_netio> b = endpoint(counter.get(), nullptr, size);
  sockaddr_in to_b = endpoint_address(b.get());
  oskit::ComPtr<oskit_netio> a = endpoint(counter.get(), &to_b, size);
  oskit_evl_stage_reset();  // opening was in-band; sending must not be
  for (int seq = 0; seq < n; seq++) {
    flow->wait_window(seq);
    oskit::ComPtr<oskit_bufio> buf;
    while (a->alloc_bufio(size, buf.put()) != 0) std::this_thread::yield();
    oskit_size_t k = 0;
    buf->write(&seq, 0, sizeof seq, &k);
    a->push(buf.get(), size);
  }
  flow->violations = oskit_evl_stage_thread_violations();
  flow->wait_all(n);
}

void BM_Throughput(benchmark::State& state) {
  attach_main_thread();
  const int kind = static_cast<int>(state.range(0));
  const size_t size = static_cast<size_t>(state.range(1));
  const int n = kThroughputDatagrams;
  double seconds = 0;
  int out_of_order = 0;
  unsigned long violations = 0;
  for (auto _ : state) {
    Flow flow;
    Clock::time_point start = Clock::now();
    if (kind == kEndpoint) {
      endpoint_throughput(size, n, &flow);
    } else {
      const bool oob = kind == kOob;
      int rx = bound_socket(oob), tx = bound_socket(oob);
      std::thread r = receiver(kind, rx, size, n, &flow);
      oskit_evl_stage_reset();
      send_all(kind, tx, address_of(rx), size, n, &flow);
      flow.violations = oskit_evl_stage_thread_violations();
      flow.wait_all(n);
      r.join();
      close(rx);
      close(tx);
    }
    seconds = std::chrono::duration<double>(Clock::now() - start).count();
    state.SetIterationTime(seconds);
    out_of_order = flow.out_of_order.load();
    violations = flow.violations;
  }
  const double pps = n / seconds;
  state.SetItemsProcessed(static_cast<int64_t>(n) * state.iterations());
  state.counters["ns_per_datagram"] = 1e9 / pps;
  state.counters["out_of_order"] = out_of_order;
  if (kind == kEndpoint || kind == kOob) state.counters["stage_violations"] = static_cast<double>(violations);
  oskit::bench::summary_figures()[key(kind, static_cast<int64_t>(size), "pps")] = pps;
}

// ------------------------------------------------------------------ latency

// Plain or out-of-band ping-pong: a client thread sends and waits for each
// reply, a server thread echoes.
void socket_ping_pong(int kind, size_t size, Latencies* lat) {
  const bool oob = kind == kOob;
  int server = bound_socket(oob), client = bound_socket(oob);
  sockaddr_in server_addr = address_of(server);
  std::atomic<bool> done{false};
  auto receive = [kind](int fd, Message& m, sockaddr_in* from) -> ssize_t {
    m.reset_for_receive(from);
    if (kind == kOob) {
      oob_msghdr h = oob_header(m);
      return oob_recvmsg(fd, &h, nullptr, 0);
    }
    if (kind == kRawBatched) {
      mmsghdr one = {m.hdr, 0};
      int got = raw_recvmmsg(fd, &one, 1, 0);
      m.hdr.msg_namelen = one.msg_hdr.msg_namelen;
      return got == 1 ? one.msg_len : -1;
    }
    return raw_recvmsg(fd, &m.hdr);
  };
  auto send = [kind](int fd, Message& m, sockaddr_in* to) {
    m.iov.iov_len = m.data.size();
    m.to(to);
    if (kind == kOob) {
      oob_msghdr h = oob_header(m);
      oob_sendmsg(fd, &h, nullptr, 0);
    } else if (kind == kRawBatched) {
      mmsghdr one = {m.hdr, 0};
      raw_sendmmsg(fd, &one, 1);
    } else {
      raw_sendmsg(fd, &m.hdr);
    }
  };
  std::thread echo([&] {
    if (oob) evl_attach_self("udp-bench-echo:%d", getpid());
    Message m(size);
    sockaddr_in from;
    while (!done.load()) {
      if (receive(server, m, &from) >= 0 && !done.load()) send(server, m, &from);
    }
    if (oob) evl_detach_self();
  });
  std::thread ping([&] {
    if (oob) evl_attach_self("udp-bench-ping:%d", getpid());
    Message m(size);
    for (int i = 0; i < kRoundTrips; i++) {
      Clock::time_point t0 = Clock::now();
      send(client, m, &server_addr);
      receive(client, m, nullptr);
      lat->us.push_back(micros(Clock::now() - t0));
    }
    if (oob) evl_detach_self();
  });
  ping.join();
  done = true;
  Message stop(1);
  send(client, stop, &server_addr);  // wakes the echo thread
  echo.join();
  close(server);
  close(client);
}

// Endpoint ping-pong, driven by the client endpoint's receive thread: each
// reply is timed and pushed straight back as the next ping.
struct EndpointPingPong {
  oskit_netio* client = nullptr;
  oskit_udp_endpoint* server = nullptr;
  Latencies* lat = nullptr;
  Clock::time_point sent;
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
};

oskit_error_t echo_back(void* data, oskit_bufio_t* buf, oskit_size_t size) {
  auto* pp = static_cast<EndpointPingPong*>(data);
  sockaddr_in from;
  pp->server->source(&from);
  return pp->server->sendto(buf, size, &from);
}

oskit_error_t pong(void* data, oskit_bufio_t* buf, oskit_size_t size) {
  auto* pp = static_cast<EndpointPingPong*>(data);
  const Clock::time_point now = Clock::now();
  pp->lat->us.push_back(micros(now - pp->sent));
  if (pp->lat->us.size() < static_cast<size_t>(kRoundTrips)) {
    pp->sent = Clock::now();
    return pp->client->push(buf, size);
  }
  std::lock_guard<std::mutex> lock(pp->mu);
  pp->finished = true;
  pp->cv.notify_all();
  return 0;
}

void endpoint_ping_pong(size_t size, Latencies* lat) {
  EndpointPingPong pp;
  pp.lat = lat;
  auto echo = oskit::ComPtr<oskit_netio>::adopt(oskit_netio_create(echo_back, &pp));
  auto reply = oskit::ComPtr<oskit_netio>::adopt(oskit_netio_create(pong, &pp));
  oskit::ComPtr<oskit_netio> server = endpoint(echo.get(), nullptr, size);
  pp.server = oskit::udp_endpoint(server.get()).get();
  sockaddr_in to_server = endpoint_address(server.get());
  oskit::ComPtr<oskit_netio> client = endpoint(reply.get(), &to_server, size);
  pp.client = client.get();
  oskit::ComPtr<oskit_bufio> first;
  client->alloc_bufio(size, first.put());
  pp.sent = Clock::now();
  client->push(first.get(), size);
  first.reset();
  std::unique_lock<std::mutex> lock(pp.mu);
  pp.cv.wait(lock, [&] { return pp.finished; });
}

void BM_Latency(benchmark::State& state) {
  attach_main_thread();
  const int kind = static_cast<int>(state.range(0));
  const size_t size = static_cast<size_t>(state.range(1));
  Latencies lat;
  for (auto _ : state) {
    lat.us.clear();
    lat.us.reserve(kRoundTrips);
    Clock::time_point start = Clock::now();
    if (kind == kEndpoint) {
      endpoint_ping_pong(size, &lat);
    } else {
      socket_ping_pong(kind, size, &lat);
    }
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
  }
  state.SetItemsProcessed(static_cast<int64_t>(kRoundTrips) * state.iterations());
  const double p50 = lat.pct(0.50), p99 = lat.pct(0.99), p999 = lat.pct(0.999);
  state.counters["p50_us"] = p50;
  state.counters["p99_us"] = p99;
  state.counters["p999_us"] = p999;
  oskit::bench::summary_figures()[key(kind, static_cast<int64_t>(size), "p50")] = p50;
  oskit::bench::summary_figures()[key(kind, static_cast<int64_t>(size), "p99")] = p99;
  oskit::bench::summary_figures()[key(kind, static_cast<int64_t>(size), "p999")] = p999;
}

void Args(benchmark::internal::Benchmark* b) {
  for (int size : {64, 1400}) {
    for (int kind : {kEndpoint, kOob, kRaw, kRawBatched}) b->Args({kind, size});
  }
  b->ArgNames({"kind", "size"});
}

BENCHMARK(BM_Throughput)->Apply(Args)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Latency)->Apply(Args)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

void print_summary() {
  auto& r = oskit::bench::summary_figures();
  std::printf(
      "\nsummary (kinds: 0 endpoint, 1 oob_sendmsg/oob_recvmsg, 2 raw sendmsg/recvmsg, 3 raw sendmmsg/recvmmsg x%d)\n",
      kBatch);
  for (int size : {64, 1400}) {
    const double ep = r[key(kEndpoint, size, "pps")], oob = r[key(kOob, size, "pps")];
    const double raw = r[key(kRaw, size, "pps")], mmsg = r[key(kRawBatched, size, "pps")];
    if (raw <= 0 || ep <= 0) continue;
    std::printf(
        "  %4d B throughput: endpoint %.0f/s (%.0f ns each), oob %.0f/s, raw %.0f/s (%.0f ns), "
        "raw batched %.0f/s\n",
        size, ep, 1e9 / ep, oob, raw, 1e9 / raw, mmsg);
    std::printf(
        "         per-datagram cost endpoint / raw = %.2f (goal <= 1.10); endpoint / raw batched = %.2f; "
        "endpoint throughput / raw unbatched = %.2f (goal > 1)\n",
        raw / ep, mmsg / ep, ep / raw);
    std::printf(
        "         round trip p50/p99/p99.9 us: endpoint %.1f/%.1f/%.1f, oob %.1f/%.1f/%.1f, raw "
        "%.1f/%.1f/%.1f, raw mmsg %.1f/%.1f/%.1f; endpoint p50 / raw p50 = %.2f\n",
        r[key(kEndpoint, size, "p50")], r[key(kEndpoint, size, "p99")], r[key(kEndpoint, size, "p999")],
        r[key(kOob, size, "p50")], r[key(kOob, size, "p99")], r[key(kOob, size, "p999")], r[key(kRaw, size, "p50")],
        r[key(kRaw, size, "p99")], r[key(kRaw, size, "p999")], r[key(kRawBatched, size, "p50")],
        r[key(kRawBatched, size, "p99")], r[key(kRawBatched, size, "p999")],
        r[key(kRaw, size, "p50")] > 0 ? r[key(kEndpoint, size, "p50")] / r[key(kRaw, size, "p50")] : 0);
  }
}

// ------------------------------------------------------------------ echo server

// sockperf's message header: a 64-bit sequence number, then 16 bits of flags
// (client 1, reply wanted 2, warm-up 4), in network order. Its server answers
// a message that wants a reply with the client flag cleared.
constexpr size_t kSockperfFlags = 8;
constexpr uint8_t kSockperfClient = 1, kSockperfReplyWanted = 2, kSockperfWarmUp = 4;

struct EchoServer {
  std::atomic<oskit_udp_endpoint*> endpoint{nullptr};
  oskit_netio* send = nullptr;
};

// Answers one sockperf message in a buffer of the endpoint's pool (the
// received buffer is the consumer's to read, not to write).
oskit_error_t answer_sockperf(void* data, oskit_bufio_t* buf, oskit_size_t size) {
  auto* server = static_cast<EchoServer*>(data);
  oskit_udp_endpoint* endpoint = server->endpoint.load();
  if (endpoint == nullptr || size <= kSockperfFlags + 1) return OSKIT_EINVAL;
  uint8_t flags = 0;
  oskit_size_t n = 0;
  buf->read(&flags, kSockperfFlags + 1, 1, &n);
  if (!(flags & kSockperfReplyWanted) || (flags & kSockperfWarmUp)) return 0;
  oskit::ComPtr<oskit_bufio> reply;
  oskit_error_t rc = server->send->alloc_bufio(size, reply.put());
  if (rc != 0) return rc;
  void* in = nullptr;
  if (buf->map(&in, 0, size) != 0) return OSKIT_E_NOTIMPL;
  rc = reply->write(in, 0, size, &n);
  buf->unmap(in, 0, size);
  flags = static_cast<uint8_t>(flags & ~kSockperfClient);
  if (rc == 0) rc = reply->write(&flags, kSockperfFlags + 1, 1, &n);
  sockaddr_in from;
  if (rc == 0) rc = endpoint->source(&from);
  return rc != 0 ? rc : endpoint->sendto(reply.get(), size, &from);
}

// Serves sockperf's ping-pong on 127.0.0.1:port for seconds (0: until killed).
int run_echo_server(int port, int seconds) {
  evl_init();
  EchoServer server;
  auto consumer = oskit::ComPtr<oskit_netio>::adopt(oskit_netio_create(answer_sockperf, &server));
  oskit_udp_options_t o = {};
  o.local = loopback_any();
  o.local.sin_port = htons(static_cast<uint16_t>(port));
  o.rx_buffer_size = 65507;
  o.rx_buffers = 64;
  oskit::ComPtr<oskit_netio> send;
  oskit_error_t rc = oskit_udp_open(&o, consumer.get(), send.put());
  if (rc != 0) {
    std::fprintf(stderr, "cannot open the endpoint on port %d: %s\n", port, oskit_error_string(rc));
    return 1;
  }
  server.send = send.get();
  server.endpoint = oskit::udp_endpoint(send.get()).get();
  std::printf("endpoint echo server on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  if (seconds > 0) {
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
  } else {
    for (;;) pause();
  }
  oskit_udp_stats_t st = {};
  oskit::udp_endpoint(send.get())->getstats(&st);
  std::printf("received %llu datagrams, answered %llu; send errors %llu, consumer errors %llu, dropped %llu\n",
              static_cast<unsigned long long>(st.received), static_cast<unsigned long long>(st.sent),
              static_cast<unsigned long long>(st.send_errors), static_cast<unsigned long long>(st.consumer_errors),
              static_cast<unsigned long long>(st.dropped_no_buffer));
  server.endpoint = nullptr;
  return 0;
}

bool flag(const char* arg, const char* name, int* value) {
  const size_t len = std::strlen(name);
  if (std::strncmp(arg, name, len) != 0 || arg[len] != '=') return false;
  *value = std::atoi(arg + len + 1);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0, seconds = 0;
  for (int i = 1; i < argc; i++) {
    flag(argv[i], "--echo_server", &port);
    flag(argv[i], "--echo_seconds", &seconds);
  }
  if (port > 0) return run_echo_server(port, seconds);
  return oskit::bench::run_benchmarks_then_summarize(argc, argv, print_summary);
}
