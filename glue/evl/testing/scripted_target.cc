#include "glue/evl/testing/scripted_target.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_format.h"

namespace oskit::evl::testing {

ScriptedTarget::ScriptedTarget(std::size_t granularity) : granularity_(granularity), io_{writev_hook, read_hook, this} {
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds_) != 0) {
    fds_[0] = fds_[1] = -1;
    return;
  }
  // A small send buffer on the proxy's end: the gate fills it quickly.
  const int small = 4096;
  setsockopt(fds_[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
}

ScriptedTarget::~ScriptedTarget() {
  for (int fd : fds_) {
    if (fd >= 0) close(fd);
  }
}

void ScriptedTarget::plan_output(Fault f) {
  std::lock_guard<std::mutex> lock(mu_);
  output_plan_.push_back(f);
}

void ScriptedTarget::plan_input(Fault f) {
  std::lock_guard<std::mutex> lock(mu_);
  input_plan_.push_back(f);
}

bool ScriptedTarget::output_plan_empty() {
  std::lock_guard<std::mutex> lock(mu_);
  return output_plan_.empty();
}

// Filling the proxy's end of the socket with bytes that go to ours turns the
// descriptor the worker polls unwritable; draining ours turns it back.
void ScriptedTarget::set_gate(bool closed) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    gated_ = closed;
  }
  if (closed) {
    fill_socket();
  } else {
    drain_socket();
  }
}

bool ScriptedTarget::gated() {
  std::lock_guard<std::mutex> lock(mu_);
  return gated_;
}

void ScriptedTarget::set_delay_us(int us) {
  std::lock_guard<std::mutex> lock(mu_);
  delay_us_ = us;
}

std::string ScriptedTarget::delivered() {
  std::lock_guard<std::mutex> lock(mu_);
  return delivered_;
}

std::size_t ScriptedTarget::delivered_size() {
  std::lock_guard<std::mutex> lock(mu_);
  return delivered_.size();
}

int ScriptedTarget::output_failure() {
  std::lock_guard<std::mutex> lock(mu_);
  return output_failure_;
}

int ScriptedTarget::input_failure() {
  std::lock_guard<std::mutex> lock(mu_);
  return input_failure_;
}

std::uint64_t ScriptedTarget::transient_output_errors() {
  std::lock_guard<std::mutex> lock(mu_);
  return transient_output_;
}

std::uint64_t ScriptedTarget::transient_input_errors() {
  std::lock_guard<std::mutex> lock(mu_);
  return transient_input_;
}

std::string ScriptedTarget::granularity_violation() {
  std::lock_guard<std::mutex> lock(mu_);
  return granularity_violation_;
}

std::size_t ScriptedTarget::feed(const char* data, std::size_t n) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t k = send(fds_[1], data + done, n - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (k <= 0) break;
    done += static_cast<std::size_t>(k);
  }
  return done;
}

void ScriptedTarget::end_input() { shutdown(fds_[1], SHUT_WR); }

void ScriptedTarget::fill_socket() {
  char junk[4096] = {};
  while (send(fds_[0], junk, sizeof junk, MSG_NOSIGNAL | MSG_DONTWAIT) > 0) {
  }
  while (send(fds_[0], junk, 1, MSG_NOSIGNAL | MSG_DONTWAIT) > 0) {
  }
}

void ScriptedTarget::drain_socket() {
  char junk[4096];
  while (recv(fds_[1], junk, sizeof junk, MSG_DONTWAIT) > 0) {
  }
}

ssize_t ScriptedTarget::writev_hook(void* ctx, int, const struct iovec* iov, int iovcnt) {
  return static_cast<ScriptedTarget*>(ctx)->on_writev(iov, iovcnt);
}

ssize_t ScriptedTarget::read_hook(void* ctx, int fd, void* buf, std::size_t count) {
  return static_cast<ScriptedTarget*>(ctx)->on_read(fd, buf, count);
}

namespace {

// Applies the next planned fault, if any, to a transfer of *count bytes: a
// failure latched before or now, or a transient error, fails it (false, errno
// set); a short transfer lowers *count.
bool apply_fault(std::deque<Fault>& plan, int* failure, std::uint64_t* transients, std::size_t* count) {
  if (*failure == 0 && !plan.empty()) {
    const Fault f = plan.front();
    plan.pop_front();
    switch (f.kind) {
      case Fault::kShort:
        *count = std::min<std::size_t>(*count, static_cast<std::size_t>(std::max(f.value, 1)));
        return true;
      case Fault::kTransient:
        if (f.value != EINTR) ++*transients;
        errno = f.value;
        return false;
      case Fault::kPermanent:
        *failure = f.value;
        break;
    }
  }
  if (*failure == 0) return true;
  errno = *failure;
  return false;
}

}  // namespace

ssize_t ScriptedTarget::on_writev(const struct iovec* iov, int iovcnt) {
  std::size_t total = 0;
  for (int i = 0; i < iovcnt; ++i) total += iov[i].iov_len;
  std::unique_lock<std::mutex> lock(mu_);
  // A unit goes whole, or its rest after a short transfer.
  if (output_failure_ == 0 && granularity_ > 1 && granularity_violation_.empty() &&
      total != granularity_ - delivered_.size() % granularity_) {
    granularity_violation_ = absl::StrFormat("a transfer of %zu bytes after %zu delivered, granularity %zu", total,
                                             delivered_.size(), granularity_);
  }
  const bool planned = !output_plan_.empty();
  std::size_t take = total;
  if (!apply_fault(output_plan_, &output_failure_, &transient_output_, &take)) return -1;
  if (!planned && gated_) {
    errno = EAGAIN;
    return -1;
  }
  if (delay_us_ > 0) {
    const int us = delay_us_;
    lock.unlock();
    usleep(static_cast<useconds_t>(us));
    lock.lock();
  }
  std::size_t left = take;
  for (int i = 0; i < iovcnt && left > 0; ++i) {
    const std::size_t k = std::min(left, iov[i].iov_len);
    delivered_.append(static_cast<const char*>(iov[i].iov_base), k);
    left -= k;
  }
  return static_cast<ssize_t>(take);
}

ssize_t ScriptedTarget::on_read(int fd, void* buf, std::size_t count) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!apply_fault(input_plan_, &input_failure_, &transient_input_, &count)) return -1;
  }
  return recv(fd, buf, count, MSG_DONTWAIT);
}

}  // namespace oskit::evl::testing
