/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The TCP frontend and TCP forwarding. Each worker accepts on its own
 * SO_REUSEPORT listener sockets; client connections are non-blocking and
 * length-framed (RFC 1035 §4.2.2, RFC 7766). Several queries of one
 * connection are processed concurrently and answered as they complete,
 * out of order, up to the listener's maxInFlight (0: one at a time, in
 * order). Queries go to backends over TCP, on connections kept in a
 * per-worker idle pool per backend and reused; a backend connection
 * carries up to the backend's maxInFlight queries at once (default one).
 * UDP client queries for tcpOnly backends take the same path and their
 * answers go back over UDP. Limits: setMaxTCPConnectionsPerClient,
 * setMaxTCPQueriesPerConnection, setMaxTCPConnectionDuration and
 * setTCPRecvTimeout; violations close the connection and are counted.
 * Worker thread only, except tcp_listener_open() (main thread, boot).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/sockaddr.h"

struct worker;
struct worker_fds;
struct fe_query;
struct route;

/**
 * Opens, binds and listens on a TCP socket for a listener address
 * (non-blocking, SO_REUSEADDR, SO_REUSEPORT when reuseport, IPV6_V6ONLY).
 * backlog 0 means the system default (SOMAXCONN).
 * @return the fd, or -errno.
 */
DG_MUSTCHECK int tcp_listener_open(const union dg_sockaddr *addr, bool reuseport, int backlog);

/**
 * Sets up the worker's TCP state and takes ownership of its listener
 * sockets in fds->tcp (set to -1 in fds). Boot time.
 * @retval 0, DG_ENOMEM, -errno.
 */
DG_MUSTCHECK int tcp_worker_init(struct worker *w, const struct worker_fds *fds);

/** Closes every TCP socket of the worker and frees its TCP state. */
void tcp_worker_fini(struct worker *w);

/** Queries this worker has in flight to backend be_index over TCP. */
uint32_t tcp_outstanding(const struct worker *w, int be_index);

/**
 * Forwards a UDP client's query over TCP to r->be (a tcpOnly backend); the
 * answer goes back to the client over UDP through listener.
 */
void tcp_forward_udp(struct worker *w, struct fe_query *q, const struct route *r,
		     uint16_t listener);

/** Closes idle, slow and overlong connections; called every loop turn. */
void tcp_expire(struct worker *w);

/**
 * Graceful stop, first step: closes w's TCP listeners, and every client
 * connection reads no further query and is closed (FIN, not RST) as soon
 * as the answers to the queries it already sent are written. Worker
 * thread, once, when the daemon stops.
 */
void tcp_drain(struct worker *w);

/** True when w has no client connection left (after tcp_drain()). */
bool tcp_drained(const struct worker *w);

/**
 * Counts the connections a client has open across workers, for
 * setMaxTCPConnectionsPerClient. Call tcp_client_limit_init() once
 * before any worker starts.
 */
void tcp_client_limit_init(void);
