/*
 * Driver stacks the harness runs (docs/embedding.md), each a
 * harness_scenario_t: it builds the stack on the installed environment, uses
 * it, checks what it got, takes it down, and returns 0 or the first error
 * (OSKIT_ENOMEM when it ran out of memory), having released everything.
 */
#ifndef EXAMPLES_HARNESS_SCENARIOS_H
#define EXAMPLES_HARNESS_SCENARIOS_H

#include "examples/harness/campaign.h"

OSKIT_BEGIN_DECLS

/* A block stack over a disk image at path (arg: the path, of at least
 * 64 KiB): blockdev, a subset, the byte adapter with read-modify-write, a
 * memory bufio behind a blkio adapter of 8 KiB blocks and a byte adapter over
 * that (bounce buffers from the environment), a bufio copy, a fault injector
 * failing every other write, a netio fanout pushing to ten pooled consumers,
 * and a listener. */
oskit_error_t harness_scenario_blocks(struct harness *h, void *arg);

/* A tty over a pseudo-terminal (arg: a struct harness_pty): raw mode, a
 * listener told by glue/posix's reactor (a thread of the environment) that
 * input arrived, the input read. */
struct harness_pty {
  int master;
  char slave_name[128];
};
/* Opens a pseudo-terminal pair's master; 0 or -1. */
int harness_pty_open(struct harness_pty *pty);
void harness_pty_close(struct harness_pty *pty);
oskit_error_t harness_scenario_tty(struct harness *h, void *arg);

/* The harness's sensor (sensor.h) registered on interrupt line 9 and opened
 * through the oob device component, non-blocking, with a listener: a sample
 * the device raises is not readable until the harness delivers the
 * interrupt; then the listener hears of it (from glue/posix's reactor) and
 * the sample is read. Needs evl_init() done (before the harness was
 * installed: the emulation's own lasting threads stay the host's). */
oskit_error_t harness_scenario_sensor(struct harness *h, void *arg);

/* DMA: a device-address space of the simulated IOMMU, the DMA engine over
 * it, a DMA pool of its buffers; a packet written to one buffer is copied to
 * another by the engine (programmed through devctl, its worker a thread of
 * the environment) while both are wired, then read back. With arg a FILE *,
 * the stack's picture is written to it as text first. */
oskit_error_t harness_scenario_dma(struct harness *h, void *arg);

OSKIT_END_DECLS

#endif /* EXAMPLES_HARNESS_SCENARIOS_H */
