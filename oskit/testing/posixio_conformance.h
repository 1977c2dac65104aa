// Conformance suite for oskit_posixio (OSKit manual 7.6): stat, setstat
// with the OSKIT_STAT_* masks, pathconf with the OSKIT_PC_* options.
//
// Factory:
//   static oskit::ComPtr<oskit_posixio> make();  // a fresh object whose mode and times the test may change
//   static constexpr bool kSizeSettable;         // OSKIT_STAT_SIZE is honoured (a resizable file)
// Instantiate, inside namespace oskit::testing: INSTANTIATE_TYPED_TEST_SUITE_P(Name, PosixioConformance,
// ::testing::Types<Factory>);
#ifndef OSKIT_TESTING_POSIXIO_CONFORMANCE_H
#define OSKIT_TESTING_POSIXIO_CONFORMANCE_H

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "oskit/com/heap.h"
#include "oskit/com/ptr.h"
#include "oskit/io/posixio.h"
#include "oskit/testing/leak_check.h"
#include "oskit/testing/temp_dir.h"

namespace oskit::testing {

// Whether a scratch file can be given to uid/gid 4321/8765 here (a sandbox's
// user namespace may map root alone).
inline bool can_give_files_away() {
  int fd = unlinked_temp_file("chown");
  if (fd < 0) return false;
  bool ok = fchown(fd, 4321, 8765) == 0;
  close(fd);
  return ok;
}

template <class Factory>
class PosixioConformance : public LeakCheckedTest {
 protected:
  void SetUp() override {
    LeakCheckedTest::SetUp();
    io_ = Factory::make();
    ASSERT_TRUE(io_);
  }
  void TearDown() override {
    io_.reset();
    LeakCheckedTest::TearDown();
  }
  oskit_stat_t stat_now() {
    oskit_stat_t st{};
    EXPECT_EQ(io_->stat(&st), 0);
    return st;
  }
  ComPtr<oskit_posixio> io_;
};

TYPED_TEST_SUITE_P(PosixioConformance);

TYPED_TEST_P(PosixioConformance, StatReportsAFileType) {
  oskit_stat_t st = this->stat_now();
  const oskit_mode_t type = st.mode & OSKIT_S_IFMT;
  EXPECT_TRUE(type == OSKIT_S_IFREG || type == OSKIT_S_IFCHR || type == OSKIT_S_IFBLK || type == OSKIT_S_IFIFO ||
              type == OSKIT_S_IFSOCK || type == OSKIT_S_IFDIR || type == OSKIT_S_IFLNK)
      << std::oct << st.mode;
  EXPECT_GE(st.size, 0);
  EXPECT_EQ(this->io_->stat(nullptr), OSKIT_E_POINTER);
}

TYPED_TEST_P(PosixioConformance, SetstatRefusesFieldsThatCannotBeSet) {
  const oskit_stat_t before = this->stat_now();
  oskit_stat_t change = before;
  change.ino += 1;
  change.nlink += 1;
  change.mode = 0600;
  for (oskit_u32_t bad : {OSKIT_STAT_DEV, OSKIT_STAT_INO, OSKIT_STAT_NLINK, OSKIT_STAT_RDEV, OSKIT_STAT_CTIME,
                          OSKIT_STAT_BLOCKS, OSKIT_STAT_BLKSIZE}) {
    EXPECT_EQ(this->io_->setstat(bad | OSKIT_STAT_MODE, &change), OSKIT_EINVAL) << "mask " << std::hex << bad;
  }
  const oskit_stat_t after = this->stat_now();
  EXPECT_EQ(after.mode, before.mode) << "a refused setstat changed the mode";
  EXPECT_EQ(this->io_->setstat(OSKIT_STAT_MODE, nullptr), OSKIT_E_POINTER);
}

TYPED_TEST_P(PosixioConformance, SetstatRefusesContradictoryTimes) {
  oskit_stat_t st = this->stat_now();
  EXPECT_EQ(this->io_->setstat(OSKIT_STAT_UTIMES_NULL | OSKIT_STAT_MTIME, &st), OSKIT_EINVAL);
  st.mtime.tv_nsec = 1000000000;
  EXPECT_EQ(this->io_->setstat(OSKIT_STAT_MTIME, &st), OSKIT_EINVAL);
  st.mtime.tv_nsec = -1;
  EXPECT_EQ(this->io_->setstat(OSKIT_STAT_MTIME, &st), OSKIT_EINVAL);
}

TYPED_TEST_P(PosixioConformance, SetstatModeChangesPermissionsButNotTheType) {
  const oskit_stat_t before = this->stat_now();
  oskit_stat_t change{};
  change.mode = OSKIT_S_IFDIR | 0640;  // the type bits are ignored
  ASSERT_EQ(this->io_->setstat(OSKIT_STAT_MODE, &change), 0);
  oskit_stat_t after = this->stat_now();
  EXPECT_EQ(after.mode & 07777, 0640u);
  EXPECT_EQ(after.mode & OSKIT_S_IFMT, before.mode & OSKIT_S_IFMT);
  change.mode = 0604;
  ASSERT_EQ(oskit_posixio_setstat(this->io_.get(), OSKIT_STAT_MODE, &change), 0);
  after = this->stat_now();
  EXPECT_EQ(after.mode & 07777, 0604u);
}

TYPED_TEST_P(PosixioConformance, SetstatTimes) {
  oskit_stat_t change{};
  change.atime = {1000000, 250};
  change.mtime = {2000000, 500};
  ASSERT_EQ(this->io_->setstat(OSKIT_STAT_ATIME | OSKIT_STAT_MTIME, &change), 0);
  oskit_stat_t st = this->stat_now();
  EXPECT_EQ(st.atime.tv_sec, 1000000);
  EXPECT_EQ(st.atime.tv_nsec, 250);
  EXPECT_EQ(st.mtime.tv_sec, 2000000);
  EXPECT_EQ(st.mtime.tv_nsec, 500);
  // MTIME alone leaves the access time.
  change.mtime = {3000000, 0};
  ASSERT_EQ(this->io_->setstat(OSKIT_STAT_MTIME, &change), 0);
  st = this->stat_now();
  EXPECT_EQ(st.atime.tv_sec, 1000000);
  EXPECT_EQ(st.mtime.tv_sec, 3000000);
  // UTIMES_NULL: both to the current time.
  ASSERT_EQ(this->io_->setstat(OSKIT_STAT_UTIMES_NULL, &change), 0);
  st = this->stat_now();
  EXPECT_GT(st.mtime.tv_sec, 3000000);
  EXPECT_GT(st.atime.tv_sec, 3000000);
}

TYPED_TEST_P(PosixioConformance, SetstatOwner) {
  oskit_stat_t st = this->stat_now();
  // Giving the object to its present owner is always allowed.
  ASSERT_EQ(this->io_->setstat(OSKIT_STAT_UID | OSKIT_STAT_GID, &st), 0);
  if (geteuid() != 0) GTEST_SKIP() << "changing the owner to someone else needs root";
  if (!can_give_files_away()) GTEST_SKIP() << "this environment cannot give a file to uid 4321 (no such id mapped)";
  oskit_stat_t change = st;
  change.uid = 4321;
  change.gid = 8765;
  ASSERT_EQ(this->io_->setstat(OSKIT_STAT_UID, &change), 0);
  oskit_stat_t after = this->stat_now();
  EXPECT_EQ(after.uid, 4321u);
  EXPECT_EQ(after.gid, st.gid) << "UID alone must not change the group";
  ASSERT_EQ(this->io_->setstat(OSKIT_STAT_GID, &change), 0);
  EXPECT_EQ(this->stat_now().gid, 8765u);
  ASSERT_EQ(this->io_->setstat(OSKIT_STAT_UID | OSKIT_STAT_GID, &st), 0);
}

TYPED_TEST_P(PosixioConformance, SetstatSizeFollowsThePolicy) {
  oskit_stat_t change{};
  change.size = 8192;
  oskit_error_t rc = this->io_->setstat(OSKIT_STAT_SIZE, &change);
  if (TypeParam::kSizeSettable) {
    ASSERT_EQ(rc, 0);
    EXPECT_EQ(this->stat_now().size, 8192);
    change.size = -1;
    EXPECT_EQ(this->io_->setstat(OSKIT_STAT_SIZE, &change), OSKIT_EINVAL);
  } else {
    EXPECT_TRUE(OSKIT_FAILED(rc)) << "an object without a settable size accepted OSKIT_STAT_SIZE";
  }
}

TYPED_TEST_P(PosixioConformance, PathconfAnswersEveryOption) {
  for (oskit_s32_t option = OSKIT_PC_LINK_MAX; option <= OSKIT_PC_SYNC_IO; option++) {
    oskit_s32_t value = -2;
    EXPECT_EQ(this->io_->pathconf(option, &value), 0) << "option " << option;
    EXPECT_GE(value, -1) << "option " << option;
  }
  oskit_s32_t value = 0;
  ASSERT_EQ(this->io_->pathconf(OSKIT_PC_NAME_MAX, &value), 0);
  EXPECT_TRUE(value == -1 || value >= 14) << value;  // _POSIX_NAME_MAX
  ASSERT_EQ(oskit_posixio_pathconf(this->io_.get(), OSKIT_PC_PATH_MAX, &value), 0);
  EXPECT_TRUE(value == -1 || value >= 256) << value;  // _POSIX_PATH_MAX
}

TYPED_TEST_P(PosixioConformance, PathconfRefusesUnknownOptions) {
  oskit_s32_t value = 0;
  EXPECT_EQ(this->io_->pathconf(0, &value), OSKIT_EINVAL);
  EXPECT_EQ(this->io_->pathconf(OSKIT_PC_SYNC_IO + 1, &value), OSKIT_EINVAL);
  EXPECT_EQ(this->io_->pathconf(-1, &value), OSKIT_EINVAL);
  EXPECT_EQ(this->io_->pathconf(OSKIT_PC_NAME_MAX, nullptr), OSKIT_E_POINTER);
}

REGISTER_TYPED_TEST_SUITE_P(PosixioConformance, StatReportsAFileType, SetstatRefusesFieldsThatCannotBeSet,
                            SetstatRefusesContradictoryTimes, SetstatModeChangesPermissionsButNotTheType, SetstatTimes,
                            SetstatOwner, SetstatSizeFollowsThePolicy, PathconfAnswersEveryOption,
                            PathconfRefusesUnknownOptions);

}  // namespace oskit::testing

#endif  // OSKIT_TESTING_POSIXIO_CONFORMANCE_H
