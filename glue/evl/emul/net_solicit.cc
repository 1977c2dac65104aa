// evl_net_solicit (libevl <evl/net/net.h>; the EVL documentation's "UDP over
// IPv4" page): the route to the peer is looked up and its link-layer address
// resolved through the kernel's tables, in the socket's network namespace,
// as the EVL core primes its route and neighbour caches.
#include <errno.h>
#include <fcntl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "evl/net/net.h"
#include "glue/evl/driver.h"
#include "glue/evl/emul/fd_table.h"
#include "glue/evl/emul/net_socket.h"
#include "glue/evl/emul/netlink.h"
#include "glue/evl/emul/sleep.h"
#include "glue/evl/emul/stage_tracking.h"

namespace oskit::evl::emul {
namespace {

// How long a neighbour may take to answer: the kernel's default delay before
// probing plus a second, as the EVL core waits.
constexpr long kResolveNs = 6000000000L;
constexpr long kPollNs = 10000000L;

// Runs the calling thread in the network namespace of a socket for its
// lifetime, when that differs from the thread's own and the caller may
// enter it.
class NamespaceScope {
 public:
  explicit NamespaceScope(int kfd) {
    int target = ::ioctl(kfd, SIOCGSKNS);
    if (target < 0) return;  // without privileges: the thread's own namespace
    struct stat want, have;
    if (fstat(target, &want) == 0 && stat("/proc/thread-self/ns/net", &have) == 0 && want.st_ino != have.st_ino) {
      saved_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      if (saved_ >= 0 && setns(target, CLONE_NEWNET) != 0) {
        ::close(saved_);
        saved_ = -1;
      }
    }
    ::close(target);
  }
  ~NamespaceScope() {
    if (saved_ < 0) return;
    setns(saved_, CLONE_NEWNET);
    ::close(saved_);
  }
  NamespaceScope(const NamespaceScope&) = delete;
  NamespaceScope& operator=(const NamespaceScope&) = delete;

 private:
  int saved_ = -1;
};

// A neighbour whose link-layer address is known.
bool resolved(std::uint16_t state) {
  return (state & (NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY)) != 0;
}

// Whether the device needs no neighbour resolution (loopback, point to point).
bool needs_no_arp(int ifindex) {
  char name[IF_NAMESIZE];
  if (if_indextoname(static_cast<unsigned int>(ifindex), name) == nullptr) return false;
  int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return false;
  struct ifreq req = {};
  std::memcpy(req.ifr_name, name, sizeof name);  // both IF_NAMESIZE
  const bool noarp = ::ioctl(s, SIOCGIFFLAGS, &req) == 0 && (req.ifr_flags & (IFF_LOOPBACK | IFF_NOARP)) != 0;
  ::close(s);
  return noarp;
}

// Resolves addr on ifindex, waiting as the core does. 0, -ETIMEDOUT, or
// the kernel's refusal (-EPERM without privileges).
int resolve(Netlink& nl, int ifindex, in_addr addr, Netlink::Neighbour* n) {
  int rc = nl.neighbour(ifindex, addr, n);
  if (rc < 0 || resolved(n->state)) return rc;
  rc = nl.solicit(ifindex, addr);
  if (rc < 0) return rc;
  for (long waited = 0; waited < kResolveNs; waited += kPollNs) {
    sleep_ns(kPollNs);
    rc = nl.neighbour(ifindex, addr, n);
    if (rc < 0) return rc;
    if (resolved(n->state)) return 0;
    if (n->state & NUD_FAILED) break;
  }
  return -ETIMEDOUT;
}

int solicit(NetSocket* s, in_addr peer, int flags) {
  NamespaceScope scope(s->kernel_fd());
  Netlink nl;
  int rc = nl.open();
  Netlink::Route route;
  if (rc == 0) rc = nl.route(peer, &route);
  if (rc < 0) return rc;
  if (route.type == RTN_LOCAL || route.type == RTN_BROADCAST || route.type == RTN_MULTICAST) return 0;
  if (route.type != RTN_UNICAST) return -EHOSTUNREACH;
  if (needs_no_arp(route.ifindex)) return 0;
  const in_addr next_hop = route.gateway.s_addr != 0 ? route.gateway : peer;
  Netlink::Neighbour n;
  rc = resolve(nl, route.ifindex, next_hop, &n);
  if (rc == 0 && (flags & EVL_NEIGH_PERMANENT) && !(n.state & (NUD_PERMANENT | NUD_NOARP))) {
    rc = nl.make_permanent(route.ifindex, next_hop, n);
  }
  return rc;
}

}  // namespace
}  // namespace oskit::evl::emul

extern "C" int evl_net_solicit(int s, const struct sockaddr* peer, int flags) {
  using namespace oskit::evl::emul;
  inband_syscall("ioctl");
  FileRef file = lookup(s);
  if (!file) return fcntl(s, F_GETFD) < 0 ? -EBADF : -ENOTTY;  // the core's answer to an ioctl it does not serve
  NetSocket* sock = NetSocket::of(file.get());
  if (sock == nullptr) return -ENOTTY;
  if (peer == nullptr || oskit_evl_check_user(peer, sizeof(struct sockaddr_in)) != 0) return -EFAULT;
  if (peer->sa_family != AF_INET) return -EAFNOSUPPORT;
  if (flags & ~EVL_NEIGH_PERMANENT) return -EINVAL;
  struct sockaddr_in in;
  std::memcpy(&in, peer, sizeof in);
  return solicit(sock, in.sin_addr, flags);
}
