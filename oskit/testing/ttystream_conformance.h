// Conformance suite for oskit_ttystream (OSKit manual 7.7): getattr and
// setattr round-trip exactly in OSKit's termios values, the TCSA*, TC*FLUSH and
// TC*OFF/ON selectors are checked, flushing discards input, a terminal edits
// lines in canonical mode and passes bytes through in raw mode.
//
// Factory:
//   struct Instance {
//     oskit::ComPtr<oskit_ttystream> io;
//     std::function<void(const std::string&)> type;  // input arriving at the terminal, as if typed
//     std::function<void(size_t)> wait_input;        // waits until n bytes of raw-mode input are pending
//   };
//   static Instance make();  // the terminal starts with its default (canonical) settings
//   static constexpr bool kHardwareSettings;  // keeps speed, character size, parity and stop bits
//                                             // (a serial line); a pty ignores them
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, TtystreamConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_TTYSTREAM_CONFORMANCE_H
#define OSKIT_TESTING_TTYSTREAM_CONFORMANCE_H

#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "gtest/gtest.h"
#include "oskit/com/ptr.h"
#include "oskit/io/ttystream.h"
#include "oskit/testing/leak_check.h"

namespace oskit::testing {

inline bool same_termios(const oskit_termios_t& a, const oskit_termios_t& b) {
  return a.iflag == b.iflag && a.oflag == b.oflag && a.cflag == b.cflag && a.lflag == b.lflag &&
         std::memcmp(a.cc, b.cc, sizeof a.cc) == 0 && a.ispeed == b.ispeed && a.ospeed == b.ospeed;
}

template <class Factory>
class TtystreamConformance : public InstanceTest<Factory> {
 protected:
  using InstanceTest<Factory>::io;
  using InstanceTest<Factory>::inst_;
  oskit_termios_t attr() {
    oskit_termios_t t{};
    EXPECT_EQ(io()->getattr(&t), 0);
    return t;
  }
  // Raw mode: no line editing, echo, signals or input/output translation.
  void make_raw() {
    oskit_termios_t t = attr();
    t.lflag &= ~(OSKIT_ICANON | OSKIT_ECHO | OSKIT_ECHOE | OSKIT_ECHOK | OSKIT_ECHONL | OSKIT_ISIG | OSKIT_IEXTEN);
    t.iflag &= ~(OSKIT_ICRNL | OSKIT_INLCR | OSKIT_IGNCR | OSKIT_IXON | OSKIT_ISTRIP);
    t.oflag &= ~OSKIT_OPOST;
    t.cc[OSKIT_VMIN] = 1;
    t.cc[OSKIT_VTIME] = 0;
    ASSERT_EQ(io()->setattr(OSKIT_TCSANOW, &t), 0);
  }
  std::string read_some(size_t max) {
    std::string s(max, '\0');
    oskit_u32_t actual = 0;
    EXPECT_EQ(io()->read(s.data(), static_cast<oskit_u32_t>(max), &actual), 0);
    s.resize(actual);
    return s;
  }
};

TYPED_TEST_SUITE_P(TtystreamConformance);

TYPED_TEST_P(TtystreamConformance, GetattrThenSetattrChangesNothing) {
  const oskit_termios_t before = this->attr();
  ASSERT_EQ(this->io()->setattr(OSKIT_TCSANOW, &before), 0);
  EXPECT_TRUE(same_termios(this->attr(), before));
  EXPECT_EQ(this->io()->getattr(nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(this->io()->setattr(OSKIT_TCSANOW, nullptr), OSKIT_E_POINTER);
}

TYPED_TEST_P(TtystreamConformance, SetattrValuesComeBackExactly) {
  constexpr oskit_tcflag_t kHardware = OSKIT_CSIZE | OSKIT_PARENB | OSKIT_PARODD | OSKIT_CSTOPB;
  oskit_termios_t t = this->attr();
  t.iflag = OSKIT_IGNPAR | OSKIT_ICRNL | OSKIT_IXON | OSKIT_IXANY;
  t.oflag = OSKIT_OPOST | OSKIT_ONLCR;
  t.cflag = OSKIT_CS7 | OSKIT_PARENB | OSKIT_PARODD | OSKIT_CREAD | OSKIT_CLOCAL | OSKIT_CSTOPB;
  t.lflag = OSKIT_ISIG | OSKIT_IEXTEN | OSKIT_ECHOE | OSKIT_NOFLSH | OSKIT_TOSTOP;
  t.cc[OSKIT_VINTR] = 0x03;
  t.cc[OSKIT_VERASE] = 0x08;
  t.cc[OSKIT_VEOF] = OSKIT_VDISABLE;
  t.cc[OSKIT_VMIN] = 3;
  t.cc[OSKIT_VTIME] = 2;
  t.ispeed = 19200;
  t.ospeed = 19200;
  ASSERT_EQ(this->io()->setattr(OSKIT_TCSANOW, &t), 0);
  oskit_termios_t got = this->attr();
  EXPECT_EQ(got.iflag, t.iflag);
  EXPECT_EQ(got.oflag, t.oflag);
  EXPECT_EQ(got.cflag & ~kHardware, t.cflag & ~kHardware);
  EXPECT_EQ(got.lflag, t.lflag);
  EXPECT_EQ(got.cc[OSKIT_VINTR], 0x03);
  EXPECT_EQ(got.cc[OSKIT_VERASE], 0x08);
  EXPECT_EQ(got.cc[OSKIT_VEOF], OSKIT_VDISABLE);
  EXPECT_EQ(got.cc[OSKIT_VMIN], 3);
  EXPECT_EQ(got.cc[OSKIT_VTIME], 2);
  EXPECT_EQ(got.ispeed, got.ospeed);
  if (TypeParam::kHardwareSettings) {
    EXPECT_EQ(got.cflag, t.cflag);
    EXPECT_EQ(got.ospeed, 19200u);
    t.ispeed = t.ospeed = 115200;
    t.cflag = (t.cflag & ~OSKIT_CSIZE) | OSKIT_CS8;
    ASSERT_EQ(oskit_ttystream_setattr(this->io(), OSKIT_TCSADRAIN, &t), 0);
    got = this->attr();
    EXPECT_EQ(got.ospeed, 115200u);
    EXPECT_EQ(got.cflag & OSKIT_CSIZE, static_cast<oskit_tcflag_t>(OSKIT_CS8));
  } else {
    t.lflag |= OSKIT_ECHO;
    ASSERT_EQ(oskit_ttystream_setattr(this->io(), OSKIT_TCSADRAIN, &t), 0);
    EXPECT_EQ(this->attr().lflag, t.lflag);
  }
}

TYPED_TEST_P(TtystreamConformance, SetattrRefusesWhatItCannotRepresent) {
  const oskit_termios_t before = this->attr();
  oskit_termios_t t = before;
  EXPECT_EQ(this->io()->setattr(7, &t), OSKIT_EINVAL);
  EXPECT_EQ(this->io()->setattr(-1, &t), OSKIT_EINVAL);
  t.ispeed = t.ospeed = 12345;  // not a line speed
  EXPECT_EQ(this->io()->setattr(OSKIT_TCSANOW, &t), OSKIT_EINVAL);
  t = before;
  t.iflag |= 0x00100000;  // no such OSKit flag
  EXPECT_EQ(this->io()->setattr(OSKIT_TCSANOW, &t), OSKIT_EINVAL);
  EXPECT_TRUE(same_termios(this->attr(), before)) << "a refused setattr changed the settings";
}

TYPED_TEST_P(TtystreamConformance, SelectorsAreChecked) {
  for (int q : {OSKIT_TCIFLUSH, OSKIT_TCOFLUSH, OSKIT_TCIOFLUSH}) EXPECT_EQ(this->io()->flush(q), 0) << q;
  EXPECT_EQ(this->io()->flush(0), OSKIT_EINVAL);
  EXPECT_EQ(this->io()->flush(4), OSKIT_EINVAL);
  for (int a : {OSKIT_TCOOFF, OSKIT_TCOON, OSKIT_TCIOFF, OSKIT_TCION}) EXPECT_EQ(this->io()->flow(a), 0) << a;
  EXPECT_EQ(this->io()->flow(0), OSKIT_EINVAL);
  EXPECT_EQ(this->io()->flow(5), OSKIT_EINVAL);
  EXPECT_EQ(this->io()->drain(), 0);
  EXPECT_EQ(oskit_ttystream_sendbreak(this->io(), 0), 0);
}

TYPED_TEST_P(TtystreamConformance, FlushDiscardsPendingInput) {
  this->make_raw();
  this->inst_.type("discarded");
  this->inst_.wait_input(9);
  ASSERT_EQ(oskit_ttystream_flush(this->io(), OSKIT_TCIFLUSH), 0);
  this->inst_.type("Z");
  this->inst_.wait_input(1);
  EXPECT_EQ(this->read_some(64), "Z");
}

TYPED_TEST_P(TtystreamConformance, SetattrFlushDiscardsPendingInput) {
  this->make_raw();
  this->inst_.type("old");
  this->inst_.wait_input(3);
  const oskit_termios_t t = this->attr();
  ASSERT_EQ(this->io()->setattr(OSKIT_TCSAFLUSH, &t), 0);
  this->inst_.type("new");
  this->inst_.wait_input(3);
  EXPECT_EQ(this->read_some(64), "new");
}

TYPED_TEST_P(TtystreamConformance, CanonicalModeEditsLines) {
  oskit_termios_t t = this->attr();
  t.lflag |= OSKIT_ICANON;
  t.lflag &= ~OSKIT_ECHO;
  t.cc[OSKIT_VERASE] = 0x7f;
  t.cc[OSKIT_VKILL] = 0x15;
  ASSERT_EQ(this->io()->setattr(OSKIT_TCSANOW, &t), 0);
  // Erase removes a character, kill the whole line so far; a read returns one line.
  this->inst_.type(
      "abx\x7f"
      "c\n");
  EXPECT_EQ(this->read_some(64), "abc\n");
  this->inst_.type("junk\x15ok\nnext\n");
  EXPECT_EQ(this->read_some(64), "ok\n");
  EXPECT_EQ(this->read_some(64), "next\n");
}

TYPED_TEST_P(TtystreamConformance, RawModePassesBytesThrough) {
  this->make_raw();
  this->inst_.type("ab\x7f\x15\r");
  this->inst_.wait_input(5);
  EXPECT_EQ(this->read_some(64), std::string("ab\x7f\x15\r"));
}

TYPED_TEST_P(TtystreamConformance, SeekIsAnIllegalSeek) {
  oskit_u64_t pos = 0;
  EXPECT_EQ(this->io()->seek(0, OSKIT_SEEK_SET, &pos), OSKIT_ESPIPE);
}

TYPED_TEST_P(TtystreamConformance, TtynameGivesAMallocedName) {
  char* name = nullptr;
  ASSERT_EQ(this->io()->ttyname(&name), 0);
  ASSERT_NE(name, nullptr);
  EXPECT_GT(std::strlen(name), 0u);
  std::free(name);
  EXPECT_EQ(this->io()->ttyname(nullptr), OSKIT_E_POINTER);
}

REGISTER_TYPED_TEST_SUITE_P(TtystreamConformance, GetattrThenSetattrChangesNothing, SetattrValuesComeBackExactly,
                            SetattrRefusesWhatItCannotRepresent, SelectorsAreChecked, FlushDiscardsPendingInput,
                            SetattrFlushDiscardsPendingInput, CanonicalModeEditsLines, RawModePassesBytesThrough,
                            SeekIsAnIllegalSeek, TtynameGivesAMallocedName);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_TTYSTREAM_CONFORMANCE_H
