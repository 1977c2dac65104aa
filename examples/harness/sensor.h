/*
 * A simulated sensor and its out-of-band driver, written against glue/evl's
 * driver API (glue/evl/driver.h) as a kernel driver would be, for the harness
 * (docs/embedding.md). The device has a small hardware FIFO; when a sample
 * arrives it raises its interrupt line. The driver's handler, run in the
 * environment's interrupt context, moves the FIFO into the driver's ring,
 * wakes blocked readers and tells pollers that the device became readable.
 * Readers (oob_read or read(2)) take bytes from the ring; they block while it
 * is empty unless the file is O_NONBLOCK (-EAGAIN). FIONREAD says how many
 * bytes wait. The driver's memory and its interrupt line come from the
 * installed environment.
 */
#ifndef EXAMPLES_HARNESS_SENSOR_H
#define EXAMPLES_HARNESS_SENSOR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct harness_sensor;

/* Registers the device name with a ring of ring_size bytes, on interrupt
 * line. Returns 0 and the sensor, or -ENOMEM, -EBUSY (line taken), -EEXIST
 * (name taken), -EINVAL. */
int harness_sensor_register(const char *name, unsigned line, size_t ring_size, struct harness_sensor **out);

/* Unregisters the device: -EBUSY while a file is open on it. */
int harness_sensor_unregister(struct harness_sensor *s);

/* The device side: len bytes of a sample enter the FIFO (what does not fit
 * is dropped and counted) and the device raises its line. Returns the bytes
 * taken. Never blocks or allocates. */
size_t harness_sensor_sample(struct harness_sensor *s, const void *data, size_t len);

/* Interrupts handled, and bytes dropped by a full FIFO or ring. */
unsigned long harness_sensor_interrupts(const struct harness_sensor *s);
unsigned long harness_sensor_dropped(const struct harness_sensor *s);

#ifdef __cplusplus
}
#endif

#endif /* EXAMPLES_HARNESS_SENSOR_H */
