#include "components/tty/termios_map.h"

#include <unistd.h>

#include <cstddef>

namespace oskit::tty {
namespace {

struct FlagPair {
  oskit_tcflag_t oskit;
  tcflag_t host;
};

constexpr FlagPair kIflags[] = {
    {OSKIT_IGNBRK, IGNBRK}, {OSKIT_BRKINT, BRKINT}, {OSKIT_IGNPAR, IGNPAR}, {OSKIT_PARMRK, PARMRK},
    {OSKIT_INPCK, INPCK},   {OSKIT_ISTRIP, ISTRIP}, {OSKIT_INLCR, INLCR},   {OSKIT_IGNCR, IGNCR},
    {OSKIT_ICRNL, ICRNL},   {OSKIT_IXON, IXON},     {OSKIT_IXOFF, IXOFF},   {OSKIT_IXANY, IXANY},
};
constexpr FlagPair kOflags[] = {{OSKIT_OPOST, OPOST}, {OSKIT_ONLCR, ONLCR}};
constexpr FlagPair kCflags[] = {
    {OSKIT_CSTOPB, CSTOPB}, {OSKIT_CREAD, CREAD}, {OSKIT_PARENB, PARENB},
    {OSKIT_PARODD, PARODD}, {OSKIT_HUPCL, HUPCL}, {OSKIT_CLOCAL, CLOCAL},
};
constexpr FlagPair kCsizes[] = {{OSKIT_CS5, CS5}, {OSKIT_CS6, CS6}, {OSKIT_CS7, CS7}, {OSKIT_CS8, CS8}};
constexpr FlagPair kLflags[] = {
    {OSKIT_ECHOE, ECHOE},   {OSKIT_ECHOK, ECHOK},   {OSKIT_ECHO, ECHO},     {OSKIT_ECHONL, ECHONL}, {OSKIT_ISIG, ISIG},
    {OSKIT_ICANON, ICANON}, {OSKIT_IEXTEN, IEXTEN}, {OSKIT_TOSTOP, TOSTOP}, {OSKIT_NOFLSH, NOFLSH},
};

struct CcPair {
  int oskit;
  int host;
  bool character;  // false for VMIN/VTIME, which hold numbers
};
constexpr CcPair kCc[] = {
    {OSKIT_VEOF, VEOF, true},   {OSKIT_VEOL, VEOL, true},   {OSKIT_VERASE, VERASE, true}, {OSKIT_VKILL, VKILL, true},
    {OSKIT_VINTR, VINTR, true}, {OSKIT_VQUIT, VQUIT, true}, {OSKIT_VSUSP, VSUSP, true},   {OSKIT_VSTART, VSTART, true},
    {OSKIT_VSTOP, VSTOP, true}, {OSKIT_VMIN, VMIN, false},  {OSKIT_VTIME, VTIME, false},
};

struct SpeedPair {
  oskit_speed_t bps;
  speed_t host;
};
constexpr SpeedPair kSpeeds[] = {
    {0, B0},
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
    {4000000, B4000000},
};

template <size_t N>
oskit_tcflag_t known_bits(const FlagPair (&table)[N]) {
  oskit_tcflag_t m = 0;
  for (const FlagPair& p : table) m |= p.oskit;
  return m;
}

template <size_t N>
oskit_tcflag_t to_oskit_bits(tcflag_t host, const FlagPair (&table)[N]) {
  oskit_tcflag_t v = 0;
  for (const FlagPair& p : table)
    if (host & p.host) v |= p.oskit;
  return v;
}

template <size_t N>
tcflag_t to_host_bits(tcflag_t host, oskit_tcflag_t in, const FlagPair (&table)[N]) {
  for (const FlagPair& p : table) {
    host &= ~p.host;
    if (in & p.oskit) host |= p.host;
  }
  return host;
}

bool speed_from_host(speed_t s, oskit_speed_t* out) {
  for (const SpeedPair& p : kSpeeds) {
    if (p.host == s) {
      *out = p.bps;
      return true;
    }
  }
  return false;
}

}  // namespace

bool speed_to_host(oskit_speed_t bps, speed_t* out) noexcept {
  for (const SpeedPair& p : kSpeeds) {
    if (p.bps == bps) {
      *out = p.host;
      return true;
    }
  }
  return false;
}

oskit_error_t to_oskit(const struct termios& host, oskit_termios_t* out) noexcept {
  oskit_termios_t t{};
  t.iflag = to_oskit_bits(host.c_iflag, kIflags);
  t.oflag = to_oskit_bits(host.c_oflag, kOflags);
  t.cflag = to_oskit_bits(host.c_cflag, kCflags);
  for (const FlagPair& p : kCsizes)
    if ((host.c_cflag & CSIZE) == p.host) t.cflag |= p.oskit;
  t.lflag = to_oskit_bits(host.c_lflag, kLflags);
  for (oskit_cc_t& c : t.cc) c = OSKIT_VDISABLE;
  for (const CcPair& p : kCc) {
    const cc_t v = host.c_cc[p.host];
    t.cc[p.oskit] = (p.character && v == _POSIX_VDISABLE) ? OSKIT_VDISABLE : v;
  }
  if (!speed_from_host(cfgetospeed(&host), &t.ospeed)) return OSKIT_EINVAL;
  t.ispeed = t.ospeed;  // one line speed for both directions
  *out = t;
  return 0;
}

oskit_error_t from_oskit(const oskit_termios_t& in, struct termios* host) noexcept {
  if ((in.iflag & ~known_bits(kIflags)) || (in.oflag & ~known_bits(kOflags)) ||
      (in.cflag & ~(known_bits(kCflags) | OSKIT_CSIZE)) || (in.lflag & ~known_bits(kLflags))) {
    return OSKIT_EINVAL;
  }
  // The host keeps one line speed for both directions; an input speed of 0
  // means "the output speed" (POSIX).
  if (in.ispeed != 0 && in.ispeed != in.ospeed) return OSKIT_EINVAL;
  speed_t speed;
  if (!speed_to_host(in.ospeed, &speed)) return OSKIT_EINVAL;
  struct termios t = *host;
  t.c_iflag = to_host_bits(t.c_iflag, in.iflag, kIflags);
  t.c_oflag = to_host_bits(t.c_oflag, in.oflag, kOflags);
  t.c_cflag = to_host_bits(t.c_cflag, in.cflag, kCflags);
  t.c_cflag &= ~CSIZE;
  for (const FlagPair& p : kCsizes)
    if ((in.cflag & OSKIT_CSIZE) == p.oskit) t.c_cflag |= p.host;
  t.c_lflag = to_host_bits(t.c_lflag, in.lflag, kLflags);
  for (const CcPair& p : kCc) {
    const oskit_cc_t v = in.cc[p.oskit];
    t.c_cc[p.host] = (p.character && v == OSKIT_VDISABLE) ? _POSIX_VDISABLE : v;
  }
  if (cfsetspeed(&t, speed) != 0) return OSKIT_EINVAL;
  *host = t;
  return 0;
}

}  // namespace oskit::tty
