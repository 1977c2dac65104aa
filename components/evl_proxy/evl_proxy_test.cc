// The EVL proxy component: creation options and their errors, adoption,
// transfers in both directions and stages, poll events, and the conformance
// suites.
#include "components/evl_proxy/evl_proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include <evl/proxy.h>
#include <evl/thread.h>

#include "glue/evl/stage.h"
#include "glue/evl/testing/evl_testing.h"
#include "gtest/gtest.h"
#include "oskit/com/ptr.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/posixio.h"
#include "oskit/testing/asyncio_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/posixio_conformance.h"
#include "oskit/testing/stream_conformance.h"
#include "oskit/testing/temp_dir.h"
#include "oskit/testing/test_listener.h"

namespace oskit::evl {
namespace {

using oskit::testing::temp_path;
using testing::init_evl;
using testing::Pipe;
using testing::read_exactly;
using testing::run_on_evl_thread;
using testing::unique_name;

oskit_evl_proxy_options options(oskit_size_t bufsz, oskit_u32_t directions = 0, oskit_size_t granularity = 0,
                                const char* name = nullptr, int nonblock = 0) {
  return {bufsz, granularity, directions, name, nonblock};
}

ComPtr<oskit_stream> create(int target, const oskit_evl_proxy_options& o) {
  ComPtr<oskit_stream> s;
  EXPECT_EQ(oskit_evl_proxy_create(target, &o, s.put()), 0);
  return s;
}

class EvlProxyTest : public oskit::testing::LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    init_evl();
  }
};

// ------------------------------------------------------------------ creation

TEST_F(EvlProxyTest, CreateRefusesBadArguments) {
  Pipe p;
  oskit_stream_t* s = reinterpret_cast<oskit_stream_t*>(0x1);
  oskit_evl_proxy_options o = options(4096);
  EXPECT_EQ(oskit_evl_proxy_create(p.w, nullptr, &s), OSKIT_E_POINTER);
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(oskit_evl_proxy_create(p.w, &o, nullptr), OSKIT_E_POINTER);
  struct Case {
    oskit_evl_proxy_options o;
    oskit_error_t want;
  };
  const std::string long_name(5000, 'n');
  const Case cases[] = {
      {options(4096, 0x4), OSKIT_EINVAL},                            // unknown direction
      {options((oskit_size_t{1} << 30) + 1), OSKIT_EINVAL},          // ring too large
      {options(100, OSKIT_EVL_PROXY_OUTPUT, 8), OSKIT_EINVAL},       // not a multiple of the unit
      {options(0, OSKIT_EVL_PROXY_INPUT), OSKIT_EINVAL},             // a direction without a ring
      {options(4096, 0, 0, "bad/name"), OSKIT_EINVAL},               // a second '/'
      {options(4096, 0, 0, ".."), OSKIT_EINVAL},                     // no "..": name validation
      {options(4096, 0, 0, long_name.c_str()), OSKIT_ENAMETOOLONG},  // beyond PATH_MAX
  };
  for (const Case& c : cases) {
    EXPECT_EQ(oskit_evl_proxy_create(p.w, &c.o, &s), c.want) << c.o.bufsz << " " << c.o.directions;
    EXPECT_EQ(s, nullptr);
  }
}

TEST_F(EvlProxyTest, ABadTargetIsEbadf) {
  oskit_evl_proxy_options o = options(4096);
  oskit_stream_t* s = nullptr;
  EXPECT_EQ(oskit_evl_proxy_create(-1, &o, &s), OSKIT_EBADF);
  EXPECT_EQ(s, nullptr);
}

TEST_F(EvlProxyTest, ATakenNameIsEexist) {
  Pipe p;
  const std::string name = unique_name("taken");
  ComPtr<oskit_stream> first = create(p.w, options(4096, 0, 0, name.c_str()));
  ASSERT_TRUE(first);
  oskit_evl_proxy_options o = options(4096, 0, 0, name.c_str());
  oskit_stream_t* s = nullptr;
  EXPECT_EQ(oskit_evl_proxy_create(p.w, &o, &s), OSKIT_EEXIST);
  EXPECT_EQ(s, nullptr);
}

TEST_F(EvlProxyTest, ANameWithALeadingSlashIsPublic) {
  Pipe p;
  const std::string name = unique_name("public");
  ComPtr<oskit_stream> s = create(p.w, options(4096, 0, 0, ("/" + name).c_str()));
  ASSERT_TRUE(s);
  const std::string path = temp_path("evl-root/proxy/" + name);
  struct stat st;
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  s.reset();
  EXPECT_NE(lstat(path.c_str(), &st), 0) << "the public name outlived the proxy";
}

// ------------------------------------------------------------------ transfers

TEST_F(EvlProxyTest, WritesReachTheTargetInOrder) {
  Pipe p;
  ComPtr<oskit_stream> s = create(p.w, options(4096));
  oskit_u32_t n = 0;
  ASSERT_EQ(s->write("hello ", 6, &n), 0);
  EXPECT_EQ(n, 6u);
  ASSERT_EQ(oskit_stream_write(s.get(), "proxy", 5, &n), 0);
  EXPECT_EQ(read_exactly(p.r, 11), "hello proxy");
}

TEST_F(EvlProxyTest, AnEvlThreadWritesOutOfBandWithoutAStageViolation) {
  Pipe p;
  ComPtr<oskit_stream> s = create(p.w, options(1 << 16));
  std::string want;
  for (int i = 0; i < 500; ++i) want += "record " + std::to_string(i) + "\n";
  run_on_evl_thread("proxy-writer", [&] {
    ASSERT_EQ(evl_switch_oob(), 0);
    oskit_evl_stage_reset();
    for (int i = 0; i < 500; ++i) {
      std::string rec = "record " + std::to_string(i) + "\n";
      oskit_u32_t n = 0;
      ASSERT_EQ(s->write(rec.data(), static_cast<oskit_u32_t>(rec.size()), &n), 0);
      ASSERT_EQ(n, rec.size());
    }
    EXPECT_EQ(oskit_evl_stage_thread_violations(), 0u);
    EXPECT_EQ(oskit_evl_stage_current(), OSKIT_EVL_STAGE_OOB);
  });
  EXPECT_EQ(read_exactly(p.r, want.size()), want);
}

TEST_F(EvlProxyTest, ReadsReturnWhatTheTargetGives) {
  Pipe p;
  ComPtr<oskit_stream> s = create(p.r, options(4096, OSKIT_EVL_PROXY_INPUT));
  ASSERT_EQ(write(p.w, "in-band", 7), 7);
  char buf[16];
  oskit_u32_t n = 0;
  std::string got;
  while (got.size() < 7) {
    ASSERT_EQ(s->read(buf, sizeof buf, &n), 0);
    got.append(buf, n);
  }
  EXPECT_EQ(got, "in-band");
  ASSERT_EQ(write(p.w, "oob", 3), 3);
  run_on_evl_thread("proxy-reader", [&] {
    ASSERT_EQ(evl_switch_oob(), 0);
    oskit_evl_stage_reset();
    std::string oob;
    while (oob.size() < 3) {
      oskit_u32_t k = 0;
      ASSERT_EQ(s->read(buf, sizeof buf, &k), 0);
      oob.append(buf, k);
    }
    EXPECT_EQ(oob, "oob");
    EXPECT_EQ(oskit_evl_stage_thread_violations(), 0u);
  });
}

TEST_F(EvlProxyTest, AMissingDirectionIsEnxio) {
  Pipe p;
  ComPtr<oskit_stream> out = create(p.w, options(4096, OSKIT_EVL_PROXY_OUTPUT));
  ComPtr<oskit_stream> in = create(p.r, options(4096, OSKIT_EVL_PROXY_INPUT));
  char c = 0;
  oskit_u32_t n = 5;
  EXPECT_EQ(out->read(&c, 1, &n), OSKIT_ENXIO);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(in->write("x", 1, &n), OSKIT_ENXIO);
}

TEST_F(EvlProxyTest, WritesTheRingCannotTakeAreRefusedWhole) {
  Pipe p;
  ComPtr<oskit_stream> s = create(p.w, options(64, OSKIT_EVL_PROXY_OUTPUT, 8));
  std::vector<char> big(72, 'b');
  oskit_u32_t n = 3;
  EXPECT_EQ(s->write(big.data(), 72, &n), OSKIT_EFBIG);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(s->write(big.data(), 12, &n), OSKIT_EINVAL);  // not a multiple of the granularity
  ASSERT_EQ(s->write("12345678", 8, &n), 0);
  EXPECT_EQ(read_exactly(p.r, 8), "12345678") << "a refused write reached the target";
}

TEST_F(EvlProxyTest, NonBlockingWritesToAFullRingAreEagain) {
  Pipe p;
  ASSERT_EQ(fcntl(p.w, F_SETFL, O_NONBLOCK), 0);
  std::vector<char> filler(4096, 'f');
  size_t in_pipe = 0;
  for (;;) {  // the target cannot take more
    ssize_t k = write(p.w, filler.data(), filler.size());
    if (k < 0) break;
    in_pipe += static_cast<size_t>(k);
  }
  ComPtr<oskit_stream> s = create(p.w, options(256, OSKIT_EVL_PROXY_OUTPUT, 0, nullptr, 1));
  std::vector<char> rec(256, 'r');
  oskit_u32_t n = 0;
  ASSERT_EQ(s->write(rec.data(), 256, &n), 0);
  EXPECT_EQ(s->write("x", 1, &n), OSKIT_EAGAIN);
  EXPECT_EQ(n, 0u);
  // Let the relay finish: nothing the proxy accepted is lost.
  EXPECT_EQ(read_exactly(p.r, in_pipe), std::string(in_pipe, 'f'));
  EXPECT_EQ(read_exactly(p.r, 256), std::string(256, 'r'));
}

TEST_F(EvlProxyTest, SeekIsEspipeAndStatReportsAStream) {
  Pipe p;
  ComPtr<oskit_stream> s = create(p.w, options(4096));
  oskit_u64_t pos = 0;
  EXPECT_EQ(s->seek(0, OSKIT_SEEK_END, &pos), OSKIT_ESPIPE);
  EXPECT_EQ(s->setsize(1), OSKIT_E_NOTIMPL);
  oskit_stream_stat_t st;
  ASSERT_EQ(s->stat(&st, 0), 0);
  EXPECT_EQ(st.type, OSKIT_STGTY_STREAM);
  EXPECT_EQ(st.size, 0u);
  EXPECT_EQ(st.name, nullptr);
}

// ------------------------------------------------------------------ poll

oskit_error_t poll_of(const ComPtr<oskit_stream>& s) {
  ComPtr<oskit_asyncio> a = query<oskit_asyncio>(s);
  return a ? a->poll() : OSKIT_E_NOINTERFACE;
}

TEST_F(EvlProxyTest, PollMapsTheProxysEvents) {
  Pipe p;
  ComPtr<oskit_stream> out = create(p.w, options(4096, OSKIT_EVL_PROXY_OUTPUT));
  ComPtr<oskit_stream> in = create(p.r, options(4096, OSKIT_EVL_PROXY_INPUT, 4));
  EXPECT_EQ(poll_of(out), OSKIT_ASYNCIO_WRITABLE) << "an empty output ring";
  EXPECT_EQ(poll_of(in), 0);
  ASSERT_EQ(write(p.w, "abcdefgh", 8), 8);
  ComPtr<oskit_asyncio> in_async = query<oskit_asyncio>(in);
  while (poll_of(in) != OSKIT_ASYNCIO_READABLE) sched_yield();  // the target has input
  EXPECT_EQ(in_async->readable(), 8) << "the bytes the target holds, read when a reader asks";
  char buf[4];
  oskit_u32_t n = 0;
  ASSERT_EQ(in->read(buf, sizeof buf, &n), 0);
  EXPECT_EQ(std::string(buf, n), "abcd") << "one unit per request";
  while (poll_of(in) != OSKIT_ASYNCIO_READABLE) sched_yield();
  EXPECT_EQ(in->read(buf, sizeof buf, &n), 0);
  EXPECT_EQ(std::string(buf, n), "efgh");
  EXPECT_EQ(query<oskit_asyncio>(out)->readable(), 0);
}

TEST_F(EvlProxyTest, ATargetErrorReachesExceptionListeners) {
  signal(SIGPIPE, SIG_IGN);
  Pipe p;
  ComPtr<oskit_stream> out = create(p.w, options(4096, OSKIT_EVL_PROXY_OUTPUT));
  ComPtr<oskit_asyncio> a = query<oskit_asyncio>(out);
  ComPtr<oskit::testing::TestListener> errors = make<oskit::testing::TestListener>();
  ComPtr<oskit::testing::TestListener> readers = make<oskit::testing::TestListener>();
  ASSERT_EQ(a->add_listener(errors.get(), OSKIT_ASYNCIO_EXCEPTION), OSKIT_ASYNCIO_WRITABLE);
  ASSERT_EQ(a->add_listener(readers.get(), OSKIT_ASYNCIO_READABLE), OSKIT_ASYNCIO_WRITABLE);
  close(p.r);
  p.r = -1;
  oskit_u32_t n = 0;
  ASSERT_EQ(out->write("lost", 4, &n), 0);
  errors->wait_beyond(0);  // the relay fails with EPIPE: the listener hears of it
  EXPECT_NE(a->poll() & OSKIT_ASYNCIO_EXCEPTION, 0);
  EXPECT_EQ(errors->last(), static_cast<oskit_iunknown*>(out.get()));
  EXPECT_EQ(readers->count(), 0) << "an output-only proxy never turns readable";
  EXPECT_EQ(a->remove_listener(errors.get()), 0);
  EXPECT_EQ(a->remove_listener(readers.get()), 0);
}

TEST_F(EvlProxyTest, AProxyWithNoDirectionReportsAnException) {
  int memfd = memfd_create("proxy-map", MFD_CLOEXEC);
  ASSERT_GE(memfd, 0);
  ASSERT_EQ(ftruncate(memfd, 4096), 0);
  ComPtr<oskit_stream> map = create(memfd, options(0));
  ASSERT_TRUE(map);
  EXPECT_EQ(poll_of(map), OSKIT_ASYNCIO_EXCEPTION);
  oskit_u32_t n = 0;
  EXPECT_EQ(map->write("x", 1, &n), OSKIT_ENXIO);
  close(memfd);
}

// ------------------------------------------------------------------ adoption

TEST_F(EvlProxyTest, AdoptedProxiesKeepTheirDirections) {
  Pipe p, q;
  int out_fd = evl_new_proxy(p.w, 4096, nullptr);
  int in_fd = evl_create_proxy(q.r, 4096, 0, EVL_CLONE_INPUT, nullptr);
  ASSERT_GE(out_fd, 0);
  ASSERT_GE(in_fd, 0);
  ComPtr<oskit_stream> out, in;
  ASSERT_EQ(oskit_evl_proxy_adopt(out_fd, out.put()), 0);
  ASSERT_EQ(oskit_evl_proxy_adopt(in_fd, in.put()), 0);
  EXPECT_EQ(poll_of(out), OSKIT_ASYNCIO_WRITABLE);
  EXPECT_EQ(poll_of(in), 0);
  oskit_u32_t n = 0;
  ASSERT_EQ(out->write("adopted", 7, &n), 0);
  EXPECT_EQ(read_exactly(p.r, 7), "adopted");
  char c;
  EXPECT_EQ(out->read(&c, 1, &n), OSKIT_ENXIO);
  out.reset();
  EXPECT_LT(fcntl(out_fd, F_GETFD), 0) << "the adopted descriptor outlived its object";
}

TEST_F(EvlProxyTest, AdoptRefusesWhatIsNotAnEvlFile) {
  Pipe p;
  oskit_stream_t* s = reinterpret_cast<oskit_stream_t*>(0x1);
  EXPECT_EQ(oskit_evl_proxy_adopt(p.w, &s), OSKIT_EBADF);
  EXPECT_EQ(s, nullptr);
  EXPECT_GE(fcntl(p.w, F_GETFD), 0) << "a refused descriptor was closed";
  EXPECT_EQ(oskit_evl_proxy_adopt(-1, &s), OSKIT_EBADF);
  EXPECT_EQ(oskit_evl_proxy_adopt(p.w, nullptr), OSKIT_E_POINTER);
}

}  // namespace

// ------------------------------------------------------------------ conformance

namespace conformance {

// A proxy and the pipe behind it, alive as long as the instance.
struct PipedProxy {
  std::shared_ptr<testing::Pipe> pipe = std::make_shared<testing::Pipe>();
  ComPtr<oskit_stream> stream;
};

PipedProxy piped(oskit_u32_t directions) {
  testing::init_evl();
  PipedProxy p;
  const int target = directions == OSKIT_EVL_PROXY_INPUT ? p.pipe->r : p.pipe->w;
  p.stream = create(target, options(4096, directions));
  return p;
}

struct ProxyCom {
  static ComPtr<oskit_iunknown> make() { return query<oskit_iunknown>(piped(OSKIT_EVL_PROXY_OUTPUT).stream); }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_stream>::value, iid_of<oskit_asyncio>::value, iid_of<oskit_posixio>::value};
  }
};

struct ProxyAsyncio {
  struct Instance {
    ComPtr<oskit_asyncio> io;
    std::function<void()> make_readable;
  };
  static Instance make() {
    PipedProxy p = piped(OSKIT_EVL_PROXY_INPUT);
    std::shared_ptr<testing::Pipe> pipe = p.pipe;
    return {query<oskit_asyncio>(p.stream), [pipe] { EXPECT_EQ(write(pipe->w, "r", 1), 1); }};
  }
  static constexpr bool kAlwaysReady = false;
};

// Both directions over one end of a socket pair; feed and drain use the other.
struct ProxyStream {
  struct Peer {
    int fds[2] = {-1, -1};
    Peer() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0); }
    ~Peer() {
      close(fds[0]);
      close(fds[1]);
    }
  };
  struct Instance {
    ComPtr<oskit_stream> io;
    std::function<void(const std::string&)> feed;
    std::function<std::string(size_t)> drain;
  };
  static Instance make() {
    testing::init_evl();
    auto peer = std::make_shared<Peer>();
    ComPtr<oskit_stream> io = create(peer->fds[0], options(4096, OSKIT_EVL_PROXY_INPUT | OSKIT_EVL_PROXY_OUTPUT));
    return {io,
            [peer](const std::string& bytes) {
              EXPECT_EQ(write(peer->fds[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
            },
            [peer](size_t n) { return testing::read_exactly(peer->fds[1], n); }};
  }
  static constexpr bool kSeekable = false;
};

struct ProxyPosixio {
  static ComPtr<oskit_posixio> make() { return query<oskit_posixio>(piped(OSKIT_EVL_PROXY_OUTPUT).stream); }
  static constexpr bool kSizeSettable = false;
};

struct ProxyDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(piped(OSKIT_EVL_PROXY_OUTPUT).stream); }
  static const char* kind() { return "evl_proxy"; }
};

}  // namespace conformance
}  // namespace oskit::evl

namespace oskit::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(EvlProxy, ComConformance, ::testing::Types<oskit::evl::conformance::ProxyCom>);
INSTANTIATE_TYPED_TEST_SUITE_P(EvlProxy, AsyncioConformance, ::testing::Types<oskit::evl::conformance::ProxyAsyncio>);
INSTANTIATE_TYPED_TEST_SUITE_P(EvlProxy, StreamConformance, ::testing::Types<oskit::evl::conformance::ProxyStream>);
INSTANTIATE_TYPED_TEST_SUITE_P(EvlProxy, PosixioConformance, ::testing::Types<oskit::evl::conformance::ProxyPosixio>);
INSTANTIATE_TYPED_TEST_SUITE_P(EvlProxy, DescribeConformance, ::testing::Types<oskit::evl::conformance::ProxyDescribe>);
}  // namespace oskit::testing
