// Two UDP endpoints in two network namespaces joined by a veth pair: the peer
// solicited at open, datagrams of every size both ways, an unreachable peer
// refused at open. Needs root: the tests skip, saying why, without it.
#include <arpa/inet.h>

#include <string>
#include <vector>

#include "components/udp/test_collector.h"
#include "components/udp/udp.h"
#include "glue/evl/testing/evl_testing.h"
#include "glue/evl/testing/net_testing.h"
#include "oskit/testing/leak_check.h"

namespace oskit::udp::testing {
namespace {

using evl::testing::inet;
using evl::testing::VethPair;

using UdpNamespaceTest = evl::testing::VethPairSuite<oskit::testing::LeakCheckedTest>;

std::string pattern(size_t len) {
  std::string s(len, '\0');
  for (size_t i = 0; i < len; i++) s[i] = static_cast<char>((i * 31 + 7) & 0xff);
  return s;
}

TEST_F(UdpNamespaceTest, EndpointsTalkAcrossTheLinkWithTheirPeerSolicited) {
  Collector ca, cb;
  ComPtr<oskit_netio> a, b;
  oskit_udp_options_t ob = {};
  ob.local = inet(VethPair::kAddressB, 0);
  ob.rx_buffer_size = 65507;
  ob.rx_buffers = 8;
  pair_->in_b([&] { ASSERT_EQ(oskit_udp_open(&ob, cb.netio(), b.put()), 0); });
  sockaddr_in b_addr = {};
  ASSERT_EQ(udp_endpoint(b.get())->getsockname(&b_addr), 0);
  oskit_udp_options_t oa = ob;
  oa.local = inet(VethPair::kAddressA, 0);
  oa.peer = b_addr;
  oa.solicit_peer = 1;
  pair_->in_a([&] { ASSERT_EQ(oskit_udp_open(&oa, ca.netio(), a.put()), 0); });
  cb.attach(b.get());
  ca.attach(a.get());
  sockaddr_in a_addr = {};
  ASSERT_EQ(udp_endpoint(a.get())->getsockname(&a_addr), 0);
  ASSERT_EQ(udp_endpoint(b.get())->connect(&a_addr), 0);

  const std::vector<size_t> sizes = {0, 1, 64, 1400, 1472, 1473, 8000, 30000, 65507};
  evl::testing::run_on_evl_thread("udp-netns", [&] {
    for (size_t i = 0; i < sizes.size(); i++) {
      const std::string data = pattern(sizes[i]);
      ComPtr<oskit_bufio> buf;
      ASSERT_EQ(a->alloc_bufio(sizes[i], buf.put()), 0);
      oskit_size_t n = 0;
      if (!data.empty()) {
        ASSERT_EQ(buf->write(data.data(), 0, data.size(), &n), 0);
      }
      ASSERT_EQ(a->push(buf.get(), sizes[i]), 0);
      std::vector<Datagram> at_b = cb.wait_for(i + 1);
      EXPECT_EQ(at_b[i].data, data) << sizes[i];
      EXPECT_EQ(at_b[i].from.sin_addr.s_addr, a_addr.sin_addr.s_addr);
      ASSERT_EQ(b->push(buf.get(), sizes[i]), 0) << "and back";
      std::vector<Datagram> at_a = ca.wait_for(i + 1);
      EXPECT_EQ(at_a[i].data, data) << sizes[i];
    }
  });
  oskit_udp_stats_t st = {};
  ASSERT_EQ(udp_endpoint(a.get())->getstats(&st), 0);
  EXPECT_EQ(st.sent, sizes.size());
  EXPECT_EQ(st.received, sizes.size());
  EXPECT_EQ(st.truncated + st.dropped_no_buffer + st.send_errors + st.receive_errors, 0u);
}

TEST_F(UdpNamespaceTest, ASolicitedPeerThatNeverAnswersRefusesTheOpen) {
  Collector c;
  ComPtr<oskit_netio> send;
  oskit_udp_options_t o = {};
  o.local = inet(VethPair::kAddressA, 0);
  o.peer = inet(VethPair::kNobody, 9);
  o.solicit_peer = 1;
  pair_->in_a([&] { EXPECT_EQ(oskit_udp_open(&o, c.netio(), send.put()), OSKIT_ETIMEDOUT); });
  EXPECT_FALSE(send);
  o.peer = inet("192.0.2.1", 9);  // no route from the namespace
  pair_->in_a([&] { EXPECT_EQ(oskit_udp_open(&o, c.netio(), send.put()), OSKIT_ENETUNREACH); });
}

}  // namespace
}  // namespace oskit::udp::testing
