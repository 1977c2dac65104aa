/* A program written for libevl's proxies, as libevl's own tests are: it
 * includes only libevl headers and uses only libevl names, so it builds
 * unchanged against a real libevl and against the emulation. An input and
 * output proxy on an eventfd with 64-bit granularity; an EVL poller thread
 * waits for input with evl_poll(), reads it out-of-band and answers through
 * the output side; the main thread watches the answer reach the eventfd. */
#include <errno.h>
#include <evl/poll.h>
#include <evl/proxy.h>
#include <evl/syscall.h>
#include <evl/thread.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/types.h>
#include <unistd.h>

#define TEST_VALUE1 ((int)0x55aa2711)
#define TEST_VALUE2 ((int)0xff774421)

#define check(__expr)                                                                \
  do {                                                                               \
    if (!(__expr)) {                                                                 \
      fprintf(stderr, "FAILED: %s (line %d, errno %d)\n", #__expr, __LINE__, errno); \
      exit(1);                                                                       \
    }                                                                                \
  } while (0)

static int evntfd, proxyfd;

static void *poller(void *arg) {
  struct evl_poll_event pollset;
  int ret, tfd, pfd;
  uint64_t val;

  (void)arg;
  tfd = evl_attach_self("proxy-poller:%d", getpid());
  check(tfd >= 0);
  pfd = evl_new_poll();
  check(pfd >= 0);
  ret = evl_add_pollfd(pfd, proxyfd, POLLIN, evl_intval(7));
  check(ret == 0);
  ret = evl_poll(pfd, &pollset, 1);
  check(ret == 1);
  check(pollset.events == POLLIN);
  check(pollset.fd == (__u32)proxyfd);
  check(pollset.pollval.val == 7);
  ret = oob_read(proxyfd, &val, sizeof(val));
  check(ret == sizeof(val));
  check(val == TEST_VALUE1);
  val = TEST_VALUE2;
  ret = oob_write(proxyfd, &val, sizeof(val));
  check(ret == sizeof(val));
  ret = evl_print_proxy(proxy_outfd, "poller done\n");
  check(ret > 0);
  close(pfd);
  evl_detach_self();
  return NULL;
}

int main(int argc, char *argv[]) {
  pthread_attr_t attr;
  pthread_t tid;
  int tfd, ret, logfd;

  (void)argc;
  (void)argv;
  evntfd = eventfd(TEST_VALUE1, 0);
  check(evntfd >= 0);
  tfd = evl_attach_self("proxy-main:%d", getpid());
  check(tfd >= 0);
  proxyfd = evl_create_proxy(evntfd, sizeof(uint64_t) * 2, sizeof(uint64_t), EVL_CLONE_INPUT | EVL_CLONE_OUTPUT,
                             "proxy-program:%d", getpid());
  check(proxyfd >= 0);
  logfd = evl_new_proxy(proxy_errfd, 1024, "proxy-program-log:%d", getpid());
  check(logfd >= 0);
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, EVL_STACK_DEFAULT);
  ret = pthread_create(&tid, &attr, poller, NULL);
  check(ret == 0);
  pthread_join(tid, NULL);
  ret = evl_printf("main: %s\n", "poller joined");
  check(ret > 0);
  ret = evl_print_proxy(logfd, "log line through a proxy to a proxy\n");
  check(ret > 0);
  evl_detach_self();
  close(logfd);
  close(proxyfd); /* flushes TEST_VALUE2 to the eventfd */
  return 0;
}
