#define _GNU_SOURCE
#include "examples/harness/sensor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>

#include "glue/env/osenv.h"
#include "glue/evl/driver.h"

#define FIFO_SIZE 64
#define MAX_OPEN 8

/* A lock for data shared with the interrupt handler: a spinning flag, as a
 * driver would use with interrupts off (no sleeping, no allocation). */
static void spin_lock(int *l) {
  while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE)) {
  }
}
static void spin_unlock(int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

struct harness_sensor {
  struct oskit_evl_device *dev;
  unsigned line;
  /* The hardware: a FIFO the device fills and the handler drains. */
  int fifo_lock;
  unsigned char fifo[FIFO_SIZE];
  size_t fifo_fill;
  /* The driver: a ring readers drain, and the files open on the device. */
  int lock;
  unsigned char *ring;
  size_t ring_size, head, fill;
  struct oskit_evl_file *files[MAX_OPEN];
  struct oskit_evl_waitq readers;
  unsigned long interrupts, dropped; /* atomic */
};

static struct harness_sensor *sensor_of(struct oskit_evl_file *f) { return oskit_evl_device_data(f->device); }

/* Interrupt context: FIFO to ring, then wake readers and pollers. */
static void sensor_interrupt(void *arg) {
  struct harness_sensor *s = arg;
  unsigned char taken[FIFO_SIZE];
  struct oskit_evl_file *files[MAX_OPEN];
  size_t n, i, kept = 0;
  int nfiles = 0;
  spin_lock(&s->fifo_lock);
  n = s->fifo_fill;
  memcpy(taken, s->fifo, n);
  s->fifo_fill = 0;
  spin_unlock(&s->fifo_lock);
  spin_lock(&s->lock);
  for (i = 0; i < n && s->fill < s->ring_size; ++i, ++kept) {
    s->ring[(s->head + s->fill) % s->ring_size] = taken[i];
    s->fill++;
  }
  for (i = 0; i < MAX_OPEN; ++i) {
    if (s->files[i] != NULL) files[nfiles++] = s->files[i];
  }
  spin_unlock(&s->lock);
  __atomic_fetch_add(&s->dropped, n - kept, __ATOMIC_RELAXED);
  __atomic_fetch_add(&s->interrupts, 1, __ATOMIC_RELAXED);
  oskit_evl_waitq_wake_all(&s->readers);
  for (i = 0; i < (size_t)nfiles; ++i) oskit_evl_file_notify(files[i]);
}

static int sensor_open(struct oskit_evl_file *f) {
  struct harness_sensor *s = sensor_of(f);
  int i, rc = -EBUSY;
  if ((oskit_evl_file_flags(f) & O_ACCMODE) != O_RDONLY) return -EINVAL; /* a sensor is read */
  spin_lock(&s->lock);
  for (i = 0; i < MAX_OPEN; ++i) {
    if (s->files[i] == NULL) {
      s->files[i] = f;
      rc = 0;
      break;
    }
  }
  spin_unlock(&s->lock);
  return rc;
}

static void sensor_flush(struct oskit_evl_file *f) {
  struct harness_sensor *s = sensor_of(f);
  int i;
  spin_lock(&s->lock);
  for (i = 0; i < MAX_OPEN; ++i) {
    if (s->files[i] == f) s->files[i] = NULL;
  }
  spin_unlock(&s->lock);
  oskit_evl_waitq_wake_all(&s->readers);
}

/* Takes up to count bytes from the ring; 0 when it is empty. */
static size_t take(struct harness_sensor *s, unsigned char *buf, size_t count) {
  size_t n, i;
  spin_lock(&s->lock);
  n = count < s->fill ? count : s->fill;
  for (i = 0; i < n; ++i) buf[i] = s->ring[(s->head + i) % s->ring_size];
  s->head = (s->head + n) % s->ring_size;
  s->fill -= n;
  spin_unlock(&s->lock);
  return n;
}

static ssize_t sensor_read(struct oskit_evl_file *f, void *buf, size_t count) {
  struct harness_sensor *s = sensor_of(f);
  if (count == 0) return 0;
  for (;;) {
    unsigned ticket = oskit_evl_waitq_ticket(&s->readers);
    size_t n = take(s, buf, count);
    if (n > 0) {
      oskit_evl_file_notify(f);
      return (ssize_t)n;
    }
    if (oskit_evl_file_flags(f) & O_NONBLOCK) return -EAGAIN;
    if (oskit_evl_file_closing(f)) return -EBADF;
    oskit_evl_waitq_wait(&s->readers, ticket);
  }
}

static size_t waiting(struct harness_sensor *s) {
  size_t n;
  spin_lock(&s->lock);
  n = s->fill;
  spin_unlock(&s->lock);
  return n;
}

static long sensor_ioctl(struct oskit_evl_file *f, unsigned int cmd, unsigned long arg) {
  if (cmd != FIONREAD) return -ENOTTY;
  return oskit_evl_reply_fionread(arg, waiting(sensor_of(f)));
}

static unsigned int sensor_poll(struct oskit_evl_file *f, unsigned int events) {
  (void)events;
  return waiting(sensor_of(f)) > 0 ? POLLIN | POLLRDNORM : 0;
}

static const struct oskit_evl_file_operations sensor_ops = {
    sensor_open,  /* open */
    sensor_flush, /* flush */
    NULL,         /* release */
    sensor_read,  /* oob_read */
    NULL,         /* oob_write */
    sensor_ioctl, /* oob_ioctl */
    sensor_read,  /* read */
    NULL,         /* write */
    sensor_ioctl, /* ioctl */
    sensor_poll,  /* poll */
    NULL,         /* mmap */
};

static void release_sensor(struct harness_sensor *s) {
  if (s->ring != NULL) oskit_env_free(s->ring, s->ring_size, 1);
  oskit_env_free(s, sizeof *s, 16);
}

int harness_sensor_register(const char *name, unsigned line, size_t ring_size, struct harness_sensor **out) {
  struct harness_sensor *s;
  oskit_error_t rc;
  int err;
  if (out == NULL || ring_size == 0) return -EINVAL;
  *out = NULL;
  s = oskit_env_alloc(sizeof *s, OSKIT_OSENV_MEM_MAYBLOCK, 16, "sensor");
  if (s == NULL) return -ENOMEM;
  memset(s, 0, sizeof *s);
  s->line = line;
  s->ring_size = ring_size;
  s->ring = oskit_env_alloc(ring_size, OSKIT_OSENV_MEM_MAYBLOCK, 1, "sensor ring");
  if (s->ring == NULL) {
    release_sensor(s);
    return -ENOMEM;
  }
  rc = oskit_env_irq_request(line, sensor_interrupt, s);
  if (rc != 0) {
    release_sensor(s);
    return -oskit_errno_from_error(rc);
  }
  err = oskit_evl_register_device(name, &sensor_ops, s, &s->dev);
  if (err < 0) {
    oskit_env_irq_free(line);
    release_sensor(s);
    return err;
  }
  *out = s;
  return 0;
}

int harness_sensor_unregister(struct harness_sensor *s) {
  int err = oskit_evl_unregister_device(s->dev);
  if (err < 0) return err;
  oskit_env_irq_free(s->line);
  release_sensor(s);
  return 0;
}

size_t harness_sensor_sample(struct harness_sensor *s, const void *data, size_t len) {
  size_t n;
  spin_lock(&s->fifo_lock);
  n = FIFO_SIZE - s->fifo_fill;
  if (n > len) n = len;
  memcpy(s->fifo + s->fifo_fill, data, n);
  s->fifo_fill += n;
  spin_unlock(&s->fifo_lock);
  __atomic_fetch_add(&s->dropped, len - n, __ATOMIC_RELAXED);
  oskit_env_irq_raise(s->line);
  return n;
}

unsigned long harness_sensor_interrupts(const struct harness_sensor *s) {
  return __atomic_load_n(&s->interrupts, __ATOMIC_RELAXED);
}

unsigned long harness_sensor_dropped(const struct harness_sensor *s) {
  return __atomic_load_n(&s->dropped, __ATOMIC_RELAXED);
}
