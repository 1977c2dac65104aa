// Fuzzes the tty component's termios conversion (components/tty/termios_map.h)
// in both directions against a model written from its header and OSKit's
// <oskit/io/ttystream.h> (OSKit manual 7.7):
//   - OSKit -> host: refused (OSKIT_EINVAL, host untouched) for a flag bit
//     OSKit does not define, an input speed other than 0 or the output speed,
//     or an output speed that is not a line speed; otherwise every bit and
//     character OSKit names is set, everything else of the host's is kept, and
//     converting back gives the same settings (a disabled character, 0 or
//     OSKIT_VDISABLE, reads OSKIT_VDISABLE; slots the host lacks read
//     OSKIT_VDISABLE; both speeds read the line speed);
//   - host -> OSKit: refused for a line speed outside the table; otherwise the
//     OSKit settings, applied back to the same host settings, change nothing
//     but what OSKit cannot say: a character 0xff (OSKIT_VDISABLE) comes back
//     disabled, and the input speed becomes the line speed.
#include <termios.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "components/tty/termios_map.h"
#include "oskit/error.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"

namespace oskit::fuzz {
namespace {

struct Bit {
  oskit_tcflag_t oskit;
  tcflag_t host;
};

constexpr Bit kIflag[] = {{OSKIT_IGNBRK, IGNBRK}, {OSKIT_BRKINT, BRKINT}, {OSKIT_IGNPAR, IGNPAR},
                          {OSKIT_PARMRK, PARMRK}, {OSKIT_INPCK, INPCK},   {OSKIT_ISTRIP, ISTRIP},
                          {OSKIT_INLCR, INLCR},   {OSKIT_IGNCR, IGNCR},   {OSKIT_ICRNL, ICRNL},
                          {OSKIT_IXON, IXON},     {OSKIT_IXOFF, IXOFF},   {OSKIT_IXANY, IXANY}};
constexpr Bit kOflag[] = {{OSKIT_OPOST, OPOST}, {OSKIT_ONLCR, ONLCR}};
constexpr Bit kCflag[] = {{OSKIT_CSTOPB, CSTOPB}, {OSKIT_CREAD, CREAD}, {OSKIT_PARENB, PARENB},
                          {OSKIT_PARODD, PARODD}, {OSKIT_HUPCL, HUPCL}, {OSKIT_CLOCAL, CLOCAL}};
constexpr Bit kCsize[] = {{OSKIT_CS5, CS5}, {OSKIT_CS6, CS6}, {OSKIT_CS7, CS7}, {OSKIT_CS8, CS8}};
constexpr Bit kLflag[] = {{OSKIT_ECHOE, ECHOE},   {OSKIT_ECHOK, ECHOK},   {OSKIT_ECHO, ECHO},
                          {OSKIT_ECHONL, ECHONL}, {OSKIT_ISIG, ISIG},     {OSKIT_ICANON, ICANON},
                          {OSKIT_IEXTEN, IEXTEN}, {OSKIT_TOSTOP, TOSTOP}, {OSKIT_NOFLSH, NOFLSH}};

struct Slot {
  int oskit;
  int host;
  bool character;  // VMIN and VTIME hold numbers
};
constexpr Slot kSlots[] = {{OSKIT_VEOF, VEOF, true},   {OSKIT_VEOL, VEOL, true},     {OSKIT_VERASE, VERASE, true},
                           {OSKIT_VKILL, VKILL, true}, {OSKIT_VINTR, VINTR, true},   {OSKIT_VQUIT, VQUIT, true},
                           {OSKIT_VSUSP, VSUSP, true}, {OSKIT_VSTART, VSTART, true}, {OSKIT_VSTOP, VSTOP, true},
                           {OSKIT_VMIN, VMIN, false},  {OSKIT_VTIME, VTIME, false}};

struct Speed {
  oskit_speed_t bps;
  speed_t host;
};
constexpr Speed kSpeeds[] = {{0, B0},
                             {50, B50},
                             {75, B75},
                             {110, B110},
                             {134, B134},
                             {150, B150},
                             {200, B200},
                             {300, B300},
                             {600, B600},
                             {1200, B1200},
                             {1800, B1800},
                             {2400, B2400},
                             {4800, B4800},
                             {9600, B9600},
                             {19200, B19200},
                             {38400, B38400},
                             {57600, B57600},
                             {115200, B115200},
                             {230400, B230400},
                             {460800, B460800},
                             {500000, B500000},
                             {576000, B576000},
                             {921600, B921600},
                             {1000000, B1000000},
                             {1152000, B1152000},
                             {1500000, B1500000},
                             {2000000, B2000000},
                             {2500000, B2500000},
                             {3000000, B3000000},
                             {3500000, B3500000},
                             {4000000, B4000000}};

template <std::size_t N>
oskit_tcflag_t oskit_mask(const Bit (&bits)[N]) {
  oskit_tcflag_t m = 0;
  for (const Bit& b : bits) m |= b.oskit;
  return m;
}

template <std::size_t N>
tcflag_t host_mask(const Bit (&bits)[N]) {
  tcflag_t m = 0;
  for (const Bit& b : bits) m |= b.host;
  return m;
}

template <std::size_t N>
void check_bits(oskit_tcflag_t oskit, tcflag_t host, const Bit (&bits)[N], const char* field) {
  for (const Bit& b : bits) {
    FUZZ_CHECK_EQ((oskit & b.oskit) != 0, (host & b.host) != 0, "%s bit %#x / host %#x", field, b.oskit, b.host);
  }
}

bool bps_of(speed_t host, oskit_speed_t* out) {
  for (const Speed& s : kSpeeds) {
    if (s.host == host) {
      *out = s.bps;
      return true;
    }
  }
  return false;
}

bool host_of(oskit_speed_t bps, speed_t* out) {
  for (const Speed& s : kSpeeds) {
    if (s.bps == bps) {
      *out = s.host;
      return true;
    }
  }
  return false;
}

bool is_named_slot(int oskit_index) {
  for (const Slot& s : kSlots) {
    if (s.oskit == oskit_index) return true;
  }
  return false;
}

// A flag word: mostly named bits, sometimes anything.
oskit_tcflag_t some_flags(FuzzInput& in, oskit_tcflag_t known) { return in.pick(8) == 0 ? in.u32() : in.u32() & known; }

oskit_speed_t some_speed(FuzzInput& in) {
  switch (in.pick(6)) {
    case 0:
      return in.u32();
    case 1:
      return static_cast<oskit_speed_t>(in.range(0, 5000000));
    default:
      return in.one_of(kSpeeds).bps;
  }
}

struct termios some_host(FuzzInput& in) {
  struct termios t;
  std::memset(&t, 0, sizeof t);
  t.c_iflag = in.u32();
  t.c_oflag = in.u32();
  t.c_cflag = in.u32();
  t.c_lflag = in.u32();
  t.c_line = in.u8();
  for (cc_t& c : t.c_cc) c = in.pick(4) == 0 ? 0xff : in.u8();
  if (in.pick(8) != 0) {  // usually a valid line speed, set the C library's way
    cfsetspeed(&t, in.one_of(kSpeeds).host);
  }
  return t;
}

// The C library's internal marker of "input speed 0" in c_iflag, beside the
// speed bits in c_cflag: neither is a setting OSKit names.
constexpr tcflag_t kInputSpeedZero = 0x80000000u;
constexpr tcflag_t kSpeedBits = CBAUD | CBAUDEX | CIBAUD;

// Everything of the host's that OSKit does not name is kept.
void check_kept(const struct termios& before, const struct termios& after) {
  const tcflag_t iflag_named = host_mask(kIflag) | kInputSpeedZero;
  FUZZ_CHECK_EQ(after.c_iflag & ~iflag_named, before.c_iflag & ~iflag_named, "host iflag bits OSKit does not name");
  FUZZ_CHECK_EQ(after.c_oflag & ~host_mask(kOflag), before.c_oflag & ~host_mask(kOflag),
                "host oflag bits OSKit does not name");
  const tcflag_t cflag_named = host_mask(kCflag) | CSIZE | kSpeedBits;
  FUZZ_CHECK_EQ(after.c_cflag & ~cflag_named, before.c_cflag & ~cflag_named, "host cflag bits OSKit does not name");
  FUZZ_CHECK_EQ(after.c_lflag & ~host_mask(kLflag), before.c_lflag & ~host_mask(kLflag),
                "host lflag bits OSKit does not name");
  FUZZ_CHECK_EQ(after.c_line, before.c_line, "line discipline");
  for (int i = 0; i < NCCS; ++i) {
    bool named = false;
    for (const Slot& s : kSlots) named |= s.host == i;
    if (!named) FUZZ_CHECK_EQ(after.c_cc[i], before.c_cc[i], "host cc[%d], which OSKit does not name", i);
  }
}

void oskit_to_host_and_back(FuzzInput& in) {
  oskit_termios_t t{};
  t.iflag = some_flags(in, oskit_mask(kIflag));
  t.oflag = some_flags(in, oskit_mask(kOflag));
  t.cflag = some_flags(in, oskit_mask(kCflag) | OSKIT_CSIZE);
  t.lflag = some_flags(in, oskit_mask(kLflag));
  for (oskit_cc_t& c : t.cc) c = in.pick(4) == 0 ? (in.boolean() ? 0 : OSKIT_VDISABLE) : in.u8();
  t.ospeed = some_speed(in);
  t.ispeed = in.pick(3) == 0 ? some_speed(in) : in.boolean() ? 0 : t.ospeed;

  const bool unknown_bits = (t.iflag & ~oskit_mask(kIflag)) || (t.oflag & ~oskit_mask(kOflag)) ||
                            (t.cflag & ~(oskit_mask(kCflag) | OSKIT_CSIZE)) || (t.lflag & ~oskit_mask(kLflag));
  speed_t line;
  const bool speed_ok = host_of(t.ospeed, &line) && (t.ispeed == 0 || t.ispeed == t.ospeed);
  const bool valid = !unknown_bits && speed_ok;

  const struct termios before = some_host(in);
  struct termios host = before;
  const oskit_error_t rc = tty::from_oskit(t, &host);
  FUZZ_CHECK_EQ(rc, valid ? 0 : OSKIT_EINVAL, "from_oskit (unknown bits %d, ispeed %u, ospeed %u)", unknown_bits,
                t.ispeed, t.ospeed);
  if (!valid) {
    FUZZ_CHECK(std::memcmp(&host, &before, sizeof host) == 0, "a refused conversion leaves the host settings alone");
    return;
  }
  check_bits(t.iflag, host.c_iflag, kIflag, "iflag");
  check_bits(t.oflag, host.c_oflag, kOflag, "oflag");
  check_bits(t.cflag, host.c_cflag, kCflag, "cflag");
  check_bits(t.lflag, host.c_lflag, kLflag, "lflag");
  for (const Bit& b : kCsize) {
    FUZZ_CHECK_EQ((t.cflag & OSKIT_CSIZE) == b.oskit, (host.c_cflag & CSIZE) == b.host, "character size");
  }
  for (const Slot& s : kSlots) {
    const oskit_cc_t v = t.cc[s.oskit];
    const cc_t want = s.character && (v == OSKIT_VDISABLE || v == 0) ? _POSIX_VDISABLE : v;
    FUZZ_CHECK_EQ(host.c_cc[s.host], want, "host cc for OSKit slot %d", s.oskit);
  }
  FUZZ_CHECK_EQ(cfgetospeed(&host), line, "output line speed");
  FUZZ_CHECK_EQ(cfgetispeed(&host), line, "input line speed (the host has one)");
  check_kept(before, host);

  oskit_termios_t back{};
  FUZZ_CHECK_EQ(tty::to_oskit(host, &back), 0, "to_oskit of what from_oskit made");
  FUZZ_CHECK_EQ(back.iflag, t.iflag, "iflag round trip");
  FUZZ_CHECK_EQ(back.oflag, t.oflag, "oflag round trip");
  FUZZ_CHECK_EQ(back.cflag, t.cflag, "cflag round trip");
  FUZZ_CHECK_EQ(back.lflag, t.lflag, "lflag round trip");
  for (int i = 0; i < OSKIT_NCCS; ++i) {
    oskit_cc_t want = OSKIT_VDISABLE;
    for (const Slot& s : kSlots) {
      if (s.oskit == i) want = s.character && t.cc[i] == 0 ? OSKIT_VDISABLE : t.cc[i];
    }
    FUZZ_CHECK_EQ(back.cc[i], want, "cc[%d] round trip (named %d)", i, is_named_slot(i));
  }
  FUZZ_CHECK_EQ(back.ospeed, t.ospeed, "ospeed round trip");
  FUZZ_CHECK_EQ(back.ispeed, t.ospeed, "ispeed reads the line speed");
}

void host_to_oskit_and_back(FuzzInput& in) {
  const struct termios host = some_host(in);
  oskit_speed_t bps = 0;
  const bool speed_ok = bps_of(cfgetospeed(&host), &bps);
  oskit_termios_t t;
  std::memset(&t, 0x5a, sizeof t);
  const oskit_error_t rc = tty::to_oskit(host, &t);
  FUZZ_CHECK_EQ(rc, speed_ok ? 0 : OSKIT_EINVAL, "to_oskit with host speed %#x", cfgetospeed(&host));
  if (!speed_ok) return;
  check_bits(t.iflag, host.c_iflag, kIflag, "iflag");
  check_bits(t.oflag, host.c_oflag, kOflag, "oflag");
  check_bits(t.cflag, host.c_cflag, kCflag, "cflag");
  check_bits(t.lflag, host.c_lflag, kLflag, "lflag");
  FUZZ_CHECK_EQ(t.iflag & ~oskit_mask(kIflag), 0u, "only named iflag bits");
  FUZZ_CHECK_EQ(t.oflag & ~oskit_mask(kOflag), 0u, "only named oflag bits");
  FUZZ_CHECK_EQ(t.cflag & ~(oskit_mask(kCflag) | OSKIT_CSIZE), 0u, "only named cflag bits");
  FUZZ_CHECK_EQ(t.lflag & ~oskit_mask(kLflag), 0u, "only named lflag bits");
  for (const Bit& b : kCsize) {
    FUZZ_CHECK_EQ((t.cflag & OSKIT_CSIZE) == b.oskit, (host.c_cflag & CSIZE) == b.host, "character size");
  }
  FUZZ_CHECK_EQ(t.ospeed, bps, "ospeed");
  FUZZ_CHECK_EQ(t.ispeed, bps, "ispeed is the line speed");
  for (int i = 0; i < OSKIT_NCCS; ++i) {
    if (!is_named_slot(i)) FUZZ_CHECK_EQ(t.cc[i], OSKIT_VDISABLE, "cc[%d], which the host lacks", i);
  }
  for (const Slot& s : kSlots) {
    const cc_t v = host.c_cc[s.host];
    const oskit_cc_t want = s.character && v == _POSIX_VDISABLE ? OSKIT_VDISABLE : v;
    FUZZ_CHECK_EQ(t.cc[s.oskit], want, "OSKit cc[%d] from host cc[%d]", s.oskit, s.host);
  }

  struct termios back = host;
  FUZZ_CHECK_EQ(tty::from_oskit(t, &back), 0, "from_oskit of what to_oskit made");
  check_kept(host, back);
  FUZZ_CHECK_EQ(back.c_iflag & host_mask(kIflag), host.c_iflag & host_mask(kIflag), "iflag round trip");
  FUZZ_CHECK_EQ(back.c_oflag & host_mask(kOflag), host.c_oflag & host_mask(kOflag), "oflag round trip");
  FUZZ_CHECK_EQ(back.c_cflag & (host_mask(kCflag) | CSIZE), host.c_cflag & (host_mask(kCflag) | CSIZE),
                "cflag round trip");
  FUZZ_CHECK_EQ(back.c_lflag & host_mask(kLflag), host.c_lflag & host_mask(kLflag), "lflag round trip");
  for (const Slot& s : kSlots) {
    const cc_t v = host.c_cc[s.host];
    const cc_t want = s.character && v == 0xff ? _POSIX_VDISABLE : v;
    FUZZ_CHECK_EQ(back.c_cc[s.host], want, "host cc[%d] round trip", s.host);
  }
  FUZZ_CHECK_EQ(cfgetospeed(&back), cfgetospeed(&host), "line speed round trip");
  FUZZ_CHECK_EQ(cfgetispeed(&back), cfgetospeed(&host), "input speed becomes the line speed");
}

void speed_lookup(FuzzInput& in) {
  const oskit_speed_t bps = some_speed(in);
  speed_t want = 0, got = 0;
  const bool known = host_of(bps, &want);
  FUZZ_CHECK_EQ(tty::speed_to_host(bps, &got), known, "speed_to_host(%u)", bps);
  if (known) FUZZ_CHECK_EQ(got, want, "speed_to_host(%u)", bps);
}

}  // namespace
}  // namespace oskit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  oskit::fuzz::FuzzInput in(data, size);
  while (!in.empty()) {
    switch (in.pick(3)) {
      case 0:
        oskit::fuzz::oskit_to_host_and_back(in);
        break;
      case 1:
        oskit::fuzz::host_to_oskit_and_back(in);
        break;
      default:
        oskit::fuzz::speed_lookup(in);
        break;
    }
  }
  return 0;
}
