/* Out-of-band networking services (libevl <evl/net/net.h>). */
#ifndef _EVL_NET_NET_H
#define _EVL_NET_NET_H

#include <evl/net/socket.h>

struct sockaddr;

#ifdef __cplusplus
extern "C" {
#endif

/* Resolves the route and link-layer address of peer (an AF_INET address) so
 * that datagrams sent to it from socket s leave without an in-band detour
 * (EVL documentation, "UDP over IPv4"). flags: 0 or EVL_NEIGH_PERMANENT
 * (keep the neighbour entry permanently). In-band. Returns 0 when the peer is
 * reachable, otherwise a negated errno: -EBADF, -ENOTTY (s is not an
 * out-of-band socket), -EFAULT, -EAFNOSUPPORT, -EINVAL (flags),
 * -ENETUNREACH/-EHOSTUNREACH (no route), -ETIMEDOUT (no neighbour answered),
 * -EPERM (the entry cannot be made permanent without privileges). */
int evl_net_solicit(int s, const struct sockaddr *peer, int flags);

#ifdef __cplusplus
}
#endif

#endif /* _EVL_NET_NET_H */
