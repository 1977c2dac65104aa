// The stack: an in-band producer feeds fixed-size samples into the loopback
// device; an out-of-band control loop waits for each sample with a devctl,
// reads it through the oob device's stream, exchanges a value with the
// driver, queries its configuration and statistics and the generic flags,
// and logs every step through a proxy logger to a file. The loop makes no
// stage violation, and the file holds exactly the expected lines.
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include <evl/thread.h>

#include "absl/strings/str_format.h"
#include "components/evl_proxy/logger.h"
#include "components/oob_device/oob_device.h"
#include "glue/devctl/devctl_server.h"
#include "glue/evl/loopback.h"
#include "glue/evl/stage.h"
#include "glue/evl/testing/evl_testing.h"
#include "gtest/gtest.h"
#include "oskit/io/devctl.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/temp_dir.h"

namespace oskit::evl {
namespace {

constexpr int kSamples = 300;
constexpr size_t kSampleSize = 16;
constexpr unsigned int kCapacity = 1024;  // the producer blocks: the loop must keep up

const oskit_u32_t kGetConfig = oskit_devctl_from_ioc(OSKIT_LOOPBACK_GET_CONFIG);
const oskit_u32_t kGetStats = oskit_devctl_from_ioc(OSKIT_LOOPBACK_GET_STATS);
const oskit_u32_t kSetCapacity = oskit_devctl_from_ioc(OSKIT_LOOPBACK_SET_CAPACITY);
const oskit_u32_t kWaitFill = oskit_devctl_from_ioc(OSKIT_LOOPBACK_WAIT_FILL);
const oskit_u32_t kXchg = oskit_devctl_from_ioc(OSKIT_LOOPBACK_XCHG);

std::string sample(int i) { return absl::StrFormat("sample-%09d", i); }  // kSampleSize bytes

// The lines the control loop must produce, in order.
std::vector<std::string> expected_lines() {
  std::vector<std::string> want;
  want.push_back("control: flags 0x0");
  for (int i = 0; i < kSamples; ++i) {
    want.push_back(absl::StrFormat("control: %s xchg %d", sample(i), i * 3 + 1));
    if (i % 100 == 99) want.push_back(absl::StrFormat("control: capacity %u", kCapacity));
  }
  want.push_back(
      absl::StrFormat("control: stats written %d read %d writes %d", kSamples * 16, kSamples * 16, kSamples));
  want.push_back("control: monitor set-capacity: " + std::string(oskit_error_string(OSKIT_EPERM)));
  want.push_back("control: unknown command: " + std::string(oskit_error_string(OSKIT_ENOTTY)));
  want.push_back("control: non-blocking read of an empty ring: " + std::string(oskit_error_string(OSKIT_EAGAIN)));
  want.push_back("control: done");
  return want;
}

class EvlStackTest : public oskit::testing::LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    testing::init_evl();
    device_ = testing::unique_name("stack-loop");
    ASSERT_EQ(oskit_loopback_register(device_.c_str(), kCapacity), 0);
    log_path_ = oskit::testing::temp_path(device_ + ".log");
    log_fd_ = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(log_fd_, 0);
  }
  void TearDown() override {
    close(log_fd_);
    EXPECT_EQ(oskit_loopback_unregister(device_.c_str()), 0);
    LeakCheckedTest::TearDown();
  }
  std::string device_;
  std::string log_path_;
  int log_fd_ = -1;
};

oskit_error_t dc(const ComPtr<oskit_devctl>& d, oskit_u32_t dcmd, void* data, oskit_size_t nbytes) {
  return d->devctl(dcmd, data, nbytes, nullptr, nullptr);
}

// The out-of-band loop. Everything it touches was opened beforehand.
void control_loop(oskit_stream* dev, const ComPtr<oskit_devctl>& ctl, const ComPtr<oskit_devctl>& monitor,
                  Logger* log) {
  oskit_u32_t flags = 0xff;
  ASSERT_EQ(dc(ctl, OSKIT_DCMD_ALL_GETFLAGS, &flags, sizeof flags), 0);
  log->printf("control: flags 0x%x\n", flags);
  for (int i = 0; i < kSamples; ++i) {
    __u32 need = kSampleSize;
    ASSERT_EQ(dc(ctl, kWaitFill, &need, sizeof need), 0);
    char buf[kSampleSize + 1] = {};
    oskit_u32_t n = 0;
    ASSERT_EQ(dev->read(buf, kSampleSize, &n), 0);
    ASSERT_EQ(n, kSampleSize);
    oskit_loopback_xchg x = {static_cast<__u64>(i) * 3, 0};
    ASSERT_EQ(dc(ctl, kXchg, &x, sizeof x), 0);
    ASSERT_GT(log->printf("control: %s xchg %llu\n", buf, static_cast<unsigned long long>(x.out)), 0);
    if (i % 100 == 99) {
      oskit_loopback_config c = {0, 0};
      ASSERT_EQ(dc(ctl, kGetConfig, &c, sizeof c), 0);
      log->printf("control: capacity %u\n", c.capacity);
    }
  }
  oskit_loopback_stats st = {};
  ASSERT_EQ(dc(ctl, kGetStats, &st, sizeof st), 0);
  log->printf("control: stats written %llu read %llu writes %llu\n", static_cast<unsigned long long>(st.bytes_written),
              static_cast<unsigned long long>(st.bytes_read), static_cast<unsigned long long>(st.writes));
  __u32 cap = 2 * kCapacity;
  log->printf("control: monitor set-capacity: %s\n", oskit_error_string(dc(monitor, kSetCapacity, &cap, sizeof cap)));
  log->printf("control: unknown command: %s\n", oskit_error_string(dc(ctl, OSKIT_DION('L', 0x77), nullptr, 0)));
  oskit_u32_t nonblock = OSKIT_DEVCTL_F_NONBLOCK;
  ASSERT_EQ(dc(ctl, OSKIT_DCMD_ALL_SETFLAGS, &nonblock, sizeof nonblock), 0);
  char c = 0;
  oskit_u32_t n = 0;
  log->printf("control: non-blocking read of an empty ring: %s\n", oskit_error_string(dev->read(&c, 1, &n)));
  log->printf("control: done\n");
}

TEST_F(EvlStackTest, AnOutOfBandControlLoopLogsThroughAProxy) {
  ComPtr<oskit_stream> dev, producer, monitor;
  ASSERT_EQ(oskit_oob_device_open(device_.c_str(), OSKIT_OOB_DEVICE_RDWR, dev.put()), 0);
  ASSERT_EQ(oskit_oob_device_open(device_.c_str(), OSKIT_OOB_DEVICE_WRITE, producer.put()), 0);
  ASSERT_EQ(oskit_oob_device_open(device_.c_str(), OSKIT_OOB_DEVICE_READ, monitor.put()), 0);
  ComPtr<oskit_devctl> ctl = query<oskit_devctl>(dev);
  ComPtr<oskit_devctl> mon = query<oskit_devctl>(monitor);
  ASSERT_TRUE(ctl && mon);
  std::unique_ptr<Logger> log;
  ASSERT_EQ(Logger::open(log_fd_, 1 << 16, testing::unique_name("stack-log").c_str(), &log), 0);

  std::thread feeder([&] {  // in-band, not an EVL thread
    for (int i = 0; i < kSamples; ++i) {
      const std::string s = sample(i);
      oskit_u32_t n = 0;
      ASSERT_EQ(producer->write(s.data(), static_cast<oskit_u32_t>(s.size()), &n), 0);
    }
  });
  unsigned long loop_violations = ~0ul;
  oskit_evl_stage_reset();
  testing::run_on_evl_thread("control", [&] {
    ASSERT_EQ(evl_switch_oob(), 0);
    oskit_evl_stage_reset();
    control_loop(dev.get(), ctl, mon, log.get());
    loop_violations = oskit_evl_stage_thread_violations();
    EXPECT_EQ(oskit_evl_stage_current(), OSKIT_EVL_STAGE_OOB);
  });
  feeder.join();
  EXPECT_EQ(loop_violations, 0u);
  EXPECT_EQ(oskit_evl_stage_violations(), 0u);

  ASSERT_EQ(log->flush(), 0);
  const std::vector<std::string> want = expected_lines();
  const std::vector<std::string> got = testing::lines_of(log_path_);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "line " << i + 1;
}

}  // namespace
}  // namespace oskit::evl
