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

// The model's rule: OSKit's OSKIT_<NAME> is the host's <NAME> in the same
// field, so each flag, character size, cc slot and line speed is stated once
// by name and the preprocessor supplies both values.
struct Field {
  const char* name;
  oskit_tcflag_t oskit_termios_t::*oskit;
  tcflag_t termios::*host;
  oskit_tcflag_t oskit_value_bits;  // bits holding a value, not a flag
  tcflag_t host_value_bits;
};
constexpr Field kIflag{"iflag", &oskit_termios_t::iflag, &termios::c_iflag, 0, 0};
constexpr Field kOflag{"oflag", &oskit_termios_t::oflag, &termios::c_oflag, 0, 0};
constexpr Field kCflag{"cflag", &oskit_termios_t::cflag, &termios::c_cflag, OSKIT_CSIZE, CSIZE};
constexpr Field kLflag{"lflag", &oskit_termios_t::lflag, &termios::c_lflag, 0, 0};
constexpr const Field* kFields[] = {&kIflag, &kOflag, &kCflag, &kLflag};

struct Flag {
  const Field* field;
  const char* name;
  oskit_tcflag_t oskit;
  tcflag_t host;
};
#define SAME_NAMED_FLAG(field, name) \
  { &field, #name, OSKIT_##name, name }
constexpr Flag kFlags[] = {
    SAME_NAMED_FLAG(kIflag, IGNBRK), SAME_NAMED_FLAG(kIflag, BRKINT), SAME_NAMED_FLAG(kIflag, IGNPAR),
    SAME_NAMED_FLAG(kIflag, PARMRK), SAME_NAMED_FLAG(kIflag, INPCK),  SAME_NAMED_FLAG(kIflag, ISTRIP),
    SAME_NAMED_FLAG(kIflag, INLCR),  SAME_NAMED_FLAG(kIflag, IGNCR),  SAME_NAMED_FLAG(kIflag, ICRNL),
    SAME_NAMED_FLAG(kIflag, IXON),   SAME_NAMED_FLAG(kIflag, IXOFF),  SAME_NAMED_FLAG(kIflag, IXANY),
    SAME_NAMED_FLAG(kOflag, OPOST),  SAME_NAMED_FLAG(kOflag, ONLCR),  SAME_NAMED_FLAG(kCflag, CSTOPB),
    SAME_NAMED_FLAG(kCflag, CREAD),  SAME_NAMED_FLAG(kCflag, PARENB), SAME_NAMED_FLAG(kCflag, PARODD),
    SAME_NAMED_FLAG(kCflag, HUPCL),  SAME_NAMED_FLAG(kCflag, CLOCAL), SAME_NAMED_FLAG(kLflag, ECHOE),
    SAME_NAMED_FLAG(kLflag, ECHOK),  SAME_NAMED_FLAG(kLflag, ECHO),   SAME_NAMED_FLAG(kLflag, ECHONL),
    SAME_NAMED_FLAG(kLflag, ISIG),   SAME_NAMED_FLAG(kLflag, ICANON), SAME_NAMED_FLAG(kLflag, IEXTEN),
    SAME_NAMED_FLAG(kLflag, TOSTOP), SAME_NAMED_FLAG(kLflag, NOFLSH),
};
#undef SAME_NAMED_FLAG

// The character size is a value in cflag's CSIZE field, not a bit.
struct CharSize {
  oskit_tcflag_t oskit;
  tcflag_t host;
};
#define CHAR_SIZE(bits) \
  { OSKIT_CS##bits, CS##bits }
constexpr CharSize kCharSizes[] = {CHAR_SIZE(5), CHAR_SIZE(6), CHAR_SIZE(7), CHAR_SIZE(8)};
#undef CHAR_SIZE

struct Slot {
  int oskit;
  int host;
  bool character;  // VMIN and VTIME hold numbers
};
#define CHARACTER_SLOT(name) \
  { OSKIT_##name, name, true }
#define NUMBER_SLOT(name) \
  { OSKIT_##name, name, false }
constexpr Slot kSlots[] = {
    CHARACTER_SLOT(VEOF),  CHARACTER_SLOT(VEOL),  CHARACTER_SLOT(VERASE), CHARACTER_SLOT(VKILL),
    CHARACTER_SLOT(VINTR), CHARACTER_SLOT(VQUIT), CHARACTER_SLOT(VSUSP),  CHARACTER_SLOT(VSTART),
    CHARACTER_SLOT(VSTOP), NUMBER_SLOT(VMIN),     NUMBER_SLOT(VTIME),
};
#undef CHARACTER_SLOT
#undef NUMBER_SLOT

// A line speed of n bits per second is the host's B<n>.
struct Speed {
  oskit_speed_t bps;
  speed_t host;
};
#define LINE_SPEED(bps) \
  { bps, B##bps }
constexpr Speed kSpeeds[] = {
    LINE_SPEED(0),       LINE_SPEED(50),      LINE_SPEED(75),      LINE_SPEED(110),     LINE_SPEED(134),
    LINE_SPEED(150),     LINE_SPEED(200),     LINE_SPEED(300),     LINE_SPEED(600),     LINE_SPEED(1200),
    LINE_SPEED(1800),    LINE_SPEED(2400),    LINE_SPEED(4800),    LINE_SPEED(9600),    LINE_SPEED(19200),
    LINE_SPEED(38400),   LINE_SPEED(57600),   LINE_SPEED(115200),  LINE_SPEED(230400),  LINE_SPEED(460800),
    LINE_SPEED(500000),  LINE_SPEED(576000),  LINE_SPEED(921600),  LINE_SPEED(1000000), LINE_SPEED(1152000),
    LINE_SPEED(1500000), LINE_SPEED(2000000), LINE_SPEED(2500000), LINE_SPEED(3000000), LINE_SPEED(3500000),
    LINE_SPEED(4000000),
};
#undef LINE_SPEED

// The bits OSKit names in a field, on either side.
oskit_tcflag_t oskit_mask(const Field& field) {
  oskit_tcflag_t m = field.oskit_value_bits;
  for (const Flag& f : kFlags) m |= f.field == &field ? f.oskit : 0;
  return m;
}

tcflag_t host_mask(const Field& field) {
  tcflag_t m = field.host_value_bits;
  for (const Flag& f : kFlags) m |= f.field == &field ? f.host : 0;
  return m;
}

// Every named flag is set on one side exactly when it is set on the other.
void check_flags(const oskit_termios_t& oskit, const struct termios& host) {
  for (const Flag& f : kFlags) {
    const Field& field = *f.field;
    FUZZ_CHECK_EQ((oskit.*field.oskit & f.oskit) != 0, (host.*field.host & f.host) != 0, "%s %s", field.name, f.name);
  }
  for (const CharSize& size : kCharSizes) {
    FUZZ_CHECK_EQ((oskit.cflag & OSKIT_CSIZE) == size.oskit, (host.c_cflag & CSIZE) == size.host, "character size");
  }
}

const Speed* speed_of_host(speed_t host) {
  for (const Speed& s : kSpeeds) {
    if (s.host == host) return &s;
  }
  return nullptr;
}

const Speed* speed_of_bps(oskit_speed_t bps) {
  for (const Speed& s : kSpeeds) {
    if (s.bps == bps) return &s;
  }
  return nullptr;
}

const Slot* slot_of_oskit(int oskit_index) {
  for (const Slot& s : kSlots) {
    if (s.oskit == oskit_index) return &s;
  }
  return nullptr;
}

bool has_unnamed_bits(const oskit_termios_t& t) {
  for (const Field* f : kFields) {
    if (t.*f->oskit & ~oskit_mask(*f)) return true;
  }
  return false;
}

bool is_host_slot(int host_index) {
  for (const Slot& s : kSlots) {
    if (s.host == host_index) return true;
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
  const tcflag_t cflag_named = host_mask(kCflag) | kSpeedBits;
  FUZZ_CHECK_EQ(after.c_cflag & ~cflag_named, before.c_cflag & ~cflag_named, "host cflag bits OSKit does not name");
  FUZZ_CHECK_EQ(after.c_lflag & ~host_mask(kLflag), before.c_lflag & ~host_mask(kLflag),
                "host lflag bits OSKit does not name");
  FUZZ_CHECK_EQ(after.c_line, before.c_line, "line discipline");
  for (int i = 0; i < NCCS; ++i) {
    if (!is_host_slot(i)) FUZZ_CHECK_EQ(after.c_cc[i], before.c_cc[i], "host cc[%d], which OSKit does not name", i);
  }
}

void oskit_to_host_and_back(FuzzInput& in) {
  oskit_termios_t t{};
  for (const Field* f : kFields) t.*f->oskit = some_flags(in, oskit_mask(*f));
  for (oskit_cc_t& c : t.cc) c = in.pick(4) == 0 ? (in.boolean() ? 0 : OSKIT_VDISABLE) : in.u8();
  t.ospeed = some_speed(in);
  t.ispeed = in.pick(3) == 0 ? some_speed(in) : in.boolean() ? 0 : t.ospeed;

  const bool unknown_bits = has_unnamed_bits(t);
  const Speed* const line = speed_of_bps(t.ospeed);
  const bool speed_ok = line != nullptr && (t.ispeed == 0 || t.ispeed == t.ospeed);
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
  check_flags(t, host);
  for (const Slot& s : kSlots) {
    const oskit_cc_t v = t.cc[s.oskit];
    const cc_t want = s.character && (v == OSKIT_VDISABLE || v == 0) ? _POSIX_VDISABLE : v;
    FUZZ_CHECK_EQ(host.c_cc[s.host], want, "host cc for OSKit slot %d", s.oskit);
  }
  FUZZ_CHECK_EQ(cfgetospeed(&host), line->host, "output line speed");
  FUZZ_CHECK_EQ(cfgetispeed(&host), line->host, "input line speed (the host has one)");
  check_kept(before, host);

  oskit_termios_t back{};
  FUZZ_CHECK_EQ(tty::to_oskit(host, &back), 0, "to_oskit of what from_oskit made");
  for (const Field* f : kFields) FUZZ_CHECK_EQ(back.*f->oskit, t.*f->oskit, "%s round trip", f->name);
  for (int i = 0; i < OSKIT_NCCS; ++i) {
    const Slot* const s = slot_of_oskit(i);
    const oskit_cc_t want = s == nullptr ? OSKIT_VDISABLE : s->character && t.cc[i] == 0 ? OSKIT_VDISABLE : t.cc[i];
    FUZZ_CHECK_EQ(back.cc[i], want, "cc[%d] round trip (named %d)", i, s != nullptr);
  }
  FUZZ_CHECK_EQ(back.ospeed, t.ospeed, "ospeed round trip");
  FUZZ_CHECK_EQ(back.ispeed, t.ospeed, "ispeed reads the line speed");
}

void host_to_oskit_and_back(FuzzInput& in) {
  const struct termios host = some_host(in);
  const Speed* const line = speed_of_host(cfgetospeed(&host));
  const bool speed_ok = line != nullptr;
  oskit_termios_t t;
  std::memset(&t, 0x5a, sizeof t);
  const oskit_error_t rc = tty::to_oskit(host, &t);
  FUZZ_CHECK_EQ(rc, speed_ok ? 0 : OSKIT_EINVAL, "to_oskit with host speed %#x", cfgetospeed(&host));
  if (!speed_ok) return;
  check_flags(t, host);
  for (const Field* f : kFields) FUZZ_CHECK_EQ(t.*f->oskit & ~oskit_mask(*f), 0u, "only named %s bits", f->name);
  FUZZ_CHECK_EQ(t.ospeed, line->bps, "ospeed");
  FUZZ_CHECK_EQ(t.ispeed, line->bps, "ispeed is the line speed");
  for (int i = 0; i < OSKIT_NCCS; ++i) {
    if (slot_of_oskit(i) == nullptr) FUZZ_CHECK_EQ(t.cc[i], OSKIT_VDISABLE, "cc[%d], which the host lacks", i);
  }
  for (const Slot& s : kSlots) {
    const cc_t v = host.c_cc[s.host];
    const oskit_cc_t want = s.character && v == _POSIX_VDISABLE ? OSKIT_VDISABLE : v;
    FUZZ_CHECK_EQ(t.cc[s.oskit], want, "OSKit cc[%d] from host cc[%d]", s.oskit, s.host);
  }

  struct termios back = host;
  FUZZ_CHECK_EQ(tty::from_oskit(t, &back), 0, "from_oskit of what to_oskit made");
  check_kept(host, back);
  for (const Field* f : kFields) {
    FUZZ_CHECK_EQ(back.*f->host & host_mask(*f), host.*f->host & host_mask(*f), "%s round trip", f->name);
  }
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
  const Speed* const known = speed_of_bps(bps);
  speed_t got = 0;
  FUZZ_CHECK_EQ(tty::speed_to_host(bps, &got), known != nullptr, "speed_to_host(%u)", bps);
  if (known != nullptr) FUZZ_CHECK_EQ(got, known->host, "speed_to_host(%u)", bps);
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
