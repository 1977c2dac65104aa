// The UDP endpoint on the loopback interface: the open handshake, receiving
// into the pool and pushing into the receive netio, sending from EVL threads
// and from others, every payload size, truncation, drops, timeouts, counters,
// closing, the conformance suites, and the steady state (no allocation, no
// stage violation, a million datagrams in order).
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <evl/evl.h>

#include "components/membufio/membufio.h"
#include "components/netio/netio.h"
#include "components/udp/test_collector.h"
#include "components/udp/udp.h"
#include "glue/dma/dma.h"
#include "glue/env/counting_env.h"
#include "glue/evl/emul/net_seams.h"
#include "glue/evl/stage.h"
#include "glue/evl/testing/evl_testing.h"
#include "glue/evl/testing/net_testing.h"
#include "oskit/com/status.h"
#include "oskit/testing/asyncio_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/netio_conformance.h"
#include "oskit/testing/posixio_conformance.h"
#include "oskit/testing/test_bufio.h"

namespace oskit::udp::testing {
namespace {

using evl::testing::loopback;
using evl::testing::run_on_evl_thread;
using evl::testing::UdpPeer;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kMillion = 100000;  // sized down: sanitizers are slow
#else
constexpr int kMillion = 1000000;
#endif

sockaddr* sa(sockaddr_in* a) { return reinterpret_cast<sockaddr*>(a); }

oskit_udp_options_t on_loopback() {
  oskit_udp_options_t o = {};
  o.local = loopback(0);
  return o;
}

sockaddr_in local_of(oskit_netio* send) {
  sockaddr_in a = {};
  EXPECT_EQ(udp_endpoint(send)->getsockname(&a), 0);
  return a;
}

oskit_udp_stats_t stats_of(oskit_netio* send) {
  oskit_udp_stats_t st = {};
  EXPECT_EQ(udp_endpoint(send)->getstats(&st), 0);
  return st;
}

ComPtr<oskit_bufio> packet(const std::string& data, oskit_size_t size = 0) {
  auto buf = ComPtr<oskit_bufio>::adopt(oskit_bufio_create(size != 0 ? size : data.size()));
  oskit_size_t n = 0;
  if (!data.empty()) buf->write(data.data(), 0, data.size(), &n);
  return buf;
}

std::string pattern(size_t len) {
  std::string s(len, '\0');
  for (size_t i = 0; i < len; i++) s[i] = static_cast<char>((i * 13 + len) & 0xff);
  return s;
}

class UdpEndpointTest : public oskit::testing::LeakCheckedTest {
 protected:
  static void SetUpTestSuite() { evl::testing::init_evl(); }
  // Opens an endpoint pushing into c.
  ComPtr<oskit_netio> open(Collector& c, const oskit_udp_options_t& o = on_loopback()) {
    ComPtr<oskit_netio> send;
    EXPECT_EQ(oskit_udp_open(&o, c.netio(), send.put()), 0);
    if (send) c.attach(send.get());
    return send;
  }
};

TEST_F(UdpEndpointTest, OpenBindsAndTellsThePortPicked) {
  Collector c;
  ComPtr<oskit_netio> send = open(c);
  ASSERT_TRUE(send);
  sockaddr_in local = local_of(send.get());
  EXPECT_EQ(local.sin_family, AF_INET);
  EXPECT_NE(local.sin_port, 0);
  EXPECT_EQ(local.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
  sockaddr_in peer;
  EXPECT_EQ(udp_endpoint(send.get())->getpeername(&peer), OSKIT_ENOTCONN);
  oskit_udp_options_t o = {};
  o.local = local;
  Collector other;
  ComPtr<oskit_netio> clash;
  EXPECT_EQ(oskit_udp_open(&o, other.netio(), clash.put()), OSKIT_EADDRINUSE);
  EXPECT_FALSE(clash);
}

TEST_F(UdpEndpointTest, ReceivedDatagramsArePushedWithTheirSender) {
  Collector c;
  ComPtr<oskit_netio> send = open(c);
  sockaddr_in local = local_of(send.get());
  UdpPeer peer(loopback(0));
  for (const char* word : {"one", "two", "three"}) {
    ASSERT_EQ(sendto(peer.fd, word, strlen(word), 0, sa(&local), sizeof local), static_cast<ssize_t>(strlen(word)));
  }
  std::vector<Datagram> got = c.wait_for(3);
  EXPECT_EQ(got[0].data, "one");
  EXPECT_EQ(got[1].data, "two");
  EXPECT_EQ(got[2].data, "three");
  EXPECT_EQ(got[0].from.sin_port, peer.address().sin_port) << "the sender, from source()";
  EXPECT_EQ(got[0].buffer_size, OSKIT_UDP_DEFAULT_RX_BUFFER_SIZE) << "a buffer of the endpoint's pool";
  oskit_udp_stats_t st = stats_of(send.get());
  EXPECT_EQ(st.received, 3u);
  EXPECT_EQ(st.received_bytes, 11u);
  sockaddr_in outside;
  EXPECT_EQ(udp_endpoint(send.get())->source(&outside), OSKIT_EINVAL) << "only inside a push";
}

TEST_F(UdpEndpointTest, DescribesItsSocketReceiverPoolAndCounters) {
  Collector c;
  ComPtr<oskit_netio> send = open(c);
  sockaddr_in local = local_of(send.get());
  UdpPeer peer(loopback(0));
  ASSERT_EQ(sendto(peer.fd, "hello", 5, 0, sa(&local), sizeof local), 5);
  c.wait_for(1);
  struct Seen {
    std::string kind, detail;
    std::vector<std::string> roles;
    std::vector<oskit_iunknown*> held;
    std::map<std::string, oskit_u64_t> counters;
  } seen;
  const oskit_description_sink sink = {
      &seen,
      [](void* ctx, const char* kind, const char* detail) {
        static_cast<Seen*>(ctx)->kind = kind;
        static_cast<Seen*>(ctx)->detail = detail;
      },
      nullptr,
      [](void* ctx, const char* role, oskit_iunknown* held) {
        static_cast<Seen*>(ctx)->roles.push_back(role);
        static_cast<Seen*>(ctx)->held.push_back(held);
      },
      [](void* ctx, const char* name, oskit_u64_t value) { static_cast<Seen*>(ctx)->counters[name] = value; },
  };
  ASSERT_EQ(query<oskit_describe>(send)->describe(&sink), 0);
  EXPECT_EQ(seen.kind, "udp_endpoint");
  EXPECT_NE(seen.detail.find("read-write"), std::string::npos) << seen.detail;
  EXPECT_EQ(seen.roles, (std::vector<std::string>{"receiver", "pool"}));
  ASSERT_EQ(seen.held.size(), 2u);
  EXPECT_EQ(query<oskit_iunknown>(seen.held[0]).get(), query<oskit_iunknown>(c.netio()).get());
  EXPECT_EQ(seen.counters["received"], 1u);
  EXPECT_EQ(seen.counters["received_bytes"], 5u);
  EXPECT_EQ(seen.counters["sent"], 0u);
}

TEST_F(UdpEndpointTest, PushSendsToTheConnectedPeerFromAnyThread) {
  UdpPeer peer(loopback(0));
  oskit_udp_options_t o = on_loopback();
  o.peer = peer.address();
  Collector c;
  ComPtr<oskit_netio> send = open(c, o);
  sockaddr_in connected;
  ASSERT_EQ(udp_endpoint(send.get())->getpeername(&connected), 0);
  EXPECT_EQ(connected.sin_port, peer.address().sin_port);
  EXPECT_EQ(send->push(packet("in-band").get(), 7), 0) << "a thread not attached to EVL sends in-band";
  run_on_evl_thread("udp-push", [&] {
    EXPECT_EQ(send->push(packet("out-of-band").get(), 11), 0);
    EXPECT_EQ(send->push(packet("out-of-band, short").get(), 3), 0) << "only size bytes leave";
  });
  char buf[32];
  for (const char* want : {"in-band", "out-of-band", "out"}) {
    ASSERT_EQ(recv(peer.fd, buf, sizeof buf, 0), static_cast<ssize_t>(strlen(want)));
    EXPECT_EQ(std::string(buf, strlen(want)), want);
  }
  oskit_udp_stats_t st = stats_of(send.get());
  EXPECT_EQ(st.sent, 3u);
  EXPECT_EQ(st.sent_bytes, 21u);
}

TEST_F(UdpEndpointTest, WithoutAPeerPushNeedsADestination) {
  Collector c;
  ComPtr<oskit_netio> send = open(c);
  EXPECT_EQ(send->push(packet("x").get(), 1), OSKIT_EDESTADDRREQ);
  UdpPeer peer(loopback(0));
  sockaddr_in to = peer.address();
  ComPtr<oskit_udp_endpoint> e = udp_endpoint(send.get());
  EXPECT_EQ(e->sendto(packet("to").get(), 2, &to), 0);
  char buf[4];
  ASSERT_EQ(recv(peer.fd, buf, sizeof buf, 0), 2);
  ASSERT_EQ(e->connect(&to), 0);
  EXPECT_EQ(send->push(packet("now").get(), 3), 0);
  ASSERT_EQ(recv(peer.fd, buf, sizeof buf, 0), 3);
  ASSERT_EQ(e->connect(nullptr), 0) << "disconnects";
  EXPECT_EQ(send->push(packet("x").get(), 1), OSKIT_EDESTADDRREQ);
  EXPECT_EQ(stats_of(send.get()).send_errors, 2u);
  sockaddr_in v6 = to;
  v6.sin_family = AF_INET6;
  EXPECT_EQ(e->connect(&v6), OSKIT_EAFNOSUPPORT);
}

// A bufio that does not map: the endpoint reads the datagram out of it.
class UnmappableBufio : public oskit::testing::TestBufio {
 public:
  OSKIT_COMDECL map(void** out_addr, oskit_off_t, oskit_size_t) noexcept override {
    *out_addr = nullptr;
    return OSKIT_E_NOTIMPL;
  }

 protected:
  explicit UnmappableBufio(oskit_size_t size) : TestBufio(size) {}
};

TEST_F(UdpEndpointTest, ABufioThatDoesNotMapIsReadOut) {
  UdpPeer peer(loopback(0));
  oskit_udp_options_t o = on_loopback();
  o.peer = peer.address();
  Collector c;
  ComPtr<oskit_netio> send = open(c, o);
  ComPtr<oskit_bufio> buf = make<UnmappableBufio>(16);
  oskit_size_t n = 0;
  ASSERT_EQ(buf->write("copied", 0, 6, &n), 0);
  EXPECT_EQ(send->push(buf.get(), 6), 0);
  char got[16];
  ASSERT_EQ(recv(peer.fd, got, sizeof got, 0), 6);
  EXPECT_EQ(std::string(got, 6), "copied");
}

TEST_F(UdpEndpointTest, PushRefusesBadPackets) {
  Collector c;
  ComPtr<oskit_netio> send = open(c);
  UdpPeer peer(loopback(0));
  sockaddr_in to = peer.address();
  ASSERT_EQ(udp_endpoint(send.get())->connect(&to), 0);
  EXPECT_EQ(send->push(nullptr, 0), OSKIT_E_POINTER);
  EXPECT_EQ(send->push(packet("abc").get(), 4), OSKIT_EINVAL) << "beyond the buffer";
  ComPtr<oskit_bufio> big = packet("", 65508);
  EXPECT_EQ(send->push(big.get(), 65508), OSKIT_EMSGSIZE);
  EXPECT_EQ(send->push(big.get(), 65507), 0) << "the largest datagram";
}

TEST_F(UdpEndpointTest, EveryPayloadSizeBetweenTwoEndpoints) {
  oskit_udp_options_t o = on_loopback();
  o.rx_buffer_size = 65507;
  o.rx_buffers = 4;
  Collector ca, cb;
  ComPtr<oskit_netio> a = open(ca, o);
  ComPtr<oskit_netio> b = open(cb, o);
  sockaddr_in to_b = local_of(b.get());
  ASSERT_EQ(udp_endpoint(a.get())->connect(&to_b), 0);
  const std::vector<size_t> sizes = {0, 1, 64, 1400, 1472, 1473, 9000, 32768, 65506, 65507};
  run_on_evl_thread("udp-endpoint-sizes", [&] {
    for (size_t i = 0; i < sizes.size(); i++) {
      ComPtr<oskit_bufio> buf;
      ASSERT_EQ(a->alloc_bufio(sizes[i], buf.put()), 0) << "from the pool";
      const std::string data = pattern(sizes[i]);
      oskit_size_t n = 0;
      if (!data.empty()) {
        ASSERT_EQ(buf->write(data.data(), 0, data.size(), &n), 0);
      }
      ASSERT_EQ(a->push(buf.get(), sizes[i]), 0) << sizes[i];
      std::vector<Datagram> got = cb.wait_for(i + 1);
      EXPECT_EQ(got[i].data, data) << sizes[i];
      EXPECT_EQ(got[i].from.sin_port, local_of(a.get()).sin_port);
    }
  });
  EXPECT_EQ(stats_of(b.get()).truncated, 0u);
}

TEST_F(UdpEndpointTest, ALongDatagramArrivesTruncatedAndIsCounted) {
  oskit_udp_options_t o = on_loopback();
  o.rx_buffer_size = 100;
  Collector c;
  ComPtr<oskit_netio> send = open(c, o);
  sockaddr_in local = local_of(send.get());
  UdpPeer peer(loopback(0));
  const std::string big = pattern(300);
  ASSERT_EQ(sendto(peer.fd, big.data(), big.size(), 0, sa(&local), sizeof local), 300);
  ASSERT_EQ(sendto(peer.fd, "fits", 4, 0, sa(&local), sizeof local), 4);
  std::vector<Datagram> got = c.wait_for(2);
  EXPECT_EQ(got[0].data, big.substr(0, 100));
  EXPECT_EQ(got[1].data, "fits");
  EXPECT_EQ(stats_of(send.get()).truncated, 1u);
}

TEST_F(UdpEndpointTest, ADatagramWithoutAPoolBufferIsDroppedCountedAndLogged) {
  env::CountingEnvironment counting;
  env::ScopedEnvironment scope(&counting);
  ASSERT_TRUE(scope.status().ok()) << scope.status();
  {
    ComPtr<oskit_bufio_pool> pool;
    ASSERT_EQ(oskit_bufio_recycled_pool_create(2, 256, pool.put()), 0);
    oskit_udp_options_t o = on_loopback();
    o.pool = pool.get();
    o.rx_buffer_size = 256;
    Collector c;
    std::vector<ComPtr<oskit_bufio>> kept;  // the consumer keeps every packet: the pool runs dry
    std::mutex kept_mu;
    c.also = [&](oskit_bufio* buf, oskit_size_t) {
      std::lock_guard<std::mutex> lock(kept_mu);
      kept.push_back(ComPtr<oskit_bufio>::copy(buf));
      return oskit_error_t{0};
    };
    ComPtr<oskit_netio> send = open(c, o);
    sockaddr_in local = local_of(send.get());
    UdpPeer peer(loopback(0));
    for (int i = 0; i < 3; i++) ASSERT_EQ(sendto(peer.fd, &i, sizeof i, 0, sa(&local), sizeof local), 4);
    c.wait_for(2);
    while (stats_of(send.get()).dropped_no_buffer == 0) std::this_thread::yield();
    EXPECT_EQ(stats_of(send.get()).received, 2u);
    {
      std::lock_guard<std::mutex> lock(kept_mu);
      kept.clear();  // buffers back: the next datagram is received again
    }
    ASSERT_EQ(sendto(peer.fd, "more", 4, 0, sa(&local), sizeof local), 4);
    EXPECT_EQ(c.wait_for(3)[2].data, "more");
    EXPECT_EQ(stats_of(send.get()).dropped_no_buffer, 1u);
  }
  bool logged = false;
  for (const std::string& line : counting.log_lines()) logged |= line.find("no buffer") != std::string::npos;
  EXPECT_TRUE(logged) << "a drop is visible in the log";
}

TEST_F(UdpEndpointTest, DatagramsReceivedIntoADmaPoolCanBeWired) {
  ComPtr<oskit_dma_space> space;
  ASSERT_EQ(oskit_dma_space_create(nullptr, space.put()), 0);
  ComPtr<oskit_bufio_pool> pool;
  ASSERT_EQ(oskit_dma_bufio_pool_create(space.get(), 2048, 4, pool.put()), 0);
  oskit_udp_options_t o = on_loopback();
  o.pool = pool.get();
  o.rx_buffer_size = 2048;
  Collector c;
  ComPtr<oskit_bufio> kept;  // what a driver's receive netio keeps to hand to its device
  std::mutex kept_mu;
  c.also = [&](oskit_bufio* buf, oskit_size_t) {
    std::lock_guard<std::mutex> lock(kept_mu);
    kept = ComPtr<oskit_bufio>::copy(buf);
    return oskit_error_t{0};
  };
  ComPtr<oskit_netio> send = open(c, o);
  sockaddr_in local = local_of(send.get());
  UdpPeer peer(loopback(0));
  const std::string payload = pattern(1400);
  ASSERT_EQ(sendto(peer.fd, payload.data(), payload.size(), 0, sa(&local), sizeof local),
            static_cast<ssize_t>(payload.size()));
  EXPECT_EQ(c.wait_for(1)[0].data, payload);
  ComPtr<oskit_bufio> buf;
  while (!buf) {  // the consumer keeps the buffer after the collector has recorded it
    std::this_thread::yield();
    std::lock_guard<std::mutex> lock(kept_mu);
    buf = std::move(kept);
  }
  oskit_addr_t addr = 0;
  ASSERT_EQ(buf->wire(&addr, 0, payload.size()), 0) << "a DMA pool's buffer wires";
  std::string seen(payload.size(), '\0');
  ASSERT_EQ(oskit_dma_device_read(space.get(), 1, addr, &seen[0], seen.size()), 0);
  EXPECT_EQ(seen, payload) << "the device reads the datagram where it arrived";
  ASSERT_EQ(buf->unwire(addr, 0, payload.size()), 0);
  EXPECT_EQ(stats_of(send.get()).received, 1u);
  ComPtr<oskit_bufio> extra;
  ASSERT_EQ(send->alloc_bufio(1400, extra.put()), 0) << "alloc_bufio hands out the DMA pool's buffers too";
  ASSERT_EQ(extra->wire(&addr, 0, 1400), 0);
  ASSERT_EQ(extra->unwire(addr, 0, 1400), 0);
}

TEST_F(UdpEndpointTest, AConsumersErrorIsCounted) {
  Collector c;
  c.also = [](oskit_bufio*, oskit_size_t) { return OSKIT_EIO; };
  ComPtr<oskit_netio> send = open(c);
  sockaddr_in local = local_of(send.get());
  UdpPeer peer(loopback(0));
  ASSERT_EQ(sendto(peer.fd, "x", 1, 0, sa(&local), sizeof local), 1);
  c.wait_for(1);
  while (stats_of(send.get()).consumer_errors == 0) std::this_thread::yield();
}

TEST_F(UdpEndpointTest, ReceiveTimeoutsAreCounted) {
  oskit_udp_options_t o = on_loopback();
  o.receive_timeout_ns = 10000000;
  Collector c;
  ComPtr<oskit_netio> send = open(c, o);
  while (stats_of(send.get()).receive_timeouts < 2) std::this_thread::yield();
  EXPECT_EQ(stats_of(send.get()).received, 0u);
}

TEST_F(UdpEndpointTest, ReleasingTheSendNetioReleasesTheReceiveNetio) {
  Collector c;
  ComPtr<oskit_netio> send = open(c);
  sockaddr_in local = local_of(send.get());
  c.give_away();
  EXPECT_EQ(c.released(), 0);
  send.reset();
  EXPECT_EQ(c.released(), 1) << "the endpoint closed and released its receive netio";
  UdpPeer peer(loopback(0));
  sendto(peer.fd, "late", 4, 0, sa(&local), sizeof local);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(c.count(), 0u) << "nothing pushed after close";
}

TEST_F(UdpEndpointTest, AnEchoServerRepliesToEachSender) {
  Collector c;
  ComPtr<oskit_netio> send = open(c);
  oskit_udp_endpoint* e = udp_endpoint(send.get()).get();
  c.also = [e](oskit_bufio* buf, oskit_size_t size) {
    sockaddr_in from;
    oskit_error_t rc = e->source(&from);
    return rc != 0 ? rc : e->sendto(buf, size, &from);  // the received buffer goes straight back
  };
  sockaddr_in local = local_of(send.get());
  UdpPeer p1(loopback(0)), p2(loopback(0));
  ASSERT_EQ(sendto(p1.fd, "ping1", 5, 0, sa(&local), sizeof local), 5);
  ASSERT_EQ(sendto(p2.fd, "ping2", 5, 0, sa(&local), sizeof local), 5);
  char buf[8];
  ASSERT_EQ(recv(p1.fd, buf, sizeof buf, 0), 5);
  EXPECT_EQ(std::string(buf, 5), "ping1");
  ASSERT_EQ(recv(p2.fd, buf, sizeof buf, 0), 5);
  EXPECT_EQ(std::string(buf, 5), "ping2");
}

TEST_F(UdpEndpointTest, AnIcmpRefusalShowsAsAnExceptionThenAnError) {
  sockaddr_in gone;
  {
    UdpPeer closed(loopback(0));
    gone = closed.address();
  }
  oskit_udp_options_t o = on_loopback();
  o.peer = gone;
  Collector c;
  ComPtr<oskit_netio> send = open(c, o);
  ComPtr<oskit_asyncio> async = query<oskit_asyncio>(send);
  ASSERT_TRUE(async);
  EXPECT_NE(async->poll() & OSKIT_ASYNCIO_WRITABLE, 0);
  EXPECT_EQ(send->push(packet("x").get(), 1), 0);
  while (stats_of(send.get()).receive_errors == 0 && (async->poll() & OSKIT_ASYNCIO_EXCEPTION) == 0) {
    std::this_thread::yield();
  }
  // Either the receive thread meets the refusal, or the next send reports it.
  oskit_error_t next = send->push(packet("y").get(), 1);
  if (next != OSKIT_ECONNREFUSED) {
    EXPECT_EQ(next, 0);
    while (stats_of(send.get()).receive_errors == 0) std::this_thread::yield();
  }
}

TEST_F(UdpEndpointTest, ANonblockingSendRefusesAFullQueue) {
  UdpPeer peer(loopback(0));
  oskit_udp_options_t o = on_loopback();
  o.peer = peer.address();
  o.nonblocking_send = 1;
  Collector c;
  ComPtr<oskit_netio> send = open(c, o);
  ComPtr<oskit_bufio> big = packet("", 60000);
  oskit_evl_net_hold_worker(1);
  oskit_error_t rc = 0;
  int queued = 0;
  while ((rc = send->push(big.get(), 60000)) == 0) queued++;
  EXPECT_EQ(rc, OSKIT_EAGAIN);
  EXPECT_GT(queued, 0);
  EXPECT_EQ(query<oskit_asyncio>(send)->poll() & OSKIT_ASYNCIO_WRITABLE, 0) << "full: not writable";
  oskit_evl_net_hold_worker(0);
}

TEST_F(UdpEndpointTest, OpenRefusesBadOptions) {
  Collector c;
  ComPtr<oskit_netio> send;
  oskit_udp_options_t o = on_loopback();
  o.rx_buffer_size = 65508;
  EXPECT_EQ(oskit_udp_open(&o, c.netio(), send.put()), OSKIT_EINVAL);
  o = on_loopback();
  o.receive_timeout_ns = -1;
  EXPECT_EQ(oskit_udp_open(&o, c.netio(), send.put()), OSKIT_EINVAL);
  o = on_loopback();
  o.local.sin_family = AF_INET6;
  EXPECT_EQ(oskit_udp_open(&o, c.netio(), send.put()), OSKIT_EINVAL);
  o = on_loopback();
  EXPECT_EQ(oskit_udp_address("192.0.2.1", 9, &o.local), 0);
  EXPECT_EQ(oskit_udp_open(&o, c.netio(), send.put()), OSKIT_EADDRNOTAVAIL) << "not an address of this host";
  EXPECT_EQ(oskit_udp_open(nullptr, nullptr, send.put()), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_udp_open(nullptr, c.netio(), nullptr), OSKIT_E_POINTER);
  EXPECT_FALSE(send);
  sockaddr_in a;
  EXPECT_EQ(oskit_udp_address("not an address", 9, &a), OSKIT_EINVAL);
  EXPECT_EQ(oskit_udp_address(nullptr, 9, &a), OSKIT_E_POINTER);
  absl::StatusOr<ComPtr<oskit_netio>> opened = udp_open(o, c.netio());
  EXPECT_FALSE(opened.ok());
  EXPECT_EQ(to_error(opened.status()), OSKIT_EADDRNOTAVAIL);
}

TEST_F(UdpEndpointTest, DefaultsOpenOnAnyAddress) {
  Collector c;
  ComPtr<oskit_netio> send;
  ASSERT_EQ(oskit_udp_open(nullptr, c.netio(), send.put()), 0);
  sockaddr_in local = local_of(send.get());
  EXPECT_EQ(local.sin_addr.s_addr, htonl(INADDR_ANY));
  EXPECT_NE(local.sin_port, 0);
  absl::StatusOr<ComPtr<oskit_netio>> opened = udp_open(on_loopback(), c.netio());
  ASSERT_TRUE(opened.ok()) << opened.status();
}

TEST_F(UdpEndpointTest, AllocBufioHandsOutPoolBuffers) {
  oskit_udp_options_t o = on_loopback();
  o.rx_buffers = 3;
  o.rx_buffer_size = 512;
  Collector c;
  ComPtr<oskit_netio> send = open(c, o);
  std::vector<ComPtr<oskit_bufio>> taken;
  for (;;) {
    ComPtr<oskit_bufio> buf;
    oskit_error_t rc = send->alloc_bufio(taken.size() % 2 ? 100 : 512, buf.put());
    if (rc == OSKIT_EAGAIN) break;  // the pool is bounded
    ASSERT_EQ(rc, 0);
    taken.push_back(std::move(buf));
  }
  EXPECT_GE(taken.size(), 2u) << "the receive thread holds one buffer at most";
  EXPECT_LE(taken.size(), 3u);
  ComPtr<oskit_bufio> none;
  EXPECT_EQ(send->alloc_bufio(513, none.put()), OSKIT_EINVAL);
  EXPECT_EQ(send->alloc_bufio(1, nullptr), OSKIT_E_POINTER);
}

// The steady state: a million datagrams from one endpoint to another at a
// pace the receiver sustains (a window of datagrams in flight), none lost, in
// order; no allocation per datagram once warm; no stage violation on either
// side.
TEST_F(UdpEndpointTest, AMillionDatagramsInOrderWithoutAllocationsOrStageViolations) {
  env::CountingEnvironment counting;
  env::ScopedEnvironment scope(&counting);
  ASSERT_TRUE(scope.status().ok()) << scope.status();
  {
    constexpr int kWindow = 128;
    constexpr int kWarmUp = 2000;
    std::atomic<int> next{0};
    std::atomic<int> out_of_order{0};
    std::atomic<unsigned long> receiver_violations{0};
    // A consumer that checks the sequence (no copy, no allocation).
    struct Checker {
      std::atomic<int>* next;
      std::atomic<int>* out_of_order;
      std::atomic<unsigned long>* violations;
    } checker{&next, &out_of_order, &receiver_violations};
    auto consumer = ComPtr<oskit_netio>::adopt(oskit_netio_create(
        [](void* data, oskit_bufio_t* buf, oskit_size_t size) -> oskit_error_t {
          auto* ck = static_cast<Checker*>(data);
          int seq = -1;
          oskit_size_t n = 0;
          if (size >= sizeof seq) buf->read(&seq, 0, sizeof seq, &n);
          if (seq != ck->next->load(std::memory_order_relaxed)) ck->out_of_order->fetch_add(1);
          ck->violations->store(oskit_evl_stage_thread_violations(), std::memory_order_relaxed);
          ck->next->fetch_add(1, std::memory_order_release);
          return 0;
        },
        &checker));
    oskit_udp_options_t o = on_loopback();
    ComPtr<oskit_netio> b;
    ASSERT_EQ(oskit_udp_open(&o, consumer.get(), b.put()), 0);
    o.peer = local_of(b.get());
    Collector ca;
    ComPtr<oskit_netio> a = open(ca, o);
    long allocations_after_warm_up = -1;
    unsigned long sender_violations = 1;
    run_on_evl_thread("udp-million", [&] {
      ComPtr<oskit_bufio> buf;
      for (int i = 0; i < kMillion; i++) {
        if (i == kWarmUp) {
          while (next.load(std::memory_order_acquire) < kWarmUp) std::this_thread::yield();
          allocations_after_warm_up = counting.allocations();
          oskit_evl_stage_reset();
        }
        while (i - next.load(std::memory_order_acquire) >= kWindow) std::this_thread::yield();
        ASSERT_EQ(a->alloc_bufio(64, buf.put()), 0);
        oskit_size_t n = 0;
        ASSERT_EQ(buf->write(&i, 0, sizeof i, &n), 0);
        ASSERT_EQ(a->push(buf.get(), 64), 0);
      }
      sender_violations = oskit_evl_stage_thread_violations();
    });
    while (next.load() < kMillion) std::this_thread::yield();
    EXPECT_EQ(out_of_order.load(), 0);
    EXPECT_EQ(counting.allocations(), allocations_after_warm_up) << "allocations in the steady state";
    EXPECT_EQ(sender_violations, 0u) << "the sending EVL thread ran in-band";
    EXPECT_EQ(receiver_violations.load(), 0u) << "the receive thread ran in-band";
    oskit_udp_stats_t sa_ = stats_of(a.get()), sb = stats_of(b.get());
    EXPECT_EQ(sa_.sent, static_cast<oskit_u64_t>(kMillion));
    EXPECT_EQ(sb.received, static_cast<oskit_u64_t>(kMillion));
    EXPECT_EQ(sb.dropped_no_buffer, 0u);
  }
}

}  // namespace
}  // namespace oskit::udp::testing

// The conformance suites on an endpoint's send netio.
namespace oskit::udp::testing {
namespace {

// The consumer of the conformance instances: it keeps the first datagram's
// push waiting until the instance goes, so that later datagrams wait in the
// socket (READABLE).
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  void release() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

// Opens the gate when the instance lets it go (before the endpoint goes).
struct GateHandle {
  std::shared_ptr<Gate> gate;
  GateHandle() = default;
  explicit GateHandle(std::shared_ptr<Gate> g) : gate(std::move(g)) {}
  GateHandle(GateHandle&&) = default;
  GateHandle& operator=(GateHandle&& other) noexcept {
    if (gate) gate->release();
    gate = std::move(other.gate);
    return *this;
  }
  ~GateHandle() {
    if (gate) gate->release();
  }
};

ComPtr<oskit_netio> endpoint_into(oskit_netio* consumer) {
  ComPtr<oskit_netio> send;
  oskit_udp_options_t o = on_loopback();
  EXPECT_EQ(oskit_udp_open(&o, consumer, send.put()), 0);
  return send;
}

ComPtr<oskit_netio> gated_endpoint(const std::shared_ptr<Gate>& gate) {
  auto consumer = ComPtr<oskit_netio>::adopt(oskit_netio_create_cleanup(
      [](void* data, oskit_bufio_t*, oskit_size_t) -> oskit_error_t {
        Gate& g = **static_cast<std::shared_ptr<Gate>*>(data);
        std::unique_lock<std::mutex> lock(g.mu);
        g.cv.wait(lock, [&] { return g.open; });
        return 0;
      },
      new std::shared_ptr<Gate>(gate), [](void* data) { delete static_cast<std::shared_ptr<Gate>*>(data); }));
  return endpoint_into(consumer.get());
}

// An endpoint connected to itself, its datagrams consumed at once.
struct EndpointNetio {
  static ComPtr<oskit_netio> make() {
    auto discard = ComPtr<oskit_netio>::adopt(
        oskit_netio_create([](void*, oskit_bufio_t*, oskit_size_t) -> oskit_error_t { return 0; }, nullptr));
    ComPtr<oskit_netio> send = endpoint_into(discard.get());
    sockaddr_in self = local_of(send.get());
    EXPECT_EQ(udp_endpoint(send.get())->connect(&self), 0);
    return send;
  }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_netio>::value, iid_of<oskit_asyncio>::value, iid_of<oskit_posixio>::value,
            iid_of<oskit_udp_endpoint>::value};
  }
};

struct EndpointAsyncio {
  struct Instance {
    GateHandle gate;  // first: let go before the endpoint
    ComPtr<oskit_asyncio> io;
    std::function<void()> make_readable;
  };
  static constexpr bool kAlwaysReady = false;
  static Instance make() {
    evl::testing::init_evl();
    auto gate = std::make_shared<Gate>();
    ComPtr<oskit_netio> send = gated_endpoint(gate);
    Instance inst;
    inst.gate = GateHandle(gate);
    inst.io = query<oskit_asyncio>(send);
    const sockaddr_in to = local_of(send.get());
    inst.make_readable = [to] {
      UdpPeer peer(loopback(0));
      // The first is held at the gate; the second waits in the socket.
      sendto(peer.fd, "first", 5, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
      sendto(peer.fd, "second", 6, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    };
    return inst;
  }
};

struct EndpointPosixio {
  static constexpr bool kSizeSettable = false;
  static ComPtr<oskit_posixio> make() {
    evl::testing::init_evl();
    auto discard = ComPtr<oskit_netio>::adopt(
        oskit_netio_create([](void*, oskit_bufio_t*, oskit_size_t) -> oskit_error_t { return 0; }, nullptr));
    return query<oskit_posixio>(endpoint_into(discard.get()));
  }
};

struct EndpointCom {
  static ComPtr<oskit_iunknown> make() {
    evl::testing::init_evl();
    return EndpointNetio::make();
  }
  static std::vector<oskit_guid> interfaces() { return EndpointNetio::interfaces(); }
};

struct EndpointDescribe {
  static ComPtr<oskit_describe> make() {
    evl::testing::init_evl();
    return query<oskit_describe>(EndpointNetio::make());
  }
  static const char* kind() { return "udp_endpoint"; }
};

struct EndpointNetioConformance {
  static ComPtr<oskit_netio> make() {
    evl::testing::init_evl();
    return EndpointNetio::make();
  }
};

}  // namespace
}  // namespace oskit::udp::testing

namespace oskit::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(UdpEndpoint, ComConformance, ::testing::Types<udp::testing::EndpointCom>);
INSTANTIATE_TYPED_TEST_SUITE_P(UdpEndpoint, NetioConformance, ::testing::Types<udp::testing::EndpointNetioConformance>);
INSTANTIATE_TYPED_TEST_SUITE_P(UdpEndpoint, AsyncioConformance, ::testing::Types<udp::testing::EndpointAsyncio>);
INSTANTIATE_TYPED_TEST_SUITE_P(UdpEndpoint, PosixioConformance, ::testing::Types<udp::testing::EndpointPosixio>);
INSTANTIATE_TYPED_TEST_SUITE_P(UdpEndpoint, DescribeConformance, ::testing::Types<udp::testing::EndpointDescribe>);
}  // namespace oskit::testing
