/* The transmit driver (driver.h). */
#define _POSIX_C_SOURCE 200809L

#include "examples/dma_driver/driver.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "components/dma_engine/dma_engine.h"
#include "components/listener/listener.h"
#include "components/netio/netio.h"
#include "oskit/io/asyncio.h"

/* A packet in flight: the bufio (a reference held) and its wiring. */
struct slot {
  oskit_bufio_t *buf;
  oskit_addr_t addr;
  oskit_size_t size;
};

struct driver {
  oskit_devctl_t *engine;
  oskit_asyncio_t *events;
  oskit_listener_t *listener;
  oskit_bufio_t *tx;
  oskit_addr_t tx_addr;
  oskit_off_t tx_size;
  pthread_mutex_t lock;
  pthread_cond_t changed; /* a slot came free */
  struct slot slots[DRIVER_RING];
  unsigned in_flight;
  oskit_off_t tx_used; /* where the next packet goes */
  struct driver_stats stats;
};

static oskit_error_t submit_copy(struct driver *d, oskit_addr_t src, oskit_off_t dst_offset, oskit_size_t size,
                                 unsigned slot) {
  struct oskit_dma_submit req;
  memset(&req, 0, sizeof req);
  req.count = 1;
  req.desc[0].op = OSKIT_DMA_OP_COPY;
  req.desc[0].cookie = slot;
  req.desc[0].src = src;
  req.desc[0].dst = d->tx_addr + (oskit_addr_t)dst_offset;
  req.desc[0].length = size;
  return oskit_devctl_devctl(d->engine, OSKIT_DMA_DCMD_SUBMIT, &req,
                             offsetof(struct oskit_dma_submit, desc) + sizeof req.desc[0], NULL, NULL);
}

/* Takes a free slot for buf, waiting while all are in flight; returns its
 * index and where its bytes go in the transmit area. */
static unsigned take_slot(struct driver *d, oskit_bufio_t *buf, oskit_size_t size, oskit_off_t *tx_offset) {
  unsigned i = 0;
  pthread_mutex_lock(&d->lock);
  while (d->in_flight == DRIVER_RING) pthread_cond_wait(&d->changed, &d->lock);
  while (d->slots[i].buf != NULL) i++;
  d->slots[i].buf = buf;
  d->slots[i].addr = 0;
  d->slots[i].size = size;
  d->in_flight++;
  *tx_offset = d->tx_used;
  d->tx_used += (oskit_off_t)size;
  pthread_mutex_unlock(&d->lock);
  return i;
}

/* Ends a packet: unwires and releases it, then frees its slot. */
static void free_slot(struct driver *d, unsigned i, int faulted) {
  struct slot s;
  pthread_mutex_lock(&d->lock);
  s = d->slots[i];
  pthread_mutex_unlock(&d->lock);
  if (s.addr != 0) oskit_bufio_unwire(s.buf, s.addr, 0, s.size);
  oskit_bufio_release(s.buf);
  pthread_mutex_lock(&d->lock);
  d->slots[i].buf = NULL;
  d->in_flight--;
  if (faulted)
    d->stats.faults++;
  else
    d->stats.tx_bytes += s.size;
  pthread_cond_broadcast(&d->changed);
  pthread_mutex_unlock(&d->lock);
}

/* The fallback of OSKit manual 7.4: the CPU copies with read and write. */
static oskit_error_t copy_by_cpu(struct driver *d, oskit_bufio_t *buf, oskit_off_t tx_offset, oskit_size_t size) {
  char bytes[2048];
  oskit_size_t done = 0, n = 0;
  while (done < size) {
    oskit_size_t chunk = size - done < sizeof bytes ? size - done : sizeof bytes;
    oskit_error_t rc = oskit_bufio_read(buf, bytes, (oskit_off_t)done, chunk, &n);
    if (rc == 0) rc = oskit_bufio_write(d->tx, bytes, tx_offset + (oskit_off_t)done, n, &n);
    if (rc != 0) return rc;
    done += n;
  }
  return 0;
}

/* netio push: the packet is lent for the call; the driver keeps its own reference until the copy is done. */
static oskit_error_t driver_push(void *data, oskit_bufio_t *buf, oskit_size_t size) {
  struct driver *d = data;
  oskit_off_t tx_offset;
  oskit_addr_t addr = 0;
  unsigned i;
  oskit_error_t rc;
  if (size == 0) return 0;
  oskit_bufio_addref(buf);
  i = take_slot(d, buf, size, &tx_offset);
  if (tx_offset + (oskit_off_t)size > d->tx_size) {
    free_slot(d, i, 0);
    return OSKIT_ENOSPC;
  }
  if (oskit_bufio_wire(buf, &addr, 0, size) != 0) {
    rc = copy_by_cpu(d, buf, tx_offset, size);
    pthread_mutex_lock(&d->lock);
    d->stats.by_cpu++;
    pthread_mutex_unlock(&d->lock);
    free_slot(d, i, 0);
    return rc;
  }
  pthread_mutex_lock(&d->lock);
  d->slots[i].addr = addr;
  d->stats.by_dma++;
  pthread_mutex_unlock(&d->lock);
  rc = submit_copy(d, addr, tx_offset, size, i);
  if (rc != 0) free_slot(d, i, 1);
  return rc;
}

/* The engine's completion listener (on the engine's worker thread): reaps
 * every completion waiting and finishes its packet. */
static oskit_error_t driver_complete(oskit_iunknown_t *obj, void *arg) {
  struct driver *d = arg;
  struct oskit_dma_reap reap;
  oskit_u32_t i;
  (void)obj;
  for (;;) {
    memset(&reap, 0, sizeof reap);
    reap.max = OSKIT_DMA_REAP_MAX;
    if (oskit_devctl_devctl(d->engine, OSKIT_DMA_DCMD_REAP, &reap, sizeof reap, NULL, NULL) != 0) return 0;
    for (i = 0; i < reap.count; i++) free_slot(d, (unsigned)reap.completion[i].cookie, reap.completion[i].status != 0);
  }
}

static oskit_error_t set_u32(oskit_devctl_t *engine, oskit_u32_t dcmd, oskit_u32_t value) {
  return oskit_devctl_devctl(engine, dcmd, &value, sizeof value, NULL, NULL);
}

oskit_error_t driver_open(oskit_devctl_t *engine, oskit_bufio_t *tx, struct driver **out) {
  struct driver *d = calloc(1, sizeof *d);
  oskit_error_t rc;
  if (d == NULL) return OSKIT_ENOMEM;
  pthread_mutex_init(&d->lock, NULL);
  pthread_cond_init(&d->changed, NULL);
  d->engine = engine;
  oskit_devctl_addref(engine);
  d->tx = tx;
  oskit_bufio_addref(tx);
  rc = oskit_bufio_getsize(tx, &d->tx_size);
  if (rc == 0) rc = oskit_bufio_wire(tx, &d->tx_addr, 0, (oskit_size_t)d->tx_size);
  /* The engine's completions reach the driver through a listener; it reaps
   * without waiting, then turns the engine on. */
  if (rc == 0) rc = set_u32(engine, OSKIT_DCMD_ALL_SETFLAGS, OSKIT_DEVCTL_F_NONBLOCK);
  if (rc == 0) rc = oskit_devctl_query(engine, &oskit_asyncio_iid, (void **)&d->events);
  if (rc == 0) d->listener = oskit_create_listener(driver_complete, d);
  if (rc == 0 && d->listener == NULL) rc = OSKIT_ENOMEM;
  if (rc == 0) rc = oskit_asyncio_add_listener(d->events, d->listener, OSKIT_ASYNCIO_READABLE);
  if (rc > 0) rc = 0; /* conditions already true */
  if (rc == 0) rc = set_u32(engine, OSKIT_DMA_DCMD_SETCTRL, OSKIT_DMA_CTRL_ENABLE);
  if (rc != 0) {
    driver_close(d);
    return rc;
  }
  *out = d;
  return 0;
}

oskit_netio_t *driver_netio(struct driver *d, oskit_bufio_pool_t *pool) {
  return oskit_netio_create_pooled(driver_push, d, NULL, pool);
}

void driver_drain(struct driver *d) {
  pthread_mutex_lock(&d->lock);
  while (d->in_flight != 0) pthread_cond_wait(&d->changed, &d->lock);
  pthread_mutex_unlock(&d->lock);
}

struct driver_stats driver_stats(struct driver *d) {
  struct driver_stats s;
  pthread_mutex_lock(&d->lock);
  s = d->stats;
  pthread_mutex_unlock(&d->lock);
  return s;
}

void driver_close(struct driver *d) {
  driver_drain(d);
  /* Returns once a notification in progress has ended: no call reaches d after it. */
  if (d->events != NULL && d->listener != NULL) oskit_asyncio_remove_listener(d->events, d->listener);
  if (d->listener != NULL) oskit_listener_release(d->listener);
  if (d->events != NULL) oskit_asyncio_release(d->events);
  set_u32(d->engine, OSKIT_DMA_DCMD_SETCTRL, 0);
  if (d->tx_addr != 0) oskit_bufio_unwire(d->tx, d->tx_addr, 0, (oskit_size_t)d->tx_size);
  oskit_bufio_release(d->tx);
  oskit_devctl_release(d->engine);
  pthread_cond_destroy(&d->changed);
  pthread_mutex_destroy(&d->lock);
  free(d);
}
