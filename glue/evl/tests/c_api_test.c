/* The C side of glue/evl: <evl/evl.h> and the emulation's C headers used
 * from a C99 translation unit built with -Wall -Werror. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <evl/atomic.h>
#include <evl/compiler.h>
#include <evl/evl.h>
#include <evl/heap.h>
#include <evl/observable.h>
#include <evl/timer.h>

#include "glue/evl/driver.h"
#include "glue/evl/loopback.h"
#include "glue/evl/stage.h"
#include "oskit/testing/c_check.h"

static void proxies(void) {
  int fds[2], pfd, n;
  char buf[16];

  CHECK(pipe(fds) == 0);
  pfd = evl_new_proxy(fds[1], 64, "c-proxy:%d", (int)getpid());
  CHECK(pfd >= 0);
  CHECK(oob_write(pfd, "from C", 6) == -1 && errno == EPERM); /* not attached */
  CHECK(evl_attach_self("c-proxies:%d", (int)getpid()) >= 0);
  CHECK(oob_write(pfd, "from C", 6) == 6);
  CHECK(evl_print_proxy(pfd, "%d", 42) == 2);
  n = 0;
  while (n < 8) {
    ssize_t k = read(fds[0], buf + n, (size_t)(8 - n));
    CHECK(k > 0);
    if (k <= 0) break;
    n += (int)k;
  }
  CHECK(memcmp(buf, "from C42", 8) == 0);
  CHECK(oob_write(pfd, buf, 65) == -1 && errno == EFBIG);
  CHECK(oob_ioctl(pfd, 0) == -1 && errno == ENOTTY);
  CHECK(evl_create_proxy(fds[1], 0, 0, EVL_CLONE_OUTPUT, NULL) == -EINVAL);
  CHECK(evl_detach_self() == 0);
  CHECK(close(pfd) == 0);
  close(fds[0]);
  close(fds[1]);
}

static void polling(void) {
  struct evl_poll_event ev;
  int fds[2], pfd, set;

  CHECK(pipe(fds) == 0);
  pfd = evl_create_proxy(fds[1], 64, 0, EVL_CLONE_OUTPUT | EVL_CLONE_NONBLOCK, NULL);
  set = evl_new_poll();
  CHECK(pfd >= 0 && set >= 0);
  CHECK(evl_add_pollfd(set, pfd, POLLOUT, evl_nil) == -EPERM); /* not attached */
  CHECK(evl_attach_self("c-polling:%d", (int)getpid()) >= 0);
  CHECK(evl_add_pollfd(set, pfd, POLLOUT, evl_ptrval(&ev)) == 0);
  CHECK(evl_poll(set, &ev, 1) == 1);
  CHECK(ev.fd == (__u32)pfd && ev.events == POLLOUT && ev.pollval.ptr == &ev);
  CHECK(evl_detach_self() == 0);
  close(set);
  close(pfd);
  close(fds[0]);
  close(fds[1]);
}

static void driver(void) {
  struct oskit_loopback_xchg x = {1, 0};
  int fd;
  char c;

  CHECK(oskit_loopback_register("c-loopback", 0) == 0);
  fd = oskit_evl_open("c-loopback", O_RDWR | O_NONBLOCK);
  CHECK(fd >= 0);
  CHECK(evl_attach_self("c-driver:%d", (int)getpid()) >= 0);
  CHECK(oob_ioctl(fd, OSKIT_LOOPBACK_XCHG, &x) == 0 && x.out == 2);
  CHECK(oob_read(fd, &c, 1) == -1 && errno == EAGAIN);
  CHECK(oob_write(fd, "c", 1) == 1);
  CHECK(oob_read(fd, &c, 1) == 1 && c == 'c');
  CHECK(evl_detach_self() == 0);
  close(fd);
  CHECK(oskit_loopback_unregister("c-loopback") == 0);
}

/* The rest of the core API from C: every header compiles, a few calls. */
static void core_api(void) {
  static struct evl_sem sem = EVL_SEM_INITIALIZER(NULL, EVL_CLOCK_MONOTONIC, 1, EVL_CLONE_PRIVATE);
  struct evl_mutex mutex;
  struct evl_flags flags;
  struct evl_heap heap;
  static char heap_mem[EVL_HEAP_RAW_SIZE(1024)] __aligned(16);
  struct timespec now;
  atomic_t count = ATOMIC_INIT(1);
  int xfd, tfd, bits = 0;
  void *block;

  CHECK(evl_read_clock(EVL_CLOCK_MONOTONIC, &now) == 0);
  CHECK(evl_tryget_sem(&sem) == 0 && evl_close_sem(&sem) == 0);
  CHECK(evl_new_flags(&flags, NULL) >= 0);
  CHECK(evl_post_flags(&flags, 2) == 0 && evl_trywait_flags(&flags, &bits) == 0 && bits == 2);
  CHECK(evl_close_flags(&flags) == 0);
  xfd = evl_new_xbuf(16, NULL);
  CHECK(xfd >= 0);
  tfd = evl_new_timer(EVL_CLOCK_MONOTONIC);
  CHECK(tfd >= 0);
  CHECK(atomic_add_return(&count, 1) == 2);
  CHECK(evl_attach_self("c-core:%d", (int)getpid()) >= 0);
  CHECK(evl_new_mutex(&mutex, NULL) >= 0);
  CHECK(evl_lock_mutex(&mutex) == 0 && evl_unlock_mutex(&mutex) == 0);
  CHECK(evl_init_heap(&heap, heap_mem, sizeof(heap_mem)) == 0);
  block = evl_alloc_block(&heap, 1024);
  CHECK(block != NULL && evl_free_block(&heap, block) == 0);
  evl_destroy_heap(&heap);
  CHECK(evl_usleep(100) == 0);
  CHECK(evl_detach_self() == 0);
  CHECK(evl_close_mutex(&mutex) == 0);
  close(tfd);
  close(xfd);
}

static void stages(void) {
  int fds[2], pfd, self;

  CHECK(pipe(fds) == 0);
  pfd = evl_new_proxy(fds[1], 64, NULL);
  self = evl_attach_self("c-thread:%d", (int)getpid());
  CHECK(self >= 0 && evl_get_self() == self);
  oskit_evl_stage_reset();
  CHECK(oob_write(pfd, "x", 1) == 1);
  CHECK(!evl_is_inband());
  CHECK(oskit_evl_stage_violations() == 0);
  CHECK(oskit_evl_stage_current() == OSKIT_EVL_STAGE_OOB);
  CHECK(evl_switch_inband() == 0);
  CHECK(evl_detach_self() == 0);
  CHECK(EVL_STACK_DEFAULT >= 65536);
  close(pfd);
  close(fds[0]);
  close(fds[1]);
}

int main(void) {
  struct evl_version v;

  CHECK(evl_init() == 0);
  v = evl_get_version();
  CHECK(v.api_level == __EVL__);
  CHECK(proxy_outfd >= 0 && proxy_errfd >= 0);
  CHECK(evl_printf("C side: %s\n", "ok") == 11);
  proxies();
  polling();
  driver();
  core_api();
  stages();
  return check_result();
}
