// Elements and their device files (docs/design.md, "glue/evl"): public
// elements of every type appear under <root>/<type>/<name> while they live,
// private and anonymous ones do not; an entry left by a dead process is
// replaced, a live one keeps the name taken; open(2) on an entry, by absolute
// or relative path, gives one more file on the element.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>

#include <evl/evl.h>
#include <evl/observable.h>

#include "glue/evl/config.h"
#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class ElementTest : public EvlTest {
 protected:
  static std::string entry(const std::string& type, const std::string& name) {
    return std::string(oskit_evl_root()) + "/" + type + "/" + name;
  }
  static bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }
};

TEST_F(ElementTest, PublicElementsOfEveryTypeHaveEntries) {
  const std::string name = unique_name("visible");
  Pipe p;
  struct evl_sem sem;
  const int fds[] = {
      evl_new_sem(&sem, "/%s", name.c_str()),
      evl_new_xbuf(64, "/%s", name.c_str()),
      evl_new_observable("/%s", name.c_str()),
      evl_new_proxy(p.w, 64, "/%s", name.c_str()),
  };
  for (int fd : fds) ASSERT_GE(fd, 0);
  for (const char* type : {"monitor", "xbuf", "observable", "proxy"}) EXPECT_TRUE(exists(entry(type, name))) << type;
  std::string thread_name = unique_name("visible-thread");
  std::thread t([&] {
    ASSERT_GE(evl_attach_self("/%s", thread_name.c_str()), 0);
    EXPECT_TRUE(exists(entry("thread", thread_name)));
    EXPECT_EQ(evl_detach_self(), 0);
  });
  t.join();
  EXPECT_FALSE(exists(entry("thread", thread_name)));
  for (int fd : fds) close(fd);
  for (const char* type : {"monitor", "xbuf", "observable", "proxy"}) EXPECT_FALSE(exists(entry(type, name))) << type;
}

TEST_F(ElementTest, PrivateAndAnonymousElementsHaveNone) {
  const std::string name = unique_name("hidden");
  const int named = evl_new_xbuf(64, "%s", name.c_str());
  const int anonymous = evl_new_xbuf(64, nullptr);
  ASSERT_GE(named, 0);
  ASSERT_GE(anonymous, 0);
  EXPECT_FALSE(exists(entry("xbuf", name)));
  EXPECT_EQ(evl_new_xbuf(64, "/%s", name.c_str()), -EEXIST) << "one name space per type";
  close(named);
  close(anonymous);
  EXPECT_EQ(evl_create_xbuf(64, 64, EVL_CLONE_PUBLIC, nullptr), -EINVAL) << "public needs a name";
  EXPECT_EQ(evl_new_xbuf(64, "/"), -EINVAL);
}

TEST_F(ElementTest, EntriesOfDeadProcessesAreReplaced) {
  const std::string dir = std::string(oskit_evl_root()) + "/xbuf";
  mkdir(oskit_evl_root(), 0755);
  mkdir(dir.c_str(), 0755);
  const std::string stale = unique_name("stale");
  const std::string taken = unique_name("taken");
  ASSERT_EQ(symlink("/proc/999999999/fd/0", entry("xbuf", stale).c_str()), 0);
  ASSERT_EQ(symlink("/proc/1/fd/0", entry("xbuf", taken).c_str()), 0);  // a live process
  const int fd = evl_new_xbuf(64, "/%s", stale.c_str());
  EXPECT_GE(fd, 0);
  EXPECT_EQ(evl_new_xbuf(64, "/%s", taken.c_str()), -EEXIST);
  close(fd);
  unlink(entry("xbuf", taken).c_str());
}

TEST_F(ElementTest, LongNamesAreRefused) {
  const std::string long_name(PATH_MAX, 'n');
  EXPECT_EQ(evl_new_xbuf(64, "/%s", long_name.c_str()), -ENAMETOOLONG);
}

TEST_F(ElementTest, OpeningAnEntryGivesAnotherFile) {
  const std::string name = unique_name("opened");
  struct evl_sem sem;
  ASSERT_GE(evl_new_sem(&sem, "/%s", name.c_str()), 0);
  const int absolute = open(entry("monitor", name).c_str(), O_RDWR);
  ASSERT_GE(absolute, 0);
  char cwd[PATH_MAX];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(chdir((std::string(oskit_evl_root()) + "/monitor").c_str()), 0);
  const int relative = open(name.c_str(), O_RDWR);
  const int at = openat(AT_FDCWD, name.c_str(), O_RDWR);
  ASSERT_EQ(chdir(cwd), 0);
  ASSERT_GE(relative, 0);
  ASSERT_GE(at, 0);
  struct evl_sem via_path;
  via_path.magic = sem.magic;
  via_path.u.active = sem.u.active;
  via_path.u.active.efd = relative;
  EXPECT_EQ(evl_put_sem(&via_path), 0);
  EXPECT_EQ(evl_tryget_sem(&sem), 0);
  close(absolute);
  close(relative);
  close(at);
  EXPECT_EQ(evl_close_sem(&sem), 0);
  EXPECT_EQ(open(entry("monitor", name).c_str(), O_RDWR), -1);
  EXPECT_EQ(errno, ENOENT);
}

}  // namespace
}  // namespace oskit::evl::testing
