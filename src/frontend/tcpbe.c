/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * TCP connections to backends, kept per worker and per backend and reused
 * (see tcp.h, tcp_int.h). A connection carries up to the backend's
 * maxInFlight queries (one when unset); each gets an ID unique on that
 * connection, and answers are matched by ID and question, in any order.
 * A connection that breaks takes its queries to a fresh one once (the
 * server may have closed an idle connection just as we reused it).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frontend/backend.h"
#include "frontend/tcp_int.h"
#include "lib/log.h"
#include "lib/pkt.h"

/* dnsdist's defaults: newServer{tcpRecvTimeout=30}, idle connections kept
 * for a while (setTCPDownstreamMaxIdleTime, 300 s; we use less). */
#define BE_ANSWER_TIMEOUT_US (30ull * 1000000)
#define BE_IDLE_TIMEOUT_US (60ull * 1000000)

static void bconn_on_event(struct worker *w, struct wev *ev, uint32_t events);

static unsigned be_limit(const struct fe_backend *be)
{
	return be->max_inflight ? be->max_inflight : 1;
}

static struct bconn *bconn_open(struct worker *w, int idx)
{
	const struct fe_backend *be = w->conf->backends[idx];
	int fd = socket(be->addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	int one = 1;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	struct bconn *bc = calloc(1, sizeof(*bc));
	if (bc == NULL ||
	    (connect(fd, &be->addr.sa, dg_sockaddr_len(&be->addr)) < 0 && errno != EINPROGRESS)) {
		free(bc);
		close(fd);
		return NULL;
	}
	bc->ev.fd = fd;
	bc->ev.fn = bconn_on_event;
	bc->be_index = idx;
	bc->next_id = (uint16_t)worker_rand(w);
	bc->last_us = w->now_us;
	bc->events = EPOLLOUT;
	if (worker_watch(w, &bc->ev, bc->events) < 0) {
		close(fd);
		free(bc);
		return NULL;
	}
	struct tcp_bepool *bp = &w->tcp->bp[idx];
	bc->next = bp->conns;
	bp->conns = bc;
	bp->nconns++;
	return bc;
}

static struct bconn *pick_conn(struct worker *w, int idx)
{
	unsigned limit = be_limit(w->conf->backends[idx]);
	for (struct bconn *bc = w->tcp->bp[idx].conns; bc != NULL; bc = bc->next)
		if (bc->ninflight < limit)
			return bc;
	return bconn_open(w, idx);
}

static void bconn_update(struct worker *w, struct bconn *bc)
{
	uint32_t want = EPOLLIN | (!bc->connected || bc->wb.len > 0 ? EPOLLOUT : 0);
	if (want != bc->events && worker_rewatch(w, &bc->ev, want) == 0)
		bc->events = want;
}

static void list_remove(struct bconn *bc, struct tq *prev, struct tq *t)
{
	if (prev != NULL)
		prev->next = t->next;
	else
		bc->sent = t->next;
	if (bc->sent_tail == t)
		bc->sent_tail = prev;
	t->next = NULL;
}

void tcpbe_send(struct worker *w, struct tq *t)
{
	struct bconn *bc = pick_conn(w, t->be_index);
	if (bc == NULL) {
		tcp_deliver(w, t, NULL, 0);
		return;
	}
	t->wire_id = bc->next_id++;
	t->msg[2] = (uint8_t)(t->wire_id >> 8);
	t->msg[3] = (uint8_t)t->wire_id;
	if (tbuf_append(&bc->wb, t->msg, t->len + 2) < 0) {
		tcp_deliver(w, t, NULL, 0);
		return;
	}
	t->meta.sent_us = w->now_us;
	t->next = NULL;
	if (bc->sent_tail != NULL)
		bc->sent_tail->next = t;
	else
		bc->sent = t;
	bc->sent_tail = t;
	bc->ninflight++;
	w->tcp->bp[t->be_index].outstanding++;
	STAT_INC(w->stats.be[t->be_index].queries);
	STAT_INC(w->stats.be[t->be_index].tcp_queries);
	/* Errors surface as an epoll event on this connection, where it is
	 * safe to close it; here a caller may still be using it. */
	if (bc->connected && tbuf_send(&bc->wb, bc->ev.fd) < 0)
		bc->wb.len = 0;
	bconn_update(w, bc);
}

/* Closes bc; its queries go to a new connection once, then fail. */
static void bconn_close(struct worker *w, struct bconn *bc, bool retry)
{
	struct tcp_bepool *bp = &w->tcp->bp[bc->be_index];
	for (struct bconn **pp = &bp->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == bc) {
			*pp = bc->next;
			bp->nconns--;
			break;
		}
	}
	worker_unwatch(w, &bc->ev);
	close(bc->ev.fd);
	struct tq *t = bc->sent;
	bp->outstanding -= bc->ninflight;
	tbuf_free(&bc->rb);
	tbuf_free(&bc->wb);
	free(bc);
	while (t != NULL) {
		struct tq *next = t->next;
		t->next = NULL;
		if (retry && t->retries++ < 1)
			tcpbe_send(w, t);
		else
			tcp_deliver(w, t, NULL, 0);
		t = next;
	}
}

/* Matches one answer frame to its query. */
static void on_answer(struct worker *w, struct bconn *bc, uint8_t *msg, size_t len)
{
	struct dg_hdr h;
	struct dg_question q;
	if (dg_pkt_parse_question(&h, &q, msg, len) < 0) {
		stats_drop(&w->stats, FE_DROP_RESP_MALFORMED, 0);
		return;
	}
	struct tq *prev = NULL, *t = bc->sent;
	while (t != NULL && (t->wire_id != h.id || !idslot_matches(&t->meta, &q))) {
		prev = t;
		t = t->next;
	}
	if (t == NULL) {
		stats_drop(&w->stats, FE_DROP_RESP_UNMATCHED, 0);
		return;
	}
	list_remove(bc, prev, t);
	bc->ninflight--;
	w->tcp->bp[bc->be_index].outstanding--;
	bc->last_us = w->now_us;
	msg[0] = (uint8_t)(t->meta.orig_id >> 8);
	msg[1] = (uint8_t)t->meta.orig_id;
	backend_note_latency(w, bc->be_index, w->now_us - t->meta.sent_us, msg[3] & 0x0fu);
	tcp_deliver(w, t, msg, len);
}

/* Reads and handles answers; false when the connection must close. */
static bool bconn_read(struct worker *w, struct bconn *bc)
{
	for (int rounds = 0; rounds < 16; rounds++) {
		if (tbuf_reserve(&bc->rb, 4096) < 0)
			return false;
		ssize_t n = recv(bc->ev.fd, bc->rb.p + bc->rb.len, bc->rb.cap - bc->rb.len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n <= 0)
			return false;
		bc->rb.len += (size_t)n;
		size_t flen;
		while ((flen = tbuf_frame(&bc->rb)) > 0) {
			if (flen < DG_HDR_LEN)
				return false;
			on_answer(w, bc, bc->rb.p + 2, flen);
			tbuf_consume(&bc->rb, flen + 2);
		}
		if (bc->rb.len >= 2 && tbuf_reserve(&bc->rb, 2 + (size_t)(bc->rb.p[0] << 8 | bc->rb.p[1])) < 0)
			return false;
	}
	return true;
}

static bool bconn_connected(struct bconn *bc)
{
	int err = 0;
	socklen_t sl = sizeof(err);
	if (getsockopt(bc->ev.fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0 || err != 0)
		return false;
	bc->connected = true;
	return true;
}

static void bconn_on_event(struct worker *w, struct wev *ev, uint32_t events)
{
	struct bconn *bc = (struct bconn *)ev;
	bool ok = true;
	if (!bc->connected)
		ok = bconn_connected(bc);
	if (ok && bc->wb.len > 0 && (events & EPOLLOUT))
		ok = tbuf_send(&bc->wb, bc->ev.fd) == 0;
	if (ok && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		ok = bconn_read(w, bc);
	if (ok)
		bconn_update(w, bc);
	else
		bconn_close(w, bc, bc->connected);
	worker_flush(w);
}

void tcpbe_expire(struct worker *w)
{
	for (int i = 0; i < w->tcp->nbp; i++) {
		struct bconn *bc = w->tcp->bp[i].conns;
		while (bc != NULL) {
			struct bconn *next = bc->next;
			bool stuck = bc->sent != NULL &&
				     w->now_us - bc->sent->meta.sent_us > BE_ANSWER_TIMEOUT_US;
			bool idle = bc->sent == NULL && w->now_us - bc->last_us > BE_IDLE_TIMEOUT_US;
			if (stuck)
				STAT_ADD(w->stats.be[i].timeouts, bc->ninflight);
			if (stuck || idle)
				bconn_close(w, bc, false);
			bc = next;
		}
	}
}

void tcpbe_fini(struct worker *w)
{
	for (int i = 0; w->tcp != NULL && i < w->tcp->nbp; i++) {
		while (w->tcp->bp[i].conns != NULL)
			bconn_close(w, w->tcp->bp[i].conns, false);
	}
}
