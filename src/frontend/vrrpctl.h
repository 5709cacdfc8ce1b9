/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * VRRP inside dnsgate (issue 7): what addVRRP{} configured, the load-time
 * lint that every VIP is served by a listener, and the runtime that drives
 * libvrrp's instances (vrrp/vrrp_instance.h) on the control thread with
 * the workers' heartbeats as liveness and the pools' health as tracking.
 *
 * DESIGN: the configuration part (struct fe_vrrps, hung off fe_conf.vrrp)
 * is built by config/lua_vrrp.c on the main thread and is read-only once
 * the daemon runs, except for the "view" array: the control thread copies
 * each instance's state and counters there (under view_lock) after every
 * step, so the web server and the console, which run on their own
 * threads, read a consistent snapshot without touching an instance.
 *
 * The runtime part (struct vrrpctl) belongs to the control thread from
 * vrrpctl_start() on. It is created by the main thread before any
 * privilege drop (raw sockets and netlink need CAP_NET_RAW/CAP_NET_ADMIN),
 * started once the workers run, and freed by the main thread after the
 * control thread was joined. Its liveness predicate reads only the
 * workers' atomic heartbeats: an instance advertises only while every
 * worker's heartbeat advanced within max(3 advert intervals, 50 ms), so a
 * hung or stopped worker silences the node and the backup takes over.
 * A graceful stop is requested from the main thread (vrrpctl_request_
 * shutdown), carried out on the control thread (priority 0, VIPs kept
 * until the new master is heard), and the main thread keeps the workers
 * answering until vrrpctl_is_done().
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/conf.h"
#include "lib/compiler.h"
#include "vrrp/vrrp_instance.h"

/* addVRRP{} calls per configuration, and pools one of them may track. */
#define FE_VRRP_MAX 8
#define FE_VRRP_TRACK_MAX 8
/* Priority lowered while a tracked pool has no healthy backend (track.weight). */
#define FE_VRRP_TRACK_WEIGHT 50
/* Liveness bound: a worker heartbeat older than this silences VRRP. */
#define FE_VRRP_ALIVE_MIN_US 50000

struct worker;
struct vrrpctl;

/* One addVRRP{}: read-only once loaded. */
struct fe_vrrp {
	struct vrrp_conf vc;          /* libvrrp's configuration (alive set by vrrpctl) */
	char track[FE_VRRP_TRACK_MAX][FE_NAME_MAX]; /* pools tracked ("" = default pool) */
	int ntrack;
	int line;                     /* configuration line of the addVRRP call */
};

/* What the web server and the console show of one instance. */
struct fe_vrrp_view {
	bool running;                 /* the daemon drives it (false while loading) */
	struct vrrp_stats st;         /* libvrrp's snapshot */
	bool master_self;             /* we are the master (st.master_addr is stale then) */
	uint64_t master_changes;      /* the master (address, or us) changed */
	uint64_t track_failures;      /* times tracking turned false */
	uint64_t stalls;              /* times a worker heartbeat stopped (liveness false) */
	uint64_t view_us;             /* when this view was taken (monotonic) */
};

/* Every addVRRP{} of a configuration (fe_conf.vrrp; NULL when none). */
struct fe_vrrps {
	struct fe_vrrp inst[FE_VRRP_MAX];
	int n;
	pthread_mutex_t view_lock;    /* guards view[]; control thread writes */
	struct fe_vrrp_view view[FE_VRRP_MAX];
};

/**
 * The VRRP part of conf, created empty on first use. Main thread, while
 * loading. Exits on OOM (boot time).
 */
struct fe_vrrps *vrrpctl_conf_get(struct fe_conf *conf);

/** Frees what vrrpctl_conf_get() made (NULL is fine). */
void vrrpctl_conf_free(struct fe_vrrps *vs);

/**
 * Checks the loaded configuration (after the command line is applied, so
 * the listeners are final): every VIP must be covered by a listener of its
 * family (on the VIP itself, or on 0.0.0.0 / ::), and every tracked pool
 * must exist. On error writes "file:line: message" naming the VIP or pool
 * and the addVRRP line to err.
 * @retval 0, DG_ECONFIG.
 */
DG_MUSTCHECK int vrrpctl_lint(const struct fe_conf *conf, char *err, size_t errsz);

/**
 * Copies the view of instance i into out (any thread).
 * @retval true, false when i is out of range.
 */
bool vrrpctl_view(struct fe_vrrps *vs, int i, struct fe_vrrp_view *out);

/**
 * Opens every configured instance of conf (sockets, primary address) with
 * the workers' liveness as its alive predicate. Main thread, before the
 * privilege drop; workers (nworkers of them) are borrowed until
 * vrrpctl_free() and may not run yet.
 * @return the runtime, or NULL with *err set (DG_ENOMEM, or an error of
 *         vrrp_instance_new(), logged with its cause). Caller frees with
 *         vrrpctl_free().
 */
struct vrrpctl *vrrpctl_new(struct fe_conf *conf, const struct worker *workers,
			    unsigned nworkers, int *err);

/**
 * The epoll descriptor the control thread waits on: readable when an
 * instance has an advert to read, a shutdown was requested, or extra_fd
 * (watched too when >= 0, e.g. the health checker's set) is readable.
 */
int vrrpctl_fd(const struct vrrpctl *c);

/**
 * Starts every instance (Startup event) and adds extra_fd (-1: none) to
 * the set of vrrpctl_fd(). Control thread, once the workers run.
 * @retval 0, -errno from epoll_ctl().
 */
DG_MUSTCHECK int vrrpctl_start(struct vrrpctl *c, int extra_fd);

/**
 * The earlier of next (0: none) and the instances' next timer
 * (monotonic us, 0: none). c may be NULL (returns next).
 */
uint64_t vrrpctl_next_us(const struct vrrpctl *c, uint64_t next);

/**
 * Handles whatever is ready without blocking: queued adverts, due timers,
 * a requested shutdown, tracking (pools' health), then refreshes the
 * views and logs master changes. Control thread; c may be NULL.
 */
void vrrpctl_process(struct vrrpctl *c, uint64_t now_us);

/** Asks for a graceful stop (priority 0); wakes the control thread. Any thread. */
void vrrpctl_request_shutdown(struct vrrpctl *c);

/** True once every instance finished its graceful stop. Any thread. */
bool vrrpctl_is_done(const struct vrrpctl *c);

/**
 * How long a graceful stop may take at most (3 intervals and the release
 * delay of the slowest instance), in microseconds, for the caller's bound.
 */
uint64_t vrrpctl_drain_bound_us(const struct vrrpctl *c);

/**
 * Frees the instances (VIPs still held are removed) and the runtime.
 * Main thread, after the control thread was joined. NULL is fine.
 */
void vrrpctl_free(struct vrrpctl *c);
