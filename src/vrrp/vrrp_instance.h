/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * One VRRP virtual router on one interface: the state machine
 * (vrrp_fsm.h) joined to the kernel (vrrp_net.h) and to the clock. This is
 * the narrow API the frontend's control thread drives:
 *
 *     struct vrrp_instance *vi = vrrp_instance_new(&conf, &err);
 *     vrrp_instance_start(vi);
 *     epoll_ctl(ADD, vrrp_instance_fd(vi), EPOLLIN)
 *     loop:  wait until vrrp_instance_next_timeout(vi) (monotonic us)
 *            readable -> vrrp_instance_on_readable(vi)
 *            timeout  -> vrrp_instance_on_timer(vi, dg_clock_now_us())
 *            a pool's health changed -> vrrp_instance_set_track(vi, ok)
 *     stop:  vrrp_instance_shutdown(vi); keep the workers answering and
 *            the loop running until vrrp_instance_is_done(vi) (at most
 *            3 intervals + the release delay), then vrrp_instance_free(vi).
 *
 * DESIGN: liveness is pulled, not pushed: conf.alive(conf.alive_arg) is
 * called on every timer and readable event (at least once per advert
 * interval while master) and must be cheap and thread-safe, e.g. "every
 * worker's atomic heartbeat advanced within the bound". While it returns
 * false no advertisement leaves, so a hung data plane looks like a dead
 * node to the backup. VIPs are added with a kernel valid lifetime
 * (vip_lifetime_s) that the instance refreshes every half lifetime while it
 * holds them, so a node that crashed (kill -9) or froze (SIGSTOP) stops
 * answering ARP for the VIP by itself soon after. Every state change is logged once with its reason
 * (module "vrrp"); received adverts that fail a check are counted per
 * DG_EVRRP_* cause and logged at most once per second.
 *
 * Threads: one instance belongs to one thread (the control thread); the
 * stats getter copies into the instance and must be called there too.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "vrrp/vrrp_fsm.h"
#include "vrrp/vrrp_net.h"
#include "vrrp/vrrp_pkt.h"

#define VRRP_MAX_VIPS VRRP_MAX_ADDRS
#define VRRP_PASS_MAX 8

/* True while the data plane can answer; see DESIGN above. */
typedef bool vrrp_alive_fn(void *arg);

/* Configuration of one virtual router (the addVRRP{} table). */
struct vrrp_conf {
	char ifname[IF_NAMESIZE];
	uint8_t vrid;               /* 1..255 */
	uint8_t prio;               /* 1..255, default 100 */
	uint8_t version;            /* 3 (default) or 2 */
	uint16_t adver_cs;          /* advertInterval in centiseconds (v2: whole seconds) */
	bool preempt;               /* default true */
	uint32_t preempt_delay_ms;
	uint32_t garp_refresh_ms;   /* periodic gratuitous ARP/NA while master; 0: off */
	uint32_t release_delay_ms;  /* keep the VIPs after yielding (default 50) */
	uint8_t track_penalty;      /* priority lowered while tracking fails */
	uint32_t vip_lifetime_s;    /* VIPs expire unless refreshed (default 2); 0: permanent */
	char auth_pass[VRRP_PASS_MAX + 1]; /* v2 PASS; empty: no authentication */
	unsigned nvips;
	struct vrrp_vip vips[VRRP_MAX_VIPS]; /* all of one family */
	vrrp_alive_fn *alive;       /* NULL: always alive */
	void *alive_arg;
};

/* Counters and state for the console, the API and Prometheus. */
struct vrrp_stats {
	enum vrrp_state state;
	uint8_t prio;                 /* effective priority */
	bool alive, track_ok;
	uint64_t state_since_us;      /* monotonic */
	uint8_t master_addr[16];      /* last master heard or us; family of the VIPs */
	uint8_t master_prio;
	struct vrrp_fsm_counters fsm; /* transitions, adverts, dual master, heal */
	uint64_t rx_drops[VRRP_NERR]; /* by cause: index code - VRRP_ERR_FIRST */
	uint64_t tx_errors, vip_errors, garp_errors;
};

/**
 * Fills c with the defaults: version 3, priority 100, 1 s interval,
 * preempt on, release delay 50 ms, VIP lifetime 2 s, everything else zero
 * or empty.
 */
void vrrp_conf_init(struct vrrp_conf *c);

/**
 * Checks c before use. *why (if not NULL) receives a static explanation.
 * @retval 0; DG_ECONFIG (no interface, VRID 0, no VIP or mixed families,
 *         version not 2/3, v2 with IPv6 or a non-whole-second interval,
 *         interval 0 or above 40.95 s, a password without v2).
 */
DG_MUSTCHECK int vrrp_conf_check(const struct vrrp_conf *c, const char **why);

/**
 * Opens an instance for conf (copied; alive_arg borrowed for the life of
 * the instance): sockets, primary address. Does not start: call
 * vrrp_instance_start(). On failure returns NULL and *err (if not NULL)
 * receives DG_ECONFIG or an error of vrrp_net_open(); the cause is logged.
 * Caller frees with vrrp_instance_free().
 */
struct vrrp_instance *vrrp_instance_new(const struct vrrp_conf *conf, int *err);

/** Sends the Startup event: the instance becomes Backup (or Master at priority 255). */
void vrrp_instance_start(struct vrrp_instance *vi);

/** The descriptor to watch for EPOLLIN. Valid until vrrp_instance_free(). */
int vrrp_instance_fd(const struct vrrp_instance *vi);

/**
 * Reads every queued advertisement (at most 64 per call) and feeds the
 * valid ones to the state machine.
 * @retval number of datagrams read.
 */
int vrrp_instance_on_readable(struct vrrp_instance *vi);

/** Fires the timers due at now (monotonic us from dg_clock_now_us()). */
void vrrp_instance_on_timer(struct vrrp_instance *vi, uint64_t now_us);

/** When on_timer must next be called (absolute monotonic us); 0: no timer. */
uint64_t vrrp_instance_next_timeout(const struct vrrp_instance *vi);

/** Tracking input: false while a tracked pool has no healthy backend. */
void vrrp_instance_set_track(struct vrrp_instance *vi, bool ok);

/**
 * Graceful stop: a master sends priority 0 and keeps its VIPs until the
 * new master is heard (see vrrp_fsm.h); keep driving the instance until
 * vrrp_instance_is_done().
 */
void vrrp_instance_shutdown(struct vrrp_instance *vi);

/** True once a shutdown has finished and the VIPs are released. */
bool vrrp_instance_is_done(const struct vrrp_instance *vi);

/** The current state. */
enum vrrp_state vrrp_instance_state(const struct vrrp_instance *vi);

/** A snapshot of state and counters; valid until the next call on vi. */
const struct vrrp_stats *vrrp_instance_stats(struct vrrp_instance *vi);

/**
 * Frees vi (NULL is fine): removes the VIPs if it still holds them (no
 * priority 0: use vrrp_instance_shutdown() first for a graceful stop) and
 * closes the sockets.
 */
void vrrp_instance_free(struct vrrp_instance *vi);
