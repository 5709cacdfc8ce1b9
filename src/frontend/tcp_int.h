/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Internals shared by tcp.c (client connections) and tcpbe.c (backend
 * connections). Not for other modules: use tcp.h.
 *
 * Ownership: a struct tq (one query going to a backend over TCP) belongs to
 * tcpbe.c from tcpbe_send() until it hands it back through
 * tcp_deliver(), which frees it. A client connection is reference counted:
 * one reference for the open socket and one per query in flight, so a
 * client that disconnects while its queries are out is freed only when
 * the last answer (or failure) comes back.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/idtable.h"
#include "frontend/worker.h"
#include "lib/compiler.h"

/* A growable byte buffer (connection input and output). */
struct tbuf {
	uint8_t *p;
	size_t len, cap;
};

/** Makes room for extra more bytes. @retval 0, DG_ENOMEM. */
DG_MUSTCHECK int tbuf_reserve(struct tbuf *b, size_t extra);

/** Appends n bytes. @retval 0, DG_ENOMEM. */
DG_MUSTCHECK int tbuf_append(struct tbuf *b, const void *data, size_t n);

/** Drops the first n bytes. */
void tbuf_consume(struct tbuf *b, size_t n);

/** Frees the buffer. */
void tbuf_free(struct tbuf *b);

/**
 * Writes as much of b as the socket takes.
 * @retval 0 (maybe some left), or -errno on a fatal error.
 */
DG_MUSTCHECK int tbuf_send(struct tbuf *b, int fd);

/** Length of the first complete frame's message in b, 0 if incomplete. */
size_t tbuf_frame(const struct tbuf *b);

/* A client connection. */
struct tconn {
	struct wev ev;
	struct tconn *prev, *next;  /* the worker's connections, for expiry */
	union dg_sockaddr peer, local;
	uint16_t listener;
	uint64_t accepted_us, last_us;
	unsigned nqueries;          /* read so far (setMaxTCPQueriesPerConnection) */
	unsigned inflight;          /* at backends */
	unsigned limit;             /* listener's maxInFlight, at least 1 */
	unsigned refs;
	bool closed;                /* socket closed, waiting for answers to drain */
	bool eof;                   /* client finished sending */
	uint32_t events;            /* what epoll watches now */
	struct tbuf rb, wb;
};

/* A query on its way to a backend over TCP. */
struct tq {
	struct tq *next;
	struct tconn *client;       /* NULL: a UDP client (meta.listener etc.) */
	struct idslot meta;         /* question, original ID, client, cache key */
	uint16_t wire_id;           /* ID on the backend connection */
	unsigned retries;
	int be_index;
	size_t len;                 /* of msg, without the length prefix */
	uint8_t msg[];              /* 2-byte length + the query */
};

/* One connection to a backend. */
struct bconn {
	struct wev ev;
	struct bconn *next;         /* the backend's connections */
	int be_index;
	bool connected;
	uint32_t events;
	struct tq *sent, *sent_tail; /* written (or queued to write), in order */
	unsigned ninflight;
	uint16_t next_id;
	uint64_t last_us;           /* last activity, for idle and answer timeouts */
	struct tbuf rb, wb;
};

struct tcp_bepool {
	struct bconn *conns;
	unsigned nconns;
	uint32_t outstanding;
};

struct tcp_listen {
	struct wev ev;
	uint16_t index;
};

struct tcp_worker {
	struct tcp_listen *ls;
	int nls;
	struct tconn *conns;
	unsigned nconns;
	struct tcp_bepool *bp;
	int nbp;
	uint8_t *scratch;           /* W_BUFSZ: one query being routed */
	uint64_t last_expire_us;
};

/**
 * Sends tq to its backend (tq->be_index) on an idle or not yet full
 * connection, opening one if needed. Takes ownership of tq; on failure the
 * query is handed back through tcp_deliver() with no answer.
 */
void tcpbe_send(struct worker *w, struct tq *tq);

/** Fails queries that waited too long and closes idle connections. */
void tcpbe_expire(struct worker *w);

/** Closes every backend connection; in-flight queries are freed unanswered. */
void tcpbe_fini(struct worker *w);

/**
 * Hands a query back from the backend side: the answer msg/len (ID already
 * restored), or msg NULL when it failed. Frees tq. Defined in tcp.c.
 */
void tcp_deliver(struct worker *w, struct tq *tq, uint8_t *msg, size_t len);
