/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * UDP forwarding to backends with per-(worker, backend) ID rewriting
 * (see backend.h).
 */
#include "frontend/backend.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frontend/delayq.h"
#include "frontend/pcache.h"
#include "frontend/rings.h"
#include "frontend/route.h"
#include "frontend/rules.h"
#include "frontend/udp.h"
#include "frontend/worker.h"
#include "lib/edns.h"
#include "lib/err.h"
#include "lib/log.h"
#include "lib/pkt.h"

int backend_open(struct worker *w, struct wbackend *wb, struct fe_backend *be)
{
	wb->be = be;
	wb->ev.fd = -1;
	wb->ev.fn = backend_on_readable;
	unsigned cap = w->conf->max_udp_outstanding ? w->conf->max_udp_outstanding : 65535;
	int ret = idtable_init(&wb->ids, cap, (uint16_t)worker_rand(w));
	if (ret < 0 || be->tcp_only)
		return ret;
	int fd = socket(be->addr.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, &be->addr.sa, dg_sockaddr_len(&be->addr)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	wb->ev.fd = fd;
	return worker_watch(w, &wb->ev, EPOLLIN);
}

void backend_close(struct worker *w, struct wbackend *wb)
{
	if (wb->ev.fd >= 0) {
		worker_unwatch(w, &wb->ev);
		close(wb->ev.fd);
	}
	wb->ev.fd = -1;
	idtable_fini(&wb->ids);
}

void backend_fill_meta(struct idslot *s, const struct fe_query *q, const struct route *r,
		      uint16_t listener)
{
	idslot_set_question(s, &q->q);
	s->orig_id = q->hdr.id;
	s->has_opt = q->has_opt;
	s->do_bit = q->do_bit;
	s->edns_added = q->edns_added;
	s->ecs_added = q->ecs_added;
	s->udp_size = q->udp_size;
	s->listener = listener;
	s->ifindex = q->ifindex;
	s->cache = r->cache;
	s->cache_key = r->key;
	s->pool = q->pool;
	udp_addr_pack(&s->client, &q->client);
	udp_addr_pack(&s->local, &q->local);
}

void backend_forward_udp(struct worker *w, struct fe_query *q, const struct route *r,
			 uint16_t listener)
{
	struct wbackend *wb = &w->be[r->be->index];
	uint16_t id;
	struct idslot *s = idtable_alloc(&wb->ids, q->now_us, &id);
	if (s == NULL) {
		stats_drop(&w->stats, FE_DROP_OUTSTANDING, 0);
		return;
	}
	backend_fill_meta(s, q, r, listener);
	q->buf[0] = (uint8_t)(id >> 8);
	q->buf[1] = (uint8_t)id;
	if (wb->nsend == W_BATCH)
		backend_flush(w, wb);
	unsigned i = wb->nsend++;
	wb->siov[i].iov_base = q->buf;
	wb->siov[i].iov_len = q->len;
	wb->smsg[i].msg_hdr = (struct msghdr){ .msg_iov = &wb->siov[i], .msg_iovlen = 1 };
	wb->sslot[i] = s;
	STAT_INC(w->stats.be[wb->be->index].queries);
}

void backend_flush(struct worker *w, struct wbackend *wb)
{
	unsigned done = 0;
	while (done < wb->nsend) {
		int n = sendmmsg(wb->ev.fd, wb->smsg + done, wb->nsend - done, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (unsigned)n;
	}
	/* Whatever did not leave will never be answered: free its slots now
	 * rather than count it as a timeout later. */
	for (unsigned i = done; i < wb->nsend; i++) {
		idtable_release(&wb->ids, wb->sslot[i]);
		STAT_INC(w->stats.be[wb->be->index].send_errors);
		stats_drop(&w->stats, FE_DROP_SEND, 0);
	}
	wb->nsend = 0;
}

void backend_expire(struct worker *w, struct wbackend *wb, uint64_t cutoff_us)
{
	struct idslot *s;
	while ((s = idtable_oldest_before(&wb->ids, cutoff_us)) != NULL) {
		STAT_INC(w->stats.be[wb->be->index].timeouts);
		idtable_release(&wb->ids, s);
	}
}

void backend_note_latency(struct worker *w, int be_index, uint64_t latency_us, unsigned rcode)
{
	struct wbackend *wb = &w->be[be_index];
	/* dnsdist averages over the last 128 answers; an EWMA with the same
	 * weight needs no history. */
	wb->latency_us = wb->latency_us == 0 ? latency_us : (wb->latency_us * 127 + latency_us) / 128;
	stats_be_answer(&w->stats, be_index, latency_us, rcode);
}

void backend_deliver_udp(struct worker *w, struct fe_query *q, struct pcache *cache,
			 uint32_t key, uint16_t listener)
{
	if (rules_eval_response(w->conf, q) == FE_V_DROP) {
		stats_drop(&w->stats, FE_DROP_RESP_RULE, 0);
		return;
	}
	if (cache != NULL && !q->skip_cache) { /* SetSkipCacheResponseAction */
		/* Not cacheable (TC, rcode...) is pcache's call; nothing to do. */
		int ret = pcache_insert(cache, key, q, q->buf, q->len, q->now_us / 1000000);
		(void)ret;
	}
	route_fix_answer(q);
	union idt_addr client, local;
	udp_addr_pack(&client, &q->client);
	udp_addr_pack(&local, &q->local);
	if (q->delay_ms > 0) /* DelayResponseAction: held by the worker's loop */
		delayq_add(w, listener, q->buf, q->len, &client, &local, q->ifindex,
			   w->now_us + q->delay_ms * 1000ull);
	else
		udp_queue(w, listener, q->buf, q->len, &client, &local, q->ifindex);
}

int backend_truncate_tc(uint8_t *buf, size_t len, size_t cap, size_t qend, bool add_opt)
{
	if (buf == NULL || len < DG_HDR_LEN || qend < DG_HDR_LEN || qend > len || len > cap)
		return DG_EINVAL;
	if (!(buf[2] & 0x02)) /* TC */
		return (int)len;
	/* A malformed rest only costs the OPT, as in dnsdist. */
	int opt = add_opt ? dg_edns_wire_find(buf, len) : DG_ENOTFOUND;
	uint16_t payload = 0;
	uint8_t do_bit = 0;
	if (opt >= 0 && (size_t)opt + DG_EDNS_OPT_FIXED <= len) {
		payload = (uint16_t)(buf[opt + 3] << 8 | buf[opt + 4]);
		do_bit = buf[opt + 7] & 0x80; /* TTL: ext-rcode, version, DO|Z, Z */
	}
	memset(buf + 6, 0, 6);
	if (opt < 0)
		return (int)qend;
	int n = dg_edns_wire_add_opt(buf, qend, cap, payload);
	if (n < 0)
		return (int)qend;
	buf[qend + 7] |= do_bit;
	return n;
}

void backend_answer_query(struct worker *w, struct fe_query *q, const struct idslot *s)
{
	udp_addr_unpack(&q->client, &s->client);
	udp_addr_unpack(&q->local, &s->local);
	q->ifindex = s->ifindex;
	q->has_opt = s->has_opt;
	q->do_bit = s->do_bit;
	q->edns_added = s->edns_added;
	q->ecs_added = s->ecs_added;
	q->udp_size = s->udp_size;
	q->pool = s->pool;
	q->tcp = false;
	q->now_us = w->now_us;
	q->worker = w->index;
	if (dg_addr_from_sockaddr(&q->client_addr, &q->client.sa) < 0)
		q->client_addr.family = 0;
}

static void handle_answer(struct worker *w, struct wbackend *wb, uint8_t *buf, size_t len)
{
	struct fe_query q;
	q.buf = buf;
	q.len = len;
	q.cap = W_BUFSZ;
	if (dg_pkt_parse_question(&q.hdr, &q.q, buf, len) < 0) {
		stats_drop(&w->stats, FE_DROP_RESP_MALFORMED, 0);
		return;
	}
	struct idslot *s = idtable_find(&wb->ids, q.hdr.id);
	if (s == NULL || !idslot_matches(s, &q.q)) {
		stats_drop(&w->stats, FE_DROP_RESP_UNMATCHED, 0);
		return;
	}
	buf[0] = (uint8_t)(s->orig_id >> 8);
	buf[1] = (uint8_t)s->orig_id;
	q.hdr.id = s->orig_id;
	backend_answer_query(w, &q, s);
	if (w->conf->truncate_tc) {
		int n = backend_truncate_tc(buf, len, W_BUFSZ, q.q.end_off,
						w->conf->add_edns_to_self);
		if (n >= 0)
			q.len = len = (size_t)n;
	}
	backend_note_latency(w, wb->be->index, w->now_us - s->sent_us, buf[3] & 0x0fu);
	rings_add_response(w->conf->rings, w->index, &q, q.hdr.flags & 0x0f, len,
			   (uint32_t)(w->now_us - s->sent_us), wb->be->index);
	struct pcache *cache = s->cache;
	uint32_t key = s->cache_key;
	uint16_t listener = s->listener;
	idtable_release(&wb->ids, s);
	backend_deliver_udp(w, &q, cache, key, listener);
	dg_arena_reset(&w->arena);
}

void backend_on_readable(struct worker *w, struct wev *ev, uint32_t events)
{
	struct wbackend *wb = (struct wbackend *)ev;
	(void)events;
	int n = worker_recv(w, ev->fd, false, false);
	for (int i = 0; i < n; i++) {
		if (w->rx[i].msg_hdr.msg_flags & MSG_TRUNC) {
			stats_drop(&w->stats, FE_DROP_TRUNCATED, 0);
			continue;
		}
		handle_answer(w, wb, w->rxiov[i].iov_base, w->rx[i].msg_len);
	}
	worker_flush(w);
}
