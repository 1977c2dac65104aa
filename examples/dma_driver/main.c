/*
 * Exporting bufio to DMA code, end to end, in C: a producer pushes packets
 * into the transmit driver's netio (driver.h); the driver wires each, has the
 * simulated DMA engine copy it into the device's transmit area, unwires it on
 * completion and releases it. Packets come from the driver's DMA pool, from
 * the heap, and some already wired by another user, which the driver must
 * copy with read and write instead. The program checks the transmit area
 * byte by byte and exits 0 only if every packet arrived intact.
 */
#include <stdio.h>
#include <string.h>

#include "components/dma_engine/dma_engine.h"
#include "components/membufio/membufio.h"
#include "examples/dma_driver/driver.h"
#include "glue/dma/dma.h"

#define PACKETS 40u
#define TX_BYTES (64u * 1024u)
#define MAX_PACKET 1500u

static oskit_size_t packet_size(unsigned i) { return 60u + (i * 37u) % (MAX_PACKET - 100u); }
static char packet_byte(unsigned i, oskit_size_t j) { return (char)('A' + (i + j) % 26u); }

static oskit_error_t fill_packet(oskit_bufio_t *pkt, unsigned i) {
  char bytes[MAX_PACKET];
  oskit_size_t j, n = 0, size = packet_size(i);
  for (j = 0; j < size; j++) bytes[j] = packet_byte(i, j);
  return oskit_bufio_write(pkt, bytes, 0, size, &n);
}

/* Packet i comes from the driver's pool (two in four), from the heap, or from
 * the heap already wired by another user (one in four). */
static oskit_error_t produce(oskit_netio_t *nic, unsigned i) {
  const oskit_size_t size = packet_size(i);
  oskit_bufio_t *pkt = NULL;
  oskit_addr_t held = 0;
  oskit_error_t rc = 0;
  if (i % 4u < 2u) {
    rc = oskit_netio_alloc_bufio(nic, size, &pkt);
  } else {
    pkt = oskit_bufio_create(size);
    if (pkt == NULL) rc = OSKIT_ENOMEM;
  }
  if (rc == 0 && i % 4u == 3u) rc = oskit_bufio_wire(pkt, &held, 0, size);
  if (rc == 0) rc = fill_packet(pkt, i);
  if (rc == 0) rc = oskit_netio_push(nic, pkt, size);
  if (held != 0) oskit_bufio_unwire(pkt, held, 0, size);
  if (pkt != NULL) oskit_bufio_release(pkt);
  return rc;
}

/* Counts the packets found intact, in order, in the transmit area. */
static unsigned check_tx_area(oskit_bufio_t *tx) {
  char bytes[MAX_PACKET];
  oskit_off_t offset = 0;
  unsigned i;
  for (i = 0; i < PACKETS; i++) {
    oskit_size_t j, n = 0, size = packet_size(i);
    if (oskit_bufio_read(tx, bytes, offset, size, &n) != 0 || n != size) return i;
    for (j = 0; j < size; j++) {
      if (bytes[j] != packet_byte(i, j)) return i;
    }
    offset += (oskit_off_t)size;
  }
  return i;
}

static int run(oskit_devctl_t *engine, oskit_bufio_pool_t *packets, oskit_bufio_t *tx) {
  struct driver *d = NULL;
  struct driver_stats st;
  oskit_netio_t *nic;
  unsigned i, intact;
  oskit_error_t rc = driver_open(engine, tx, &d);
  if (rc != 0) {
    printf("driver_open: %s\n", oskit_error_string(rc));
    return 1;
  }
  nic = driver_netio(d, packets);
  for (i = 0; nic != NULL && i < PACKETS; i++) {
    rc = produce(nic, i);
    if (rc == OSKIT_EAGAIN) { /* every pool buffer is in flight: let the driver finish some */
      driver_drain(d);
      rc = produce(nic, i);
    }
    if (rc != 0) {
      printf("packet %u: %s\n", i, oskit_error_string(rc));
      break;
    }
  }
  driver_drain(d);
  st = driver_stats(d);
  if (nic != NULL) oskit_netio_release(nic);
  driver_close(d);
  intact = check_tx_area(tx);
  printf("pushed %u packets: %lu copied by the engine, %lu by the CPU (already wired elsewhere), %lu faults\n", i,
         st.by_dma, st.by_cpu, st.faults);
  printf("transmit area: %u of %u packets intact, %lu bytes\n", intact, PACKETS, st.tx_bytes);
  return rc == 0 && intact == PACKETS && st.faults == 0 && st.by_cpu == PACKETS / 4u ? 0 : 1;
}

int main(void) {
  oskit_dma_space_t *space = NULL;
  oskit_dma_engine_options_t options = {0x42, DRIVER_RING, 0};
  oskit_devctl_t *engine = NULL;
  oskit_bufio_pool_t *packets = NULL, *device_memory = NULL;
  oskit_bufio_t *tx = NULL;
  oskit_dma_stats_t stats;
  int status = 1;
  /* Everything wires into the default space: DMA pools, heap packets, the engine. */
  if (oskit_dma_default_space(&space) != 0 || oskit_dma_engine_create(space, &options, &engine) != 0 ||
      oskit_dma_bufio_pool_create(space, MAX_PACKET, 8, &packets) != 0 ||
      oskit_dma_bufio_pool_create(space, TX_BYTES, 1, &device_memory) != 0 ||
      oskit_bufio_pool_alloc(device_memory, TX_BYTES, &tx) != 0) {
    printf("setting up failed\n");
  } else {
    status = run(engine, packets, tx);
  }
  if (tx != NULL) oskit_bufio_release(tx);
  if (device_memory != NULL) oskit_bufio_pool_release(device_memory);
  if (packets != NULL) oskit_bufio_pool_release(packets);
  if (engine != NULL) oskit_devctl_release(engine);
  if (space != NULL) {
    oskit_dma_space_getstats(space, &stats);
    printf("device space: %lu regions wired at the end, %lu wired in all, %lu faults\n",
           (unsigned long)stats.regions_wired, (unsigned long)stats.wires, (unsigned long)stats.faults);
    oskit_dma_space_release(space);
  }
  return status;
}
