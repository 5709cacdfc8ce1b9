/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Raw sockets and rtnetlink for VRRP on one interface (see vrrp_net.h).
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/wire.h"
#include "vrrp/vrrp_net.h"
#include "vrrp/vrrp_pkt.h"

static const uint8_t group4[4] = { 224, 0, 0, 18 };
static const uint8_t group6[16] = { 0xff, 0x02, [15] = 0x12 };
static const uint8_t allnodes6[16] = { 0xff, 0x02, [15] = 0x01 };

const uint8_t *vrrp_net_group(int family)
{
	return family == AF_INET ? group4 : group6;
}

static bool is_vip(const struct vrrp_vip *vips, unsigned nvips, int family, const void *a)
{
	for (unsigned i = 0; i < nvips; i++)
		if (vips[i].family == family && memcmp(vips[i].addr, a, vrrp_addr_len(family)) == 0)
			return true;
	return false;
}

/* Primary address and MAC of the interface, from getifaddrs(). */
static int find_addrs(struct vrrp_net *n, const struct vrrp_vip *vips, unsigned nvips)
{
	struct ifaddrs *ifa0, *ifa;
	bool have_addr = false;
	if (getifaddrs(&ifa0) < 0)
		return -errno;
	for (ifa = ifa0; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || strcmp(ifa->ifa_name, n->ifname) != 0)
			continue;
		int fam = ifa->ifa_addr->sa_family;
		if (fam == AF_PACKET) {
			const struct sockaddr_ll *ll = (const void *)ifa->ifa_addr;
			if (ll->sll_halen == 6)
				memcpy(n->mac, ll->sll_addr, 6);
		} else if (fam == AF_INET && n->family == AF_INET && !have_addr) {
			const struct sockaddr_in *sin = (const void *)ifa->ifa_addr;
			if (!is_vip(vips, nvips, AF_INET, &sin->sin_addr)) {
				memcpy(n->primary, &sin->sin_addr, 4);
				have_addr = true;
			}
		} else if (fam == AF_INET6 && n->family == AF_INET6 && !have_addr) {
			const struct sockaddr_in6 *s6 = (const void *)ifa->ifa_addr;
			if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr)) {
				memcpy(n->primary, &s6->sin6_addr, 16);
				have_addr = true;
			}
		}
	}
	freeifaddrs(ifa0);
	return have_addr ? DG_OK : DG_ENOTFOUND;
}

static int setopt(int fd, int level, int name, const void *v, socklen_t len)
{
	return setsockopt(fd, level, name, v, len) < 0 ? -errno : 0;
}

static int open_vrrp4(struct vrrp_net *n)
{
	int zero = 0, ttl = VRRP_TTL;
	struct ip_mreqn mr = { .imr_ifindex = n->ifindex };
	memcpy(&mr.imr_multiaddr, group4, 4);
	int ret = setopt(n->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
	if (ret == 0)
		ret = setopt(n->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero));
	if (ret == 0)
		ret = setopt(n->fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr));
	if (ret == 0)
		ret = setopt(n->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr));
	return ret;
}

static int open_vrrp6(struct vrrp_net *n)
{
	int one = 1, zero = 0, hops = VRRP_TTL, ifi = n->ifindex;
	struct ipv6_mreq mr = { .ipv6mr_interface = (unsigned)n->ifindex };
	memcpy(&mr.ipv6mr_multiaddr, group6, 16);
	int ret = setopt(n->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	if (ret == 0)
		ret = setopt(n->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero));
	if (ret == 0)
		ret = setopt(n->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof(ifi));
	if (ret == 0)
		ret = setopt(n->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one));
	if (ret == 0)
		ret = setopt(n->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	if (ret == 0)
		ret = setopt(n->fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr));
	return ret;
}

static int open_garp(struct vrrp_net *n)
{
	if (n->family == AF_INET) {
		n->garp_fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ARP));
		if (n->garp_fd < 0)
			return -errno;
		/* Send-only: receive nothing, so the queue never fills. */
		struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = 0,
					  .sll_ifindex = n->ifindex };
		return bind(n->garp_fd, (struct sockaddr *)&ll, sizeof(ll)) < 0 ? -errno : 0;
	}
	n->garp_fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	if (n->garp_fd < 0)
		return -errno;
	int hops = 255, ifi = n->ifindex; /* RFC 4861 §7.1.2: hop limit 255 */
	struct icmp6_filter f;
	ICMP6_FILTER_SETBLOCKALL(&f);
	int ret = setopt(n->garp_fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof(hops));
	if (ret == 0)
		ret = setopt(n->garp_fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifi, sizeof(ifi));
	if (ret == 0)
		ret = setopt(n->garp_fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	return ret;
}

static int open_netlink(struct vrrp_net *n)
{
	n->nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (n->nl_fd < 0)
		return -errno;
	struct timeval tv = { .tv_sec = 1 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int ret = setopt(n->nl_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (ret == 0 && bind(n->nl_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		ret = -errno;
	return ret;
}

int vrrp_net_open(struct vrrp_net *n, const char *ifname, int family, const struct vrrp_vip *vips,
		  unsigned nvips)
{
	if (n == NULL || ifname == NULL || vrrp_addr_len(family) == 0 ||
	    strlen(ifname) >= sizeof(n->ifname))
		return DG_EINVAL;
	memset(n, 0, sizeof(*n));
	n->fd = n->nl_fd = n->garp_fd = -1;
	n->family = family;
	memcpy(n->ifname, ifname, strlen(ifname) + 1);
	n->ifindex = (int)if_nametoindex(ifname);
	if (n->ifindex == 0)
		return DG_ENOTFOUND;
	int ret = find_addrs(n, vips, nvips);
	if (ret < 0)
		return ret;
	n->fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_IPPROTO);
	if (n->fd < 0) {
		ret = -errno;
		goto fail;
	}
	/* Adverts from other interfaces are not ours (RFC 5798 §7.1: "the
	 * VRID is configured on the receiving interface"). */
	ret = setopt(n->fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname));
	if (ret == 0)
		ret = family == AF_INET ? open_vrrp4(n) : open_vrrp6(n);
	if (ret == 0)
		ret = open_garp(n);
	if (ret == 0)
		ret = open_netlink(n);
	if (ret == 0)
		return DG_OK;
fail:
	vrrp_net_close(n);
	return ret;
}

void vrrp_net_close(struct vrrp_net *n)
{
	int *fds[] = { &n->fd, &n->nl_fd, &n->garp_fd };
	for (size_t i = 0; i < DG_ARRAY_SIZE(fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

int vrrp_net_send(struct vrrp_net *n, const uint8_t *msg, size_t len)
{
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cb;
	struct sockaddr_in6 d6 = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)n->ifindex };
	struct sockaddr_in d4 = { .sin_family = AF_INET };
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.b };
	memset(&cb, 0, sizeof(cb));
	struct cmsghdr *c = &cb.h;
	/* The source must be the primary address: the v3 checksum covers it
	 * and the peers use it for the election tie-break. */
	if (n->family == AF_INET) {
		memcpy(&d4.sin_addr, group4, 4);
		mh.msg_name = &d4;
		mh.msg_namelen = sizeof(d4);
		struct in_pktinfo pi = { .ipi_ifindex = n->ifindex };
		memcpy(&pi.ipi_spec_dst, n->primary, 4);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
	} else {
		memcpy(&d6.sin6_addr, group6, 16);
		mh.msg_name = &d6;
		mh.msg_namelen = sizeof(d6);
		struct in6_pktinfo pi = { .ipi6_ifindex = (unsigned)n->ifindex };
		memcpy(&pi.ipi6_addr, n->primary, 16);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
	}
	return sendmsg(n->fd, &mh, 0) < 0 ? -errno : 0;
}

static void recv6_meta(struct msghdr *mh, const struct sockaddr_in6 *from, struct vrrp_rxmeta *meta)
{
	memset(meta, 0, sizeof(*meta));
	meta->family = AF_INET6;
	meta->ttl = -1;
	memcpy(meta->src, &from->sin6_addr, 16);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_HOPLIMIT && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&meta->ttl, CMSG_DATA(c), sizeof(int));
		} else if (c->cmsg_type == IPV6_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(meta->dst, &pi.ipi6_addr, 16);
		}
	}
}

int vrrp_net_recv(struct vrrp_net *n, uint8_t *buf, size_t len, struct vrrp_rxmeta *meta,
		  size_t *off)
{
	union {
		struct cmsghdr h;
		uint8_t b[256];
	} cb;
	struct sockaddr_in6 from;
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = cb.b, .msg_controllen = sizeof(cb) };
	ssize_t r = recvmsg(n->fd, &mh, 0);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? DG_EAGAIN : -errno;
	if (n->family == AF_INET)
		return vrrp_pkt_ipv4_split(buf, (size_t)r, meta, off);
	recv6_meta(&mh, &from, meta);
	*off = 0;
	return (int)r;
}

/* An RTM_NEWADDR/RTM_DELADDR request and its acknowledgement. */
static int nl_addr(struct vrrp_net *n, uint16_t type, uint16_t flags, const struct vrrp_vip *vip,
		   uint32_t lifetime_s)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
		uint8_t attrs[2 * RTA_SPACE(16) + RTA_SPACE(sizeof(struct ifa_cacheinfo))];
	} req;
	size_t alen = vrrp_addr_len(vip->family);
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = type;
	req.nh.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	req.nh.nlmsg_seq = ++n->nl_seq;
	req.ifa.ifa_family = (uint8_t)vip->family;
	req.ifa.ifa_prefixlen = vip->prefixlen;
	req.ifa.ifa_index = (uint32_t)n->ifindex;
	/* DAD would keep an IPv6 VIP tentative (unusable) for a second. */
	req.ifa.ifa_flags = vip->family == AF_INET6 ? IFA_F_NODAD : 0;
	req.ifa.ifa_scope = RT_SCOPE_UNIVERSE;
	struct rtattr *rta = (struct rtattr *)req.attrs;
	unsigned short types[2] = { IFA_LOCAL, IFA_ADDRESS };
	for (int i = 0; i < 2; i++) {
		rta->rta_type = types[i];
		rta->rta_len = (unsigned short)RTA_LENGTH(alen);
		memcpy(RTA_DATA(rta), vip->addr, alen);
		rta = (struct rtattr *)((uint8_t *)rta + RTA_SPACE(alen));
	}
	size_t attrs_len = 2 * RTA_SPACE(alen);
	if (lifetime_s > 0) {
		struct ifa_cacheinfo ci = { .ifa_prefered = lifetime_s, .ifa_valid = lifetime_s };
		rta->rta_type = IFA_CACHEINFO;
		rta->rta_len = (unsigned short)RTA_LENGTH(sizeof(ci));
		memcpy(RTA_DATA(rta), &ci, sizeof(ci));
		attrs_len += RTA_SPACE(sizeof(ci));
	}
	req.nh.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof(req.ifa)) + attrs_len);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	if (sendto(n->nl_fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	/* Bounded: skip stale answers to earlier requests, a few at most. */
	for (int tries = 0; tries < 8; tries++) {
		union {
			struct nlmsghdr nh;
			uint8_t b[512];
		} ans;
		ssize_t r = recv(n->nl_fd, ans.b, sizeof(ans.b), 0);
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? DG_ETIMEOUT : -errno;
		if (!NLMSG_OK(&ans.nh, (size_t)r) || ans.nh.nlmsg_seq != req.nh.nlmsg_seq)
			continue;
		if (ans.nh.nlmsg_type != NLMSG_ERROR)
			return DG_OK;
		struct nlmsgerr err;
		memcpy(&err, NLMSG_DATA(&ans.nh), sizeof(err));
		return err.error;
	}
	return DG_ETIMEOUT;
}

int vrrp_net_vip_add(struct vrrp_net *n, const struct vrrp_vip *vip, uint32_t lifetime_s)
{
	/* REPLACE: an address already there gets the new lifetime. */
	return nl_addr(n, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, vip, lifetime_s);
}

int vrrp_net_vip_del(struct vrrp_net *n, const struct vrrp_vip *vip)
{
	int ret = nl_addr(n, RTM_DELADDR, 0, vip, 0);
	return ret == -EADDRNOTAVAIL || ret == -ENOENT ? DG_OK : ret;
}

static int garp4(struct vrrp_net *n, const struct vrrp_vip *vip)
{
	uint8_t arp[28];
	struct dg_wr wr = dg_wr_init(arp, sizeof(arp));
	static const uint8_t zero_mac[6];
	dg_wr_u16(&wr, 1);      /* hardware: Ethernet */
	dg_wr_u16(&wr, 0x0800); /* protocol: IPv4 */
	dg_wr_u8(&wr, 6);
	dg_wr_u8(&wr, 4);
	dg_wr_u16(&wr, 1);      /* request: Linux takes sip == tip as gratuitous */
	dg_wr_bytes(&wr, n->mac, 6);
	dg_wr_bytes(&wr, vip->addr, 4);
	dg_wr_bytes(&wr, zero_mac, 6);
	dg_wr_bytes(&wr, vip->addr, 4);
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				  .sll_ifindex = n->ifindex, .sll_halen = 6 };
	memset(ll.sll_addr, 0xff, 6);
	if (sendto(n->garp_fd, arp, sizeof(arp), 0, (struct sockaddr *)&ll, sizeof(ll)) < 0)
		return -errno;
	return DG_OK;
}

static int na6(struct vrrp_net *n, const struct vrrp_vip *vip)
{
	uint8_t na[32];
	struct dg_wr wr = dg_wr_init(na, sizeof(na));
	dg_wr_u8(&wr, ND_NEIGHBOR_ADVERT);
	dg_wr_u8(&wr, 0);
	dg_wr_u16(&wr, 0);           /* checksum: the kernel fills it for ICMPv6 */
	dg_wr_u32(&wr, 0x20000000);  /* Override, not Solicited, not Router */
	dg_wr_bytes(&wr, vip->addr, 16);
	dg_wr_u8(&wr, ND_OPT_TARGET_LINKADDR);
	dg_wr_u8(&wr, 1);            /* length in units of 8 octets */
	dg_wr_bytes(&wr, n->mac, 6);
	struct sockaddr_in6 d = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)n->ifindex };
	memcpy(&d.sin6_addr, allnodes6, 16);
	if (sendto(n->garp_fd, na, sizeof(na), 0, (struct sockaddr *)&d, sizeof(d)) < 0)
		return -errno;
	return DG_OK;
}

int vrrp_net_garp(struct vrrp_net *n, const struct vrrp_vip *vip)
{
	if (vip->family != n->family)
		return DG_EINVAL;
	return vip->family == AF_INET ? garp4(n, vip) : na6(n, vip);
}

int vrrp_vip_parse(struct vrrp_vip *vip, const char *text)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	if (alen == 0 || alen >= sizeof(addr))
		return DG_ENET_SYNTAX;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	memset(vip, 0, sizeof(*vip));
	vip->family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(vip->family, addr, vip->addr) != 1)
		return DG_ENET_SYNTAX;
	unsigned max = vip->family == AF_INET ? 32 : 128;
	vip->prefixlen = (uint8_t)max;
	if (slash == NULL)
		return DG_OK;
	char *end;
	unsigned long p = strtoul(slash + 1, &end, 10);
	if (slash[1] == '\0' || *end != '\0' || slash[1] == '-' || slash[1] == '+')
		return DG_ENET_SYNTAX;
	if (p > max)
		return DG_ENET_PREFIX;
	vip->prefixlen = (uint8_t)p;
	return DG_OK;
}

const char *vrrp_vip_str(const struct vrrp_vip *vip, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(vip->family, vip->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, vip->prefixlen);
	return buf;
}
