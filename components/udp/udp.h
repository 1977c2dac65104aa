/*
 * The UDP endpoint: an out-of-band UDP socket (the EVL documentation's "UDP
 * over IPv4" page) seen as a packet consumer and producer (OSKit manual
 * 7.5). Opening follows OSKit's netio handshake: the caller gives the netio
 * it wants received datagrams pushed into and gets back the netio it pushes
 * datagrams to send into.
 *
 * Receiving runs on an EVL thread of the endpoint's own (started through the
 * embedding environment): each datagram is received out-of-band
 * (oob_recvmsg) straight into a buffer from the endpoint's pool and pushed
 * into the receive netio as a bufio of the datagram's size; a consumer that
 * keeps it adds a reference. A datagram for which the pool has no buffer is
 * received, dropped and counted (dropped_no_buffer), and the drop is logged
 * through the environment (the 1st, 2nd, 4th, 8th...); one longer than the
 * pool's buffers arrives truncated and is counted (truncated). While it
 * waits, the receive thread holds the one buffer the next datagram goes into.
 *
 * Pushing a bufio into the send netio sends its first `size` bytes as one
 * datagram, to the connected peer (OSKIT_EDESTADDRREQ when there is none; the
 * control interface's sendto names a destination). The data is taken in place
 * when the bufio maps (no copy), read out otherwise. From an EVL thread the
 * datagram leaves out-of-band (oob_sendmsg), from any other thread in-band
 * (sendmsg(2)), as glue/oob_file's stage policy says. Push returns once the
 * datagram is queued for the kernel; it waits for room in the socket's send
 * queue unless the endpoint was opened with nonblocking_send (then
 * OSKIT_EAGAIN). Errors: OSKIT_E_POINTER and OSKIT_EINVAL (the packet
 * checks), OSKIT_EMSGSIZE (above 65507 bytes), OSKIT_EDESTADDRREQ, or the
 * socket's error, such as OSKIT_ECONNREFUSED reported for an earlier
 * datagram. alloc_bufio hands out a buffer of the pool (OSKIT_EAGAIN when it
 * has none free).
 *
 * The send netio also answers oskit_asyncio (READABLE: datagrams wait in the
 * socket for the receive thread; WRITABLE: the send queue takes a datagram of
 * any size without waiting; EXCEPTION: a socket error is pending; listeners
 * are called on glue/posix's reactor thread), oskit_posixio (the socket's
 * descriptor) and oskit_udp_endpoint (addresses, sendto, counters).
 *
 * Releasing the endpoint's last reference stops the receive thread, closes
 * the socket and releases the receive netio; nothing is pushed after that.
 * It must not happen inside the receive netio's push. The receive netio must
 * not hold a reference to the endpoint (the link points up the stack, as
 * docs/design.md, "Ownership in stacks" says): keep a plain pointer.
 */
#ifndef COMPONENTS_UDP_UDP_H
#define COMPONENTS_UDP_UDP_H

#include <netinet/in.h>

#include "oskit/io/bufio_pool.h"
#include "oskit/io/netio.h"

/* Defaults of struct oskit_udp_options. */
#define OSKIT_UDP_DEFAULT_RX_BUFFERS 256
#define OSKIT_UDP_DEFAULT_RX_BUFFER_SIZE 2048

struct oskit_udp_options {
  struct sockaddr_in local;       /* address to bind; sin_family 0: any address; port 0: one the
                                     kernel picks (the endpoint's getsockname tells which) */
  struct sockaddr_in peer;        /* sin_family 0: not connected; else the default destination and
                                     the only source datagrams are taken from */
  oskit_u32_t rx_buffers;         /* buffers of the endpoint's own pool; 0: the default; the
                                     kernel's receive buffer is sized to hold as many datagrams */
  oskit_size_t rx_buffer_size;    /* bytes of each; 0: the default; at most 65507 */
  oskit_bufio_pool_t *pool;       /* NULL: the endpoint's own recycled pool of rx_buffers buffers of
                                     rx_buffer_size bytes; else buffers come from this pool (any
                                     bufio_pool: a DMA pool, oskit_dma_bufio_pool_create, makes
                                     every received datagram a buffer a driver can wire), asked
                                     for rx_buffer_size bytes; the endpoint holds a reference */
  oskit_s64_t receive_timeout_ns; /* > 0: the receive thread waits this long at most for a datagram,
                                     and counts each expiry (receive_timeouts) */
  int solicit_peer;               /* non-zero: resolve the peer's link-layer address at open and at
                                     connect (evl_net_solicit, EVL_NEIGH_PERMANENT) */
  int nonblocking_send;           /* non-zero: a push that finds the send queue full fails with
                                     OSKIT_EAGAIN instead of waiting */
};
typedef struct oskit_udp_options oskit_udp_options_t;

/* What an endpoint has done since it was opened. */
struct oskit_udp_stats {
  oskit_u64_t sent; /* datagrams queued for the kernel */
  oskit_u64_t sent_bytes;
  oskit_u64_t send_errors; /* pushes and sendtos that failed */
  oskit_u64_t received;    /* datagrams pushed into the receive netio */
  oskit_u64_t received_bytes;
  oskit_u64_t truncated;         /* received datagrams longer than their buffer */
  oskit_u64_t dropped_no_buffer; /* received datagrams dropped: the pool had no buffer */
  oskit_u64_t consumer_errors;   /* pushes the receive netio failed */
  oskit_u64_t receive_errors;    /* socket errors the receive thread met (an ICMP refusal...) */
  oskit_u64_t receive_timeouts;  /* waits that reached receive_timeout_ns */
};
typedef struct oskit_udp_stats oskit_udp_stats_t;

/* IID 58d1a7c2-4e93-4b0f-a6d5-91e2c07b3f44 (ours, outside OSKit's range). */
#define OSKIT_UDP_ENDPOINT_IID OSKIT_GUID(0x58d1a7c2, 0x4e93, 0x4b0f, 0xa6, 0xd5, 0x91, 0xe2, 0xc0, 0x7b, 0x3f, 0x44)

#ifdef __cplusplus
struct oskit_udp_endpoint : oskit_iunknown {
  /* *out_addr gets the address the socket is bound to. */
  virtual OSKIT_COMDECL getsockname(struct sockaddr_in *out_addr) noexcept = 0;
  /* *out_addr gets the connected peer; OSKIT_ENOTCONN when there is none. */
  virtual OSKIT_COMDECL getpeername(struct sockaddr_in *out_addr) noexcept = 0;
  /* Connects to peer, which becomes the destination of pushes and the only
   * source datagrams are taken from; NULL or AF_UNSPEC disconnects. The
   * socket's errors (OSKIT_ENETUNREACH...), and the solicitation's when
   * solicit_peer is set. */
  virtual OSKIT_COMDECL connect(const struct sockaddr_in *peer) noexcept = 0;
  /* As push, to dest (NULL: the connected peer). */
  virtual OSKIT_COMDECL sendto(oskit_bufio_t *buf, oskit_size_t size, const struct sockaddr_in *dest) noexcept = 0;
  /* *out_addr gets the sender of the datagram being pushed into the receive
   * netio: valid on the receive thread, inside that push (OSKIT_EINVAL
   * elsewhere). A consumer replies to it with sendto. */
  virtual OSKIT_COMDECL source(struct sockaddr_in *out_addr) noexcept = 0;
  /* *out_stats gets the counts. */
  virtual OSKIT_COMDECL getstats(oskit_udp_stats_t *out_stats) noexcept = 0;

 protected:
  ~oskit_udp_endpoint() = default;
};
#else
struct oskit_udp_endpoint {
  const struct oskit_udp_endpoint_ops *ops;
};
struct oskit_udp_endpoint_ops {
  OSKIT_COMDECL (*query)(struct oskit_udp_endpoint *e, const struct oskit_guid *iid, void **out_ihandle);
  OSKIT_COMDECL_U (*addref)(struct oskit_udp_endpoint *e);
  OSKIT_COMDECL_U (*release)(struct oskit_udp_endpoint *e);
  OSKIT_COMDECL (*getsockname)(struct oskit_udp_endpoint *e, struct sockaddr_in *out_addr);
  OSKIT_COMDECL (*getpeername)(struct oskit_udp_endpoint *e, struct sockaddr_in *out_addr);
  OSKIT_COMDECL (*connect)(struct oskit_udp_endpoint *e, const struct sockaddr_in *peer);
  OSKIT_COMDECL (*sendto)
  (struct oskit_udp_endpoint *e, oskit_bufio_t *buf, oskit_size_t size, const struct sockaddr_in *dest);
  OSKIT_COMDECL (*source)(struct oskit_udp_endpoint *e, struct sockaddr_in *out_addr);
  OSKIT_COMDECL (*getstats)(struct oskit_udp_endpoint *e, oskit_udp_stats_t *out_stats);
};
#endif
typedef struct oskit_udp_endpoint oskit_udp_endpoint_t;
OSKIT_DECLARE_IID(oskit_udp_endpoint, OSKIT_UDP_ENDPOINT_IID)

#define oskit_udp_endpoint_getsockname(e, out) OSKIT_CALL(oskit_udp_endpoint_t, e, getsockname, out)
#define oskit_udp_endpoint_getpeername(e, out) OSKIT_CALL(oskit_udp_endpoint_t, e, getpeername, out)
#define oskit_udp_endpoint_connect(e, peer) OSKIT_CALL(oskit_udp_endpoint_t, e, connect, peer)
#define oskit_udp_endpoint_sendto(e, buf, size, dest) OSKIT_CALL(oskit_udp_endpoint_t, e, sendto, buf, size, dest)
#define oskit_udp_endpoint_source(e, out) OSKIT_CALL(oskit_udp_endpoint_t, e, source, out)
#define oskit_udp_endpoint_getstats(e, out) OSKIT_CALL(oskit_udp_endpoint_t, e, getstats, out)
#define oskit_udp_endpoint_release(e) OSKIT_CALL0(oskit_udp_endpoint_t, e, release)

OSKIT_BEGIN_DECLS

extern const struct oskit_guid oskit_udp_endpoint_iid;

/*
 * Opens an endpoint (OSKit's open handshake, manual 7.5): makes an
 * out-of-band UDP socket (socket(AF_INET, SOCK_DGRAM | SOCK_OOB, 0)), binds
 * it, connects it when opts->peer is set, and starts the receive thread,
 * which pushes into recv_netio (the endpoint holds a reference until it
 * closes). *out_send_netio gets an owned reference to the send netio. opts
 * NULL: all defaults. In-band. Returns 0, or OSKIT_E_POINTER (recv_netio or
 * out_send_netio NULL), OSKIT_EINVAL (rx_buffer_size above 65507, a
 * negative timeout, an address not AF_INET), OSKIT_ENXIO (before
 * evl_init()), the socket's errors (OSKIT_EADDRINUSE, OSKIT_EADDRNOTAVAIL,
 * OSKIT_EACCES, OSKIT_ENETUNREACH...), the solicitation's, OSKIT_ENOMEM,
 * with *out_send_netio NULL.
 */
oskit_error_t oskit_udp_open(const oskit_udp_options_t *opts, oskit_netio_t *recv_netio,
                             oskit_netio_t **out_send_netio);

/* Fills *out with the IPv4 address ip (dotted) and port (host order).
 * Returns 0, or OSKIT_E_POINTER, OSKIT_EINVAL (not a dotted IPv4 address). */
oskit_error_t oskit_udp_address(const char *ip, oskit_u16_t port, struct sockaddr_in *out);

OSKIT_END_DECLS

#ifdef __cplusplus

#include "absl/status/statusor.h"
#include "oskit/com/ptr.h"

namespace oskit {

// Opens an endpoint (oskit_udp_open) and returns its send netio, or the error
// as a Status.
absl::StatusOr<ComPtr<oskit_netio>> udp_open(const oskit_udp_options_t &opts, oskit_netio *recv_netio);

// The control interface of an endpoint's send netio (empty if it is not one).
inline ComPtr<oskit_udp_endpoint> udp_endpoint(oskit_netio *send_netio) {
  return query<oskit_udp_endpoint>(send_netio);
}

}  // namespace oskit

#endif  // __cplusplus

#endif /* COMPONENTS_UDP_UDP_H */
