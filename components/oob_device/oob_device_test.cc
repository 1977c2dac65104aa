// The oob device component over glue/evl's loopback driver and a probe driver
// that records what reaches it: stream, devctl (every direction x open mode,
// size mismatches, unknown and reserved commands, driver errors, ret_val),
// the stage a call runs in, concurrency, and the conformance suites.
#include "components/oob_device/oob_device.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/ioctl.h>
#include <string.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <evl/thread.h>

#include "glue/devctl/devctl_server.h"
#include "glue/evl/driver.h"
#include "glue/evl/loopback.h"
#include "glue/evl/stage.h"
#include "glue/evl/testing/evl_testing.h"
#include "gtest/gtest.h"
#include "oskit/com/ptr.h"
#include "oskit/io/asyncio.h"
#include "oskit/io/devctl.h"
#include "oskit/io/posixio.h"
#include "oskit/testing/asyncio_conformance.h"
#include "oskit/testing/com_conformance.h"
#include "oskit/testing/describe_conformance.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/posixio_conformance.h"
#include "oskit/testing/stream_conformance.h"

namespace oskit::evl {
namespace {

using testing::init_evl;
using testing::run_on_evl_thread;
using testing::unique_name;

// The loopback's ioctls as devctl commands.
const oskit_u32_t kGetConfig = oskit_devctl_from_ioc(OSKIT_LOOPBACK_GET_CONFIG);
const oskit_u32_t kGetStats = oskit_devctl_from_ioc(OSKIT_LOOPBACK_GET_STATS);
const oskit_u32_t kSetCapacity = oskit_devctl_from_ioc(OSKIT_LOOPBACK_SET_CAPACITY);
const oskit_u32_t kWaitFill = oskit_devctl_from_ioc(OSKIT_LOOPBACK_WAIT_FILL);
const oskit_u32_t kXchg = oskit_devctl_from_ioc(OSKIT_LOOPBACK_XCHG);
const oskit_u32_t kReset = oskit_devctl_from_ioc(OSKIT_LOOPBACK_RESET);

constexpr unsigned int kCapacity = 4096;

ComPtr<oskit_stream> open_device(const std::string& name, oskit_u32_t mode) {
  ComPtr<oskit_stream> s;
  EXPECT_EQ(oskit_oob_device_open(name.c_str(), mode, s.put()), 0) << name;
  return s;
}

oskit_error_t dc(oskit_stream* s, oskit_u32_t dcmd, void* data, oskit_size_t nbytes, oskit_s32_t* ret = nullptr,
                 oskit_size_t* out_nbytes = nullptr) {
  ComPtr<oskit_devctl> d = query<oskit_devctl>(s);
  if (!d) return OSKIT_E_NOINTERFACE;
  return d->devctl(dcmd, data, nbytes, ret, out_nbytes);
}

oskit_loopback_config config_of(oskit_stream* s) {
  oskit_loopback_config c = {0, 0};
  EXPECT_EQ(dc(s, kGetConfig, &c, sizeof c), 0);
  return c;
}

// A loopback device registered for one test.
class OobDeviceTest : public oskit::testing::LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    init_evl();
    name_ = unique_name("loop");
    ASSERT_EQ(oskit_loopback_register(name_.c_str(), kCapacity), 0);
  }
  void TearDown() override {
    EXPECT_EQ(oskit_loopback_unregister(name_.c_str()), 0) << "a device is still open";
    LeakCheckedTest::TearDown();
  }
  ComPtr<oskit_stream> open(oskit_u32_t mode = OSKIT_OOB_DEVICE_RDWR) { return open_device(name_, mode); }
  std::string name_;
};

// ------------------------------------------------------------------ open

TEST_F(OobDeviceTest, OpenRefusesBadArguments) {
  oskit_stream_t* s = reinterpret_cast<oskit_stream_t*>(0x1);
  EXPECT_EQ(oskit_oob_device_open(nullptr, OSKIT_OOB_DEVICE_RDWR, &s), OSKIT_E_POINTER);
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(oskit_oob_device_open(name_.c_str(), OSKIT_OOB_DEVICE_RDWR, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(oskit_oob_device_open(name_.c_str(), 0, &s), OSKIT_EINVAL);
  EXPECT_EQ(oskit_oob_device_open(name_.c_str(), OSKIT_OOB_DEVICE_NONBLOCK, &s), OSKIT_EINVAL);
  EXPECT_EQ(oskit_oob_device_open(name_.c_str(), OSKIT_OOB_DEVICE_RDWR | 0x8, &s), OSKIT_EINVAL);
  EXPECT_EQ(s, nullptr);
}

TEST_F(OobDeviceTest, OpenOfAnUnknownDeviceIsEnodev) {
  oskit_stream_t* s = nullptr;
  EXPECT_EQ(oskit_oob_device_open("no-such-device", OSKIT_OOB_DEVICE_RDWR, &s), OSKIT_ENODEV);
  EXPECT_EQ(s, nullptr);
}

int refuse_open(oskit_evl_file*) { return -EBUSY; }

TEST_F(OobDeviceTest, TheDriversOpenErrorReachesTheCaller) {
  oskit_evl_file_operations ops = {};
  ops.open = refuse_open;
  oskit_evl_device* dev = nullptr;
  const std::string name = unique_name("refuser");
  ASSERT_EQ(oskit_evl_register_device(name.c_str(), &ops, nullptr, &dev), 0);
  oskit_stream_t* s = nullptr;
  EXPECT_EQ(oskit_oob_device_open(name.c_str(), OSKIT_OOB_DEVICE_RDWR, &s), OSKIT_EBUSY);
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(oskit_evl_unregister_device(dev), 0);
}

// ------------------------------------------------------------------ stream

TEST_F(OobDeviceTest, BytesWrittenComeBackInOrder) {
  ComPtr<oskit_stream> s = open();
  oskit_u32_t n = 0;
  ASSERT_EQ(s->write("hello ", 6, &n), 0);
  EXPECT_EQ(n, 6u);
  ASSERT_EQ(oskit_stream_write(s.get(), "world", 5, &n), 0);
  char buf[32] = {};
  ASSERT_EQ(s->read(buf, sizeof buf, &n), 0);
  EXPECT_EQ(std::string(buf, n), "hello world");
}

TEST_F(OobDeviceTest, TransfersRefuseMissingPointers) {
  ComPtr<oskit_stream> s = open();
  oskit_u32_t n = 7;
  char c = 0;
  EXPECT_EQ(s->read(&c, 1, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(s->write(&c, 1, nullptr), OSKIT_E_POINTER);
  EXPECT_EQ(s->read(nullptr, 1, &n), OSKIT_E_POINTER);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(s->write(nullptr, 1, &n), OSKIT_E_POINTER);
  EXPECT_EQ(config_of(s.get()).fill, 0u) << "a refused write reached the device";
  n = 7;
  EXPECT_EQ(s->read(nullptr, 0, &n), 0);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(s->write(nullptr, 0, &n), 0);
}

TEST_F(OobDeviceTest, DirectionsFollowTheOpenMode) {
  ComPtr<oskit_stream> r = open(OSKIT_OOB_DEVICE_READ);
  ComPtr<oskit_stream> w = open(OSKIT_OOB_DEVICE_WRITE);
  oskit_u32_t n = 9;
  char c = 'x';
  EXPECT_EQ(r->write(&c, 1, &n), OSKIT_EBADF);
  EXPECT_EQ(n, 0u);
  ASSERT_EQ(w->write(&c, 1, &n), 0);
  EXPECT_EQ(w->read(&c, 1, &n), OSKIT_EBADF);
  ASSERT_EQ(r->read(&c, 1, &n), 0);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(c, 'x');
}

TEST_F(OobDeviceTest, NonBlockingTransfersThatWouldBlockAreEagain) {
  ComPtr<oskit_stream> s = open(OSKIT_OOB_DEVICE_RDWR | OSKIT_OOB_DEVICE_NONBLOCK);
  char buf[kCapacity] = {};
  oskit_u32_t n = 0;
  EXPECT_EQ(s->read(buf, 1, &n), OSKIT_EAGAIN);
  ASSERT_EQ(s->write(buf, kCapacity, &n), 0);
  EXPECT_EQ(s->write(buf, 1, &n), OSKIT_EAGAIN);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(config_of(s.get()).fill, kCapacity) << "a refused write changed the ring";
}

TEST_F(OobDeviceTest, AWriteLargerThanTheRingIsEfbig) {
  ComPtr<oskit_stream> s = open();
  std::vector<char> big(kCapacity + 1, 'b');
  oskit_u32_t n = 0;
  EXPECT_EQ(s->write(big.data(), static_cast<oskit_u32_t>(big.size()), &n), OSKIT_EFBIG);
  EXPECT_EQ(config_of(s.get()).fill, 0u);
}

TEST_F(OobDeviceTest, SeekIsEspipeAndTheRestIsNotImplemented) {
  ComPtr<oskit_stream> s = open();
  oskit_u64_t pos = 5, a = 0, b = 0;
  EXPECT_EQ(s->seek(0, OSKIT_SEEK_SET, &pos), OSKIT_ESPIPE);
  EXPECT_EQ(oskit_stream_seek(s.get(), 1, OSKIT_SEEK_CUR, &pos), OSKIT_ESPIPE);
  EXPECT_EQ(s->setsize(10), OSKIT_E_NOTIMPL);
  EXPECT_EQ(s->copyto(s.get(), 1, &a, &b), OSKIT_E_NOTIMPL);
  EXPECT_EQ(s->commit(0), OSKIT_E_NOTIMPL);
  EXPECT_EQ(s->revert(), OSKIT_E_NOTIMPL);
  EXPECT_EQ(s->lockregion(0, 1, 0), OSKIT_E_NOTIMPL);
  EXPECT_EQ(s->unlockregion(0, 1, 0), OSKIT_E_NOTIMPL);
  oskit_stream* clone = s.get();
  EXPECT_EQ(s->clone(&clone), OSKIT_E_NOTIMPL);
  EXPECT_EQ(clone, nullptr);
}

TEST_F(OobDeviceTest, StreamStatReportsAStreamWithoutSizeOrName) {
  ComPtr<oskit_stream> s = open();
  oskit_stream_stat_t st;
  memset(&st, 0xff, sizeof st);
  ASSERT_EQ(s->stat(&st, 0), 0);
  EXPECT_EQ(st.name, nullptr);
  EXPECT_EQ(st.type, OSKIT_STGTY_STREAM);
  EXPECT_EQ(st.size, 0u);
  EXPECT_EQ(s->stat(&st, OSKIT_STATFLAG_NONAME), 0);
  EXPECT_EQ(s->stat(&st, 2), OSKIT_EINVAL);
  EXPECT_EQ(s->stat(static_cast<oskit_stream_stat_t*>(nullptr), 0), OSKIT_E_POINTER);
}

// ------------------------------------------------------------------ devctl

// Every direction against every open mode: the verify step refuses with
// OSKIT_EPERM and nothing reaches the device; otherwise the command works.
class DevctlMatrixTest : public OobDeviceTest,
                         public ::testing::WithParamInterface<std::tuple<oskit_u32_t, oskit_u32_t>> {};

bool mode_allows(oskit_u32_t mode, oskit_u32_t dcmd) {
  const oskit_u32_t dir = OSKIT_DCMD_DIR(dcmd);
  if ((dir & OSKIT_DEVDIR_TO) && !(mode & OSKIT_OOB_DEVICE_WRITE)) return false;
  if ((dir & OSKIT_DEVDIR_FROM) && !(mode & OSKIT_OOB_DEVICE_READ)) return false;
  return true;
}

TEST_P(DevctlMatrixTest, TheOpenModeIsVerifiedAgainstTheDirection) {
  const oskit_u32_t mode = std::get<0>(GetParam());
  const oskit_u32_t dcmd = std::get<1>(GetParam());
  ComPtr<oskit_stream> s = open(mode);
  ComPtr<oskit_stream> admin = open(OSKIT_OOB_DEVICE_RDWR);
  oskit_u32_t n = 0;
  ASSERT_EQ(admin->write("abc", 3, &n), 0);  // something for RESET to discard
  const bool allowed = mode_allows(mode, dcmd);
  const oskit_error_t want = allowed ? 0 : OSKIT_EPERM;
  oskit_s32_t ret = -1;
  oskit_size_t got = 99;
  if (dcmd == kReset) {
    EXPECT_EQ(dc(s.get(), dcmd, nullptr, 0, &ret, &got), want);
    EXPECT_EQ(config_of(admin.get()).fill, allowed ? 0u : 3u);
  } else if (dcmd == kSetCapacity) {
    ASSERT_EQ(dc(admin.get(), kReset, nullptr, 0), 0);  // the ring must be empty to resize
    __u32 cap = 8192;
    EXPECT_EQ(dc(s.get(), dcmd, &cap, sizeof cap, &ret, &got), want);
    EXPECT_EQ(config_of(admin.get()).capacity, allowed ? 8192u : kCapacity);
  } else if (dcmd == kGetConfig) {
    oskit_loopback_config c = {0xdead, 0xbeef};
    EXPECT_EQ(dc(s.get(), dcmd, &c, sizeof c, &ret, &got), want);
    EXPECT_EQ(c.capacity, allowed ? kCapacity : 0xdeadu);
    EXPECT_EQ(c.fill, allowed ? 3u : 0xbeefu);
  } else {
    oskit_loopback_xchg x = {41, 7};
    EXPECT_EQ(dc(s.get(), dcmd, &x, sizeof x, &ret, &got), want);
    EXPECT_EQ(x.in, 41u);
    EXPECT_EQ(x.out, allowed ? 42u : 7u);
  }
  EXPECT_EQ(ret, 0);
  const bool from = (OSKIT_DCMD_DIR(dcmd) & OSKIT_DEVDIR_FROM) != 0;
  EXPECT_EQ(got, allowed && from ? OSKIT_DCMD_LEN(dcmd) : 0u);
}

std::string matrix_name(const ::testing::TestParamInfo<std::tuple<oskit_u32_t, oskit_u32_t>>& info) {
  const oskit_u32_t mode = std::get<0>(info.param);
  const oskit_u32_t dcmd = std::get<1>(info.param);
  std::string m = mode == OSKIT_OOB_DEVICE_READ    ? "ReadOnly"
                  : mode == OSKIT_OOB_DEVICE_WRITE ? "WriteOnly"
                                                   : "ReadWrite";
  std::string d = dcmd == kReset ? "None" : dcmd == kSetCapacity ? "To" : dcmd == kGetConfig ? "From" : "ToFrom";
  return m + "_" + d;
}

INSTANTIATE_TEST_SUITE_P(AllCombinations, DevctlMatrixTest,
                         ::testing::Combine(::testing::Values(OSKIT_OOB_DEVICE_READ, OSKIT_OOB_DEVICE_WRITE,
                                                              OSKIT_OOB_DEVICE_RDWR),
                                            ::testing::Values(kReset, kSetCapacity, kGetConfig, kXchg)),
                         matrix_name);

TEST_F(OobDeviceTest, DevctlNeedsNoOutParameters) {
  ComPtr<oskit_stream> s = open();
  oskit_loopback_xchg x = {1, 0};
  ASSERT_EQ(dc(s.get(), kXchg, &x, sizeof x, nullptr, nullptr), 0);
  EXPECT_EQ(x.out, 2u);
}

TEST_F(OobDeviceTest, MoreBytesThanTheEncodedSizeAreRefused) {
  ComPtr<oskit_stream> s = open();
  ComPtr<oskit_devctl> d = query<oskit_devctl>(s);
  ASSERT_TRUE(d);
  struct {
    oskit_loopback_xchg x;
    char extra[4];
  } big = {{5, 0}, {}};
  oskit_s32_t ret = 3;
  oskit_size_t got = 3;
  EXPECT_EQ(d->devctl(kXchg, &big, sizeof big, &ret, &got), OSKIT_EINVAL);
  EXPECT_EQ(big.x.out, 0u) << "a refused command reached the driver";
  EXPECT_EQ(ret, 0);
  EXPECT_EQ(got, 0u);
  EXPECT_EQ(oskit_devctl_devctl(d.get(), kReset, &big, 1, &ret, &got), OSKIT_EINVAL);
}

TEST_F(OobDeviceTest, MissingDataIsEfault) {
  ComPtr<oskit_stream> s = open();
  EXPECT_EQ(dc(s.get(), kXchg, nullptr, sizeof(oskit_loopback_xchg)), OSKIT_EFAULT);
}

TEST_F(OobDeviceTest, FewerBytesFromTheDriverLeaveTheRestOfTheCallersMemory) {
  ComPtr<oskit_stream> s = open();
  oskit_u32_t n = 0;
  ASSERT_EQ(s->write("12345", 5, &n), 0);
  oskit_loopback_config c = {0xdead, 0xbeef};
  oskit_size_t got = 0;
  ASSERT_EQ(dc(s.get(), kGetConfig, &c, sizeof c.capacity, nullptr, &got), 0);
  EXPECT_EQ(c.capacity, kCapacity);
  EXPECT_EQ(c.fill, 0xbeefu) << "the driver wrote past nbytes";
  EXPECT_EQ(got, sizeof c.capacity);
  // No data at all: the command still runs, nothing comes back.
  ASSERT_EQ(dc(s.get(), kGetConfig, nullptr, 0, nullptr, &got), 0);
  EXPECT_EQ(got, 0u);
}

TEST_F(OobDeviceTest, FewerBytesToTheDriverArePaddedWithZeroes) {
  ComPtr<oskit_stream> s = open();
  __u32 cap = 0x00011000;  // only the low two bytes (0x1000) are sent
  ASSERT_EQ(dc(s.get(), kSetCapacity, &cap, 2), 0);
  EXPECT_EQ(config_of(s.get()).capacity, 0x1000u);
  // Both ways: in is sent, out is computed into the bounce buffer only.
  oskit_loopback_xchg x = {9, 77};
  oskit_size_t got = 0;
  ASSERT_EQ(dc(s.get(), kXchg, &x, sizeof x.in, nullptr, &got), 0);
  EXPECT_EQ(x.in, 9u);
  EXPECT_EQ(x.out, 77u);
  EXPECT_EQ(got, sizeof x.in);
  // Zero bytes: a capacity of 0, which the driver refuses.
  EXPECT_EQ(dc(s.get(), kSetCapacity, nullptr, 0), OSKIT_EINVAL);
}

TEST_F(OobDeviceTest, UnknownCommandsAreEnotty) {
  ComPtr<oskit_stream> s = open();
  EXPECT_EQ(dc(s.get(), OSKIT_DION('L', 99), nullptr, 0), OSKIT_ENOTTY);
  // A known number with another size or direction is another command.
  oskit_u32_t v = 0;
  EXPECT_EQ(dc(s.get(), OSKIT_DIOF('L', 1, oskit_u32_t), &v, sizeof v), OSKIT_ENOTTY);
  EXPECT_EQ(dc(s.get(), OSKIT_DION('L', 1), nullptr, 0), OSKIT_ENOTTY);
  EXPECT_EQ(dc(s.get(), OSKIT_DION('Q', 6), nullptr, 0), OSKIT_ENOTTY);
  // In the reserved range, anything but the generic commands.
  EXPECT_EQ(dc(s.get(), OSKIT_DION(0x00, 0x7f), nullptr, 0), OSKIT_ENOTTY);
  EXPECT_EQ(dc(s.get(), OSKIT_DIOF(0x0f, 0x01, oskit_u32_t), &v, sizeof v), OSKIT_ENOTTY);
}

// The generic commands of the reserved range are served by the driver-side
// framework's default handler (glue/devctl), which the loopback driver uses.
TEST_F(OobDeviceTest, ReservedGenericFlagsCommandsAreServed) {
  ComPtr<oskit_stream> s = open();
  oskit_u32_t flags = 0xffff;
  oskit_size_t got = 0;
  ASSERT_EQ(dc(s.get(), OSKIT_DCMD_ALL_GETFLAGS, &flags, sizeof flags, nullptr, &got), 0);
  EXPECT_EQ(flags & ~OSKIT_DEVCTL_F_KNOWN, 0u);
  EXPECT_EQ(got, sizeof flags);
  oskit_u32_t set = OSKIT_DEVCTL_F_NONBLOCK;
  ASSERT_EQ(dc(s.get(), OSKIT_DCMD_ALL_SETFLAGS, &set, sizeof set), 0);
  ASSERT_EQ(dc(s.get(), OSKIT_DCMD_ALL_GETFLAGS, &flags, sizeof flags), 0);
  EXPECT_EQ(flags, OSKIT_DEVCTL_F_NONBLOCK);
  char c = 0;
  oskit_u32_t n = 5;
  EXPECT_EQ(s->read(&c, 1, &n), OSKIT_EAGAIN) << "NONBLOCK set through devctl does not apply";
  set = 0;
  ASSERT_EQ(dc(s.get(), OSKIT_DCMD_ALL_SETFLAGS, &set, sizeof set), 0);
  ASSERT_EQ(dc(s.get(), OSKIT_DCMD_ALL_GETFLAGS, &flags, sizeof flags), 0);
  EXPECT_EQ(flags, 0u);
  oskit_u32_t unknown = 0x8000;
  EXPECT_EQ(dc(s.get(), OSKIT_DCMD_ALL_SETFLAGS, &unknown, sizeof unknown), OSKIT_EINVAL);
  // The open mode is verified for them too.
  ComPtr<oskit_stream> r = open(OSKIT_OOB_DEVICE_READ | OSKIT_OOB_DEVICE_NONBLOCK);
  EXPECT_EQ(dc(r.get(), OSKIT_DCMD_ALL_SETFLAGS, &set, sizeof set), OSKIT_EPERM);
  ASSERT_EQ(dc(r.get(), OSKIT_DCMD_ALL_GETFLAGS, &flags, sizeof flags), 0);
  EXPECT_EQ(flags, OSKIT_DEVCTL_F_NONBLOCK) << "the opening's O_NONBLOCK";
}

TEST_F(OobDeviceTest, DriverErrorsReachTheCaller) {
  ComPtr<oskit_stream> s = open();
  __u32 too_many = kCapacity + 1;
  EXPECT_EQ(dc(s.get(), kWaitFill, &too_many, sizeof too_many), OSKIT_EINVAL);
  oskit_u32_t n = 0;
  ASSERT_EQ(s->write("x", 1, &n), 0);
  __u32 cap = 8192;
  EXPECT_EQ(dc(s.get(), kSetCapacity, &cap, sizeof cap), OSKIT_EBUSY);
  EXPECT_EQ(config_of(s.get()).capacity, kCapacity);
  ComPtr<oskit_stream> nb = open(OSKIT_OOB_DEVICE_RDWR | OSKIT_OOB_DEVICE_NONBLOCK);
  __u32 two = 2;
  EXPECT_EQ(dc(nb.get(), kWaitFill, &two, sizeof two), OSKIT_EAGAIN);
}

// ------------------------------------------------------------------ probe driver

// Records what reaches it. Commands of class 'P': number 1 returns 7; number 2
// fills the encoded size with 0xab and fails with EIO; number 3 (both ways)
// reads its data then fills every byte of the encoded size with 0xab.
struct Probe {
  std::mutex mu;
  unsigned int cmd = 0;
  int oob_calls = 0;
  int inband_calls = 0;
  int stage = -1;
  std::vector<unsigned char> seen;
};

long probe_common(oskit_evl_file* f, unsigned int cmd, unsigned long arg, bool oob) {
  Probe* p = static_cast<Probe*>(oskit_evl_device_data(f->device));
  std::lock_guard<std::mutex> lock(p->mu);
  p->cmd = cmd;
  (oob ? p->oob_calls : p->inband_calls)++;
  p->stage = oskit_evl_stage_current();
  if (_IOC_TYPE(cmd) != 'P') return -ENOTTY;
  unsigned char* data = reinterpret_cast<unsigned char*>(arg);
  switch (_IOC_NR(cmd)) {
    case 1:
      return 7;
    case 2:
      if (_IOC_SIZE(cmd) != 0) memset(data, 0xab, _IOC_SIZE(cmd));
      return -EIO;
    case 3:
      p->seen.assign(data, data + _IOC_SIZE(cmd));
      memset(data, 0xab, _IOC_SIZE(cmd));
      return 0;
    default:
      return -ENOTTY;
  }
}
long probe_oob_ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg) { return probe_common(f, cmd, arg, true); }
long probe_ioctl(oskit_evl_file* f, unsigned int cmd, unsigned long arg) { return probe_common(f, cmd, arg, false); }
unsigned int probe_poll(oskit_evl_file*, unsigned int) { return 0; }

struct Blob32 {
  unsigned char b[32];
};
const oskit_u32_t kProbeSeven = OSKIT_DION('P', 1);
const oskit_u32_t kProbeFail = OSKIT_DION('P', 2);
const oskit_u32_t kProbeFill = OSKIT_DIOTF('P', 3, Blob32);

class ProbeDeviceTest : public oskit::testing::LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    init_evl();
    ops_.oob_ioctl = probe_oob_ioctl;
    ops_.ioctl = probe_ioctl;
    ops_.poll = probe_poll;
    name_ = unique_name("probe");
    ASSERT_EQ(oskit_evl_register_device(name_.c_str(), &ops_, &probe_, &dev_), 0);
  }
  void TearDown() override {
    EXPECT_EQ(oskit_evl_unregister_device(dev_), 0);
    LeakCheckedTest::TearDown();
  }
  oskit_evl_file_operations ops_ = {};
  Probe probe_;
  oskit_evl_device* dev_ = nullptr;
  std::string name_;
};

TEST_F(ProbeDeviceTest, TheDriverGetsTheLinuxEncodingAndItsResultIsRetVal) {
  ComPtr<oskit_stream> s = open_device(name_, OSKIT_OOB_DEVICE_RDWR);
  oskit_s32_t ret = 0;
  oskit_size_t got = 5;
  ASSERT_EQ(dc(s.get(), kProbeSeven, nullptr, 0, &ret, &got), 0);
  EXPECT_EQ(ret, 7);
  EXPECT_EQ(got, 0u);
  EXPECT_EQ(probe_.cmd, static_cast<unsigned int>(_IO('P', 1)));
  Blob32 blob = {};
  ASSERT_EQ(dc(s.get(), kProbeFill, &blob, sizeof blob), 0);
  EXPECT_EQ(probe_.cmd, static_cast<unsigned int>(_IOWR('P', 3, Blob32)));
  EXPECT_EQ(dc(s.get(), kProbeFail, nullptr, 0, &ret), OSKIT_EIO);
  EXPECT_EQ(ret, 0);
}

TEST_F(ProbeDeviceTest, ABounceBufferKeepsTheDriverInsideNbytes) {
  ComPtr<oskit_stream> s = open_device(name_, OSKIT_OOB_DEVICE_RDWR);
  unsigned char buf[40];
  memset(buf, 0x11, sizeof buf);
  memset(buf, 0x22, 8);
  oskit_size_t got = 0;
  ASSERT_EQ(dc(s.get(), kProbeFill, buf, 8, nullptr, &got), 0);
  EXPECT_EQ(got, 8u);
  ASSERT_EQ(probe_.seen.size(), 32u);
  for (size_t i = 0; i < 32; ++i) EXPECT_EQ(probe_.seen[i], i < 8 ? 0x22 : 0x00) << "byte " << i;
  for (size_t i = 0; i < sizeof buf; ++i) EXPECT_EQ(buf[i], i < 8 ? 0xab : 0x11) << "byte " << i;
}

TEST_F(ProbeDeviceTest, AFailedCommandCopiesNothingBack) {
  ComPtr<oskit_stream> s = open_device(name_, OSKIT_OOB_DEVICE_RDWR);
  unsigned char buf[8];
  memset(buf, 0x33, sizeof buf);
  const oskit_u32_t failing_from = OSKIT_DCMD(OSKIT_DEVDIR_FROM, 'P', 2, 32);
  EXPECT_EQ(dc(s.get(), failing_from, buf, sizeof buf), OSKIT_EIO);
  for (unsigned char b : buf) EXPECT_EQ(b, 0x33);
}

TEST_F(ProbeDeviceTest, AnEvlThreadIssuesOobIoctlWithoutAStageViolation) {
  ComPtr<oskit_stream> s = open_device(name_, OSKIT_OOB_DEVICE_RDWR);
  run_on_evl_thread("devctl", [&] {
    ASSERT_EQ(evl_switch_oob(), 0);
    oskit_evl_stage_reset();
    oskit_s32_t ret = 0;
    EXPECT_EQ(dc(s.get(), kProbeSeven, nullptr, 0, &ret), 0);
    EXPECT_EQ(ret, 7);
    unsigned char buf[4] = {};
    EXPECT_EQ(dc(s.get(), kProbeFill, buf, sizeof buf), 0);  // through the bounce buffer
    EXPECT_EQ(oskit_evl_stage_thread_violations(), 0u);
    EXPECT_EQ(oskit_evl_stage_current(), OSKIT_EVL_STAGE_OOB);
  });
  EXPECT_EQ(probe_.oob_calls, 2);
  EXPECT_EQ(probe_.inband_calls, 0);
  EXPECT_EQ(probe_.stage, OSKIT_EVL_STAGE_OOB);
}

TEST_F(ProbeDeviceTest, AnyOtherThreadIssuesAnInbandIoctl) {
  ComPtr<oskit_stream> s = open_device(name_, OSKIT_OOB_DEVICE_RDWR);
  oskit_s32_t ret = 0;
  EXPECT_EQ(dc(s.get(), kProbeSeven, nullptr, 0, &ret), 0);
  EXPECT_EQ(ret, 7);
  EXPECT_EQ(probe_.oob_calls, 0);
  EXPECT_EQ(probe_.inband_calls, 1);
  EXPECT_EQ(probe_.stage, OSKIT_EVL_STAGE_UNATTACHED);
}

// ------------------------------------------------------------------ stages

TEST_F(OobDeviceTest, TheOutOfBandPathsMakeNoStageViolation) {
  ComPtr<oskit_stream> s = open();
  ComPtr<oskit_asyncio> a = query<oskit_asyncio>(s);
  ASSERT_TRUE(a);
  run_on_evl_thread("oobpath", [&] {
    ASSERT_EQ(evl_switch_oob(), 0);
    oskit_evl_stage_reset();
    oskit_u32_t n = 0;
    char buf[16];
    for (int i = 0; i < 100; ++i) {
      ASSERT_EQ(s->write("0123456789", 10, &n), 0);
      EXPECT_NE(a->poll() & OSKIT_ASYNCIO_READABLE, 0);
      EXPECT_EQ(a->readable(), 10);
      ASSERT_EQ(s->read(buf, sizeof buf, &n), 0);
      EXPECT_EQ(std::string(buf, n), "0123456789");
      oskit_loopback_xchg x = {static_cast<__u64>(i), 0};
      ASSERT_EQ(dc(s.get(), kXchg, &x, sizeof x), 0);
      EXPECT_EQ(x.out, static_cast<__u64>(i + 1));
    }
    oskit_loopback_stats st = {};
    ASSERT_EQ(dc(s.get(), kGetStats, &st, sizeof st), 0);
    EXPECT_EQ(st.writes, 100u);
    EXPECT_EQ(oskit_evl_stage_thread_violations(), 0u);
    EXPECT_EQ(oskit_evl_stage_current(), OSKIT_EVL_STAGE_OOB);
  });
}

// ------------------------------------------------------------------ concurrency

// Several EVL threads write tagged records and exchange values while others
// read and query statistics, in-band and out-of-band at once.
TEST_F(OobDeviceTest, ConcurrentDevctlAndIo) {
  constexpr int kWriters = 3;
  constexpr int kReaders = 2;
  constexpr int kRecords = 600;  // per writer; a multiple of kReaders
  ComPtr<oskit_stream> s = open();
  std::mutex seen_mu;
  std::set<std::pair<uint32_t, uint32_t>> seen;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      run_on_evl_thread("writer", [&, w] {
        oskit_evl_stage_reset();
        for (uint32_t i = 0; i < kRecords; ++i) {
          uint32_t rec[2] = {static_cast<uint32_t>(w), i};
          oskit_u32_t n = 0;
          if (s->write(rec, sizeof rec, &n) != 0 || n != sizeof rec) failures++;
          oskit_loopback_xchg x = {i * 10u + w, 0};
          if (dc(s.get(), kXchg, &x, sizeof x) != 0 || x.out != x.in + 1) failures++;
        }
        if (oskit_evl_stage_thread_violations() != 0) failures++;
      });
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      run_on_evl_thread("reader", [&] {
        oskit_evl_stage_reset();
        for (int i = 0; i < kWriters * kRecords / kReaders; ++i) {
          uint32_t rec[2];
          oskit_u32_t n = 0;
          if (s->read(rec, sizeof rec, &n) != 0 || n != sizeof rec) {
            failures++;
            continue;
          }
          std::lock_guard<std::mutex> lock(seen_mu);
          if (!seen.insert({rec[0], rec[1]}).second) failures++;
        }
        if (oskit_evl_stage_thread_violations() != 0) failures++;
      });
    });
  }
  threads.emplace_back([&] {  // in-band: statistics and configuration
    for (int i = 0; i < 200; ++i) {
      oskit_loopback_stats st = {};
      if (dc(s.get(), kGetStats, &st, sizeof st) != 0 || st.bytes_read > st.bytes_written) failures++;
      if (config_of(s.get()).capacity != kCapacity) failures++;
    }
  });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kWriters * kRecords));
  oskit_loopback_stats st = {};
  ASSERT_EQ(dc(s.get(), kGetStats, &st, sizeof st), 0);
  EXPECT_EQ(st.bytes_written, st.bytes_read);
  EXPECT_EQ(st.writes, static_cast<__u64>(kWriters * kRecords));
}

// ------------------------------------------------------------------ asyncio

TEST_F(OobDeviceTest, PollFollowsTheRingAndTheOpenMode) {
  ComPtr<oskit_stream> s = open();
  ComPtr<oskit_stream> r = open(OSKIT_OOB_DEVICE_READ);
  ComPtr<oskit_asyncio> a = query<oskit_asyncio>(s);
  ComPtr<oskit_asyncio> ra = query<oskit_asyncio>(r);
  ASSERT_TRUE(a && ra);
  EXPECT_EQ(a->poll(), OSKIT_ASYNCIO_WRITABLE);
  EXPECT_EQ(ra->poll(), 0);
  EXPECT_EQ(a->readable(), 0);
  std::vector<char> full(kCapacity, 'f');
  oskit_u32_t n = 0;
  ASSERT_EQ(s->write(full.data(), kCapacity, &n), 0);
  EXPECT_EQ(a->poll(), OSKIT_ASYNCIO_READABLE);
  EXPECT_EQ(ra->poll(), OSKIT_ASYNCIO_READABLE);
  EXPECT_EQ(ra->readable(), static_cast<oskit_error_t>(kCapacity));
  EXPECT_EQ(a->readable(), static_cast<oskit_error_t>(kCapacity));
}

}  // namespace

// ------------------------------------------------------------------ conformance

namespace conformance {

// One loopback device for the suites; each object starts with it empty.
const std::string& suite_device() {
  static const std::string name = [] {
    testing::init_evl();
    std::string n = testing::unique_name("suite");
    EXPECT_EQ(oskit_loopback_register(n.c_str(), kCapacity), 0);
    return n;
  }();
  return name;
}

ComPtr<oskit_stream> fresh_device() {
  ComPtr<oskit_stream> s = open_device(suite_device(), OSKIT_OOB_DEVICE_RDWR);
  if (s) {
    EXPECT_EQ(dc(s.get(), kReset, nullptr, 0), 0);
  }
  return s;
}

struct DeviceCom {
  static ComPtr<oskit_iunknown> make() { return query<oskit_iunknown>(fresh_device()); }
  static std::vector<oskit_guid> interfaces() {
    return {iid_of<oskit_stream>::value, iid_of<oskit_devctl>::value, iid_of<oskit_asyncio>::value,
            iid_of<oskit_posixio>::value};
  }
};

struct DeviceAsyncio {
  struct Instance {
    ComPtr<oskit_asyncio> io;
    std::function<void()> make_readable;
  };
  static Instance make() {
    ComPtr<oskit_stream> s = fresh_device();
    return {query<oskit_asyncio>(s), [s] {
              oskit_u32_t n = 0;
              EXPECT_EQ(s->write("r", 1, &n), 0);
            }};
  }
  static constexpr bool kAlwaysReady = false;
};

// feed and drain go through a second opener of the same ring.
struct DeviceStream {
  struct Instance {
    ComPtr<oskit_stream> io;
    std::function<void(const std::string&)> feed;
    std::function<std::string(size_t)> drain;
  };
  static Instance make() {
    ComPtr<oskit_stream> io = fresh_device();
    ComPtr<oskit_stream> peer = open_device(suite_device(), OSKIT_OOB_DEVICE_RDWR);
    return {io,
            [peer](const std::string& bytes) {
              oskit_u32_t n = 0;
              EXPECT_EQ(peer->write(bytes.data(), static_cast<oskit_u32_t>(bytes.size()), &n), 0);
            },
            [peer](size_t n) {
              std::string out(n, '\0');
              size_t done = 0;
              while (done < n) {
                oskit_u32_t k = 0;
                if (peer->read(&out[done], static_cast<oskit_u32_t>(n - done), &k) != 0 || k == 0) break;
                done += k;
              }
              out.resize(done);
              return out;
            }};
  }
  static constexpr bool kSeekable = false;
};

struct DevicePosixio {
  static ComPtr<oskit_posixio> make() { return query<oskit_posixio>(fresh_device()); }
  static constexpr bool kSizeSettable = false;
};

struct DeviceDescribe {
  static ComPtr<oskit_describe> make() { return query<oskit_describe>(fresh_device()); }
  static const char* kind() { return "oob_device"; }
};

}  // namespace conformance
}  // namespace oskit::evl

namespace oskit::testing {
INSTANTIATE_TYPED_TEST_SUITE_P(OobDevice, ComConformance, ::testing::Types<oskit::evl::conformance::DeviceCom>);
INSTANTIATE_TYPED_TEST_SUITE_P(OobDevice, AsyncioConformance, ::testing::Types<oskit::evl::conformance::DeviceAsyncio>);
INSTANTIATE_TYPED_TEST_SUITE_P(OobDevice, StreamConformance, ::testing::Types<oskit::evl::conformance::DeviceStream>);
INSTANTIATE_TYPED_TEST_SUITE_P(OobDevice, PosixioConformance, ::testing::Types<oskit::evl::conformance::DevicePosixio>);
INSTANTIATE_TYPED_TEST_SUITE_P(OobDevice, DescribeConformance,
                               ::testing::Types<oskit::evl::conformance::DeviceDescribe>);
}  // namespace oskit::testing
