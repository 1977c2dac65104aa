// poll(2) and ppoll(2) over sets holding descriptors of the emulation: as on a
// real EVL system, those report their file's own poll events (a proxy's
// POLLERR, a cross-buffer's in-band view...), which the kernel descriptor's
// readiness only approximates. The other descriptors are asked from the
// kernel. To wait, the kernel descriptors are polled for the readiness
// changes that can bring an event, then everything is asked again.
#include <errno.h>
#include <poll.h>
#include <time.h>

#include <vector>

#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/file.h"
#include "glue/evl/emul/real.h"
#include "glue/evl/emul/stage_tracking.h"

namespace oskit::evl::emul {
namespace {

constexpr int kRecheckMs = 1;  // when no kernel readiness can tell of a change

long long now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

// Fills the revents of fds now; returns how many have events, or -1.
int evaluate(struct pollfd* fds, nfds_t nfds, std::vector<struct pollfd>* kernel, const sigset_t* sigmask) {
  int ready = 0;
  bool others = false;
  for (nfds_t n = 0; n < nfds; n++) {
    (*kernel)[n] = fds[n];
    (*kernel)[n].revents = 0;
    FileRef f = lookup(fds[n].fd);
    if (!f) {
      others = others || fds[n].fd >= 0;
      continue;
    }
    (*kernel)[n].fd = -1;  // asked from the file, not the kernel
    const unsigned int req = static_cast<unsigned short>(fds[n].events);
    fds[n].revents = static_cast<short>(f->poll(req) & (req | POLLERR | POLLHUP));
  }
  if (others) {
    const struct timespec zero = {0, 0};
    if (oskit_evl_real_poll(kernel->data(), nfds, &zero, sigmask) < 0) return -1;
  }
  for (nfds_t n = 0; n < nfds; n++) {
    if ((*kernel)[n].fd >= 0 || fds[n].fd < 0) fds[n].revents = fds[n].fd < 0 ? 0 : (*kernel)[n].revents;
    if (fds[n].revents != 0) ready++;
  }
  return ready;
}

// Sets kernel up to wait for what may change fds' events; returns whether
// every descriptor of ours got a readiness change to wait for.
bool arm(const struct pollfd* fds, nfds_t nfds, std::vector<struct pollfd>* kernel) {
  bool complete = true;
  for (nfds_t n = 0; n < nfds; n++) {
    (*kernel)[n] = fds[n];
    FileRef f = lookup(fds[n].fd);
    if (!f) continue;
    const unsigned int mirror = f->poll(0);
    short events = 0;
    if (!(mirror & (POLLIN | POLLRDNORM | POLLERR))) events |= POLLIN;  // data or an error to come
    if ((fds[n].events & POLLOUT) && !(mirror & (POLLOUT | POLLWRNORM))) events |= POLLOUT;
    if (events == 0) complete = false;
    (*kernel)[n].events = events;
  }
  return complete;
}

}  // namespace
}  // namespace oskit::evl::emul

using namespace oskit::evl::emul;

extern "C" int oskit_evl_inband_poll(struct pollfd* fds, nfds_t nfds, int timeout, const sigset_t* sigmask) {
  inband_syscall("poll");
  const long long deadline = timeout >= 0 ? now_ms() + timeout : -1;
  std::vector<struct pollfd> kernel(nfds);
  for (;;) {
    const int ready = evaluate(fds, nfds, &kernel, sigmask);
    if (ready != 0) return ready;
    long long left = deadline >= 0 ? deadline - now_ms() : -1;
    if (deadline >= 0 && left <= 0) return 0;
    if (!arm(fds, nfds, &kernel) && (left < 0 || left > kRecheckMs)) left = kRecheckMs;
    struct timespec wait = {static_cast<time_t>(left / 1000), static_cast<long>(left % 1000) * 1000000};
    if (oskit_evl_real_poll(kernel.data(), nfds, left >= 0 ? &wait : nullptr, sigmask) < 0) return -1;
  }
}
