// The proxy logger: records from out-of-band loops reach a file whole and in
// order with no stage violation; bad records are refused and send nothing.
#include "components/evl_proxy/logger.h"

#include <fcntl.h>
#include <unistd.h>
#include <wchar.h>

#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <evl/proxy.h>
#include <evl/thread.h>

#include "glue/evl/emul/seams.h"
#include "glue/evl/stage.h"
#include "glue/evl/testing/evl_testing.h"
#include "gtest/gtest.h"
#include "oskit/com/implements.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/temp_dir.h"

namespace oskit::evl {
namespace {

using oskit::testing::temp_path;
using testing::init_evl;
using testing::lines_of;
using testing::run_on_evl_thread;
using testing::unique_name;

class LoggerTest : public oskit::testing::LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    init_evl();
    path_ = temp_path(unique_name("log") + ".txt");
    fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override {
    close(fd_);
    LeakCheckedTest::TearDown();
  }
  std::string path_;
  int fd_ = -1;
};

TEST_F(LoggerTest, AnOutOfBandLoopLogsLinesInOrderWithoutAStageViolation) {
  std::unique_ptr<Logger> log;
  ASSERT_EQ(Logger::open(fd_, 1 << 16, nullptr, &log), 0);
  run_on_evl_thread("logger", [&] {
    ASSERT_EQ(evl_switch_oob(), 0);
    oskit_evl_stage_reset();
    for (int i = 0; i < 1000; ++i) {
      ASSERT_GT(log->printf("tick %d value %.2f %s\n", i, i / 4.0, i % 2 ? "odd" : "even"), 0);
    }
    EXPECT_EQ(oskit_evl_stage_thread_violations(), 0u);
    EXPECT_EQ(oskit_evl_stage_current(), OSKIT_EVL_STAGE_OOB);
  });
  ASSERT_EQ(log->flush(), 0);
  std::vector<std::string> lines = lines_of(path_);
  ASSERT_EQ(lines.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    char want[64];
    snprintf(want, sizeof want, "tick %d value %.2f %s", i, i / 4.0, i % 2 ? "odd" : "even");
    EXPECT_EQ(lines[i], want);
  }
}

TEST_F(LoggerTest, RecordsFromSeveralThreadsNeverInterleave) {
  constexpr int kThreads = 4;
  constexpr int kLines = 300;
  std::unique_ptr<Logger> log;
  ASSERT_EQ(Logger::open(fd_, 4096, unique_name("mt-log").c_str(), &log), 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      run_on_evl_thread("mt-logger", [&, t] {
        oskit_evl_stage_reset();
        for (int i = 0; i < kLines; ++i) EXPECT_GT(log->printf("thread %d line %d %s\n", t, i, "payload-payload"), 0);
        EXPECT_EQ(oskit_evl_stage_thread_violations(), 0u);
      });
    });
  }
  for (std::thread& th : threads) th.join();
  log.reset();  // closing the proxy drains it
  std::map<int, int> next;
  std::vector<std::string> lines = lines_of(path_);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLines));
  for (const std::string& line : lines) {
    int t = -1, i = -1;
    char tail[32] = {};
    ASSERT_EQ(sscanf(line.c_str(), "thread %d line %d %31s", &t, &i, tail), 3) << line;
    EXPECT_STREQ(tail, "payload-payload");
    EXPECT_EQ(i, next[t]++) << "thread " << t << " out of order";
  }
}

TEST_F(LoggerTest, BadRecordsAreRefusedAndSendNothing) {
  std::unique_ptr<Logger> log;
  ASSERT_EQ(Logger::open(fd_, 4096, nullptr, &log), 0);
  std::string huge(Logger::kMaxRecord, 'h');
  EXPECT_EQ(log->printf("%s", huge.c_str()), OSKIT_EFBIG);
  EXPECT_EQ(log->printf("%s", huge.substr(1).c_str()), static_cast<oskit_error_t>(Logger::kMaxRecord - 1));
  const wchar_t unencodable[] = {0x20ac, 0};  // no encoding in the C locale
  EXPECT_EQ(log->printf("%ls", unencodable), OSKIT_EINVAL);
  EXPECT_EQ(log->printf(nullptr), OSKIT_EINVAL);
  EXPECT_EQ(log->printf("%s", ""), 0);
  EXPECT_EQ(log->printf("end\n"), 4);
  ASSERT_EQ(log->flush(), 0);
  std::vector<std::string> lines = lines_of(path_);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], huge.substr(1) + "end");
}

TEST_F(LoggerTest, ARecordLargerThanTheRingIsEfbig) {
  std::unique_ptr<Logger> log;
  ASSERT_EQ(Logger::open(fd_, 16, nullptr, &log), 0);
  EXPECT_EQ(log->printf("%s\n", "more than sixteen bytes"), OSKIT_EFBIG);
  EXPECT_EQ(log->printf("short\n"), 6);
  ASSERT_EQ(log->flush(), 0);
  EXPECT_EQ(lines_of(path_), std::vector<std::string>{"short"});
}

TEST_F(LoggerTest, OpenRefusesBadArguments) {
  std::unique_ptr<Logger> log;
  EXPECT_EQ(Logger::open(fd_, 0, nullptr, &log), OSKIT_EINVAL);
  EXPECT_EQ(Logger::open(-1, 4096, nullptr, &log), OSKIT_EBADF);
  EXPECT_EQ(Logger::open(fd_, 4096, "a/b", &log), OSKIT_EINVAL);
  EXPECT_EQ(log, nullptr);
  EXPECT_EQ(Logger::open(fd_, 4096, nullptr, nullptr), OSKIT_E_POINTER);
}

TEST_F(LoggerTest, ANonBlockingProxyWhoseRingIsFullRefusesTheRecord) {
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  std::vector<char> filler(4096, 'f');
  size_t in_pipe = 0;
  for (ssize_t k; (k = write(fds[1], filler.data(), filler.size())) > 0;) in_pipe += static_cast<size_t>(k);
  oskit_evl_proxy_options opts = {32, 0, OSKIT_EVL_PROXY_OUTPUT, nullptr, 1};
  ComPtr<oskit_stream> stream;
  ASSERT_EQ(oskit_evl_proxy_create(fds[1], &opts, stream.put()), 0);
  Logger log(stream);
  EXPECT_EQ(log.printf("%030d\n", 1), 31);
  EXPECT_EQ(log.printf("%030d\n", 2), OSKIT_EAGAIN);
  // Drain the pipe: the accepted record arrives, the refused one never does.
  std::string got;
  char buf[4096];
  while (got.size() < in_pipe + 31) {
    ssize_t k = read(fds[0], buf, sizeof buf);
    if (k > 0) got.append(buf, static_cast<size_t>(k));
  }
  EXPECT_EQ(got.substr(in_pipe), std::string(29, '0') + "1\n");
  stream.reset();
  EXPECT_EQ(read(fds[0], buf, sizeof buf), -1) << "more than the accepted record arrived";
  close(fds[0]);
  close(fds[1]);
}

ssize_t broken_writev(void*, int, const struct iovec*, int) {
  errno = EPIPE;  // permanent: the proxy gives the output up
  return -1;
}
ssize_t no_read(void*, int, void*, size_t) { return 0; }
const oskit_evl_target_io kBrokenTarget = {broken_writev, no_read, nullptr};

TEST_F(LoggerTest, ATargetThatFailsIsReportedByFlushAndTheNextRecord) {
  int fd = evl_new_proxy(fd_, 4096, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(oskit_evl_proxy_set_target_io(fd, &kBrokenTarget), 0);
  ComPtr<oskit_stream> stream;
  ASSERT_EQ(oskit_evl_proxy_adopt(fd, stream.put()), 0);
  Logger log(stream);
  EXPECT_EQ(log.printf("lost\n"), 5);
  EXPECT_EQ(log.flush(), OSKIT_EIO);
  EXPECT_EQ(log.printf("refused\n"), OSKIT_EPIPE);
}

// Any stream works; flush needs asyncio.
class RecordingStream : public Implements<RecordingStream, oskit_stream> {
 public:
  std::string written;
  OSKIT_COMDECL read(void*, oskit_u32_t, oskit_u32_t*) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL write(const void* buf, oskit_u32_t len, oskit_u32_t* out_actual) noexcept override {
    written.append(static_cast<const char*>(buf), len);
    *out_actual = len;
    return 0;
  }
  OSKIT_COMDECL seek(oskit_s64_t, oskit_seek_t, oskit_u64_t*) noexcept override { return OSKIT_ESPIPE; }
  OSKIT_COMDECL setsize(oskit_u64_t) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL copyto(oskit_stream*, oskit_u64_t, oskit_u64_t*, oskit_u64_t*) noexcept override {
    return OSKIT_E_NOTIMPL;
  }
  OSKIT_COMDECL commit(oskit_u32_t) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL revert() noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL lockregion(oskit_u64_t, oskit_u64_t, oskit_u32_t) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL unlockregion(oskit_u64_t, oskit_u64_t, oskit_u32_t) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL stat(oskit_stream_stat_t*, oskit_u32_t) noexcept override { return OSKIT_E_NOTIMPL; }
  OSKIT_COMDECL clone(oskit_stream**) noexcept override { return OSKIT_E_NOTIMPL; }

 protected:
  RecordingStream() = default;
  ~RecordingStream() override = default;
};

TEST_F(LoggerTest, AnyStreamTakesTheRecords) {
  ComPtr<RecordingStream> rec = make<RecordingStream>();
  Logger log(rec);
  EXPECT_EQ(log.printf("%d-%s", 7, "x"), 3);
  EXPECT_EQ(rec->written, "7-x");
  EXPECT_EQ(log.flush(), OSKIT_E_NOINTERFACE);
}

TEST_F(LoggerTest, FlushOfAStreamThatCanNeverBeWrittenFailsAtOnce) {
  testing::Pipe pipe;
  ASSERT_GE(pipe.r, 0);
  oskit_evl_proxy_options input_only = {4096, 0, OSKIT_EVL_PROXY_INPUT, nullptr, 0};
  ComPtr<oskit_stream> stream;
  ASSERT_EQ(oskit_evl_proxy_create(pipe.r, &input_only, stream.put()), 0);
  Logger log(stream);
  EXPECT_EQ(log.flush(), OSKIT_ENXIO) << "an input-only proxy is never writable";
  EXPECT_EQ(log.printf("lost"), OSKIT_ENXIO);
}

TEST_F(LoggerTest, FlushOfAnIdleProxyReturnsAtOnce) {
  std::unique_ptr<Logger> log;
  ASSERT_EQ(Logger::open(fd_, 4096, nullptr, &log), 0);
  EXPECT_EQ(log->flush(), 0);
  EXPECT_EQ(log->printf("one\n"), 4);
  EXPECT_EQ(log->flush(), 0);
  EXPECT_EQ(lines_of(path_), std::vector<std::string>{"one"});
}

}  // namespace
}  // namespace oskit::evl
