#include "components/tty/tty.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "components/fault/fault.h"
#include "components/tty/termios_map.h"
#include "gtest/gtest.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/posixio.h"
#include "oskit/testing/asyncio_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/posixio_conformance.h"
#include "oskit/testing/stream_conformance.h"
#include "oskit/testing/ttystream_conformance.h"

namespace oskit {
namespace {

// A pseudo-terminal: the test holds the master, the component the slave.
struct Pty {
  int master = -1;
  std::string slave_name;
  Pty() {
    master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return;
    char name[128];
    if (ptsname_r(master, name, sizeof name) == 0) slave_name = name;
  }
  ~Pty() {
    if (master >= 0) close(master);
  }
  Pty(const Pty&) = delete;
  Pty& operator=(const Pty&) = delete;
  int open_slave(int extra = 0) const { return open(slave_name.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC | extra); }
};

void write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = write(fd, s.data() + done, s.size() - done);
    ASSERT_GT(n, 0);
    done += static_cast<size_t>(n);
  }
}

std::string read_exactly(int fd, size_t n) {
  std::string s;
  while (s.size() < n) {
    char buf[256];
    ssize_t got = read(fd, buf, std::min(sizeof buf, n - s.size()));
    if (got <= 0) break;
    s.append(buf, static_cast<size_t>(got));
  }
  return s;
}

void wait_pending(int fd, size_t n) {
  for (;;) {
    int pending = 0;
    if (ioctl(fd, FIONREAD, &pending) != 0 || static_cast<size_t>(pending) >= n) return;
    sched_yield();
  }
}

// The component over a pty slave, kept with its master. The slave starts in
// raw mode for the stream and asyncio suites, with default settings for the
// ttystream suite.
struct TtyPair {
  std::shared_ptr<Pty> pty = std::make_shared<Pty>();
  int slave = -1;  // the component's descriptor (owned by it)
  ComPtr<oskit_ttystream> tty;
  explicit TtyPair(bool raw) {
    int fd = pty->open_slave();
    if (fd < 0) return;
    if (raw) {
      struct termios t;
      tcgetattr(fd, &t);
      cfmakeraw(&t);
      tcsetattr(fd, TCSANOW, &t);
    }
    if (oskit_tty_adopt(fd, tty.put()) != 0) {
      close(fd);
      return;
    }
    slave = fd;
  }
};

struct TtyStream {
  static constexpr bool kSeekable = false;
  struct Instance {
    ComPtr<oskit_stream> io;
    std::function<void(const std::string&)> feed;
    std::function<std::string(size_t)> drain;
  };
  static Instance make() {
    TtyPair p(true);
    auto pty = p.pty;
    return {p.tty, [pty](const std::string& s) { write_all(pty->master, s); },
            [pty](size_t n) { return read_exactly(pty->master, n); }};
  }
};

struct TtyTerminal {
  static constexpr bool kHardwareSettings = false;  // a pty
  struct Instance {
    ComPtr<oskit_ttystream> io;
    std::function<void(const std::string&)> type;
    std::function<void(size_t)> wait_input;
  };
  static Instance make() {
    TtyPair p(false);
    auto pty = p.pty;
    int slave = p.slave;
    return {p.tty, [pty](const std::string& s) { write_all(pty->master, s); },
            [slave](size_t n) { wait_pending(slave, n); }};
  }
};

struct TtyAsyncio {
  static constexpr bool kAlwaysReady = false;
  struct Instance {
    ComPtr<oskit_asyncio> io;
    std::function<void()> make_readable;
  };
  static Instance make() {
    TtyPair p(true);
    auto pty = p.pty;
    return {query<oskit_asyncio>(p.tty), [pty] { write_all(pty->master, "r"); }};
  }
};

struct TtyPosixio {
  static constexpr bool kSizeSettable = false;
  static ComPtr<oskit_posixio> make() {
    // The pty goes away with the component: the master is closed right after
    // (the slave stays a valid terminal for attribute calls).
    TtyPair p(false);
    return query<oskit_posixio>(p.tty);
  }
};

struct TtyCom {
  static ComPtr<oskit_iunknown> make() { return query<oskit_iunknown>(TtyPair(true).tty); }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_ttystream>::value, iid_of<oskit_stream>::value, iid_of<oskit_posixio>::value,
            iid_of<oskit_asyncio>::value};
  }
};

// The fault injector is transparent over a stream with a quiet plan.
struct FaultyTtyStream {
  static constexpr bool kSeekable = false;
  using Instance = TtyStream::Instance;
  static Instance make() {
    Instance i = TtyStream::make();
    i.io = fault_wrap<oskit_stream>(i.io.get(), oskit_fault_plan_t{});
    return i;
  }
};

struct TtyDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(TtyPair(true).tty); }
  static const char* kind() { return "tty"; }
};

}  // namespace
}  // namespace oskit

namespace oskit::testing {
using TtyStreams = ::testing::Types<TtyStream, FaultyTtyStream>;
INSTANTIATE_TYPED_TEST_SUITE_P(Tty, ComConformance, ::testing::Types<TtyCom>);
INSTANTIATE_TYPED_TEST_SUITE_P(Tty, StreamConformance, TtyStreams);
INSTANTIATE_TYPED_TEST_SUITE_P(Tty, TtystreamConformance, ::testing::Types<TtyTerminal>);
INSTANTIATE_TYPED_TEST_SUITE_P(Tty, AsyncioConformance, ::testing::Types<TtyAsyncio>);
INSTANTIATE_TYPED_TEST_SUITE_P(Tty, PosixioConformance, ::testing::Types<TtyPosixio>);
INSTANTIATE_TYPED_TEST_SUITE_P(Tty, DescribeConformance, ::testing::Types<TtyDescribe>);
}  // namespace oskit::testing

namespace oskit {
namespace {

using TtyTest = testing::LeakCheckedTest;

TEST_F(TtyTest, OpenAndAdoptRefuseWhatIsNotATerminal) {
  ComPtr<oskit_ttystream> t;
  EXPECT_EQ(oskit_tty_open("/dev/null", 0, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_tty_open(nullptr, 0, t.put()), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_tty_open("/dev/null", 0x8, t.put()), OSKIT_EINVAL);
  EXPECT_EQ(oskit_tty_open("/dev/null", 0, t.put()), OSKIT_ENOTTY);
  EXPECT_EQ(oskit_tty_open("/no/such/tty", 0, t.put()), OSKIT_ENOENT);
  EXPECT_EQ(oskit_tty_adopt(-1, t.put()), OSKIT_EBADF);
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  EXPECT_EQ(oskit_tty_adopt(fds[0], t.put()), OSKIT_ENOTTY);
  EXPECT_FALSE(t);
  EXPECT_EQ(close(fds[0]), 0) << "a refused descriptor stays the caller's";
  close(fds[1]);
}

TEST_F(TtyTest, SettingsRoundTripAsSeenFromTheOtherSide) {
  Pty pty;
  ComPtr<oskit_ttystream> tty;
  ASSERT_EQ(oskit_tty_open(pty.slave_name.c_str(), 0, tty.put()), 0);
  oskit_termios_t t{};
  ASSERT_EQ(tty->getattr(&t), 0);
  t.iflag = OSKIT_IXON | OSKIT_IXOFF | OSKIT_INPCK | OSKIT_PARMRK;
  t.oflag = 0;
  t.cflag = OSKIT_CS8 | OSKIT_CREAD | OSKIT_HUPCL;
  t.lflag = OSKIT_ECHO | OSKIT_ECHOK | OSKIT_ECHONL;
  t.cc[OSKIT_VSTART] = 0x11;
  t.cc[OSKIT_VSTOP] = 0x13;
  t.cc[OSKIT_VQUIT] = OSKIT_VDISABLE;
  t.cc[OSKIT_VMIN] = 0;  // a number, not a character: 0 stays 0
  t.cc[OSKIT_VTIME] = 7;
  t.ispeed = 9600;
  t.ospeed = 38400;
  EXPECT_EQ(tty->setattr(OSKIT_TCSANOW, &t), OSKIT_EINVAL) << "the host has one line speed";
  t.ispeed = 0;  // POSIX: the same as the output speed
  ASSERT_EQ(tty->setattr(OSKIT_TCSANOW, &t), 0);
  // The master reports the slave's settings.
  struct termios host;
  ASSERT_EQ(tcgetattr(pty.master, &host), 0);
  EXPECT_EQ(host.c_iflag & (IXON | IXOFF | INPCK | PARMRK | ICRNL | IGNBRK), IXON | IXOFF | INPCK | PARMRK);
  EXPECT_EQ(host.c_oflag & (OPOST | ONLCR), 0u);
  EXPECT_EQ(host.c_cflag & CSIZE, static_cast<tcflag_t>(CS8));
  EXPECT_EQ(host.c_cflag & (PARENB | PARODD | CREAD | HUPCL | CSTOPB | CLOCAL), CREAD | HUPCL);
  EXPECT_EQ(host.c_lflag & (ECHO | ECHOK | ECHONL | ICANON | ISIG | ECHOE), ECHO | ECHOK | ECHONL);
  EXPECT_EQ(host.c_cc[VSTART], 0x11);
  EXPECT_EQ(host.c_cc[VSTOP], 0x13);
  EXPECT_EQ(host.c_cc[VQUIT], _POSIX_VDISABLE);
  EXPECT_EQ(host.c_cc[VMIN], 0);
  EXPECT_EQ(host.c_cc[VTIME], 7);
  // (A pty ignores line speed, size and parity: TermiosTableConversionsAreExact
  // checks their conversion.)
  // And the other way: the master changes them, getattr reports OSKit values.
  cfmakeraw(&host);
  host.c_cflag = (host.c_cflag & ~CSIZE) | CS8 | CLOCAL;
  host.c_cc[VINTR] = 0x01;
  ASSERT_EQ(tcsetattr(pty.master, TCSANOW, &host), 0);
  ASSERT_EQ(tty->getattr(&t), 0);
  EXPECT_EQ(t.lflag & (OSKIT_ICANON | OSKIT_ECHO | OSKIT_ISIG), 0u);
  EXPECT_EQ(t.cflag & OSKIT_CSIZE, static_cast<oskit_tcflag_t>(OSKIT_CS8));
  EXPECT_NE(t.cflag & OSKIT_CLOCAL, 0u);
  EXPECT_EQ(t.cc[OSKIT_VINTR], 0x01);
  EXPECT_EQ(t.ispeed, t.ospeed);
  EXPECT_EQ(t.cc[2], OSKIT_VDISABLE) << "a slot OSKit names no character for";
}

TEST_F(TtyTest, HostFlagsOSKitDoesNotNameAreKept) {
  Pty pty;
  int fd = pty.open_slave();
  struct termios host;
  ASSERT_EQ(tcgetattr(fd, &host), 0);
  host.c_iflag |= IUTF8 | IMAXBEL;
  ASSERT_EQ(tcsetattr(fd, TCSANOW, &host), 0);
  ComPtr<oskit_ttystream> tty;
  ASSERT_EQ(oskit_tty_adopt(fd, tty.put()), 0);
  oskit_termios_t t{};
  ASSERT_EQ(tty->getattr(&t), 0);
  t.lflag &= ~OSKIT_ECHO;
  ASSERT_EQ(tty->setattr(OSKIT_TCSANOW, &t), 0);
  ASSERT_EQ(tcgetattr(pty.master, &host), 0);
  EXPECT_EQ(host.c_iflag & (IUTF8 | IMAXBEL), IUTF8 | IMAXBEL);
  EXPECT_EQ(host.c_lflag & ECHO, 0u);
}

TEST_F(TtyTest, FlowSuspendsAndResumesOutput) {
  Pty pty;
  ComPtr<oskit_ttystream> tty;
  ASSERT_EQ(oskit_tty_open(pty.slave_name.c_str(), OSKIT_TTY_NONBLOCK, tty.put()), 0);
  oskit_termios_t t{};
  ASSERT_EQ(tty->getattr(&t), 0);
  t.oflag &= ~OSKIT_OPOST;
  ASSERT_EQ(tty->setattr(OSKIT_TCSANOW, &t), 0);
  ASSERT_EQ(tty->flow(OSKIT_TCOOFF), 0);
  oskit_u32_t actual = 99;
  EXPECT_EQ(tty->write("x", 1, &actual), OSKIT_EAGAIN) << "stopped output must not move";
  EXPECT_EQ(actual, 0u);
  struct pollfd pfd = {pty.master, POLLIN, 0};
  EXPECT_EQ(poll(&pfd, 1, 0), 0) << "the other side received data while output was stopped";
  ASSERT_EQ(tty->flow(OSKIT_TCOON), 0);
  ASSERT_EQ(tty->write("y", 1, &actual), 0);
  EXPECT_EQ(actual, 1u);
  EXPECT_EQ(read_exactly(pty.master, 1), "y");
  // Nonblocking reads with nothing to read give OSKIT_EAGAIN.
  char c;
  EXPECT_EQ(tty->read(&c, 1, &actual), OSKIT_EAGAIN);
}

TEST_F(TtyTest, InputFlowSendsStopAndStartCharacters) {
  TtyPair p(false);
  ASSERT_TRUE(p.tty);
  ASSERT_EQ(p.tty->flow(OSKIT_TCIOFF), 0);
  ASSERT_EQ(p.tty->flow(OSKIT_TCION), 0);
  oskit_termios_t t{};
  ASSERT_EQ(p.tty->getattr(&t), 0);
  EXPECT_EQ(read_exactly(p.pty->master, 2),
            std::string({static_cast<char>(t.cc[OSKIT_VSTOP]), static_cast<char>(t.cc[OSKIT_VSTART])}));
}

TEST_F(TtyTest, PosixioOfATerminal) {
  TtyPair p(false);
  ComPtr<oskit_posixio> px = query<oskit_posixio>(p.tty);
  ASSERT_TRUE(px);
  oskit_stat_t st{};
  ASSERT_EQ(px->stat(&st), 0);
  EXPECT_TRUE(OSKIT_S_ISCHR(st.mode));
  oskit_s32_t v = 0;
  ASSERT_EQ(px->pathconf(OSKIT_PC_VDISABLE, &v), 0);
  EXPECT_EQ(v, OSKIT_VDISABLE);
  ASSERT_EQ(px->pathconf(OSKIT_PC_MAX_CANON, &v), 0);
  EXPECT_EQ(v, fpathconf(p.slave, _PC_MAX_CANON));
  char* name = nullptr;
  ASSERT_EQ(p.tty->ttyname(&name), 0);
  EXPECT_EQ(std::string(name), p.pty->slave_name);
  free(name);
}

TEST_F(TtyTest, ProcessGroupCallsNeedTheControllingTerminal) {
  TtyPair p(false);
  oskit_pid_t pid = 0;
  // Not this process's controlling terminal.
  EXPECT_EQ(p.tty->getpgrp(&pid), OSKIT_ENOTTY);
  EXPECT_EQ(p.tty->getsid(&pid), OSKIT_ENOTTY);
  EXPECT_EQ(p.tty->getpgrp(nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(p.tty->getsid(nullptr), OSKIT_E_POINTER);
  // A child in a new session takes the terminal as its controlling one. It
  // runs a separate program, so that it starts with a fresh process image.
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  ASSERT_TRUE(srcdir && workspace) << "run under bazel test";
  const std::string probe = std::string(srcdir) + "/" + workspace + "/components/tty/ctty_probe";
  const std::string slave = p.pty->slave_name;
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    execl(probe.c_str(), probe.c_str(), slave.c_str(), static_cast<char*>(nullptr));
    _exit(3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "step that failed in ctty_probe (10..17; 3: not started)";
}

TEST_F(TtyTest, TermiosTableConversionsAreExact) {
  struct termios host = {};
  oskit_termios_t t{};
  cfsetspeed(&host, B4000000);
  host.c_cflag |= CS6 | PARENB | PARODD | CSTOPB;
  ASSERT_EQ(tty::to_oskit(host, &t), 0);
  EXPECT_EQ(t.ispeed, 4000000u);
  EXPECT_EQ(t.ospeed, 4000000u);
  EXPECT_EQ(t.cflag, static_cast<oskit_tcflag_t>(OSKIT_CS6 | OSKIT_PARENB | OSKIT_PARODD | OSKIT_CSTOPB));
  t.cflag = OSKIT_CS7 | OSKIT_CREAD;
  t.ispeed = t.ospeed = 1200;
  ASSERT_EQ(tty::from_oskit(t, &host), 0);
  EXPECT_EQ(host.c_cflag & (CSIZE | PARENB | PARODD | CSTOPB | CREAD), static_cast<tcflag_t>(CS7 | CREAD));
  EXPECT_EQ(cfgetospeed(&host), static_cast<speed_t>(B1200));
  speed_t s;
  EXPECT_FALSE(tty::speed_to_host(12345, &s));
  EXPECT_TRUE(tty::speed_to_host(0, &s));
  EXPECT_EQ(s, static_cast<speed_t>(B0));
  oskit_termios_t bad = t;
  bad.oflag |= 0x4;  // no such OSKit output flag
  struct termios before = host;
  EXPECT_EQ(tty::from_oskit(bad, &host), OSKIT_EINVAL);
  EXPECT_EQ(std::memcmp(&before, &host, sizeof host), 0) << "a refused conversion changed the target";
}

}  // namespace
}  // namespace oskit
