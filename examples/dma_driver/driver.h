/*
 * A transmit driver written in C over the simulated DMA engine: it receives
 * packets through a netio push, wires each (OSKit manual 7.4.3), has the
 * engine copy it into the device's transmit area, and on completion unwires
 * (7.4.4) and releases it. A packet it cannot wire is copied by the CPU
 * through read and write instead, as 7.4 asks of every bufio client.
 */
#ifndef EXAMPLES_DMA_DRIVER_DRIVER_H
#define EXAMPLES_DMA_DRIVER_DRIVER_H

#include "oskit/io/bufio.h"
#include "oskit/io/bufio_pool.h"
#include "oskit/io/devctl.h"
#include "oskit/io/netio.h"

/* Packets the driver keeps in flight at once: its engine's ring size. */
#define DRIVER_RING 16u

struct driver_stats {
  unsigned long by_dma;   /* packets the engine copied */
  unsigned long by_cpu;   /* packets copied with read and write */
  unsigned long faults;   /* completions with OSKIT_EFAULT */
  unsigned long tx_bytes; /* bytes in the transmit area */
};

struct driver;

/* Opens the driver over engine (a reference is kept), with tx as its
 * transmit area (kept wired until driver_close). 0 or an error. */
oskit_error_t driver_open(oskit_devctl_t *engine, oskit_bufio_t *tx, struct driver **out);

/* The netio the driver receives packets on; pool serves its alloc_bufio. The
 * caller owns the reference. NULL on exhaustion. */
oskit_netio_t *driver_netio(struct driver *d, oskit_bufio_pool_t *pool);

/* Waits until every packet pushed so far is in the transmit area. */
void driver_drain(struct driver *d);

/* The counts so far. */
struct driver_stats driver_stats(struct driver *d);

/* Drains, then closes the driver. */
void driver_close(struct driver *d);

#endif /* EXAMPLES_DMA_DRIVER_DRIVER_H */
