// Cross-buffers (<evl/xbuf.h>): in-band writes reach out-of-band readers and
// the other way round, writes are whole, reads wait for the whole count
// unless O_NONBLOCK, poll reports each stage's view, closing wakes waiters,
// and a public cross-buffer opens by its path.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include <evl/evl.h>

#include "glue/evl/config.h"
#include "glue/evl/evl_thread.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class XbufTest : public EvlTest {};

void set_nonblock(int fd) { ASSERT_EQ(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0); }

TEST_F(XbufTest, BytesCrossBothWays) {
  const int fd = evl_new_xbuf(64, nullptr);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "ABCD", 4), 4);
  ASSERT_EQ(write(fd, "EF", 2), 2);
  run_on_evl_thread("xbuf-oob", [fd] {
    char buf[8] = {};
    EXPECT_EQ(oob_read(fd, buf, 6), 6);
    EXPECT_EQ(std::string(buf, 6), "ABCDEF");
    EXPECT_EQ(oob_write(fd, "xyz", 3), 3);
  });
  char buf[4] = {};
  EXPECT_EQ(read(fd, buf, 3), 3);
  EXPECT_EQ(std::string(buf, 3), "xyz");
  close(fd);
}

TEST_F(XbufTest, NonblockingReadsTakeWhatIsThere) {
  const int fd = evl_new_xbuf(16, nullptr);
  ASSERT_GE(fd, 0);
  set_nonblock(fd);
  char buf[16];
  EXPECT_EQ(read(fd, buf, sizeof buf), -1);
  EXPECT_EQ(errno, EAGAIN);
  ASSERT_EQ(write(fd, "0123456789", 10), 10);
  EXPECT_EQ(write(fd, "0123456789", 10), -1);  // whole or nothing
  EXPECT_EQ(errno, EAGAIN);
  run_on_evl_thread("xbuf-nonblock", [fd] {
    char out[16];
    EXPECT_EQ(oob_read(fd, out, 4), 4);
    EXPECT_EQ(oob_read(fd, out, sizeof out), 6);
    EXPECT_EQ(oob_read(fd, out, sizeof out), -1);
    EXPECT_EQ(errno, EAGAIN);
  });
  close(fd);
}

TEST_F(XbufTest, BlockingReadWaitsForTheWholeCount) {
  const int fd = evl_new_xbuf(64, nullptr);
  ASSERT_GE(fd, 0);
  std::string got;
  auto t = start_blocked_evl_thread("xbuf-reader", [&] {
    char buf[6] = {};
    EXPECT_EQ(oob_read(fd, buf, 6), 6);
    got.assign(buf, 6);
  });
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(write(fd, "abc", 3), 3);
  ASSERT_EQ(write(fd, "def", 3), 3);
  t->join();
  EXPECT_EQ(got, "abcdef");
  close(fd);
}

TEST_F(XbufTest, ErrorsOfTransfersAndCreation) {
  EXPECT_EQ(evl_create_xbuf(0, 0, 0, nullptr), -EINVAL);
  EXPECT_EQ(evl_create_xbuf((size_t{1} << 30) + 1, 16, 0, nullptr), -EINVAL);
  EXPECT_EQ(evl_create_xbuf(16, 16, EVL_CLONE_INPUT, nullptr), -EINVAL);
  const int one_way = evl_create_xbuf(16, 0, 0, nullptr);  // only out-of-band to in-band
  ASSERT_GE(one_way, 0);
  EXPECT_EQ(write(one_way, "x", 1), -1);
  EXPECT_EQ(errno, ENOBUFS);
  char buf[32];
  EXPECT_EQ(read(one_way, buf, 0), 0);
  run_on_evl_thread("xbuf-errors", [one_way] {
    char big[32] = {};
    EXPECT_EQ(oob_write(one_way, big, sizeof big), -1);
    EXPECT_EQ(errno, EINVAL);  // larger than the ring
    EXPECT_EQ(oob_write(one_way, nullptr, 4), -1);
    EXPECT_EQ(errno, EFAULT);
    EXPECT_EQ(oob_read(one_way, big, 1), -1);
    EXPECT_EQ(errno, ENOBUFS);
  });
  EXPECT_EQ(read(one_way, buf, sizeof buf), -1);
  EXPECT_EQ(errno, EINVAL);  // a blocking read of more than the ring
  close(one_way);
}

TEST_F(XbufTest, PollReportsEachStagesView) {
  const int fd = evl_new_xbuf(8, nullptr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(kernel_revents(fd, POLLIN | POLLOUT), POLLOUT);
  ASSERT_EQ(write(fd, "in-band", 7), 7);
  EXPECT_EQ(kernel_revents(fd, POLLIN | POLLOUT), POLLOUT);  // in-band readers have nothing
  run_on_evl_thread("xbuf-poll", [fd] {
    EXPECT_EQ(evl_wait_for(fd, POLLIN | POLLOUT) & (POLLIN | POLLOUT), POLLIN | POLLOUT);
    EXPECT_EQ(oob_write(fd, "oob", 3), 3);
  });
  kernel_wait_for(fd, POLLIN);  // refreshed by the relay, after an out-of-band change
  EXPECT_EQ(kernel_revents(fd, POLLIN | POLLOUT), POLLIN | POLLOUT);
  close(fd);
}

TEST_F(XbufTest, ClosingWakesOutOfBandWaiters) {
  const int fd = evl_new_xbuf(8, nullptr);
  ASSERT_GE(fd, 0);
  std::atomic<long> got{1};
  auto t = start_blocked_evl_thread("xbuf-closed", [&] {
    char buf[4];
    const ssize_t n = oob_read(fd, buf, sizeof buf);
    got = n < 0 ? -errno : n;
  });
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(close(fd), 0);
  t->join();
  EXPECT_EQ(got, -EIDRM);
}

TEST_F(XbufTest, PublicXbufOpensByPath) {
  const std::string name = unique_name("xbuf");
  const int fd = evl_new_xbuf(32, "/%s", name.c_str());
  ASSERT_GE(fd, 0);
  const std::string path = std::string(oskit_evl_root()) + "/xbuf/" + name;
  const int other = open(path.c_str(), O_RDWR);
  ASSERT_GE(other, 0);
  EXPECT_NE(other, fd);
  run_on_evl_thread("xbuf-path", [fd] { EXPECT_EQ(oob_write(fd, "hi", 2), 2); });
  char buf[2];
  EXPECT_EQ(read(other, buf, 2), 2);
  EXPECT_EQ(memcmp(buf, "hi", 2), 0);
  EXPECT_EQ(close(fd), 0);
  EXPECT_EQ(access(path.c_str(), F_OK), 0) << "alive while a file refers to it";
  EXPECT_EQ(close(other), 0);
  EXPECT_NE(access(path.c_str(), F_OK), 0);
  const int again = evl_new_xbuf(32, "/%s", name.c_str());
  EXPECT_GE(again, 0) << "the name is free again";
  close(again);
}

}  // namespace
}  // namespace oskit::evl::testing
