/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The TCP frontend: listeners, client connections with pipelining, limits
 * (see tcp.h). Backend connections live in tcpbe.c.
 */
#include "frontend/tcp.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frontend/backend.h"
#include "frontend/pcache.h"
#include "frontend/rings.h"
#include "frontend/route.h"
#include "frontend/rules.h"
#include "frontend/tcp_int.h"
#include "frontend/udp.h"
#include "lib/log.h"
#include "lib/pkt.h"

/* A client that does not read its answers is closed past this backlog. */
#define TCP_WBUF_MAX (4u << 20)
#define TCP_EXPIRE_EVERY_US 100000u

/* ---- byte buffers ---------------------------------------------------- */

int tbuf_reserve(struct tbuf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return DG_OK;
	size_t cap = b->cap ? b->cap : 512;
	while (cap - b->len < extra)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (p == NULL)
		return DG_ENOMEM;
	b->p = p;
	b->cap = cap;
	return DG_OK;
}

int tbuf_append(struct tbuf *b, const void *data, size_t n)
{
	int ret = tbuf_reserve(b, n);
	if (ret < 0)
		return ret;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return DG_OK;
}

void tbuf_consume(struct tbuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

void tbuf_free(struct tbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

int tbuf_send(struct tbuf *b, int fd)
{
	while (b->len > 0) {
		ssize_t n = send(fd, b->p, b->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? DG_OK : -errno;
		tbuf_consume(b, (size_t)n);
	}
	return DG_OK;
}

size_t tbuf_frame(const struct tbuf *b)
{
	if (b->len < 2)
		return 0;
	size_t flen = (size_t)(b->p[0] << 8 | b->p[1]);
	/* A zero-length frame is garbage: report it as complete so the
	 * caller sees its length below a header and closes. */
	if (flen == 0)
		return 1;
	return b->len >= 2 + flen ? flen : 0;
}

/* ---- connections per client, across workers -------------------------- */

/* Open-addressing table of client addresses with open connections; only
 * touched on accept and close, never per query, so one mutex is enough. */
#define CL_SLOTS 8192
struct cl_slot {
	struct dg_addr addr;
	unsigned count;
};
static struct cl_slot cl_table[CL_SLOTS];
static pthread_mutex_t cl_lock = PTHREAD_MUTEX_INITIALIZER;

void tcp_client_limit_init(void)
{
	pthread_mutex_lock(&cl_lock);
	memset(cl_table, 0, sizeof(cl_table));
	pthread_mutex_unlock(&cl_lock);
}

static struct cl_slot *cl_find(const struct dg_addr *a, bool create)
{
	uint32_t h = policy_qname_hash(a->bytes, sizeof(a->bytes)) ^ a->family;
	for (unsigned k = 0; k < CL_SLOTS; k++) {
		struct cl_slot *s = &cl_table[(h + k) % CL_SLOTS];
		if (s->count > 0 && memcmp(&s->addr, a, sizeof(*a)) == 0)
			return s;
		if (s->count == 0 && create) {
			s->addr = *a;
			return s;
		}
	}
	return NULL;
}

/* Counts a new connection; false when the client is over the limit. */
static bool cl_acquire(const struct dg_addr *a, unsigned max)
{
	if (max == 0)
		return true;
	pthread_mutex_lock(&cl_lock);
	struct cl_slot *s = cl_find(a, true);
	bool ok = s == NULL || s->count < max;
	if (ok && s != NULL)
		s->count++;
	pthread_mutex_unlock(&cl_lock);
	return ok;
}

static void cl_release(const struct dg_addr *a, unsigned max)
{
	if (max == 0)
		return;
	pthread_mutex_lock(&cl_lock);
	struct cl_slot *s = cl_find(a, false);
	if (s != NULL && s->count > 0)
		s->count--;
	pthread_mutex_unlock(&cl_lock);
}

/* ---- client connections ----------------------------------------------- */

static void conn_on_event(struct worker *w, struct wev *ev, uint32_t events);

static void conn_unref(struct tconn *c)
{
	if (--c->refs > 0)
		return;
	tbuf_free(&c->rb);
	tbuf_free(&c->wb);
	free(c);
}

static void conn_close(struct worker *w, struct tconn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	worker_unwatch(w, &c->ev);
	close(c->ev.fd);
	c->ev.fd = -1;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->tcp->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	w->tcp->nconns--;
	struct dg_addr a;
	if (dg_addr_from_sockaddr(&a, &c->peer.sa) == 0)
		cl_release(&a, w->conf->max_tcp_conns_per_client);
	conn_unref(c);
}

static bool max_queries_reached(const struct worker *w, const struct tconn *c)
{
	unsigned max = w->conf->max_tcp_queries_per_conn;
	return max > 0 && c->nqueries >= max;
}

/* Closes c when it has nothing left to do; else fixes what epoll watches. */
static void conn_settle(struct worker *w, struct tconn *c)
{
	if (c->closed)
		return;
	bool done = (c->eof || max_queries_reached(w, c)) && c->inflight == 0 && c->wb.len == 0;
	if (done) {
		conn_close(w, c);
		return;
	}
	bool reading = !c->eof && !max_queries_reached(w, c) && c->inflight < c->limit;
	uint32_t want = (reading ? EPOLLIN : 0) | (c->wb.len > 0 ? EPOLLOUT : 0);
	if (want != c->events && worker_rewatch(w, &c->ev, want) == 0)
		c->events = want;
}

static void conn_send(struct worker *w, struct tconn *c, const uint8_t *msg, size_t len)
{
	uint8_t pfx[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	if (c->wb.len + len > TCP_WBUF_MAX || tbuf_append(&c->wb, pfx, 2) < 0 ||
	    tbuf_append(&c->wb, msg, len) < 0 || tbuf_send(&c->wb, c->ev.fd) < 0) {
		stats_drop(&w->stats, FE_DROP_SEND, 0);
		conn_close(w, c);
		return;
	}
	stats_client_answer(&w->stats, msg, len);
}

static struct tq *tq_new(const struct fe_query *q, const struct route *r, uint16_t listener)
{
	struct tq *t = malloc(sizeof(*t) + 2 + q->len);
	if (t == NULL)
		return NULL;
	memset(t, 0, sizeof(*t));
	backend_fill_meta(&t->meta, q, r, listener);
	t->be_index = r->be->index;
	t->len = q->len;
	t->msg[0] = (uint8_t)(q->len >> 8);
	t->msg[1] = (uint8_t)q->len;
	memcpy(t->msg + 2, q->buf, q->len);
	return t;
}

static void conn_query(struct worker *w, struct tconn *c, const uint8_t *msg, size_t len)
{
	struct fe_query q;
	struct route r;
	memcpy(w->tcp->scratch, msg, len);
	q.buf = w->tcp->scratch;
	q.len = len;
	q.cap = W_BUFSZ;
	q.client = c->peer;
	q.local = c->local;
	q.ifindex = 0;
	q.client_addr.family = 0;
	q.tcp = true;
	q.now_us = w->now_us;
	q.worker = w->index;
	c->nqueries++;
	route_query(w, &q, &r);
	if (r.kind == ROUTE_ANSWER) {
		conn_send(w, c, q.buf, q.len);
	} else if (r.kind == ROUTE_FORWARD) {
		struct tq *t = tq_new(&q, &r, c->listener);
		if (t == NULL) {
			stats_drop(&w->stats, FE_DROP_NOMEM, 0);
		} else {
			t->client = c;
			c->refs++;
			c->inflight++;
			tcpbe_send(w, t);
		}
	}
	dg_arena_reset(&w->arena);
}

/* Handles every complete frame the connection may take now. */
static void conn_frames(struct worker *w, struct tconn *c)
{
	size_t flen;
	while (!c->closed && c->inflight < c->limit && !max_queries_reached(w, c) &&
	       (flen = tbuf_frame(&c->rb)) > 0) {
		if (flen < DG_HDR_LEN) {
			stats_drop(&w->stats, FE_DROP_TCP_BADFRAME, 0);
			conn_close(w, c);
			return;
		}
		c->last_us = w->now_us;
		conn_query(w, c, c->rb.p + 2, flen);
		tbuf_consume(&c->rb, flen + 2);
	}
}

/* Reads what the client sent; false on error (closed). */
static bool conn_read(struct tconn *c)
{
	if (tbuf_reserve(&c->rb, 4096) < 0)
		return false;
	if (c->rb.len >= 2 && tbuf_reserve(&c->rb, 2 + (size_t)(c->rb.p[0] << 8 | c->rb.p[1])) < 0)
		return false;
	ssize_t n = recv(c->ev.fd, c->rb.p + c->rb.len, c->rb.cap - c->rb.len, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		c->eof = true;
	c->rb.len += (size_t)n;
	return true;
}

static void conn_on_event(struct worker *w, struct wev *ev, uint32_t events)
{
	struct tconn *c = (struct tconn *)ev;
	c->refs++; /* c stays valid until this handler is done */
	/* ERR/HUP: the peer is gone both ways (reset); answers cannot reach it. */
	bool ok = !(events & (EPOLLERR | EPOLLHUP));
	if (ok && (events & EPOLLOUT))
		ok = tbuf_send(&c->wb, c->ev.fd) == 0;
	if (ok && (events & EPOLLIN) && !c->eof)
		ok = conn_read(c);
	if (ok) {
		conn_frames(w, c);
		conn_settle(w, c);
	} else {
		conn_close(w, c);
	}
	worker_flush(w);
	conn_unref(c);
}

static void accept_one(struct worker *w, struct tcp_listen *tl, int fd,
		       const union dg_sockaddr *peer)
{
	struct dg_addr a;
	unsigned max = w->conf->max_tcp_conns_per_client;
	if (dg_addr_from_sockaddr(&a, &peer->sa) < 0 || !cl_acquire(&a, max)) {
		stats_drop(&w->stats, FE_DROP_TCP_LIMIT, 0);
		close(fd);
		return;
	}
	struct tconn *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		cl_release(&a, max);
		close(fd);
		return;
	}
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	socklen_t sl = sizeof(c->local);
	if (getsockname(fd, &c->local.sa, &sl) < 0)
		c->local = w->conf->listeners[tl->index].addr;
	c->ev.fd = fd;
	c->ev.fn = conn_on_event;
	c->peer = *peer;
	c->listener = tl->index;
	c->accepted_us = c->last_us = w->now_us;
	c->limit = w->conf->listeners[tl->index].max_inflight;
	c->limit = c->limit ? c->limit : 1;
	c->refs = 1;
	c->events = EPOLLIN;
	c->next = w->tcp->conns;
	if (c->next != NULL)
		c->next->prev = c;
	w->tcp->conns = c;
	w->tcp->nconns++;
	STAT_INC(w->stats.tcp_conns);
	if (worker_watch(w, &c->ev, EPOLLIN) < 0)
		conn_close(w, c);
}

static void listen_on_readable(struct worker *w, struct wev *ev, uint32_t events)
{
	struct tcp_listen *tl = (struct tcp_listen *)ev;
	(void)events;
	for (int k = 0; k < 64; k++) {
		union dg_sockaddr peer;
		socklen_t sl = sizeof(peer);
		int fd = accept4(ev->fd, &peer.sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		accept_one(w, tl, fd, &peer);
	}
}

/* ---- answers coming back from backends -------------------------------- */

/* Cuts an answer too big for a UDP client down to header + question, TC set. */
static size_t truncate_for_udp(uint8_t *msg, size_t len, size_t limit)
{
	struct dg_hdr h;
	struct dg_question q;
	if (len <= limit || dg_pkt_parse_question(&h, &q, msg, len) < 0)
		return len;
	msg[2] |= DG_FLAG_TC >> 8;
	memset(msg + 6, 0, 6); /* ancount, nscount, arcount */
	return q.end_off;
}

static void deliver_udp(struct worker *w, struct tq *t, uint8_t *msg, size_t len)
{
	struct fe_query q;
	size_t limit = t->meta.has_opt && t->meta.udp_size > 512 ? t->meta.udp_size : 512;
	q.buf = msg;
	q.len = truncate_for_udp(msg, len, limit);
	q.cap = q.len;
	if (dg_pkt_parse_question(&q.hdr, &q.q, msg, q.len) < 0)
		return;
	backend_answer_query(w, &q, &t->meta);
	rings_add_response(w->conf->rings, w->index, &q, q.hdr.flags & 0x0f, q.len,
			   (uint32_t)(w->now_us - t->meta.sent_us), t->be_index);
	/* msg lives in the backend connection's buffer: send it right away. */
	backend_deliver_udp(w, &q, t->meta.cache, t->meta.cache_key, t->meta.listener);
	udp_flush(w, &w->udp[t->meta.listener]);
}

static void deliver_tcp(struct worker *w, struct tconn *c, struct tq *t, uint8_t *msg,
			size_t len)
{
	struct fe_query q;
	q.buf = msg;
	q.len = len;
	q.cap = len;
	if (dg_pkt_parse_question(&q.hdr, &q.q, msg, len) < 0)
		return;
	backend_answer_query(w, &q, &t->meta);
	q.client = c->peer; /* the answer goes back on the client's connection */
	q.local = c->local;
	q.ifindex = 0;
	q.tcp = true;
	if (dg_addr_from_sockaddr(&q.client_addr, &q.client.sa) < 0)
		q.client_addr.family = 0;
	rings_add_response(w->conf->rings, w->index, &q, q.hdr.flags & 0x0f, q.len,
			   (uint32_t)(w->now_us - t->meta.sent_us), t->be_index);
	if (rules_eval_response(w->conf, &q) == FE_V_DROP) {
		stats_drop(&w->stats, FE_DROP_RESP_RULE, 0);
		return;
	}
	if (t->meta.cache != NULL && !q.skip_cache) { /* SetSkipCacheResponseAction */
		int ret = pcache_insert(t->meta.cache, t->meta.cache_key, &q, q.buf, q.len,
					w->now_us / 1000000);
		(void)ret;
	}
	route_fix_answer(&q);
	conn_send(w, c, q.buf, q.len);
}

void tcp_deliver(struct worker *w, struct tq *t, uint8_t *msg, size_t len)
{
	struct tconn *c = t->client;
	if (c == NULL) {
		if (msg != NULL)
			deliver_udp(w, t, msg, len);
		free(t);
		return;
	}
	c->inflight--;
	c->last_us = w->now_us;
	if (msg != NULL && !c->closed)
		deliver_tcp(w, c, t, msg, len);
	else if (msg == NULL)
		/* The backend failed us: nothing will answer this query, and a
		 * client waiting for answers in order would hang; close. */
		conn_close(w, c);
	free(t);
	if (!c->closed) {
		conn_frames(w, c);
		conn_settle(w, c);
	}
	conn_unref(c);
}

void tcp_forward_udp(struct worker *w, struct fe_query *q, const struct route *r,
		     uint16_t listener)
{
	struct tq *t = tq_new(q, r, listener);
	if (t == NULL) {
		stats_drop(&w->stats, FE_DROP_NOMEM, 0);
		return;
	}
	tcpbe_send(w, t);
}

/* ---- listeners, set-up, expiry ------------------------------------------ */

int tcp_listener_open(const union dg_sockaddr *addr, bool reuseport, int backlog)
{
	int fd = socket(addr->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int one = 1, ret = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) ||
	    (addr->sa.sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) < 0) ||
	    bind(fd, &addr->sa, dg_sockaddr_len(addr)) < 0 ||
	    listen(fd, backlog > 0 ? backlog : SOMAXCONN) < 0)
		ret = -errno;
	if (ret < 0) {
		close(fd);
		return ret;
	}
	return fd;
}

int tcp_worker_init(struct worker *w, const struct worker_fds *fds)
{
	struct tcp_worker *tw = calloc(1, sizeof(*tw));
	if (tw == NULL)
		return DG_ENOMEM;
	w->tcp = tw;
	tw->nls = w->conf->nlisteners;
	tw->ls = calloc((size_t)tw->nls + 1, sizeof(*tw->ls));
	tw->nbp = w->conf->nbackends;
	tw->bp = calloc((size_t)tw->nbp + 1, sizeof(*tw->bp));
	tw->scratch = malloc(W_BUFSZ);
	if (tw->ls == NULL || tw->bp == NULL || tw->scratch == NULL)
		return DG_ENOMEM;
	for (int i = 0; i < tw->nls; i++) {
		tw->ls[i].index = (uint16_t)i;
		tw->ls[i].ev.fd = fds->tcp[i];
		tw->ls[i].ev.fn = listen_on_readable;
		fds->tcp[i] = -1;
	}
	for (int i = 0; i < tw->nls; i++) {
		if (tw->ls[i].ev.fd < 0)
			continue;
		int ret = worker_watch(w, &tw->ls[i].ev, EPOLLIN);
		if (ret < 0)
			return ret;
	}
	return DG_OK;
}

void tcp_worker_fini(struct worker *w)
{
	struct tcp_worker *tw = w->tcp;
	if (tw == NULL)
		return;
	/* Clients first: a closed client never asks for new backend work
	 * while the backend connections fail their queries below. */
	while (tw->conns != NULL)
		conn_close(w, tw->conns);
	if (tw->bp != NULL)
		tcpbe_fini(w);
	for (int i = 0; tw->ls != NULL && i < tw->nls; i++) {
		if (tw->ls[i].ev.fd >= 0) {
			worker_unwatch(w, &tw->ls[i].ev);
			close(tw->ls[i].ev.fd);
		}
	}
	free(tw->ls);
	free(tw->bp);
	free(tw->scratch);
	free(tw);
	w->tcp = NULL;
}

void tcp_drain(struct worker *w)
{
	struct tcp_worker *tw = w->tcp;
	if (tw == NULL)
		return;
	for (int i = 0; tw->ls != NULL && i < tw->nls; i++) {
		if (tw->ls[i].ev.fd >= 0) {
			worker_unwatch(w, &tw->ls[i].ev);
			close(tw->ls[i].ev.fd);
			tw->ls[i].ev.fd = -1;
		}
	}
	/* as if every client had finished sending: conn_settle() closes each
	 * one once nothing is in flight and its answers are written */
	for (struct tconn *c = tw->conns, *next; c != NULL; c = next) {
		next = c->next;
		c->eof = true;
		conn_settle(w, c);
	}
}

bool tcp_drained(const struct worker *w)
{
	return w->tcp == NULL || w->tcp->conns == NULL;
}

uint32_t tcp_outstanding(const struct worker *w, int be_index)
{
	if (w->tcp == NULL || be_index >= w->tcp->nbp)
		return 0;
	return w->tcp->bp[be_index].outstanding;
}

static void expire_client(struct worker *w, struct tconn *c)
{
	const struct fe_conf *conf = w->conf;
	uint64_t dur = (uint64_t)conf->max_tcp_conn_duration_s * 1000000;
	uint64_t rto = (uint64_t)(conf->tcp_recv_timeout_s ? conf->tcp_recv_timeout_s : 2) * 1000000;
	if (dur > 0 && w->now_us - c->accepted_us > dur) {
		conn_close(w, c);
		return;
	}
	if (c->inflight == 0 && c->wb.len == 0 && w->now_us - c->last_us > rto) {
		/* Idle is normal; a half-sent query past the timeout is a slow client. */
		if (c->rb.len > 0)
			stats_drop(&w->stats, FE_DROP_TCP_TIMEOUT, 0);
		conn_close(w, c);
	}
}

void tcp_expire(struct worker *w)
{
	struct tcp_worker *tw = w->tcp;
	if (tw == NULL || w->now_us - tw->last_expire_us < TCP_EXPIRE_EVERY_US)
		return;
	tw->last_expire_us = w->now_us;
	struct tconn *c = tw->conns;
	while (c != NULL) {
		struct tconn *next = c->next;
		expire_client(w, c);
		c = next;
	}
	tcpbe_expire(w);
}
