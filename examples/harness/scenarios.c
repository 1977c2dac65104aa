#define _GNU_SOURCE
#include "examples/harness/scenarios.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "components/blkio_adapters/adapters.h"
#include "components/blockdev/blockdev.h"
#include "components/dma_engine/dma_engine.h"
#include "components/fault/fault.h"
#include "components/listener/listener.h"
#include "components/membufio/membufio.h"
#include "components/netio/netio.h"
#include "components/oob_device/oob_device.h"
#include "components/subset/subset.h"
#include "components/tty/tty.h"
#include "examples/harness/sensor.h"
#include "glue/dma/dma.h"
#include "glue/env/osenv.h"
#include "glue/picture/picture.h"
#include "oskit/io/asyncio.h"

/* Drops the reference p holds, if any. */
#define DROP(p)                                                       \
  do {                                                                \
    if ((p) != NULL) oskit_iunknown_release((oskit_iunknown_t *)(p)); \
    (p) = NULL;                                                       \
  } while (0)

/* Fails with rc when expr fails. */
#define CHECK(expr)       \
  do {                    \
    rc = (expr);          \
    if (rc < 0) goto out; \
  } while (0)

/* A factory returning NULL has run out of memory. */
#define MADE(p)          \
  do {                   \
    if ((p) == NULL) {   \
      rc = OSKIT_ENOMEM; \
      goto out;          \
    }                    \
  } while (0)

/* Writes text at offset through io and reads it back. */
static oskit_error_t round_trip(oskit_absio_t *io, oskit_off_t offset, const char *text) {
  char back[64];
  oskit_size_t n = strlen(text), done = 0;
  oskit_error_t rc = oskit_absio_write(io, text, offset, n, &done);
  if (rc < 0) return rc;
  if (done != n) return OSKIT_EIO;
  rc = oskit_absio_read(io, back, offset, n, &done);
  if (rc < 0) return rc;
  return done == n && memcmp(back, text, n) == 0 ? 0 : OSKIT_EIO;
}

/* Every other write fails with OSKIT_EIO: the first goes through, the second
 * fails. */
static oskit_error_t faulty_writes(oskit_absio_t *target) {
  oskit_fault_plan_t plan = {OSKIT_FAULT_WRITE, 2, 0, 0, 0, 0, OSKIT_EIO};
  oskit_iunknown_t *faulty = NULL;
  oskit_absio_t *io = NULL;
  oskit_size_t done = 0;
  oskit_error_t rc;
  CHECK(oskit_fault_wrap((oskit_iunknown_t *)target, &plan, &faulty));
  CHECK(oskit_iunknown_query(faulty, &oskit_absio_iid, (void **)&io));
  CHECK(oskit_absio_write(io, "a", 0, 1, &done));
  rc = oskit_absio_write(io, "b", 1, 1, &done) == OSKIT_EIO ? 0 : OSKIT_EIO;
out:
  DROP(io);
  DROP(faulty);
  return rc;
}

static oskit_error_t count_packet(void *data, oskit_bufio_t *buf, oskit_size_t size) {
  (void)buf;
  (void)size;
  ++*(int *)data;
  return 0;
}

/* Ten consumers (more than a push lists on the stack) get one packet. */
static oskit_error_t fanout_ten(void) {
  enum { kConsumers = 10 };
  oskit_bufio_pool_t *pool = NULL;
  oskit_netio_fanout_t *fanout = NULL;
  oskit_netio_t *consumers[kConsumers] = {NULL};
  oskit_bufio_t *packet = NULL;
  int received = 0, i;
  oskit_error_t rc;
  CHECK(oskit_bufio_heap_pool_create(&pool));
  fanout = oskit_netio_fanout_create();
  MADE(fanout);
  for (i = 0; i < kConsumers; ++i) {
    consumers[i] = oskit_netio_create_pooled(count_packet, &received, NULL, pool);
    MADE(consumers[i]);
    CHECK(oskit_netio_fanout_add_listener(fanout, consumers[i]));
  }
  CHECK(oskit_netio_fanout_alloc_bufio(fanout, 64, &packet));
  CHECK(oskit_netio_fanout_push(fanout, packet, 64));
  rc = received == kConsumers ? 0 : OSKIT_EIO;
out:
  for (i = 0; i < kConsumers; ++i) {
    if (consumers[i] != NULL && fanout != NULL) oskit_netio_fanout_remove_listener(fanout, consumers[i]);
    DROP(consumers[i]);
  }
  DROP(packet);
  DROP(fanout);
  DROP(pool);
  return rc;
}

static oskit_error_t ignore(oskit_iunknown_t *obj, void *arg) {
  (void)obj;
  (void)arg;
  return 0;
}

oskit_error_t harness_scenario_blocks(struct harness *h, void *arg) {
  const char *path = arg;
  oskit_blkio_t *disk = NULL, *part = NULL, *blocks = NULL;
  oskit_absio_t *bytes = NULL, *memory = NULL, *big_bytes = NULL;
  oskit_bufio_t *buf = NULL, *copy = NULL;
  oskit_asyncio_t *async = NULL;
  oskit_listener_t *listener = NULL;
  oskit_error_t rc;
  (void)h;
  CHECK(oskit_blockdev_open(path, OSKIT_BLOCKDEV_RDWR, 512, &disk));
  CHECK(oskit_blkio_subset(disk, 1024, 16384, &part));
  CHECK(oskit_absio_adapter_create(part, &bytes));
  CHECK(round_trip(bytes, 1000, "read-modify-write"));

  buf = oskit_bufio_create(32768);
  MADE(buf);
  CHECK(oskit_bufio_query(buf, &oskit_absio_iid, (void **)&memory));
  CHECK(oskit_blkio_adapter_create(memory, 8192, &blocks));
  CHECK(oskit_absio_adapter_create(blocks, &big_bytes));
  CHECK(round_trip(big_bytes, 5000, "through an 8 KiB bounce buffer"));
  CHECK(oskit_bufio_copy(buf, 0, 8192, &copy));

  CHECK(faulty_writes(bytes));
  CHECK(fanout_ten());

  listener = oskit_create_listener(ignore, NULL);
  MADE(listener);
  CHECK(oskit_blkio_query(disk, &oskit_asyncio_iid, (void **)&async));
  CHECK(oskit_asyncio_add_listener(async, listener, OSKIT_ASYNCIO_READABLE));
  CHECK(oskit_asyncio_remove_listener(async, listener));
  rc = 0;
out:
  DROP(listener);
  DROP(async);
  DROP(copy);
  DROP(big_bytes);
  DROP(blocks);
  DROP(memory);
  DROP(buf);
  DROP(bytes);
  DROP(part);
  DROP(disk);
  return rc;
}

int harness_pty_open(struct harness_pty *pty) {
  pty->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (pty->master < 0) return -1;
  if (grantpt(pty->master) != 0 || unlockpt(pty->master) != 0 ||
      ptsname_r(pty->master, pty->slave_name, sizeof pty->slave_name) != 0) {
    close(pty->master);
    pty->master = -1;
    return -1;
  }
  return 0;
}

void harness_pty_close(struct harness_pty *pty) {
  if (pty->master >= 0) close(pty->master);
  pty->master = -1;
}

/* Set by the listener, on the reactor's thread; the scenario sleeps on it. */
static oskit_error_t input_arrived(oskit_iunknown_t *obj, void *arg) {
  oskit_u32_t *seen = arg;
  (void)obj;
  __atomic_store_n(seen, 1, __ATOMIC_SEQ_CST);
  oskit_env_wake(seen, 1);
  return 0;
}

oskit_error_t harness_scenario_tty(struct harness *h, void *arg) {
  struct harness_pty *pty = arg;
  oskit_ttystream_t *tty = NULL;
  oskit_asyncio_t *async = NULL;
  oskit_listener_t *listener = NULL;
  oskit_termios_t attr;
  oskit_u32_t seen = 0, got = 0;
  char input[8] = {0};
  int registered = 0;
  oskit_error_t rc;
  int slave = open(pty->slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  (void)h;
  if (slave < 0) return oskit_error_from_errno(errno);
  rc = oskit_tty_adopt(slave, &tty);
  if (rc < 0) {
    close(slave);
    return rc;
  }
  CHECK(oskit_ttystream_getattr(tty, &attr));
  attr.lflag &= ~(oskit_u32_t)(OSKIT_ICANON | OSKIT_ECHO);
  CHECK(oskit_ttystream_setattr(tty, OSKIT_TCSANOW, &attr));
  listener = oskit_create_listener(input_arrived, &seen);
  MADE(listener);
  CHECK(oskit_ttystream_query(tty, &oskit_asyncio_iid, (void **)&async));
  CHECK(oskit_asyncio_add_listener(async, listener, OSKIT_ASYNCIO_READABLE));
  registered = 1;
  if (write(pty->master, "ping", 4) != 4) {
    rc = oskit_error_from_errno(errno);
    goto out;
  }
  while (__atomic_load_n(&seen, __ATOMIC_SEQ_CST) == 0) oskit_env_wait(&seen, 0, OSKIT_OSENV_FOREVER);
  CHECK(oskit_ttystream_read(tty, input, 4, &got));
  rc = got == 4 && memcmp(input, "ping", 4) == 0 ? 0 : OSKIT_EIO;
out:
  if (registered) oskit_asyncio_remove_listener(async, listener);
  DROP(async);
  DROP(listener);
  DROP(tty);
  return rc;
}

/* Reads what is there now; OSKIT_EAGAIN when nothing is. */
static oskit_error_t read_now(oskit_stream_t *dev, char *buf, oskit_u32_t size, oskit_u32_t *got) {
  return oskit_stream_read(dev, buf, size, got);
}

oskit_error_t harness_scenario_sensor(struct harness *h, void *arg) {
  static const char kSample[] = "t=21.5";
  struct harness_sensor *sensor = NULL;
  oskit_stream_t *dev = NULL;
  oskit_asyncio_t *async = NULL;
  oskit_listener_t *listener = NULL;
  oskit_u32_t seen = 0, got = 0;
  char input[16] = {0};
  int registered = 0, err;
  oskit_error_t rc;
  (void)arg;
  err = harness_sensor_register("harness-sensor", 9, 256, &sensor);
  if (err < 0) return oskit_error_from_errno(-err);
  CHECK(oskit_oob_device_open("harness-sensor", OSKIT_OOB_DEVICE_READ | OSKIT_OOB_DEVICE_NONBLOCK, &dev));
  listener = oskit_create_listener(input_arrived, &seen);
  MADE(listener);
  CHECK(oskit_stream_query(dev, &oskit_asyncio_iid, (void **)&async));
  CHECK(oskit_asyncio_add_listener(async, listener, OSKIT_ASYNCIO_READABLE));
  registered = 1;
  if (read_now(dev, input, sizeof input, &got) != OSKIT_EAGAIN) {
    rc = OSKIT_EIO; /* nothing was sampled yet */
    goto out;
  }
  harness_sensor_sample(sensor, kSample, sizeof kSample - 1);
  if (read_now(dev, input, sizeof input, &got) != OSKIT_EAGAIN) {
    rc = OSKIT_EIO; /* raised, not delivered: the driver has not seen it */
    goto out;
  }
  if (harness_deliver(h) != 1) {
    rc = OSKIT_EIO;
    goto out;
  }
  while (__atomic_load_n(&seen, __ATOMIC_SEQ_CST) == 0) oskit_env_wait(&seen, 0, OSKIT_OSENV_FOREVER);
  CHECK(read_now(dev, input, sizeof input, &got));
  rc = got == sizeof kSample - 1 && memcmp(input, kSample, got) == 0 ? 0 : OSKIT_EIO;
out:
  if (registered) oskit_asyncio_remove_listener(async, listener);
  DROP(async);
  DROP(listener);
  DROP(dev);
  err = harness_sensor_unregister(sensor);
  if (rc == 0 && err < 0) rc = oskit_error_from_errno(-err);
  return rc;
}

/* Copies length bytes from src to dst through the engine and reaps the
 * completion; its status. */
static oskit_error_t engine_copy(oskit_devctl_t *engine, oskit_addr_t src, oskit_addr_t dst, oskit_u64_t length) {
  struct oskit_dma_submit submit;
  struct oskit_dma_reap reap;
  oskit_u32_t ctrl = OSKIT_DMA_CTRL_ENABLE;
  oskit_error_t rc = oskit_devctl_devctl(engine, OSKIT_DMA_DCMD_SETCTRL, &ctrl, sizeof ctrl, NULL, NULL);
  if (rc != 0) return rc;
  memset(&submit, 0, sizeof submit);
  submit.count = 1;
  submit.desc[0].op = OSKIT_DMA_OP_COPY;
  submit.desc[0].src = src;
  submit.desc[0].dst = dst;
  submit.desc[0].length = length;
  rc = oskit_devctl_devctl(engine, OSKIT_DMA_DCMD_SUBMIT, &submit,
                           offsetof(struct oskit_dma_submit, desc) + sizeof submit.desc[0], NULL, NULL);
  if (rc != 0) return rc;
  memset(&reap, 0, sizeof reap);
  reap.max = 1;
  rc = oskit_devctl_devctl(engine, OSKIT_DMA_DCMD_REAP, &reap, sizeof reap, NULL, NULL);
  return rc != 0 ? rc : reap.completion[0].status;
}

static void write_to_file(void *ctx, const char *text, oskit_size_t length) { fwrite(text, 1, length, ctx); }

oskit_error_t harness_scenario_dma(struct harness *h, void *arg) {
  static const char kPacket[] = "copied by the engine";
  oskit_dma_space_options_t options;
  oskit_dma_engine_options_t engine_options = {1, 8, 0};
  oskit_dma_space_t *space = NULL;
  oskit_devctl_t *engine = NULL;
  oskit_bufio_pool_t *pool = NULL;
  oskit_bufio_t *src = NULL, *dst = NULL;
  oskit_addr_t src_addr = 0, dst_addr = 0;
  oskit_size_t n = 0;
  char back[sizeof kPacket] = {0};
  int src_wired = 0, dst_wired = 0;
  oskit_error_t rc;
  (void)h;
  memset(&options, 0, sizeof options);
  options.mode = OSKIT_DMA_MODE_IOVA;
  CHECK(oskit_dma_space_create(&options, &space));
  CHECK(oskit_dma_engine_create(space, &engine_options, &engine));
  CHECK(oskit_dma_bufio_pool_create(space, 256, 2, &pool));
  CHECK(oskit_bufio_pool_alloc(pool, sizeof kPacket, &src));
  CHECK(oskit_bufio_pool_alloc(pool, sizeof kPacket, &dst));
  CHECK(oskit_bufio_write(src, kPacket, 0, sizeof kPacket, &n));
  CHECK(oskit_bufio_wire(src, &src_addr, 0, sizeof kPacket));
  src_wired = 1;
  CHECK(oskit_bufio_wire(dst, &dst_addr, 0, sizeof kPacket));
  dst_wired = 1;
  if (arg != NULL) {
    oskit_iunknown_t *roots[2];
    roots[0] = (oskit_iunknown_t *)engine;
    roots[1] = (oskit_iunknown_t *)src;
    CHECK(oskit_picture_write(roots, 2, OSKIT_PICTURE_TEXT, write_to_file, arg));
  }
  CHECK(engine_copy(engine, src_addr, dst_addr, sizeof kPacket));
  CHECK(oskit_bufio_read(dst, back, 0, sizeof kPacket, &n));
  rc = memcmp(back, kPacket, sizeof kPacket) == 0 ? 0 : OSKIT_EIO;
out:
  if (src_wired) oskit_bufio_unwire(src, src_addr, 0, sizeof kPacket);
  if (dst_wired) oskit_bufio_unwire(dst, dst_addr, 0, sizeof kPacket);
  DROP(dst);
  DROP(src);
  DROP(pool);
  DROP(engine);
  DROP(space);
  return rc;
}
