#include "glue/evl/emul/netlink.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace oskit::evl::emul {
namespace {

struct Request {
  struct nlmsghdr h;
  union {
    struct rtmsg route;
    struct ndmsg neigh;
  };
  char attrs[64];
};

template <class Body>
void start(Request* req, int type, int flags) {
  std::memset(req, 0, sizeof *req);
  req->h.nlmsg_len = NLMSG_LENGTH(sizeof(Body));
  req->h.nlmsg_type = static_cast<std::uint16_t>(type);
  req->h.nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
}

void add_attr(Request* req, int type, const void* data, std::size_t len) {
  const std::size_t at = NLMSG_ALIGN(req->h.nlmsg_len);
  auto* a = reinterpret_cast<struct rtattr*>(reinterpret_cast<char*>(&req->h) + at);
  a->rta_type = static_cast<unsigned short>(type);
  a->rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
  std::memcpy(RTA_DATA(a), data, len);
  req->h.nlmsg_len = static_cast<std::uint32_t>(at + RTA_ALIGN(a->rta_len));
}

// Calls fn(type, data, len) for each attribute of a message whose fixed part
// is Body.
template <class Body, class Fn>
void for_each_attr(const struct nlmsghdr* h, Fn fn) {
  const auto* a =
      reinterpret_cast<const struct rtattr*>(static_cast<const char*>(NLMSG_DATA(h)) + NLMSG_ALIGN(sizeof(Body)));
  int len = static_cast<int>(h->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(sizeof(Body)));
  for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) fn(a->rta_type, RTA_DATA(a), RTA_PAYLOAD(a));
}

struct Reply {
  alignas(struct nlmsghdr) char buf[8192];
  const struct nlmsghdr* found = nullptr;
};

}  // namespace

Netlink::~Netlink() {
  if (fd_ >= 0) ::close(fd_);
}

int Netlink::open() {
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  return fd_ < 0 ? -errno : 0;
}

int Netlink::transact(void* request, std::size_t len, int want, void* reply_buf, std::size_t reply_size) {
  auto* h = static_cast<struct nlmsghdr*>(request);
  auto* reply = static_cast<Reply*>(reply_buf);
  h->nlmsg_seq = ++seq_;
  if (want == 0) h->nlmsg_flags |= NLM_F_ACK;
  struct sockaddr_nl kernel = {};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_, request, len, 0, reinterpret_cast<struct sockaddr*>(&kernel), sizeof kernel) < 0) return -errno;
  for (;;) {
    ssize_t n = ::recv(fd_, reply->buf, reply_size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -errno;
    int left = static_cast<int>(n);
    for (auto* r = reinterpret_cast<const struct nlmsghdr*>(reply->buf); NLMSG_OK(r, left); r = NLMSG_NEXT(r, left)) {
      if (r->nlmsg_seq != h->nlmsg_seq) continue;
      if (r->nlmsg_type == NLMSG_ERROR) return static_cast<const struct nlmsgerr*>(NLMSG_DATA(r))->error;
      if (r->nlmsg_type == want) {
        reply->found = r;
        return 0;
      }
    }
  }
}

int Netlink::route(in_addr dst, Route* out) {
  Request req;
  start<struct rtmsg>(&req, RTM_GETROUTE, 0);
  req.route.rtm_family = AF_INET;
  req.route.rtm_dst_len = 32;
  add_attr(&req, RTA_DST, &dst, sizeof dst);
  Reply reply;
  int rc = transact(&req, req.h.nlmsg_len, RTM_NEWROUTE, &reply, sizeof reply.buf);
  if (rc < 0) return rc;
  *out = Route{};
  out->type = static_cast<const struct rtmsg*>(NLMSG_DATA(reply.found))->rtm_type;
  for_each_attr<struct rtmsg>(reply.found, [&](int type, const void* data, std::size_t len) {
    if (type == RTA_OIF && len >= sizeof(int)) std::memcpy(&out->ifindex, data, sizeof(int));
    if (type == RTA_GATEWAY && len >= sizeof(in_addr)) std::memcpy(&out->gateway, data, sizeof(in_addr));
  });
  return 0;
}

int Netlink::neighbour(int ifindex, in_addr addr, Neighbour* out) {
  Request req;
  start<struct ndmsg>(&req, RTM_GETNEIGH, 0);
  req.neigh.ndm_family = AF_INET;
  req.neigh.ndm_ifindex = ifindex;
  add_attr(&req, NDA_DST, &addr, sizeof addr);
  Reply reply;
  *out = Neighbour{};
  int rc = transact(&req, req.h.nlmsg_len, RTM_NEWNEIGH, &reply, sizeof reply.buf);
  if (rc == -ENOENT) return 0;
  if (rc < 0) return rc;
  out->state = static_cast<const struct ndmsg*>(NLMSG_DATA(reply.found))->ndm_state;
  for_each_attr<struct ndmsg>(reply.found, [&](int type, const void* data, std::size_t len) {
    if (type == NDA_LLADDR && len <= sizeof out->lladdr) {
      std::memcpy(out->lladdr, data, len);
      out->lladdr_len = len;
    }
  });
  return 0;
}

int Netlink::solicit(int ifindex, in_addr addr) {
  Request req;
  start<struct ndmsg>(&req, RTM_NEWNEIGH, NLM_F_CREATE);
  req.neigh.ndm_family = AF_INET;
  req.neigh.ndm_ifindex = ifindex;
  req.neigh.ndm_flags = NTF_USE;
  add_attr(&req, NDA_DST, &addr, sizeof addr);
  Reply reply;
  return transact(&req, req.h.nlmsg_len, 0, &reply, sizeof reply.buf);
}

int Netlink::make_permanent(int ifindex, in_addr addr, const Neighbour& n) {
  Request req;
  start<struct ndmsg>(&req, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
  req.neigh.ndm_family = AF_INET;
  req.neigh.ndm_ifindex = ifindex;
  req.neigh.ndm_state = NUD_PERMANENT;
  add_attr(&req, NDA_DST, &addr, sizeof addr);
  add_attr(&req, NDA_LLADDR, n.lladdr, n.lladdr_len);
  Reply reply;
  return transact(&req, req.h.nlmsg_len, 0, &reply, sizeof reply.buf);
}

}  // namespace oskit::evl::emul
