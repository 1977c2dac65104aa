/* The harness as a program: it installs its environment, runs the driver
 * stacks once, runs an allocation-failure campaign over each, shows a
 * 10-second sleep taking no real time, and at shutdown proves that every
 * object, thread, line and byte came back. Exit status 0 when it did. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <evl/evl.h>
#include <evl/poll.h>

#include "examples/harness/campaign.h"
#include "examples/harness/harness.h"
#include "examples/harness/scenarios.h"
#include "glue/env/osenv.h"

#define SECOND 1000000000LL

static long long host_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * SECOND + ts.tv_nsec;
}

/* A disk image of 64 KiB under TMPDIR (or /tmp); 0 or -1. */
static int make_disk(char *path, size_t size) {
  const char *dir = getenv("TEST_TMPDIR");
  int fd;
  if (dir == NULL) dir = getenv("TMPDIR");
  snprintf(path, size, "%s/harness-disk-XXXXXX", dir != NULL ? dir : "/tmp");
  fd = mkstemp(path);
  if (fd < 0) return -1;
  if (ftruncate(fd, 64 * 1024) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return 0;
}

static int run(const char *name, harness_scenario_t fn, void *arg, struct harness *h) {
  oskit_error_t rc = fn(h, arg);
  struct harness_campaign c;
  int campaign;
  printf("scenario %s: %s\n", name, rc == 0 ? "ok" : oskit_error_string(rc));
  campaign = harness_campaign_run(h, fn, arg, &c);
  harness_campaign_print(name, &c, stdout);
  return rc == 0 && campaign == 0 ? 0 : -1;
}

static void sleep_ten_seconds(void *arg) {
  oskit_error_t *rc = arg;
  *rc = oskit_env_sleep_until(oskit_env_deadline_after(10 * SECOND));
}

/* A thread of the environment sleeps 10 s of virtual time. */
static int ten_second_sleep(struct harness *h) {
  oskit_osenv_thread_handle_t *t = NULL;
  oskit_error_t rc = 1;
  oskit_s64_t before = harness_now(h);
  long long real = host_ns();
  if (oskit_env_thread_start("sleeper", sleep_ten_seconds, &rc, &t) != 0) return -1;
  harness_await_sleepers(h, 1);
  harness_advance_to_next_deadline(h);
  oskit_env_thread_join(t);
  real = host_ns() - real;
  printf("virtual time: a 10 s sleep ended after %.3f s of the harness's clock and %.6f s of real time\n",
         (double)(harness_now(h) - before) / SECOND, (double)real / SECOND);
  return rc == 0 ? 0 : -1;
}

struct poller {
  int set;
  oskit_s64_t deadline;
  int result;
};

static void poll_until_deadline(void *arg) {
  struct poller *p = arg;
  struct timespec ts;
  struct evl_poll_event ev;
  int attached;
  ts.tv_sec = (time_t)(p->deadline / SECOND);
  ts.tv_nsec = (long)(p->deadline % SECOND);
  /* An EVL poll is an out-of-band call: the thread attaches to the core first. */
  attached = evl_attach_self("harness-poller:%d", getpid());
  if (attached < 0) {
    p->result = attached;
    return;
  }
  p->result = evl_timedpoll(p->set, &ev, 1, &ts);
  evl_detach_self();
}

/* A thread of the environment waits in an EVL poll with a 10 s timeout: the
 * emulation's clock is the environment's. */
static int ten_second_poll(struct harness *h) {
  oskit_osenv_thread_handle_t *t = NULL;
  struct poller p;
  long long real = host_ns();
  p.set = evl_new_poll();
  p.deadline = harness_now(h) + 10 * SECOND;
  p.result = 1;
  if (p.set < 0 || oskit_env_thread_start("poller", poll_until_deadline, &p, &t) != 0) return -1;
  harness_await_sleepers(h, 1);
  harness_advance_to_next_deadline(h);
  oskit_env_thread_join(t);
  close(p.set);
  real = host_ns() - real;
  printf("virtual time: a 10 s EVL poll timed out (%s) after %.6f s of real time\n",
         p.result == -ETIMEDOUT ? "ETIMEDOUT" : "unexpectedly", (double)real / SECOND);
  return p.result == -ETIMEDOUT ? 0 : -1;
}

int main(void) {
  char disk[512];
  struct harness_pty pty;
  struct harness *h = harness_create(SECOND);
  int failures = 0, clean;
  if (h == NULL || make_disk(disk, sizeof disk) != 0) {
    perror("harness: setting up");
    return 2;
  }
  harness_echo_log(h, stderr, OSKIT_OSENV_LOG_WARNING);
  /* The EVL emulation plays the kernel: started first, what it keeps for the
   * process's lifetime stays the host's. */
  if (evl_init() < 0) {
    fprintf(stderr, "harness: evl_init failed\n");
    return 2;
  }
  if (harness_install(h) != 0) {
    fprintf(stderr, "harness: cannot install the environment\n");
    return 2;
  }
  failures += run("blocks", harness_scenario_blocks, disk, h) != 0;
  if (harness_pty_open(&pty) == 0) {
    failures += run("tty", harness_scenario_tty, &pty, h) != 0;
    harness_pty_close(&pty);
  } else {
    printf("scenario tty: skipped (no pseudo-terminal: %s)\n", strerror(errno));
  }
  failures += run("sensor", harness_scenario_sensor, NULL, h) != 0;
  failures += run("dma", harness_scenario_dma, NULL, h) != 0;
  printf("the DMA stack, as it draws itself:\n");
  failures += harness_scenario_dma(h, stdout) != 0;
  failures += ten_second_sleep(h) != 0;
  failures += ten_second_poll(h) != 0;
  harness_uninstall(h);
  unlink(disk);
  clean = harness_report(h, stdout);
  harness_destroy(h);
  return failures == 0 && clean ? 0 : 1;
}
