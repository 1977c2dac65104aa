// Public proxies appear under <root>/proxy/; a peer process opens a
// mapping-only proxy there and maps the memory it exports (the EVL "File
// proxy" page, the memfd example).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <evl/evl.h>
#include "glue/evl/config.h"

#include "glue/evl/testing/evl_testing.h"

namespace oskit::evl::testing {
namespace {

class PublicProxyTest : public EvlTest {};

std::string entry(const std::string& name) { return std::string(oskit_evl_root()) + "/proxy/" + name; }

TEST_F(PublicProxyTest, PeerProcessMapsExportedMemfd) {
  int memfd = memfd_create("whatever", 0);
  ASSERT_GE(memfd, 0);
  ASSERT_EQ(ftruncate(memfd, 1024), 0);
  char* ptr = static_cast<char*>(mmap(nullptr, 1024, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0));
  ASSERT_NE(ptr, MAP_FAILED);
  std::string name = "some-fancy-proxy-" + std::to_string(getpid());
  int proxyfd = evl_new_proxy(memfd, 0, "/%s", name.c_str());
  ASSERT_GE(proxyfd, 0) << strerror(-proxyfd);
  struct stat st;
  ASSERT_EQ(lstat(entry(name).c_str(), &st), 0);

  strcpy(ptr, "from the owner");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The peer: plain open(2) and mmap(2), as in the documentation.
    int fd = open(entry(name).c_str(), O_RDWR);
    if (fd < 0) _exit(2);
    char* p = static_cast<char*>(mmap(nullptr, 1024, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0));
    if (p == MAP_FAILED) _exit(3);
    if (strcmp(p, "from the owner") != 0) _exit(4);
    strcpy(p + 512, "from the peer");
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_STREQ(ptr + 512, "from the peer");

  // The proxy descriptor forwards mmap to the target as well.
  char* via_proxy = static_cast<char*>(mmap(nullptr, 1024, PROT_READ, MAP_SHARED, proxyfd, 0));
  ASSERT_NE(via_proxy, MAP_FAILED);
  EXPECT_STREQ(via_proxy + 512, "from the peer");
  munmap(via_proxy, 1024);

  EXPECT_EQ(evl_new_proxy(memfd, 0, "/%s", name.c_str()), -EEXIST);
  ASSERT_EQ(close(proxyfd), 0);
  EXPECT_NE(lstat(entry(name).c_str(), &st), 0);  // gone with the proxy
  munmap(ptr, 1024);
  close(memfd);
}

TEST_F(PublicProxyTest, PublicFlagWithoutSlashAndPrivateNamesStayHidden) {
  Pipe p;
  std::string pub = "flagged-" + std::to_string(getpid());
  std::string priv = "private-" + std::to_string(getpid());
  int a = evl_create_proxy(p.w, 64, 0, EVL_CLONE_PUBLIC, "%s", pub.c_str());
  int b = evl_new_proxy(p.w, 64, "%s", priv.c_str());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  struct stat st;
  EXPECT_EQ(lstat(entry(pub).c_str(), &st), 0);
  EXPECT_NE(lstat(entry(priv).c_str(), &st), 0);
  close(a);
  close(b);
}

TEST_F(PublicProxyTest, StaleEntryOfADeadProcessIsReplaced) {
  Pipe p;
  std::string name = "stale-" + std::to_string(getpid());
  mkdir(oskit_evl_root(), 0755);
  mkdir((std::string(oskit_evl_root()) + "/proxy").c_str(), 0755);
  pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  std::string link = "/proc/" + std::to_string(child) + "/fd/3";
  ASSERT_EQ(symlink(link.c_str(), entry(name).c_str()), 0);
  int fd = evl_new_proxy(p.w, 64, "/%s", name.c_str());
  EXPECT_GE(fd, 0);
  close(fd);
}

}  // namespace
}  // namespace oskit::evl::testing
