// A driver stack run under a strict environment (docs/design.md,
// "Embedding"): blockdev, a subset and the byte adapter over it, a memory
// bufio behind the blkio adapter, a fault injector, netio fanout and pooled
// netio, listeners, and a tty over a pty watched by the glue/posix reactor.
// The stack's code runs as toolkit code (host_traps.h): whatever it takes
// from the host behind the environment's back (the C heap, operator new,
// threads, clocks, sleeps, stdio) is counted, as is any use of the host's
// services through glue/env. Both counts must be zero, and everything the
// environment gave must have come back.
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "components/blkio_adapters/adapters.h"
#include "components/blockdev/blockdev.h"
#include "components/fault/fault.h"
#include "components/listener/listener.h"
#include "components/membufio/membufio.h"
#include "components/netio/netio.h"
#include "components/subset/subset.h"
#include "components/tty/tty.h"
#include "glue/env/osenv.h"
#include "glue/env/testing/strict_env.h"
#include "glue/env/testing/toolkit_run.h"
#include "gtest/gtest.h"
#include "oskit/io/asyncio.h"
#include "oskit/testing/temp_dir.h"
#include "tests/strict_env/steps.h"

namespace {

using oskit::env::testing::expect_everything_from_the_environment;
using oskit::env::testing::run_as_toolkit;
using oskit::env::testing::StrictEnvironment;
using oskit::env::testing::ToolkitRun;

// What the stack did; checked once the toolkit code is done.
struct Outcome {
  const char* failed_at = nullptr;  // the first step that went wrong
  oskit_error_t rc = 0;
  char read_back[16] = {};
  oskit_error_t faulted = 0;
  int packets = 0;
  int notifications = 0;
  char tty_read[8] = {};
};

using strict_env::drop;

void block_stack(const char* path, Outcome* out) {
  oskit_blkio_t* disk = nullptr;
  oskit_blkio_t* part = nullptr;
  oskit_absio_t* bytes = nullptr;
  oskit_iunknown_t* faulty = nullptr;
  auto cleanup = [&] {
    drop(&faulty);
    drop(&bytes);
    drop(&part);
    drop(&disk);
  };
  struct Cleanup {
    decltype(cleanup)& fn;
    ~Cleanup() { fn(); }
  } guard{cleanup};

  STEP(out, oskit_blockdev_open(path, OSKIT_BLOCKDEV_RDWR, 512, &disk));
  STEP(out, oskit_blkio_subset(disk, 1024, 8192, &part));
  STEP(out, oskit_absio_adapter_create(part, &bytes));
  oskit_size_t n = 0;
  STEP(out, oskit_absio_write(bytes, "strict stack", 700, 12, &n));
  STEP(out, oskit_absio_read(bytes, out->read_back, 700, 12, &n));

  oskit_fault_plan_t plan = {OSKIT_FAULT_WRITE, 1, 0, 0, 0, 0, OSKIT_EIO};
  STEP(out, oskit_fault_wrap(reinterpret_cast<oskit_iunknown_t*>(bytes), &plan, &faulty));
  oskit_absio_t* faulty_io = nullptr;
  STEP(out, oskit_iunknown_query(faulty, &oskit_absio_iid, reinterpret_cast<void**>(&faulty_io)));
  out->faulted = oskit_absio_write(faulty_io, "x", 0, 1, &n);
  drop(&faulty_io);
}

void memory_stack(Outcome* out) {
  oskit_bufio_t* buf = oskit_bufio_create(4096);
  if (buf == nullptr) {
    out->failed_at = "oskit_bufio_create";
    return;
  }
  oskit_absio_t* absio = nullptr;
  oskit_blkio_t* blocks = nullptr;
  oskit_error_t rc = oskit_bufio_query(buf, &oskit_absio_iid, reinterpret_cast<void**>(&absio));
  if (rc == 0) rc = oskit_blkio_adapter_create(absio, 1024, &blocks);
  char block[1024];
  memset(block, 'b', sizeof block);
  oskit_size_t n = 0;
  if (rc == 0) rc = oskit_blkio_write(blocks, block, 2048, sizeof block, &n);
  if (rc == 0) rc = oskit_blkio_read(blocks, block, 0, sizeof block, &n);
  oskit_bufio_t* copy = nullptr;
  if (rc == 0) rc = oskit_bufio_copy(buf, 2048, 1024, &copy);
  drop(&copy);
  drop(&blocks);
  drop(&absio);
  drop(&buf);
  if (rc != 0) {
    out->failed_at = "memory stack";
    out->rc = rc;
  }
}

oskit_error_t count_packet(void* data, oskit_bufio_t*, oskit_size_t) {
  ++static_cast<Outcome*>(data)->packets;
  return 0;
}

void packet_stack(Outcome* out) {
  oskit_bufio_pool_t* pool = nullptr;
  STEP(out, oskit_bufio_heap_pool_create(&pool));
  oskit_netio_t* consumers[10] = {};
  oskit_netio_fanout_t* fanout = oskit_netio_fanout_create();
  oskit_bufio_t* packet = nullptr;
  oskit_error_t rc = fanout != nullptr ? 0 : OSKIT_ENOMEM;
  // More consumers than a push lists on the stack.
  for (int i = 0; i < 10 && rc == 0; ++i) {
    consumers[i] = oskit_netio_create_pooled(count_packet, out, nullptr, pool);
    rc = consumers[i] != nullptr ? oskit_netio_fanout_add_listener(fanout, consumers[i]) : OSKIT_ENOMEM;
  }
  if (rc == 0) rc = oskit_netio_fanout_alloc_bufio(fanout, 60, &packet);
  if (rc == 0) rc = oskit_netio_fanout_push(fanout, packet, 60);
  for (int i = 0; i < 10; ++i) {
    if (consumers[i] != nullptr) oskit_netio_fanout_remove_listener(fanout, consumers[i]);
    drop(&consumers[i]);
  }
  drop(&packet);
  drop(&fanout);
  drop(&pool);
  if (rc != 0) {
    out->failed_at = "packet stack";
    out->rc = rc;
  }
}

struct Watch {
  Outcome* out;
  oskit_u32_t seen;  // a word the test sleeps on
};

oskit_error_t on_readable(oskit_iunknown_t*, void* arg) {
  auto* w = static_cast<Watch*>(arg);
  ++w->out->notifications;
  __atomic_store_n(&w->seen, 1, __ATOMIC_SEQ_CST);
  oskit_env_wake(&w->seen, 1);
  return 0;
}

void tty_stack(int master, int slave, Outcome* out) {
  oskit_ttystream_t* tty = nullptr;
  STEP(out, oskit_tty_adopt(slave, &tty));
  oskit_asyncio_t* async = nullptr;
  Watch watch = {out, 0};
  oskit_listener_t* listener = oskit_create_listener(on_readable, &watch);
  oskit_error_t rc = listener != nullptr ? 0 : OSKIT_ENOMEM;
  oskit_termios_t attr;
  if (rc == 0) rc = oskit_ttystream_getattr(tty, &attr);
  if (rc == 0) {
    attr.lflag &= ~(OSKIT_ICANON | OSKIT_ECHO);
    rc = oskit_ttystream_setattr(tty, OSKIT_TCSANOW, &attr);
  }
  if (rc == 0) rc = oskit_ttystream_query(tty, &oskit_asyncio_iid, reinterpret_cast<void**>(&async));
  if (rc == 0) rc = oskit_asyncio_add_listener(async, listener, OSKIT_ASYNCIO_READABLE);
  if (rc >= 0) {
    rc = write(master, "ping", 4) == 4 ? 0 : OSKIT_EIO;
    while (rc == 0 && __atomic_load_n(&watch.seen, __ATOMIC_SEQ_CST) == 0)
      oskit_env_wait(&watch.seen, 0, OSKIT_OSENV_FOREVER);
    oskit_u32_t got = 0;
    if (rc == 0) rc = oskit_ttystream_read(tty, out->tty_read, 4, &got);
    oskit_error_t removed = oskit_asyncio_remove_listener(async, listener);
    if (rc == 0) rc = removed;
  }
  drop(&async);
  drop(&listener);
  drop(&tty);
  if (rc < 0) {
    out->failed_at = "tty stack";
    out->rc = rc;
  }
}

TEST(StrictEnvironment, ADriverStackUsesNothingBehindTheEnvironmentsBack) {
  const std::string path = oskit::testing::temp_path("strict-disk.img");
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 64 * 1024), 0);
  close(fd);
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(master, 0);
  ASSERT_EQ(grantpt(master), 0);
  ASSERT_EQ(unlockpt(master), 0);
  char slave_name[128];
  ASSERT_EQ(ptsname_r(master, slave_name, sizeof slave_name), 0);
  int slave = open(slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  ASSERT_GE(slave, 0);

  StrictEnvironment strict;
  Outcome out;
  const ToolkitRun run = run_as_toolkit(strict, [&] {
    block_stack(path.c_str(), &out);
    if (out.failed_at == nullptr) memory_stack(&out);
    if (out.failed_at == nullptr) packet_stack(&out);
    if (out.failed_at == nullptr) tty_stack(master, slave, &out);
  });
  ASSERT_TRUE(run.installed);
  close(master);
  unlink(path.c_str());

  EXPECT_EQ(out.failed_at, nullptr) << out.failed_at << ": " << oskit_error_string(out.rc);
  EXPECT_STREQ(out.read_back, "strict stack");
  EXPECT_EQ(out.faulted, OSKIT_EIO);
  EXPECT_EQ(out.packets, 10);
  EXPECT_GE(out.notifications, 1);
  EXPECT_STREQ(out.tty_read, "ping");
  expect_everything_from_the_environment(run, strict, 1, "the reactor's thread");
}

// The traps can fail: host services used from toolkit code are seen.
TEST(StrictEnvironment, UsesBehindItsBackAreSeen) {
  StrictEnvironment strict;
  oskit_osenv host;
  oskit_env_host(&host);
  const ToolkitRun run = run_as_toolkit(strict, [&] {
    void* volatile p = malloc(16);  // volatile: the calls are not elided
    free(p);
    int* volatile q = new int(3);
    delete q;
    host.clock->now();  // refused by glue/env
  });
  ASSERT_TRUE(run.installed);
  EXPECT_EQ(run.host_uses, 4u) << "malloc, free, operator new and delete";
  EXPECT_EQ(run.refused, 1u);
  EXPECT_FALSE(run.host_use_report.empty());
}

}  // namespace
