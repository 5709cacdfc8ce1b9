/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Worker threads: set-up, the event loop, backend selection (see worker.h).
 */
#include "frontend/worker.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <unistd.h>
#define _LGPL_SOURCE /* inline RCU read side */
#include <urcu.h>

#include "frontend/backend.h"
#include "frontend/delayq.h"
#include "frontend/tcp.h"
#include "frontend/udp.h"
#include "lib/clock.h"
#include "lib/log.h"

int worker_watch(struct worker *w, struct wev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };
	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, ev->fd, &e) < 0 ? -errno : DG_OK;
}

int worker_rewatch(struct worker *w, struct wev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };
	return epoll_ctl(w->epfd, EPOLL_CTL_MOD, ev->fd, &e) < 0 ? -errno : DG_OK;
}

void worker_unwatch(struct worker *w, struct wev *ev)
{
	if (ev->fd >= 0)
		epoll_ctl(w->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
}

uint32_t worker_rand(struct worker *w)
{
	/* xorshift64*: wrandom needs speed and spread, not secrecy. */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return (uint32_t)((w->rng * 0x2545f4914f6cdd1dull) >> 32);
}

const struct pool_rt *worker_pool(const struct worker *w, const struct fe_pool *pool)
{
	/* Pools are few (a handful in real configurations): a scan is cheaper
	 * than hashing. */
	for (int i = 0; i < w->npools; i++)
		if (w->pools[i].pool == pool)
			return &w->pools[i];
	return NULL;
}

static uint32_t be_outstanding(const struct worker *w, const struct fe_backend *be)
{
	const struct wbackend *wb = &w->be[be->index];
	return idtable_count(&wb->ids) + tcp_outstanding(w, be->index);
}

struct fe_backend *worker_select(struct worker *w, const struct pool_rt *prt,
				 const struct fe_query *q)
{
	if (prt->n == 0)
		return NULL;
	for (size_t i = 0; i < prt->n; i++) {
		const struct fe_backend *be = prt->servers[i];
		w->cand[i] = (struct pol_cand){
			.be = be,
			.up = fe_backend_is_up(be),
			.outstanding = be_outstanding(w, be),
			.latency_us = w->be[be->index].latency_us,
		};
	}
	struct pol_ctx ctx = {
		.rr_counter = &w->rr[prt - w->pools],
		.rr_fail_on_no_server = w->conf->rr_fail_on_no_server,
		.ring = &prt->ring,
	};
	if (prt->policy == FE_POL_WHASHED || prt->policy == FE_POL_CHASHED)
		ctx.qhash = policy_qname_hash(q->q.qname_lc, q->q.qname_len);
	if (prt->policy == FE_POL_WRANDOM)
		ctx.rnd = worker_rand(w);
	int k = policy_select(prt->policy, w->cand, prt->n, &ctx);
	return k < 0 ? NULL : prt->servers[k];
}

uint8_t *worker_txbuf(struct worker *w)
{
	if (w->ntx >= W_BATCH)
		return NULL;
	return w->txbuf + (size_t)w->ntx++ * W_BUFSZ;
}

/* Sets rx header i for (named, ctl); recvmmsg reads no other field. */
static void rx_header_set(struct worker *w, unsigned i)
{
	struct msghdr *mh = &w->rx[i].msg_hdr;
	mh->msg_name = w->rx_named ? &w->rxaddr[i] : NULL;
	mh->msg_namelen = w->rx_named ? sizeof(w->rxaddr[i]) : 0;
	mh->msg_iov = &w->rxiov[i];
	mh->msg_iovlen = 1;
	mh->msg_control = w->rx_ctl ? w->rxctl[i].buf : NULL;
	mh->msg_controllen = w->rx_ctl ? sizeof(w->rxctl[i].buf) : 0;
}

int worker_recv(struct worker *w, int fd, bool named, bool ctl)
{
	if (w->rx_named != named || w->rx_ctl != ctl) {
		w->rx_named = named;
		w->rx_ctl = ctl;
		w->rx_used = W_BATCH;
	}
	/* Only the headers the previous call filled had their lengths
	 * overwritten (the caller has read them since). */
	for (unsigned i = 0; i < w->rx_used; i++)
		rx_header_set(w, i);
	int n = recvmmsg(fd, w->rx, W_BATCH, MSG_DONTWAIT, NULL);
	w->rx_used = n > 0 ? (unsigned)n : 0;
	return n;
}

void worker_flush(struct worker *w)
{
	for (int i = 0; i < w->nudp; i++)
		if (w->udp[i].out.n > 0)
			udp_flush(w, &w->udp[i]);
	for (int i = 0; i < w->nbe; i++)
		if (w->be[i].nsend > 0)
			backend_flush(w, &w->be[i]);
	w->ntx = 0;
}

static int alloc_buffers(struct worker *w)
{
	w->rxbuf = malloc((size_t)W_BATCH * W_BUFSZ);
	w->txbuf = malloc((size_t)W_BATCH * W_BUFSZ);
	w->udp = calloc((size_t)w->conf->nlisteners + 1, sizeof(*w->udp));
	w->be = calloc((size_t)w->conf->nbackends + 1, sizeof(*w->be));
	w->rr = calloc((size_t)w->npools + 1, sizeof(*w->rr));
	w->cand = calloc((size_t)w->conf->nbackends + 1, sizeof(*w->cand));
	if (!w->rxbuf || !w->txbuf || !w->udp || !w->be || !w->rr || !w->cand)
		return DG_ENOMEM;
	for (unsigned i = 0; i < W_BATCH; i++) {
		w->rxiov[i].iov_base = w->rxbuf + (size_t)i * W_BUFSZ;
		w->rxiov[i].iov_len = W_BUFSZ;
	}
	w->rx_used = W_BATCH; /* no receive header is set up yet */
	return DG_OK;
}

static int init_udp(struct worker *w, const struct worker_fds *fds)
{
	w->nudp = w->conf->nlisteners;
	for (int i = 0; i < w->nudp; i++) {
		w->udp[i].index = (uint16_t)i;
		w->udp[i].ev.fd = fds->udp[i];
		w->udp[i].ev.fn = udp_on_readable;
		fds->udp[i] = -1; /* ours now, closed by worker_fini() */
	}
	for (int i = 0; i < w->nudp; i++) {
		struct udp_sock *us = &w->udp[i];
		if (us->ev.fd < 0)
			continue;
		us->wildcard = udp_is_wildcard(&w->conf->listeners[i].addr);
		int ret = worker_watch(w, &us->ev, EPOLLIN);
		if (ret < 0)
			return ret;
	}
	return DG_OK;
}

int worker_init(struct worker *w, unsigned index, struct fe_conf *conf,
		const struct pool_rt *pools, int npools, const struct worker_fds *fds)
{
	memset(w, 0, sizeof(*w));
	w->index = index;
	w->conf = conf;
	w->pools = pools;
	w->npools = npools;
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->epfd < 0)
		return -errno;
	if (getrandom(&w->rng, sizeof(w->rng), 0) != sizeof(w->rng) || w->rng == 0)
		w->rng = 0x9e3779b97f4a7c15ull + index;
	dg_arena_init(&w->arena, 0);
	stats_init(&w->stats, conf->nbackends);
	int ret = alloc_buffers(w);
	if (ret == DG_OK)
		ret = init_udp(w, fds);
	for (int i = 0; ret == DG_OK && i < conf->nbackends; i++) {
		ret = backend_open(w, &w->be[i], conf->backends[i]);
		w->nbe = i + 1;
	}
	if (ret == DG_OK)
		ret = tcp_worker_init(w, fds);
	if (ret < 0)
		dg_log(LOG_ERR, "worker", "worker %u: set-up failed: %s", index, dg_strerror(ret));
	return ret;
}

static void expire(struct worker *w)
{
	uint64_t timeout = (uint64_t)(w->conf->udp_timeout_s ? w->conf->udp_timeout_s : 2) * 1000000;
	if (w->now_us < timeout)
		return;
	for (int i = 0; i < w->nbe; i++)
		backend_expire(w, &w->be[i], w->now_us - timeout);
	tcp_expire(w);
}

/*
 * Graceful stop (SIGTERM): no new query is read, from UDP or TCP, while
 * those already sent to a backend get their answers (or time out, which
 * bounds the wait by the UDP timeout), then the loop ends. TCP clients are
 * closed cleanly once answered (tcp_drain). Returns the deadline.
 */
static uint64_t drain_begin(struct worker *w)
{
	for (int i = 0; i < w->nudp; i++)
		if (w->udp[i].ev.fd >= 0)
			worker_unwatch(w, &w->udp[i].ev); /* still used to send the answers */
	tcp_drain(w);
	uint64_t timeout_s = w->conf->udp_timeout_s ? w->conf->udp_timeout_s : 2;
	return dg_clock_now_us() + (timeout_s + 1) * 1000000;
}

/* Nothing left in flight: no UDP query at a backend, no TCP client. */
static bool is_drained(const struct worker *w)
{
	for (int i = 0; i < w->nbe; i++)
		if (idtable_count(&w->be[i].ids) > 0)
			return false;
	return tcp_drained(w);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[64];

	/* Rules and the ACL are read under rcu_read_lock (rulechain.h): every
	 * reader thread must be known to RCU before its first read. */
	rcu_register_thread();
	uint64_t drain_until = 0;
	for (;;) {
		if (drain_until == 0 && atomic_load_explicit(&w->stop, memory_order_relaxed))
			drain_until = drain_begin(w);
		if (drain_until != 0 && (is_drained(w) || dg_clock_now_us() >= drain_until))
			break;
		int n = epoll_wait(w->epfd, evs, (int)DG_ARRAY_SIZE(evs), W_TICK_MS);
		w->now_us = dg_clock_now_us();
		/* One read-side section per round, never across the blocking wait:
		 * the ACL, rule and dynblock look-ups inside nest in it, and a
		 * nested rcu_read_lock costs a fraction of an outermost one. */
		rcu_read_lock();
		for (int i = 0; i < n; i++) {
			struct wev *ev = evs[i].data.ptr;
			ev->fn(w, ev, evs[i].events);
		}
		expire(w);
		delayq_run(w, w->now_us);
		worker_flush(w);
		rcu_read_unlock();
		/* Liveness for VRRP: only a loop that goes round advances it. */
		atomic_fetch_add_explicit(&w->heartbeat, 1, memory_order_relaxed);
	}
	rcu_unregister_thread();
	return NULL;
}

int worker_start(struct worker *w)
{
	w->now_us = dg_clock_now_us();
	int ret = pthread_create(&w->thread, NULL, worker_main, w);
	if (ret != 0)
		return -ret;
	w->started = true;
	return DG_OK;
}

void worker_stop(struct worker *w)
{
	atomic_store(&w->stop, true);
}

void worker_join(struct worker *w)
{
	if (w->started)
		pthread_join(w->thread, NULL);
	w->started = false;
}

void worker_fini(struct worker *w)
{
	if (w->conf == NULL)
		return; /* never initialised */
	tcp_worker_fini(w);
	for (int i = 0; i < w->nbe; i++)
		backend_close(w, &w->be[i]);
	for (int i = 0; w->udp != NULL && i < w->nudp; i++)
		if (w->udp[i].ev.fd >= 0)
			close(w->udp[i].ev.fd);
	if (w->epfd >= 0)
		close(w->epfd);
	stats_fini(&w->stats);
	delayq_free(w->delayq);
	w->delayq = NULL;
	dg_arena_free(&w->arena);
	free(w->rxbuf);
	free(w->txbuf);
	free(w->udp);
	free(w->be);
	free(w->rr);
	free(w->cand);
	w->rxbuf = w->txbuf = NULL;
	w->udp = NULL;
	w->be = NULL;
}
