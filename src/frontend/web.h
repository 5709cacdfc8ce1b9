/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The web server (dnsdist's webserver()): Prometheus metrics at /metrics,
 * the JSON API at /api/v1/servers/localhost and /jsonstat, and the live
 * dashboard at /, on libmicrohttpd's own thread.
 *
 * DESIGN: nothing here runs on a worker. A sampler thread sums the workers'
 * counters (stats.h: per-worker, relaxed atomics, summed on read) once a
 * second and keeps the QPS history and per-backend rates; HTTP requests run
 * on libmicrohttpd's internal polling thread and read the configuration
 * (read-only after start), the runtime atomics of backends, the caches'
 * own statistics, and the sampler's snapshot under a mutex that only these
 * two web threads take. Requests outside the web ACL, without the API key
 * or with a wrong password are refused and counted per reason.
 */
#pragma once

#include "lib/compiler.h"

struct fe_conf;
struct worker;
struct rings;
struct web;

/* What the web server reads: borrowed for its whole life. */
struct web_src {
	struct fe_conf *conf;
	struct worker *workers;
	unsigned nworkers;
	struct rings *rings;     /* NULL: no top clients */
};

/* The embedded dashboard page (src/frontend/web/dashboard.html, generated). */
extern const unsigned char web_dashboard_html[];
/* Its length in bytes. */
extern const unsigned int web_dashboard_html_len;

/**
 * Starts the web server on conf->webserver_addr with conf->web settings
 * (credentials are prepared, hashed if asked, before anything listens).
 * Main thread, after the workers started; src is borrowed until
 * web_stop(). On success *out is the server.
 * @retval 0, DG_EADDR_SYNTAX (bad address), DG_ECRED_FORMAT or
 *         DG_ECRED_PARAMS (bad hashed credential), -EADDRINUSE or another
 *         -errno when the address cannot be bound (logged), DG_ENOMEM.
 */
DG_MUSTCHECK int web_start(struct web **out, const struct web_src *src);

/** Stops the server and its sampler and frees it (NULL is fine). Main thread. */
void web_stop(struct web *web);
