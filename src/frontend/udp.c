/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The UDP frontend: listeners, batched receive and send, the datagram
 * query path (see udp.h).
 */
#include "frontend/udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frontend/backend.h"
#include "frontend/delayq.h"
#include "frontend/route.h"
#include "frontend/tcp.h"
#include "frontend/worker.h"

static int set_int(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) < 0 ? -errno : 0;
}

bool udp_is_wildcard(const union dg_sockaddr *a)
{
	if (a->sa.sa_family == AF_INET)
		return a->in.sin_addr.s_addr == htonl(INADDR_ANY);
	if (a->sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->in6.sin6_addr);
	return false;
}

int udp_listener_open(const union dg_sockaddr *addr, bool reuseport)
{
	int v6 = addr->sa.sa_family == AF_INET6;
	int fd = socket(addr->sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int ret = reuseport ? set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1) : 0;
	if (ret == 0 && v6)
		ret = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
	if (ret == 0 && udp_is_wildcard(addr))
		ret = v6 ? set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1)
			 : set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
	if (ret == 0 && bind(fd, &addr->sa, dg_sockaddr_len(addr)) < 0)
		ret = -errno;
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

/* One buffer: the plain option, then the forcing one if that fell short. */
static unsigned set_buffer(int fd, int opt, int force_opt, unsigned want)
{
	int v = 0;
	socklen_t len = sizeof(v);
	if (want > 0 && set_int(fd, SOL_SOCKET, opt, (int)want) == 0 &&
	    getsockopt(fd, SOL_SOCKET, opt, &v, &len) == 0 && (unsigned)v / 2 < want)
		(void)set_int(fd, SOL_SOCKET, force_opt, (int)want);
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, opt, &v, &len) < 0)
		return 0;
	return (unsigned)v / 2;
}

void udp_set_buffers(int fd, unsigned rcv, unsigned snd, unsigned *got_rcv, unsigned *got_snd)
{
	*got_rcv = set_buffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, rcv);
	*got_snd = set_buffer(fd, SO_SNDBUF, SO_SNDBUFFORCE, snd);
}

void udp_addr_pack(union idt_addr *dst, const union dg_sockaddr *src)
{
	socklen_t len = dg_sockaddr_len(src);
	memset(dst, 0, sizeof(*dst));
	if (len > 0 && len <= sizeof(*dst))
		memcpy(dst, src, len);
}

void udp_addr_unpack(union dg_sockaddr *dst, const union idt_addr *src)
{
	memset(dst, 0, sizeof(*dst));
	memcpy(dst, src, sizeof(*src));
}

/* The destination address and interface of a received datagram. */
static void read_pktinfo(struct msghdr *mh, union dg_sockaddr *local, int *ifindex)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			local->in.sin_family = AF_INET;
			local->in.sin_addr = pi.ipi_addr;
			*ifindex = pi.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			local->in6.sin6_family = AF_INET6;
			local->in6.sin6_addr = pi.ipi6_addr;
			*ifindex = (int)pi.ipi6_ifindex;
		}
	}
}

static void handle_query(struct worker *w, struct udp_sock *us, unsigned i)
{
	struct fe_query q;
	struct route r;
	const struct fe_listener *l = &w->conf->listeners[us->index];

	q.buf = w->rxiov[i].iov_base;
	q.len = w->rx[i].msg_len;
	q.cap = W_BUFSZ;
	/* Only the sockaddr_in6-sized head of these unions is ever read (by
	 * family), so copy that, not a whole sockaddr_storage, per datagram. */
	q.client.in6 = w->rxaddr[i].in6;
	q.local.in6 = l->addr.in6;
	q.ifindex = 0;
	if (us->wildcard)
		read_pktinfo(&w->rx[i].msg_hdr, &q.local, &q.ifindex);
	q.client_addr.family = 0;
	q.tcp = false;
	q.now_us = w->now_us;
	q.worker = w->index;
	route_query(w, &q, &r);
	if (r.kind == ROUTE_ANSWER) {
		union idt_addr client, local;
		client.in6 = q.client.in6;
		local.in6 = q.local.in6;
		if (q.delay_ms > 0) /* DelayAction on a self-generated answer or a cache hit */
			delayq_add(w, us->index, q.buf, q.len, &client, &local, q.ifindex,
				   w->now_us + q.delay_ms * 1000ull);
		else
			udp_queue(w, us->index, q.buf, q.len, &client, &local, q.ifindex);
	} else if (r.kind == ROUTE_FORWARD) {
		if (r.be->tcp_only)
			tcp_forward_udp(w, &q, &r, us->index);
		else
			backend_forward_udp(w, &q, &r, us->index);
	}
	dg_arena_reset(&w->arena);
}

void udp_on_readable(struct worker *w, struct wev *ev, uint32_t events)
{
	struct udp_sock *us = (struct udp_sock *)ev;
	(void)events;
	int n = worker_recv(w, ev->fd, true, us->wildcard);
	for (int i = 0; i < n; i++) {
		if (w->rx[i].msg_hdr.msg_flags & MSG_TRUNC) {
			STAT_INC(w->stats.queries);
			stats_drop(&w->stats, FE_DROP_TRUNCATED, 0);
			continue;
		}
		handle_query(w, us, (unsigned)i);
	}
	worker_flush(w);
}

/* Adds the packet-info control message that sets the answer's source. */
static void set_source(struct msghdr *mh, union w_cmsg *ctl, const union idt_addr *local,
		       int ifindex)
{
	memset(ctl, 0, sizeof(*ctl));
	mh->msg_control = ctl->buf;
	struct cmsghdr *c = (struct cmsghdr *)ctl->buf;
	if (local->sa.sa_family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst = local->in.sin_addr };
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else if (local->sa.sa_family == AF_INET6) {
		struct in6_pktinfo pi = { .ipi6_addr = local->in6.sin6_addr,
					  .ipi6_ifindex = (unsigned)ifindex };
		mh->msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		mh->msg_control = NULL;
	}
}

void udp_queue(struct worker *w, uint16_t listener, const uint8_t *buf, size_t len,
	       const union idt_addr *client, const union idt_addr *local, int ifindex)
{
	struct udp_sock *us = &w->udp[listener];
	struct udp_outq *oq = &us->out;
	if (us->ev.fd < 0)
		return;
	if (oq->n == W_BATCH)
		udp_flush(w, us);
	unsigned i = oq->n++;
	oq->to[i] = *client;
	oq->iov[i].iov_base = (void *)buf;
	oq->iov[i].iov_len = len;
	struct msghdr *mh = &oq->msg[i].msg_hdr;
	*mh = (struct msghdr){
		.msg_name = &oq->to[i],
		.msg_namelen = client->sa.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								: sizeof(struct sockaddr_in),
		.msg_iov = &oq->iov[i],
		.msg_iovlen = 1,
	};
	if (us->wildcard)
		set_source(mh, &oq->ctl[i], local, ifindex);
}

void udp_flush(struct worker *w, struct udp_sock *us)
{
	struct udp_outq *oq = &us->out;
	unsigned done = 0;
	while (done < oq->n) {
		int n = sendmmsg(us->ev.fd, oq->msg + done, oq->n - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* Skip the message that failed (e.g. an unreachable client)
			 * so one bad destination does not sink the batch. */
			stats_drop(&w->stats, FE_DROP_SEND, 0);
			done++;
			continue;
		}
		for (unsigned i = done; i < done + (unsigned)n; i++)
			stats_client_answer(&w->stats, oq->iov[i].iov_base, oq->iov[i].iov_len);
		done += (unsigned)n;
	}
	oq->n = 0;
}
