/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Internals shared by the web server's files: web.c (HTTP, auth, sampler),
 * webstats.c (snapshots and dnsdist's statistics list), webmetrics.c
 * (Prometheus text) and webapi.c (JSON). Web threads only (see web.h).
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/stats.h"
#include "frontend/web.h"
#include "frontend/webcred.h"
#include "lib/compiler.h"

#include "frontend/version.h"

/* Why a web request was refused (each counted, shown in /metrics). */
enum web_refuse {
	WEB_REFUSE_ACL,      /* client outside setWebserverConfig{acl} */
	WEB_REFUSE_APIKEY,   /* API or stats request without the right X-API-Key */
	WEB_REFUSE_PASSWORD, /* dashboard request without the right password */
	WEB_REFUSE_COUNT
};

/* Seconds of QPS history the dashboard graph shows. */
#define WEB_HISTORY 300

/* What the sampler computed at its last tick, copied out for a request. */
struct web_snap {
	struct fe_stats sum;        /* every worker's counters, summed */
	uint64_t taken_us;          /* when (dg_clock_now_us) */
	uint64_t start_us;          /* when the web server started */
	double qps;                 /* queries per second over the last interval */
	double *be_qps;             /* per backend, same index as conf->backends */
	double *be_lat_ms;          /* mean answer latency in the last interval (lifetime if idle) */
	double hist[WEB_HISTORY];   /* QPS once a second, oldest first */
	unsigned nhist;             /* valid entries: hist[0 .. nhist) */
};

struct web {
	struct web_src src;
	struct webcred password, api_key;
	struct MHD_Daemon *mhd;
	pthread_t sampler;
	bool sampler_started;
	pthread_mutex_t lock;       /* guards snap, stop; web threads only */
	pthread_cond_t cond;
	bool stop;
	struct web_snap snap;
	struct fe_stats prev, cur;  /* sampler's previous and current sums */
	_Atomic uint64_t refused[WEB_REFUSE_COUNT];
	_Atomic uint64_t requests;  /* requests answered (any status) */
};

/* A growing text buffer; an allocation failure sticks in oom. */
struct webbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

/** Appends formatted text to b (grows it; sets b->oom on failure). */
void webbuf_printf(struct webbuf *b, const char *fmt, ...) DG_PRINTF(2, 3);

/** Frees b's text; b is empty afterwards. */
void webbuf_free(struct webbuf *b);

/** Prepares an empty snapshot for nbe backends. @retval 0, DG_ENOMEM. */
DG_MUSTCHECK int web_snap_init(struct web_snap *s, int nbe);

/** Frees what web_snap_init() allocated. */
void web_snap_free(struct web_snap *s);

/** Copies the sampler's latest snapshot into out (prepared by web_snap_init()). */
void web_snap_get(struct web *web, struct web_snap *out);

/**
 * One sampler tick at now_us: sums the workers' counters and updates the
 * rates and history in web->snap. Sampler thread only.
 */
void web_sample(struct web *web, uint64_t now_us);

/* One of dnsdist's global statistics, as /jsonstat and /metrics name it. */
struct web_stat {
	const char *name;           /* dnsdist's name, e.g. "cache-hits" */
	const char *help;
	bool counter;               /* false: gauge */
	double value;
};

/**
 * Fills out (room for max) with dnsdist's global statistics that dnsgate
 * keeps, computed from s. @return the number written.
 */
size_t web_stats_list(const struct web *web, const struct web_snap *s, struct web_stat *out,
		      size_t max);

/** The "server" label / name of a backend, and its address with port. */
void web_backend_names(const struct web *web, int i, char *name, size_t namesz, char *addr,
		       size_t addrsz);

struct fe_rule_entry;


/** Writes the Prometheus text exposition of s into out. */
void webmetrics_render(const struct web *web, const struct web_snap *s, struct webbuf *out);

/**
 * The JSON of /api/v1/servers/localhost for s (dnsdist's shape plus a
 * "dnsgate" object with the QPS history and refusal counts).
 * @return a malloc'd NUL-terminated string (caller frees), NULL on OOM.
 */
char *webapi_servers(const struct web *web, const struct web_snap *s);

/**
 * The JSON of /jsonstat?command=stats (dnsdist's statistics object).
 * @return a malloc'd string (caller frees), NULL on OOM.
 */
char *webapi_jsonstat(const struct web *web, const struct web_snap *s);

struct json_t;
struct fe_conf;

/**
 * The "vrrp" member of /api/v1/servers/localhost: one object per
 * addVRRP{} with its configuration and the control thread's snapshot
 * (webvrrp.c). A new reference (caller owns it), NULL on OOM.
 */
struct json_t *webvrrp_json(const struct fe_conf *conf);

/** Appends the dnsgate_vrrp_* series (none without addVRRP{}) to b. */
void webvrrp_metrics(const struct fe_conf *conf, struct webbuf *b);
