/* Entry points of the C translation units, called from the gtest driver. */
#ifndef TESTS_C_ABI_C_ABI_H
#define TESTS_C_ABI_C_ABI_H

#include "oskit/com/listener.h"
#include "oskit/io/absio.h"
#include "oskit/io/netio.h"

#ifdef __cplusplus
extern "C" {
#endif

/* c_calls_cxx.c: each returns 0, or the line of the first failed check. */
int c_drive_bufio(void);
int c_drive_fanout(void);
int c_drive_listener(void);
int c_check_errors(void);

/* c_objects.c: objects implemented in C with plain ops tables. */
struct c_counters {
  int packets;
  oskit_size_t bytes;
  int notifications;
  int destroyed;
};
/* A netio consumer that counts packets (owned reference). */
oskit_netio_t *c_counting_netio_create(struct c_counters *counters);
/* A listener that counts notifications (owned reference). */
oskit_listener_t *c_counting_listener_create(struct c_counters *counters);
/* A fixed-size absio over caller memory (owned reference). */
oskit_absio_t *c_memory_absio_create(char *mem, oskit_size_t size, struct c_counters *counters);

#ifdef __cplusplus
}
#endif

#endif /* TESTS_C_ABI_C_ABI_H */
