// An out-of-band and DMA stack run under a strict environment (docs/design.md,
// "Embedding"): the oob device over the emulation's loopback driver (stream,
// devctl, a timed EVL poll), an EVL proxy writing to a pipe, an EVL thread,
// a DMA engine copying between memory bufios wired into an IOVA space, a DMA
// pool, a picture of the stack, and a datagram between two out-of-band UDP
// sockets. The stack's code runs as toolkit code
// (host_traps.h): nothing may come from the host behind the environment's
// back, and everything the environment gave must come back. Registering the
// driver, evl_init() and starting the network worker (the first socket) are
// the host's part (the EVL core's and the library's set-up), done before.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <evl/evl.h>
#include <evl/net/socket.h>
#include <evl/poll.h>

#include "components/dma_engine/dma_engine.h"
#include "components/evl_proxy/evl_proxy.h"
#include "components/membufio/membufio.h"
#include "components/oob_device/oob_device.h"
#include "glue/devctl/devctl_server.h"
#include "glue/dma/dma.h"
#include "glue/env/osenv.h"
#include "glue/env/testing/strict_env.h"
#include "glue/env/testing/toolkit_run.h"
#include "glue/evl/evl_thread.h"
#include "glue/evl/loopback.h"
#include "glue/picture/picture.h"
#include "gtest/gtest.h"
#include "oskit/io/devctl.h"
#include "tests/strict_env/steps.h"

namespace {

using oskit::env::testing::expect_everything_from_the_environment;
using oskit::env::testing::run_as_toolkit;
using oskit::env::testing::StrictEnvironment;
using oskit::env::testing::ToolkitRun;

constexpr char kDevice[] = "strict-loop";

struct Outcome {
  const char* failed_at = nullptr;
  oskit_error_t rc = 0;
  char echoed[8] = {};
  oskit_u64_t xchg_out = 0;
  int poll_result = 0;
  char proxied[16] = {};
  char evl_thread_read[8] = {};
  char dma_copied[16] = {};
  char datagram[16] = {};
  oskit_u64_t dma_bytes = 0;
  oskit_size_t picture_bytes = 0;
};

using strict_env::Held;

void count_picture(void* ctx, const char*, oskit_size_t length) { *static_cast<oskit_size_t*>(ctx) += length; }

void device_stack(Outcome* out) {
  oskit_stream_t* dev = nullptr;
  oskit_devctl_t* ctl = nullptr;
  Held<oskit_stream_t, oskit_devctl_t> held{{&dev, &ctl}};
  STEP(out, oskit_oob_device_open(kDevice, OSKIT_OOB_DEVICE_RDWR, &dev));
  STEP(out, oskit_stream_query(dev, &oskit_devctl_iid, reinterpret_cast<void**>(&ctl)));
  oskit_u32_t n = 0;
  STEP(out, oskit_stream_write(dev, "echo", 4, &n));
  STEP(out, oskit_stream_read(dev, out->echoed, 4, &n));
  oskit_loopback_xchg x = {41, 0};
  STEP(out, oskit_devctl_devctl(ctl, oskit_devctl_from_ioc(OSKIT_LOOPBACK_XCHG), &x, sizeof x, nullptr, nullptr));
  out->xchg_out = x.out;

  oskit_size_t picture = 0;
  oskit_iunknown_t* roots[] = {reinterpret_cast<oskit_iunknown_t*>(dev)};
  STEP(out, oskit_picture_write(roots, 1, OSKIT_PICTURE_DOT, count_picture, &picture));
  out->picture_bytes += picture;
}

// A timed EVL poll (an out-of-band call: on an EVL thread) watching nothing:
// it times out at a deadline on the environment's clock.
int timed_poll_on_nothing() {
  int set = evl_new_poll();
  if (set < 0) return set;
  const oskit_s64_t deadline = oskit_env_deadline_after(1000000);
  struct timespec ts = {static_cast<time_t>(deadline / 1000000000), static_cast<long>(deadline % 1000000000)};
  struct evl_poll_event ev;
  const int rc = evl_timedpoll(set, &ev, 1, &ts);
  close(set);
  return rc;
}

void proxy_stack(int pipe_write, Outcome* out) {
  oskit_stream_t* proxy = nullptr;
  Held<oskit_stream_t> held{{&proxy}};
  oskit_evl_proxy_options opts = {4096, 0, OSKIT_EVL_PROXY_OUTPUT, nullptr, 0};
  STEP(out, oskit_evl_proxy_create(pipe_write, &opts, &proxy));
  oskit_u32_t n = 0;
  STEP(out, oskit_stream_write(proxy, "through proxy", 13, &n));
}

void evl_thread_stack(Outcome* out) {
  oskit_stream_t* dev = nullptr;
  Held<oskit_stream_t> held{{&dev}};
  STEP(out, oskit_oob_device_open(kDevice, OSKIT_OOB_DEVICE_RDWR, &dev));
  // One pointer captured: the body fits std::function without memory.
  struct Work {
    oskit_stream_t* dev;
    char* got;
    int* poll_result;
    oskit_error_t rc;
  } work = {dev, out->evl_thread_read, &out->poll_result, 0};
  auto thread = oskit::evl::start_evl_thread("strict-evl", [w = &work] {
    oskit_u32_t n = 0;
    w->rc = oskit_stream_write(w->dev, "oob", 3, &n);
    if (w->rc == 0) w->rc = oskit_stream_read(w->dev, w->got, 3, &n);
    *w->poll_result = timed_poll_on_nothing();
  });
  if (!thread.ok()) {
    out->failed_at = "start_evl_thread";
    out->rc = OSKIT_ENOMEM;
    return;
  }
  (*thread)->join();
  thread->reset();
  STEP(out, work.rc);
}

oskit_error_t dma_copy(oskit_devctl_t* engine, oskit_addr_t src, oskit_addr_t dst, oskit_u64_t length,
                       oskit_u64_t* bytes) {
  oskit_u32_t ctrl = OSKIT_DMA_CTRL_ENABLE;
  oskit_error_t rc = oskit_devctl_devctl(engine, OSKIT_DMA_DCMD_SETCTRL, &ctrl, sizeof ctrl, nullptr, nullptr);
  if (rc != 0) return rc;
  oskit_dma_submit submit = {};
  submit.count = 1;
  submit.desc[0].op = OSKIT_DMA_OP_COPY;
  submit.desc[0].src = src;
  submit.desc[0].dst = dst;
  submit.desc[0].length = length;
  rc = oskit_devctl_devctl(engine, OSKIT_DMA_DCMD_SUBMIT, &submit,
                           offsetof(oskit_dma_submit, desc) + sizeof(oskit_dma_desc), nullptr, nullptr);
  if (rc != 0) return rc;
  oskit_dma_reap reap = {};
  reap.max = 1;
  rc = oskit_devctl_devctl(engine, OSKIT_DMA_DCMD_REAP, &reap, sizeof reap, nullptr, nullptr);
  if (rc != 0) return rc;
  *bytes = reap.completion[0].bytes;
  return reap.completion[0].status;
}

void dma_stack(Outcome* out) {
  oskit_dma_space_t* space = nullptr;
  oskit_devctl_t* engine = nullptr;
  oskit_bufio_pool_t* pool = nullptr;
  oskit_bufio_t* src = nullptr;
  oskit_bufio_t* dst = nullptr;
  Held<oskit_bufio_t, oskit_bufio_t, oskit_bufio_pool_t, oskit_devctl_t, oskit_dma_space_t> held{
      {&dst, &src, &pool, &engine, &space}};
  oskit_dma_space_options_t options = {};
  options.mode = OSKIT_DMA_MODE_IOVA;
  STEP(out, oskit_dma_space_create(&options, &space));
  oskit_dma_engine_options_t engine_options = {7, 8, 0};
  STEP(out, oskit_dma_engine_create(space, &engine_options, &engine));
  STEP(out, oskit_dma_bufio_pool_create(space, 256, 2, &pool));
  STEP(out, oskit_bufio_pool_alloc(pool, 64, &src));
  STEP(out, oskit_bufio_pool_alloc(pool, 64, &dst));
  oskit_size_t n = 0;
  STEP(out, oskit_bufio_write(src, "copied by DMA", 0, 13, &n));
  oskit_addr_t src_addr = 0;
  oskit_addr_t dst_addr = 0;
  STEP(out, oskit_bufio_wire(src, &src_addr, 0, 64));
  STEP(out, oskit_bufio_wire(dst, &dst_addr, 0, 64));
  STEP(out, dma_copy(engine, src_addr, dst_addr, 13, &out->dma_bytes));
  oskit_size_t picture = 0;
  oskit_iunknown_t* roots[] = {reinterpret_cast<oskit_iunknown_t*>(engine), reinterpret_cast<oskit_iunknown_t*>(dst)};
  STEP(out, oskit_picture_write(roots, 2, OSKIT_PICTURE_TEXT, count_picture, &picture));
  out->picture_bytes += picture;
  STEP(out, oskit_bufio_unwire(src, src_addr, 0, 64));
  STEP(out, oskit_bufio_read(dst, out->dma_copied, 0, 13, &n));
  // dst stays wired: its last release unwires it.
}

// An out-of-band UDP socket bound to the loopback address, its address in *addr.
int bound_oob_socket(struct sockaddr_in* addr) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_OOB, 0);
  if (s < 0) return s;
  *addr = {};
  addr->sin_family = AF_INET;
  addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof *addr;
  if (bind(s, reinterpret_cast<struct sockaddr*>(addr), sizeof *addr) != 0 ||
      getsockname(s, reinterpret_cast<struct sockaddr*>(addr), &len) != 0) {
    close(s);
    return -1;
  }
  return s;
}

// One datagram between two out-of-band UDP sockets, sent and received on an
// EVL thread.
void udp_socket_stack(Outcome* out) {
  struct Work {
    char* got;
    oskit_error_t rc;
  } work = {out->datagram, OSKIT_EIO};
  auto thread = oskit::evl::start_evl_thread("strict-udp", [w = &work] {
    struct sockaddr_in a_addr, b_addr;
    const int a = bound_oob_socket(&a_addr);
    const int b = bound_oob_socket(&b_addr);
    if (a >= 0 && b >= 0) {
      struct iovec iov = {const_cast<char*>("datagram"), 8};
      struct oob_msghdr msg = {};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_name = &b_addr;
      msg.msg_namelen = sizeof b_addr;
      if (oob_sendmsg(a, &msg, nullptr, 0) == 8) {
        iov = {w->got, 8};
        msg = {};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        if (oob_recvmsg(b, &msg, nullptr, 0) == 8) w->rc = 0;
      }
    }
    if (a >= 0) close(a);
    if (b >= 0) close(b);
  });
  if (!thread.ok()) {
    out->failed_at = "start_evl_thread";
    out->rc = OSKIT_ENOMEM;
    return;
  }
  (*thread)->join();
  thread->reset();
  STEP(out, work.rc);
}

TEST(StrictEnvironment, AnOutOfBandAndDmaStackUsesNothingBehindTheEnvironmentsBack) {
  ASSERT_EQ(evl_init(), 0);
  ASSERT_EQ(oskit_loopback_register(kDevice, 0), 0);
  // The network worker is the emulated core's, started by its first socket.
  struct sockaddr_in unused;
  const int first = bound_oob_socket(&unused);
  ASSERT_GE(first, 0);
  close(first);
  int pipe_fds[2];
  ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);

  StrictEnvironment strict;
  Outcome out;
  const ToolkitRun run = run_as_toolkit(strict, [&] {
    device_stack(&out);
    if (out.failed_at == nullptr) proxy_stack(pipe_fds[1], &out);
    if (out.failed_at == nullptr) evl_thread_stack(&out);
    if (out.failed_at == nullptr) dma_stack(&out);
    if (out.failed_at == nullptr) udp_socket_stack(&out);
  });
  ASSERT_TRUE(run.installed);
  char piped[16] = {};
  const ssize_t got = read(pipe_fds[0], piped, 13);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
  EXPECT_EQ(oskit_loopback_unregister(kDevice), 0);

  EXPECT_EQ(out.failed_at, nullptr) << out.failed_at << ": " << oskit_error_string(out.rc);
  EXPECT_STREQ(out.echoed, "echo");
  EXPECT_EQ(out.xchg_out, 42u);
  EXPECT_EQ(out.poll_result, -ETIMEDOUT);
  EXPECT_EQ(got, 13);
  EXPECT_STREQ(piped, "through proxy");
  EXPECT_STREQ(out.evl_thread_read, "oob");
  EXPECT_STREQ(out.dma_copied, "copied by DMA");
  EXPECT_EQ(out.dma_bytes, 13u);
  EXPECT_STREQ(out.datagram, "datagram");
  EXPECT_GT(out.picture_bytes, 0u);
  expect_everything_from_the_environment(run, strict, 4, "the proxy's relay, two EVL threads, the DMA engine's worker");
}

}  // namespace
