/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * A worker: one thread with its own epoll loop, its own SO_REUSEPORT UDP
 * and TCP sockets per listen address, its own backend sockets and query-ID
 * tables, its own arena and counters (STYLE.md 8.5). Nothing on the query
 * path is shared with other workers except the read-only configuration,
 * the backends' health atomics, and the sharded packet cache.
 *
 * DESIGN: events carry a struct wev whose callback handles them. UDP
 * queries are read in batches with recvmmsg into rx[]; each datagram runs
 * the query path (udp.c) and either queues an answer on its listener's out
 * queue or a rewritten query on its backend's send queue; both are flushed
 * with sendmmsg once the batch is done, so buffers in rx[] are never
 * reused before what points into them has left. Backend answers come back
 * the same way (backend.c). The loop wakes at least every W_TICK_MS to
 * expire backend timeouts and bump the heartbeat that the VRRP issue uses
 * as a liveness probe. This header is internal to the data plane
 * (worker.c, udp.c, backend.c, tcp.c, daemon.c).
 */
#pragma once

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "frontend/conf.h"
#include "frontend/idtable.h"
#include "frontend/policy.h"
#include "frontend/query.h"
#include "frontend/stats.h"
#include "lib/arena.h"
#include "lib/compiler.h"

struct worker;
struct wev;
struct tcp_worker;
struct delayq;

/* Messages per recvmmsg/sendmmsg call. */
#define W_BATCH 32
/* Every buffer can hold the largest DNS message (and a self-made answer). */
#define W_BUFSZ FE_QUERY_BUFSZ
/* The loop never sleeps longer than this (timeouts, heartbeat). */
#define W_TICK_MS 10

/** Handles events on ev's fd. */
typedef void wev_fn(struct worker *w, struct wev *ev, uint32_t events);

struct wev {
	int fd;
	wev_fn *fn;
};

/* Room for one IPv4 or IPv6 packet-info control message. */
union w_cmsg {
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct cmsghdr align;
};

/* Answers waiting to leave through one UDP listener socket. */
struct udp_outq {
	unsigned n;
	struct mmsghdr msg[W_BATCH];
	struct iovec iov[W_BATCH];
	union idt_addr to[W_BATCH];
	union w_cmsg ctl[W_BATCH];
};

/* This worker's socket for one UDP listener. */
struct udp_sock {
	struct wev ev;
	uint16_t index;      /* in worker.udp */
	bool wildcard;       /* bound to 0.0.0.0 or ::, so answers need PKTINFO */
	struct udp_outq out;
};

/* This worker's view of one backend. */
struct wbackend {
	struct wev ev;             /* connected UDP socket, -1 for tcpOnly */
	struct fe_backend *be;
	struct idtable ids;
	uint64_t latency_us;       /* moving average over ~128 answers */
	unsigned nsend;            /* queries queued for sendmmsg */
	struct mmsghdr smsg[W_BATCH];
	struct iovec siov[W_BATCH];
	struct idslot *sslot[W_BATCH]; /* released if sending fails */
};

/* A pool as the data plane uses it: servers in dnsdist's order, the
 * policy that applies, and the chashed ring. Read-only, shared. */
struct pool_rt {
	struct fe_pool *pool;
	struct fe_backend **servers;
	size_t n;
	enum fe_policy policy;
	struct pol_ring ring;
};

/* Sockets the daemon bound for one worker: one per listener, -1 if none. */
struct worker_fds {
	int *udp;
	int *tcp;
};

struct worker {
	unsigned index;
	struct fe_conf *conf;
	const struct pool_rt *pools;
	int npools;
	pthread_t thread;
	bool started;
	int epfd;
	_Atomic uint64_t heartbeat; /* bumped every loop iteration */
	_Atomic bool stop;
	uint64_t now_us;            /* loop time, refreshed after each wait */
	uint64_t rng;
	struct dg_arena arena;
	struct fe_stats stats;
	struct udp_sock *udp;       /* one per listener (fd -1 when no UDP) */
	int nudp;
	struct wbackend *be;        /* one per conf backend, same index */
	int nbe;
	unsigned *rr;               /* roundrobin position per pool */
	struct pol_cand *cand;      /* scratch for policy_select */
	struct tcp_worker *tcp;
	struct delayq *delayq;      /* DelayAction's held answers, NULL until the first */
	/* receive batch, shared by UDP listeners and backend sockets */
	uint8_t *rxbuf;             /* W_BATCH * W_BUFSZ */
	uint8_t *txbuf;             /* W_BATCH * W_BUFSZ, cache hits */
	unsigned ntx;               /* txbuf slots used in this batch */
	struct mmsghdr rx[W_BATCH];
	bool rx_named;              /* rx headers take the sender's address */
	bool rx_ctl;                /* ... and packet info */
	unsigned rx_used;           /* headers to set before the next recvmmsg */
	struct iovec rxiov[W_BATCH];
	union idt_addr rxaddr[W_BATCH];
	union w_cmsg rxctl[W_BATCH];
};

/**
 * Prepares worker index for conf: takes ownership of the sockets in fds
 * (fds.udp/tcp arrays are borrowed for the call), opens the backend
 * sockets, allocates buffers. Main thread, before worker_start().
 * @retval 0, or a negative DG_E* or -errno code (logged).
 */
DG_MUSTCHECK int worker_init(struct worker *w, unsigned index, struct fe_conf *conf,
			     const struct pool_rt *pools, int npools, const struct worker_fds *fds);

/** Starts the worker's thread. @retval 0, -errno. */
DG_MUSTCHECK int worker_start(struct worker *w);

/** Asks the worker to leave its loop (any thread); worker_join() waits for it. */
void worker_stop(struct worker *w);

/** Waits for the thread to end (if started). */
void worker_join(struct worker *w);

/** Closes every socket and frees everything (after worker_join()). */
void worker_fini(struct worker *w);

/** Registers ev (fd and callback set) for events; worker thread or before start. */
DG_MUSTCHECK int worker_watch(struct worker *w, struct wev *ev, uint32_t events);

/** Changes the events ev is registered for. */
DG_MUSTCHECK int worker_rewatch(struct worker *w, struct wev *ev, uint32_t events);

/** Removes ev from the loop (before closing its fd). */
void worker_unwatch(struct worker *w, struct wev *ev);

/**
 * The worker's heartbeat: a counter its loop bumps once per iteration (at
 * least every W_TICK_MS while it runs). A value that stops changing means
 * a hung or stopped loop; VRRP sends adverts only while every worker's
 * advances (vrrpctl.h). One relaxed atomic load; any thread.
 */
static inline uint64_t worker_heartbeat(const struct worker *w)
{
	return atomic_load_explicit(&w->heartbeat, memory_order_relaxed);
}

/** A random 32-bit number from the worker's generator. Worker thread. */
uint32_t worker_rand(struct worker *w);

/** The runtime pool for q->pool, or NULL (no such pool / NULL pool). */
const struct pool_rt *worker_pool(const struct worker *w, const struct fe_pool *pool);

/**
 * Picks a backend for the query with the pool's policy (or the global
 * one), from this worker's view of outstanding queries and latency.
 * @return the backend, or NULL when none may be used.
 */
struct fe_backend *worker_select(struct worker *w, const struct pool_rt *prt,
				 const struct fe_query *q);

/**
 * Next free tx buffer of this batch (W_BUFSZ bytes) for a cache hit, or
 * NULL when every one is in use until the next flush.
 */
uint8_t *worker_txbuf(struct worker *w);

/**
 * Receives up to W_BATCH datagrams from fd into w->rx (recvmmsg,
 * MSG_DONTWAIT), with the sender's address when named (listeners) and the
 * packet-info control message when ctl (wildcard listeners). Only the
 * headers the previous call filled are set again (all of them when
 * (named, ctl) changes), so a short batch costs a short set-up. w->rx stays
 * valid until the next call.
 * @return datagrams received, or -1 with errno set (EAGAIN: none).
 */
int worker_recv(struct worker *w, int fd, bool named, bool ctl);

/** Flushes every queued UDP answer and backend query (end of a batch). */
void worker_flush(struct worker *w);
