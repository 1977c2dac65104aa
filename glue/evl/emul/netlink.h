// The kernel's routing and neighbour tables through rtnetlink, for
// evl_net_solicit (net_solicit.cc). In-band.
#ifndef GLUE_EVL_EMUL_NETLINK_H
#define GLUE_EVL_EMUL_NETLINK_H

#include <netinet/in.h>

#include <cstddef>
#include <cstdint>

namespace oskit::evl::emul {

class Netlink {
 public:
  // Where the kernel would send a datagram.
  struct Route {
    int type = 0;          // RTN_UNICAST, RTN_LOCAL, ...
    int ifindex = 0;       // output device
    in_addr gateway = {};  // next hop when not on-link (s_addr 0: on-link)
  };
  // A neighbour entry.
  struct Neighbour {
    std::uint16_t state = 0;  // NUD_* (0: no entry)
    std::uint8_t lladdr[32] = {};
    std::size_t lladdr_len = 0;
  };

  Netlink() = default;
  ~Netlink();
  Netlink(const Netlink&) = delete;
  Netlink& operator=(const Netlink&) = delete;

  // Opens a socket in the calling thread's network namespace. 0 or -errno.
  int open();
  // RTM_GETROUTE for dst. 0 or -errno (-ENETUNREACH, -EHOSTUNREACH...).
  int route(in_addr dst, Route* out);
  // RTM_GETNEIGH for addr on ifindex; an absent entry is state 0. 0 or -errno.
  int neighbour(int ifindex, in_addr addr, Neighbour* out);
  // Has the kernel resolve addr on ifindex now (RTM_NEWNEIGH with NTF_USE). 0 or -errno.
  int solicit(int ifindex, in_addr addr);
  // Makes the entry permanent with the given link-layer address. 0 or -errno.
  int make_permanent(int ifindex, in_addr addr, const Neighbour& n);

 private:
  // Sends the request and reads the answer into reply (a message of type
  // want, or an acknowledgement when want is 0). 0 or -errno.
  int transact(void* request, std::size_t len, int want, void* reply, std::size_t reply_size);

  int fd_ = -1;
  std::uint32_t seq_ = 0;
};

}  // namespace oskit::evl::emul

#endif  // GLUE_EVL_EMUL_NETLINK_H
