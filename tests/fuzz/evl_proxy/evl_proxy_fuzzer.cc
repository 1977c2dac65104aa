// Fuzzes sequences of EVL proxy creation, writes, reads, polls and closes
// through the libevl API (<evl/proxy.h>, <evl/syscall.h>, read(2)/write(2)),
// with random sizes, granularity, flags, non-blocking mode and targets that
// fail, stall or crawl (a scripted target behind glue/evl's target I/O seam),
// against a model written from the EVL documentation's "File proxy" and
// "Out-of-band I/O services" pages and docs/design.md, "Proxies":
//   - creation: the documented errors, and only when their cause is there;
//   - a write is all or nothing: ENXIO without an output side, EFBIG past the
//     ring, EINVAL off the granularity, EAGAIN only in non-blocking mode and,
//     once the fill is known (the target full after a drain), exactly when the
//     bytes queued and asked for pass bufsz;
//   - the target receives the accepted bytes, in order, in whole units of the
//     granularity; a transient error is retried and reported to a later write;
//     a permanent one fails every write after it; nothing is lost unreported,
//     and close drains a working target;
//   - reads return the target's bytes in order, in whole units; errors are
//     those the target gave; end of file once it is all read;
//   - a public proxy appears under the root while it is open.
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <evl/evl.h>
#include <evl/poll.h>
#include <evl/proxy.h>
#include <evl/syscall.h>
#include <evl/thread.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "glue/env/env.h"
#include "glue/evl/config.h"
#include "glue/evl/emul/seams.h"
#include "glue/evl/testing/drop_log.h"
#include "glue/evl/testing/scripted_target.h"
#include "oskit/testing/temp_dir.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"

namespace oskit::fuzz {
namespace {

using evl::testing::DropLog;
using evl::testing::Fault;
using evl::testing::ScriptedTarget;

// Ring memory comes from the embedding environment's allocate() when a
// harness installed one (the drop log here), zeroed there: only the host's
// anonymous mappings are committed as used. The model makes no ring past
// 64 KiB, so that runs stay quick (the largest ring is covered by
// tests/fuzz/evl_proxy/proxy_defects_test.cc).
constexpr std::size_t kLargestRingHere = 64u << 10;

constexpr std::size_t kMaxBufsz = std::size_t{1} << 30;
constexpr int kReportedErrnos[] = {EIO, ENOSPC, ENOBUFS, ENOMEM, EDQUOT};
constexpr int kPermanentErrnos[] = {EPIPE, EBADF, EINVAL, EFBIG, ENXIO, EACCES};

DropLog& drop_log() {
  static DropLog* log = new DropLog;
  return *log;
}

void start_evl() {
  static const bool started = [] {
    signal(SIGPIPE, SIG_IGN);
    FUZZ_CHECK(env::install(&drop_log()).ok(), "the drop-counting environment installs before anything exists");
    std::string root = testing::temp_path("evl-proxy-fuzz-XXXXXX");
    FUZZ_CHECK(mkdtemp(root.data()) != nullptr, "a root for /dev/evl");
    FUZZ_CHECK_EQ(oskit_evl_set_root(root.c_str()), 0, "set the root");
    FUZZ_CHECK_EQ(evl_init(), 0, "evl_init");
    FUZZ_CHECK(evl_attach_self("proxy-fuzz:%d", getpid()) >= 0, "attach the fuzzing thread");
    return true;
  }();
  (void)started;
}

bool is_reported_errno(int e) {
  for (int r : kReportedErrnos) {
    if (r == e) return true;
  }
  return false;
}

// The byte at position pos of a stream: misplaced, repeated or lost bytes show.
char stream_byte(std::uint64_t salt, std::size_t pos) {
  return static_cast<char>((pos * 131 + (pos >> 8) * 7 + salt) & 0xff);
}
std::string stream_bytes(std::uint64_t salt, std::size_t from, std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = stream_byte(salt, from + i);
  return s;
}

// Waits, with no deadline, until evl_poll reports event on fd (the file's own
// poll state: the kernel descriptor's catches up later), or until an error it
// reports instead makes give_up() true. Returns whether the event came.
template <typename GiveUp>
bool wait_for(int fd, unsigned int event, GiveUp give_up) {
  const int set = evl_new_poll();
  FUZZ_CHECK(set >= 0, "evl_new_poll gave %d", set);
  FUZZ_CHECK_EQ(evl_add_pollfd(set, fd, event, evl_nil), 0, "evl_add_pollfd");
  struct evl_poll_event ev = {0, 0};
  for (;;) {
    ev.events = 0;
    FUZZ_CHECK_EQ(evl_poll(set, &ev, 1), 1, "evl_poll");
    if ((ev.events & event) || give_up()) break;
    usleep(50);  // an error is pending: it stays until a call takes it
  }
  close(set);
  return (ev.events & event) != 0;
}

enum class Via { kSyscall, kOob, kProxyCall };

// A call's result as a count or a negated errno.
ssize_t result_of(ssize_t rc) { return rc < 0 ? -errno : rc; }

ssize_t write_via(Via via, int fd, const char* data, std::size_t n) {
  switch (via) {
    case Via::kSyscall:
      return result_of(::write(fd, data, n));
    case Via::kOob:
      return result_of(oob_write(fd, data, n));
    case Via::kProxyCall:
      break;
  }
  return evl_send_proxy(fd, data, n);
}

ssize_t read_via(Via via, int fd, char* data, std::size_t n) {
  switch (via) {
    case Via::kSyscall:
      return result_of(::read(fd, data, n));
    case Via::kOob:
      return result_of(oob_read(fd, data, n));
    case Via::kProxyCall:
      break;
  }
  return evl_read_proxy(fd, data, n);
}

struct Session {
  int fd = -1;
  std::unique_ptr<ScriptedTarget> target;
  std::size_t bufsz = 0, granularity = 0, unit = 1;
  bool out = false, in = false, nonblock = false;
  std::string name, public_path;
  std::uint64_t salt = 0;
  std::uint64_t dropped_at_start = 0;

  // Output.
  std::string accepted;
  bool drained = false;              // nothing accepted since a drain
  bool exact = false;                // gated right after a drain: the fill is known
  std::size_t fill = 0;              // bytes accepted since then
  bool failure_confirmed = false;    // a drain saw the permanent failure
  std::uint64_t output_reports = 0;  // transient errors that writes returned
  // The target's error count when the last report returned: an error counted
  // after it is still pending, and after a drain the next write must report it.
  std::uint64_t errors_after_last_report = 0;
  bool must_report = false;

  // Input.
  std::string source;
  std::size_t consumed = 0;
  bool eof = false;
  std::uint64_t input_reports = 0;
  bool partial_unit_reported = false;
  bool input_failure_reported = false;

  std::size_t remaining() const { return source.size() - consumed; }
};

class ProxyFuzz {
 public:
  explicit ProxyFuzz(FuzzInput& in) : in_(in) {}
  ~ProxyFuzz() {
    for (Session& s : sessions_) {
      if (s.fd >= 0) close_session(s);
    }
  }

  void run() {
    for (int steps = 0; steps < 80 && !in_.empty(); ++steps) step();
  }

 private:
  void step() {
    Session& s = sessions_[in_.pick(2)];
    if (s.fd < 0) {
      create(s);
      return;
    }
    switch (in_.pick(16)) {
      case 0:
      case 1:
      case 2:
        write(s);
        break;
      case 3:
        burst(s);
        break;
      case 4:
      case 5:
        read(s);
        break;
      case 6:
        drain(s);
        break;
      case 7:
        gate(s);
        break;
      case 8:
        plan(s);
        break;
      case 9:
        delay(s);
        break;
      case 10:
        set_nonblock(s, in_.boolean());
        break;
      case 11:
      case 12:
        feed(s);
        break;
      case 13:
        settle(s);
        break;
      case 14:
        if (in_.pick(4) == 0) end_input(s);
        break;
      default:
        close_session(s);
        break;
    }
  }

  // ------------------------------------------------------------ creation

  void create(Session& s) {
    static constexpr std::size_t kSizes[] = {
        0, 1, 7, 8, 24, 64, 100, 512, 1024, 4096, 16384, 65536, kMaxBufsz + 1, kMaxBufsz * 2};
    static constexpr std::size_t kGranularities[] = {0, 0, 0, 1, 2, 3, 8, 8, 16};
    s = Session{};
    s.granularity = in_.one_of(kGranularities);
    s.bufsz = in_.pick(3) == 0 ? static_cast<std::size_t>(in_.range(1, 4096)) : in_.one_of(kSizes);
    if (s.granularity > 1 && in_.pick(4) != 0) s.bufsz -= s.bufsz % s.granularity;
    if (s.bufsz > kLargestRingHere && s.bufsz <= kMaxBufsz) s.bufsz = kLargestRingHere;
    int flags = 0;
    if (in_.boolean()) flags |= EVL_CLONE_OUTPUT;
    if (in_.pick(3) == 0) flags |= EVL_CLONE_INPUT;
    if (in_.pick(4) == 0) flags |= EVL_CLONE_NONBLOCK;
    if (in_.pick(16) == 0) flags |= in_.one_of({EVL_CLONE_OBSERVABLE, EVL_CLONE_UNICAST, 1 << 3});
    const int name_kind = static_cast<int>(in_.pick(8));
    if ((name_kind == 2 && in_.boolean()) || (name_kind == 0 && in_.pick(4) == 0)) flags |= EVL_CLONE_PUBLIC;
    const bool bad_target = in_.pick(24) == 0;

    s.target = std::make_unique<ScriptedTarget>(s.granularity);
    FUZZ_CHECK(s.target->ok(), "a socket pair for the target");
    std::string name;
    bool name_ok = true, name_too_long = false, has_name = true;
    switch (name_kind) {
      case 0:
        has_name = false;
        break;  // anonymous
      case 1:
        name = "/" + unique_name();
        break;
      case 2:
        name = unique_name();
        break;
      case 3: {
        static const char* const kBad[] = {"", ".", "..", "a/b", "/a/b", "/..", "tab\there", "del\x7f"};
        name = in_.one_of(kBad);
        name_ok = false;
        break;
      }
      case 4:
        name = std::string(PATH_MAX, 'n');
        name_too_long = true;
        break;
      case 5: {  // the other session's name, if it has one
        const Session& other = sessions_[&s == &sessions_[0] ? 1 : 0];
        name = other.fd >= 0 && !other.name.empty() ? other.name : unique_name();
        break;
      }
      default:
        name = unique_name();
        break;
    }
    const bool is_public = (flags & EVL_CLONE_PUBLIC) || (!name.empty() && name[0] == '/');
    const std::string bare = !name.empty() && name[0] == '/' ? name.substr(1) : name;
    const bool in_use = has_name && name_ok && !name_too_long && bare_in_use(bare);

    // Every cause of failure present, and what each may answer.
    const int known = EVL_CLONE_PUBLIC | EVL_CLONE_NONBLOCK | EVL_CLONE_INPUT | EVL_CLONE_OUTPUT;
    const bool dirs = (flags & (EVL_CLONE_INPUT | EVL_CLONE_OUTPUT)) != 0;
    bool einval = (flags & ~known) != 0 || s.bufsz > kMaxBufsz || (s.granularity > 1 && s.bufsz % s.granularity != 0) ||
                  (s.bufsz == 0 && dirs) || (!has_name && (flags & EVL_CLONE_PUBLIC)) || !name_ok;
    const int target_fd = bad_target ? 100000 + static_cast<int>(in_.pick(100)) : s.target->proxy_fd();

    int fd;
    if (has_name) {
      fd = evl_create_proxy(target_fd, s.bufsz, s.granularity, flags, "%s", name.c_str());
    } else {
      fd = evl_create_proxy(target_fd, s.bufsz, s.granularity, flags, nullptr);
    }
    FUZZ_TRACE("create(bufsz %zu, granularity %zu, flags %#x, name '%s') -> %d", s.bufsz, s.granularity, flags,
               name.substr(0, 40), fd);
    const bool must_fail = einval || name_too_long || bad_target || in_use;
    if (must_fail) {
      const bool allowed = (einval && fd == -EINVAL) || (name_too_long && fd == -ENAMETOOLONG) ||
                           (bad_target && fd == -EBADF) || (in_use && fd == -EEXIST);
      FUZZ_CHECK(allowed,
                 "create(bufsz %zu, granularity %zu, flags %#x, name '%s') gave %d; causes: einval %d, too long %d, "
                 "bad target %d, in use %d",
                 s.bufsz, s.granularity, flags, name.substr(0, 40), fd, einval, name_too_long, bad_target, in_use);
      s = Session{};
      return;
    }
    FUZZ_CHECK(fd >= 0, "create(bufsz %zu, granularity %zu, flags %#x, name '%s') gave %d", s.bufsz, s.granularity,
               flags, name.substr(0, 40), fd);
    FUZZ_CHECK_EQ(oskit_evl_proxy_set_target_io(fd, s.target->io()), 0, "scripted target I/O");
    s.fd = fd;
    s.name = has_name ? bare : "";
    s.out = (flags & EVL_CLONE_OUTPUT) || (s.bufsz != 0 && !(flags & EVL_CLONE_INPUT));
    s.in = (flags & EVL_CLONE_INPUT) != 0;
    s.nonblock = (flags & EVL_CLONE_NONBLOCK) != 0;
    s.unit = s.granularity > 1 ? s.granularity : 1;
    s.salt = in_.u8();
    s.drained = true;
    s.dropped_at_start = drop_log().dropped(s.name);
    FUZZ_CHECK_EQ((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0, s.nonblock, "EVL_CLONE_NONBLOCK sets O_NONBLOCK");
    if (is_public) {
      s.public_path = std::string(oskit_evl_root()) + "/proxy/" + bare;
      struct stat st;
      FUZZ_CHECK(lstat(s.public_path.c_str(), &st) == 0, "a public proxy appears at %s", s.public_path);
    }
  }

  std::string unique_name() { return "fz" + std::to_string(getpid()) + "-" + std::to_string(++names_); }

  bool bare_in_use(const std::string& bare) const {
    for (const Session& o : sessions_) {
      if (o.fd >= 0 && !o.name.empty() && o.name == bare) return true;
    }
    return false;
  }

  // ------------------------------------------------------------ output

  std::size_t some_count(const Session& s) {
    switch (in_.pick(8)) {
      case 0:
        return 0;
      case 1:
        return s.bufsz + in_.range(0, 1);
      case 2:
        return static_cast<std::size_t>(in_.range(1, 2 * s.bufsz + 2));
      case 3:
      case 4:
        return static_cast<std::size_t>(in_.range(1, 16));
      default:
        return s.unit * static_cast<std::size_t>(in_.range(1, 8));
    }
  }

  void write(Session& s) {
    const std::size_t count = some_count(s);
    write_checked(s, count, static_cast<Via>(in_.pick(3)));
  }

  // Many small writes in a row, until one does not take its bytes.
  void burst(Session& s) {
    const std::size_t count = s.unit * static_cast<std::size_t>(in_.range(1, 4));
    const Via via = static_cast<Via>(in_.pick(3));
    for (int n = static_cast<int>(in_.range(1, 2048)); n > 0; --n) {
      if (write_checked(s, count, via) != static_cast<ssize_t>(count)) break;
    }
  }

  // Writes count bytes and checks the result; returns it.
  ssize_t write_checked(Session& s, std::size_t count, Via via) {
    if (!s.nonblock && s.target->gated()) return 0;  // would wait for a target that never drains
    const std::string data = stream_bytes(s.salt, s.accepted.size(), count);
    const ssize_t rc = write_via(via, s.fd, data.data(), count);
    FUZZ_TRACE("fd %d: write %zu via %d -> %zd", s.fd, count, static_cast<int>(via), rc);
    const std::uint64_t errors_after = s.target->transient_output_errors();
    const auto what = [&] {
      return absl::StrFormat("write of %zu (via %d, bufsz %zu, granularity %zu, nonblock %d, exact %d, fill %zu)",
                             count, static_cast<int>(via), s.bufsz, s.granularity, s.nonblock, s.exact, s.fill);
    };
    if (count == 0 && via == Via::kProxyCall) {  // "Zero is acceptable and leads to a null-effect"
      FUZZ_CHECK_EQ(rc, 0, "%s", what());
      return rc;
    }
    if (!s.out) {
      FUZZ_CHECK_EQ(rc, -ENXIO, "%s: no output side", what());
      return rc;
    }
    if (count == 0) {
      FUZZ_CHECK_EQ(rc, 0, "%s", what());
      return rc;
    }
    if (count > s.bufsz) {
      FUZZ_CHECK_EQ(rc, -EFBIG, "%s: larger than the ring", what());
      return rc;
    }
    if (s.granularity > 1 && count % s.granularity != 0) {
      FUZZ_CHECK_EQ(rc, -EINVAL, "%s", what());
      return rc;
    }
    const int failure = s.target->output_failure();
    if (s.failure_confirmed) {
      FUZZ_CHECK_EQ(rc, -failure, "%s: the target failed for good", what());
      return rc;
    }

    if (rc == static_cast<ssize_t>(count)) {
      FUZZ_CHECK(!s.must_report, "%s: a transient target error was never reported", what());
      FUZZ_CHECK(!s.exact || s.fill + count <= s.bufsz, "%s: accepted past bufsz", what());
      s.accepted += data;
      s.fill += count;
      s.drained = false;
      return rc;
    }
    if (rc == -EAGAIN) {
      FUZZ_CHECK(s.nonblock, "%s: EAGAIN in blocking mode", what());
      FUZZ_CHECK(!s.exact || s.fill + count > s.bufsz, "%s: EAGAIN with room for the payload", what());
      return rc;
    }
    if (failure != 0 && rc == -failure) return rc;  // the permanent failure, seen before a drain confirms it
    // Each report takes at least one error the target gave.
    FUZZ_CHECK(rc < 0 && is_reported_errno(static_cast<int>(-rc)) && s.output_reports < errors_after,
               "%s gave %zd (transient errors so far %llu, reported %llu)", what(), rc,
               static_cast<unsigned long long>(errors_after), static_cast<unsigned long long>(s.output_reports));
    ++s.output_reports;
    s.errors_after_last_report = errors_after;
    s.must_report = false;
    return rc;
  }

  // Waits for POLLOUT (all output reached the target, or was given up on)
  // and checks what the target has.
  void drain(Session& s) {
    if (!s.out || s.target->gated()) return;
    wait_for(s.fd, POLLOUT, [] { return false; });
    FUZZ_TRACE("fd %d: drained, %zu of %zu delivered", s.fd, s.target->delivered_size(), s.accepted.size());
    check_delivered(s, "drain");
    const int failure = s.target->output_failure();
    const std::string delivered = s.target->delivered();
    if (failure == 0) {
      FUZZ_CHECK(delivered.size() == s.accepted.size(), "drain: POLLOUT with %zu of %zu bytes delivered",
                 delivered.size(), s.accepted.size());
    } else {
      s.failure_confirmed = true;
    }
    oskit_evl_proxy_stats stats{};
    FUZZ_CHECK_EQ(oskit_evl_proxy_get_stats(s.fd, &stats), 0, "stats");
    FUZZ_CHECK_EQ(stats.bytes_relayed_out, delivered.size(), "bytes relayed out");
    FUZZ_CHECK(stats.bytes_dropped >= s.accepted.size() - delivered.size(),
               "drain: %zu bytes undelivered, %llu counted as dropped", s.accepted.size() - delivered.size(),
               static_cast<unsigned long long>(stats.bytes_dropped));
    s.drained = true;
    s.fill = 0;
    s.must_report = s.target->transient_output_errors() > s.errors_after_last_report;
  }

  void check_delivered(Session& s, const char* when) {
    const std::string delivered = s.target->delivered();
    FUZZ_CHECK(delivered.size() <= s.accepted.size() && s.accepted.compare(0, delivered.size(), delivered) == 0,
               "%s: the target got %zu bytes that are not the first of the %zu accepted, in order", when,
               delivered.size(), s.accepted.size());
    const std::string violation = s.target->granularity_violation();
    FUZZ_CHECK(violation.empty(), "%s: granularity broken: %s", when, violation);
  }

  void gate(Session& s) {
    if (!s.out) return;
    const bool close_gate = in_.boolean();
    s.exact = close_gate && s.drained && s.target->output_plan_empty() && s.target->output_failure() == 0;
    s.fill = 0;
    s.target->set_gate(close_gate);
    FUZZ_TRACE("fd %d: gate %s, exact %d", s.fd, close_gate ? "closed" : "open", s.exact);
  }

  void plan(Session& s) {
    const bool output = in_.boolean();
    for (int n = static_cast<int>(in_.range(1, 4)); n > 0; --n) {
      Fault f{};
      switch (in_.pick(8)) {
        case 0:
          f = {Fault::kPermanent, in_.one_of(kPermanentErrnos)};
          break;
        case 1:
          f = {Fault::kTransient, EINTR};
          break;
        case 2:
        case 3:
          f = {Fault::kTransient, in_.one_of(kReportedErrnos)};
          break;
        default:
          f = {Fault::kShort, static_cast<int>(in_.range(1, 64))};
          break;
      }
      FUZZ_TRACE("fd %d: %s fault %d/%d", s.fd, output ? "output" : "input", static_cast<int>(f.kind), f.value);
      if (output) {
        s.target->plan_output(f);
        s.exact = false;
      } else {
        s.target->plan_input(f);
      }
    }
  }

  // A slow target. Not with a granularity: every unit is a transfer of its
  // own, and a delay per unit would only make the input slow to run.
  void delay(Session& s) {
    const int us = in_.boolean() || s.granularity > 1 ? 0 : static_cast<int>(in_.range(1, 200));
    s.target->set_delay_us(us);
    FUZZ_TRACE("fd %d: target delay %d us", s.fd, us);
  }

  void set_nonblock(Session& s, bool on) {
    const int flags = fcntl(s.fd, F_GETFL);
    FUZZ_CHECK(flags >= 0 && fcntl(s.fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) == 0, "fcntl");
    s.nonblock = on;
    FUZZ_TRACE("fd %d: nonblock %d", s.fd, on);
  }

  // ------------------------------------------------------------ input

  void feed(Session& s) {
    if (!s.in || s.eof) return;
    const std::size_t n = static_cast<std::size_t>(in_.range(1, 4096));
    const std::string data = stream_bytes(s.salt ^ 0x5a, s.source.size(), n);
    s.source.append(data, 0, s.target->feed(data.data(), n));
    FUZZ_TRACE("fd %d: fed, %zu in the source", s.fd, s.source.size());
  }

  void end_input(Session& s) {
    s.target->end_input();
    s.eof = true;
    FUZZ_TRACE("fd %d: end of input", s.fd);
  }

  bool input_failed(Session& s) { return s.target->input_failure() != 0; }

  // Whether a blocking read returns: data or an end will come.
  bool read_returns(Session& s, std::size_t count) {
    if (!s.in || count == 0 || (s.granularity > 1 && count % s.granularity != 0)) return true;
    if (input_failed(s)) return true;
    return s.remaining() >= s.unit || s.eof;
  }

  void read(Session& s) {
    const std::size_t count = some_count(s);
    if (!s.nonblock && !read_returns(s, count)) return;
    const Via via = static_cast<Via>(in_.pick(3));
    std::string buf(count + 1, '\xee');
    const ssize_t rc = read_via(via, s.fd, buf.data(), count);
    FUZZ_TRACE("fd %d: read %zu via %d -> %zd", s.fd, count, static_cast<int>(via), rc);
    const auto what = [&] {
      return absl::StrFormat("read of %zu (via %d, bufsz %zu, granularity %zu, nonblock %d, %zu of %zu read, eof %d)",
                             count, static_cast<int>(via), s.bufsz, s.granularity, s.nonblock, s.consumed,
                             s.source.size(), s.eof);
    };
    if (count == 0 && via == Via::kProxyCall) {
      FUZZ_CHECK_EQ(rc, 0, "%s", what());
      return;
    }
    if (!s.in) {
      FUZZ_CHECK_EQ(rc, -ENXIO, "%s: no input side", what());
      return;
    }
    if (count == 0) {
      FUZZ_CHECK_EQ(rc, 0, "%s", what());
      return;
    }
    if (s.granularity > 1 && count % s.granularity != 0) {
      FUZZ_CHECK_EQ(rc, -EINVAL, "%s", what());
      return;
    }
    if (rc > 0) {
      const auto n = static_cast<std::size_t>(rc);
      FUZZ_CHECK(n <= count && n % s.unit == 0 && n <= s.remaining(), "%s: returned %zd", what(), rc);
      FUZZ_CHECK(buf.compare(0, n, s.source, s.consumed, n) == 0, "%s: the target's bytes, in order", what());
      FUZZ_CHECK(buf[n] == '\xee', "%s: wrote past its count", what());
      s.consumed += n;
      return;
    }
    const int failure = s.target->input_failure();
    if (rc == 0) {
      FUZZ_CHECK((s.eof && s.remaining() < s.unit) || failure != 0, "%s: end of file with data left", what());
      return;
    }
    if (rc == -EAGAIN) {
      FUZZ_CHECK(s.nonblock, "%s: EAGAIN in blocking mode", what());
      // POLLIN may tell of input the target still holds: the proxy reads it
      // only once a reader asks, so a non-blocking read finding the ring
      // empty asks and says EAGAIN even after POLLIN (docs/evl-fidelity.md).
      FUZZ_CHECK(!s.input_failure_reported, "%s: EAGAIN after a permanent failure", what());
      return;
    }
    if (failure != 0 && rc == -failure) {
      s.input_failure_reported = true;
      return;
    }
    if (rc == -EIO && s.eof && s.remaining() < s.unit && s.remaining() % s.unit != 0 && !s.partial_unit_reported) {
      s.partial_unit_reported = true;  // a unit cut short by the end of file
      return;
    }
    FUZZ_CHECK(
        rc < 0 && is_reported_errno(static_cast<int>(-rc)) && s.input_reports < s.target->transient_input_errors(),
        "%s gave %zd (transient input errors %llu, reported %llu)", what(), rc,
        static_cast<unsigned long long>(s.target->transient_input_errors()),
        static_cast<unsigned long long>(s.input_reports));
    ++s.input_reports;
  }

  // Waits until the proxy has input, when it must come.
  void settle(Session& s) {
    if (!s.in || s.remaining() < s.unit || input_failed(s)) return;
    const bool in =
        wait_for(s.fd, POLLIN, [&] { return input_failed(s) || s.target->transient_input_errors() > s.input_reports; });
    if (!in) return;
    int waiting = -1;
    FUZZ_CHECK_EQ(ioctl(s.fd, FIONREAD, &waiting), 0, "FIONREAD");
    FUZZ_CHECK(waiting >= 0 && static_cast<std::size_t>(waiting) <= s.remaining() &&
                   static_cast<std::size_t>(waiting) % s.unit == 0,
               "FIONREAD says %d with %zu bytes unread, granularity %zu", waiting, s.remaining(), s.granularity);
  }

  // ------------------------------------------------------------ close

  void close_session(Session& s) {
    const bool gated = s.target->gated();
    // close(2) returns once the relay workers are done with the target.
    FUZZ_CHECK_EQ(close(s.fd), 0, "close");
    FUZZ_TRACE("fd %d: closed, %zu of %zu delivered", s.fd, s.target->delivered_size(), s.accepted.size());
    check_delivered(s, "close");
    const std::size_t lost = s.accepted.size() - s.target->delivered_size();
    const std::uint64_t reported = drop_log().dropped(s.name) - s.dropped_at_start;
    const std::size_t unreported = lost > reported ? lost - static_cast<std::size_t>(reported) : 0;
    FUZZ_CHECK(unreported == 0, "close: %zu bytes never reached the target and %llu were reported dropped", lost,
               static_cast<unsigned long long>(reported));
    if (s.target->output_failure() == 0 && !gated) {
      FUZZ_CHECK(lost == 0, "close drains pending output to a working target: %zu bytes lost", lost);
    }
    if (!s.public_path.empty()) {
      struct stat st;
      FUZZ_CHECK(lstat(s.public_path.c_str(), &st) != 0 && errno == ENOENT, "a closed public proxy leaves %s",
                 s.public_path);
    }
    s = Session{};
  }

  FuzzInput& in_;
  Session sessions_[2];
  int names_ = 0;
};

}  // namespace
}  // namespace oskit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  oskit::fuzz::start_evl();
  oskit::fuzz::FuzzInput in(data, size);
  oskit::fuzz::ProxyFuzz(in).run();
  return 0;
}
