// A proxy target whose behaviour a test scripts: the proxy's relay workers
// reach it through glue/evl's target I/O seam (oskit_evl_proxy_set_target_io).
// Output the worker writes is kept in memory, in order; input comes from a
// socket the test writes into. A plan of faults (short transfers, transient
// and permanent errors) is consumed one per transfer; a gate makes the target
// full (EAGAIN, with the descriptor reporting no room, so the worker waits
// instead of spinning); a delay makes it slow.
#ifndef GLUE_EVL_TESTING_SCRIPTED_TARGET_H
#define GLUE_EVL_TESTING_SCRIPTED_TARGET_H

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>

#include "glue/evl/emul/seams.h"

namespace oskit::evl::testing {

struct Fault {
  enum Kind { kShort, kTransient, kPermanent } kind;
  int value;  // bytes for kShort (at least 1), an errno otherwise
};

class ScriptedTarget {
 public:
  // A socket pair: proxy_fd() for evl_create_proxy, the other end ours.
  // granularity > 1 makes every output transfer checked against it.
  explicit ScriptedTarget(std::size_t granularity);
  ~ScriptedTarget();
  ScriptedTarget(const ScriptedTarget&) = delete;
  ScriptedTarget& operator=(const ScriptedTarget&) = delete;

  bool ok() const { return fds_[0] >= 0; }
  int proxy_fd() const { return fds_[0]; }
  const oskit_evl_target_io* io() const { return &io_; }

  // Faults for the next output (writev) or input (read) transfers.
  void plan_output(Fault f);
  void plan_input(Fault f);
  bool output_plan_empty();
  // Full (every write EAGAIN, the descriptor unwritable) or not.
  void set_gate(bool closed);
  bool gated();
  void set_delay_us(int us);

  // Output so far, in the order the worker wrote it.
  std::string delivered();
  std::size_t delivered_size();
  // The errno of a permanent output / input failure returned, 0 if none.
  int output_failure();
  int input_failure();
  // Transient output / input errors returned so far, but EINTR: an
  // interrupted transfer is retried without a report.
  std::uint64_t transient_output_errors();
  std::uint64_t transient_input_errors();
  // A description of the first output transfer that broke the granularity
  // (empty if none).
  std::string granularity_violation();

  // Input: writes up to n bytes into the socket without blocking; returns how
  // many went in. end_input() is the end of file.
  std::size_t feed(const char* data, std::size_t n);
  void end_input();

 private:
  static ssize_t writev_hook(void* ctx, int fd, const struct iovec* iov, int iovcnt);
  static ssize_t read_hook(void* ctx, int fd, void* buf, std::size_t count);
  ssize_t on_writev(const struct iovec* iov, int iovcnt);
  ssize_t on_read(int fd, void* buf, std::size_t count);
  void fill_socket();
  void drain_socket();

  int fds_[2] = {-1, -1};
  const std::size_t granularity_;
  oskit_evl_target_io io_;

  std::mutex mu_;
  std::string delivered_;
  std::deque<Fault> output_plan_;
  std::deque<Fault> input_plan_;
  bool gated_ = false;
  int delay_us_ = 0;
  int output_failure_ = 0;
  int input_failure_ = 0;
  std::uint64_t transient_output_ = 0;
  std::uint64_t transient_input_ = 0;
  std::string granularity_violation_;
};

}  // namespace oskit::evl::testing

#endif  // GLUE_EVL_TESTING_SCRIPTED_TARGET_H
