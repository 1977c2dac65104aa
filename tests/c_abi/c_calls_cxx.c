/*
 * C code driving the C++ components through OSKit's macros, one object
 * seen from both languages. Compiled as C99 with -Wall -Werror.
 */
#include "components/listener/listener.h"
#include "components/membufio/membufio.h"
#include "components/netio/netio.h"
#include "oskit/com.h"
#include "oskit/com/heap.h"
#include "oskit/com/listener.h"
#include "oskit/com/stream.h"
#include "oskit/error.h"
#include "oskit/io/absio.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/blkio.h"
#include "oskit/io/bufio.h"
#include "oskit/io/devctl.h"
#include "oskit/io/netio.h"
#include "oskit/io/posixio.h"
#include "oskit/io/ttystream.h"
#include "oskit/types.h"

#include <errno.h>
#include <string.h>

#include "tests/c_abi/c_abi.h"

#define CHECK(cond)               \
  do {                            \
    if (!(cond)) return __LINE__; \
  } while (0)

int c_drive_bufio(void) {
  oskit_bufio_t *b = oskit_bufio_create(64);
  oskit_absio_t *a = NULL;
  oskit_blkio_t *k = NULL;
  oskit_iunknown_t *id1 = NULL, *id2 = NULL;
  oskit_size_t actual = 0;
  oskit_off_t size = 0;
  char back[16];
  void *addr = NULL;
  oskit_addr_t wired = 0;
  CHECK(b != NULL);
  CHECK(oskit_bufio_write(b, "hello, world", 3, 12, &actual) == 0 && actual == 12);
  CHECK(oskit_bufio_getsize(b, &size) == 0 && size == 64);
  CHECK(oskit_bufio_query(b, &oskit_absio_iid, (void **)&a) == 0);
  CHECK((void *)a == (void *)b);
  CHECK(oskit_absio_read(a, back, 3, 5, &actual) == 0 && actual == 5 && memcmp(back, "hello", 5) == 0);
  CHECK(oskit_absio_read(a, back, 64, 1, &actual) == OSKIT_EINVAL);
  CHECK(oskit_absio_query(a, &oskit_blkio_iid, (void **)&k) == 0);
  CHECK(oskit_blkio_getblocksize(k) == 1);
  CHECK(oskit_bufio_map(b, &addr, 3, 12) == 0 && memcmp(addr, "hello, world", 12) == 0);
  CHECK(oskit_bufio_unmap(b, addr, 3, 11) == OSKIT_EINVAL);
  CHECK(oskit_bufio_unmap(b, addr, 3, 12) == 0);
  CHECK(oskit_bufio_wire(b, &wired, 0, 8) == 0 && wired != 0);
  CHECK(oskit_bufio_unwire(b, wired, 0, 4) == OSKIT_EINVAL);
  CHECK(oskit_bufio_unwire(b, wired, 0, 8) == 0);
  CHECK(oskit_blkio_query(k, &oskit_iunknown_iid, (void **)&id1) == 0);
  CHECK(oskit_bufio_query(b, &oskit_iunknown_iid, (void **)&id2) == 0);
  CHECK(id1 == id2);
  CHECK(oskit_iunknown_query(id1, &oskit_netio_iid, (void **)&id2) == OSKIT_E_NOINTERFACE && id2 == NULL);
  oskit_iunknown_release(id1);
  oskit_iunknown_release(id1);
  oskit_blkio_release(k);
  oskit_absio_release(a);
  CHECK(oskit_bufio_release(b) == 0);
  return 0;
}

static oskit_error_t count_packet(void *data, oskit_bufio_t *buf, oskit_size_t size) {
  char first = 0;
  oskit_size_t actual = 0;
  oskit_error_t rc = oskit_bufio_read(buf, &first, 0, 1, &actual);
  if (rc != 0) return rc;
  *(oskit_size_t *)data += size + (first == 'p' ? 1000 : 0);
  return 0;
}

int c_drive_fanout(void) {
  oskit_size_t seen_a = 0, seen_b = 0;
  oskit_netio_t *a = oskit_netio_create(count_packet, &seen_a);
  oskit_netio_t *b = oskit_netio_create(count_packet, &seen_b);
  oskit_netio_fanout_t *f = oskit_netio_fanout_create();
  oskit_bufio_t *pkt = oskit_bufio_create(100);
  oskit_size_t actual;
  CHECK(a && b && f && pkt);
  CHECK(oskit_bufio_write(pkt, "p", 0, 1, &actual) == 0);
  CHECK(oskit_netio_fanout_add_listener(f, a) == 0);
  CHECK(oskit_netio_fanout_add_listener(f, b) == 0);
  CHECK(oskit_netio_fanout_push(f, pkt, 42) == 0);
  CHECK(oskit_netio_push((oskit_netio_t *)f, pkt, 8) == 0);
  CHECK(seen_a == 2050 && seen_b == 2050);
  CHECK(oskit_netio_push(a, pkt, 101) == OSKIT_EINVAL);
  CHECK(oskit_netio_fanout_remove_listener(f, b) == 0);
  CHECK(oskit_netio_fanout_remove_listener(f, b) == OSKIT_E_INVALIDARG);
  oskit_netio_release(a);
  oskit_netio_release(b);
  CHECK(oskit_netio_fanout_release(f) == 0);
  CHECK(oskit_bufio_release(pkt) == 0);
  return 0;
}

static oskit_error_t note(oskit_iunknown_t *obj, void *arg) {
  *(oskit_iunknown_t **)arg = obj;
  return 0;
}

int c_drive_listener(void) {
  oskit_iunknown_t *seen = NULL;
  oskit_listener_t *l = oskit_create_listener(note, &seen);
  CHECK(l != NULL);
  CHECK(oskit_listener_notify(l, (oskit_iunknown_t *)l) == 0);
  CHECK(seen == (oskit_iunknown_t *)l);
  CHECK(oskit_listener_release(l) == 0);
  return 0;
}

int c_check_errors(void) {
  CHECK(OSKIT_E_NOTIMPL == (oskit_error_t)0x80004001);
  CHECK(OSKIT_EBADF == (oskit_error_t)0x8f100104);
  CHECK(OSKIT_EINVAL == OSKIT_E_INVALIDARG);
  CHECK(oskit_error_from_errno(EBADF) == OSKIT_EBADF);
  CHECK(oskit_errno_from_error(OSKIT_ENOTTY) == ENOTTY);
  CHECK(OSKIT_FAILED(OSKIT_EIO) && OSKIT_SUCCEEDED(0));
  CHECK(oskit_devctl_verify(OSKIT_DIOT(0x10, 1, int), &(int){0}, sizeof(int), OSKIT_DEVCTL_OPEN_READ) == OSKIT_EPERM);
  CHECK(OSKIT_DCMD_LEN(OSKIT_DIOTF(0x10, 2, struct oskit_stat)) == sizeof(struct oskit_stat));
  CHECK(sizeof(((struct oskit_termios *)0)->cc) == OSKIT_NCCS);
  return 0;
}
