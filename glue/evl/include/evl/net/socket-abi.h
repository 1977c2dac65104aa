/* Constants of out-of-band sockets shared with the EVL core (libevl
 * <evl/net/socket-abi.h>). Values are the core's. */
#ifndef _EVL_NET_SOCKET_ABI_H
#define _EVL_NET_SOCKET_ABI_H

#include <evl/fcntl.h>

/* Or'ed into socket(2)'s type: the socket gets out-of-band capabilities
 * (EVL documentation, "UDP over IPv4"). */
#define SOCK_OOB O_OOB

/* evl_net_solicit() flag: keep the resolved neighbour entry permanently. */
#define EVL_NEIGH_PERMANENT 0x1

#endif /* _EVL_NET_SOCKET_ABI_H */
