/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The VRRP state machine of RFC 5798 §6.4 (Initialize, Backup, Master) for
 * one virtual router, with dnsgate's additions: advertisements only while
 * the query workers are alive, priority tracking, graceful release of the
 * VIPs, and the split-brain heal.
 *
 * DESIGN: vrrp_fsm_step() is a pure function of (state, event, now): it
 * reads no clock, does no I/O and returns what to do as a struct
 * vrrp_actions, which vrrp_instance.c carries out (netlink, raw sockets,
 * ARP). Timers are absolute monotonic microseconds stored in the state;
 * the owner asks vrrp_fsm_next_timeout() when to call back with
 * VRRP_EV_TIMER. So tests drive two state machines against each other in
 * simulated time, with no sleeping (STYLE.md 8.9.4). Only the control
 * thread touches an instance; nothing here is thread-safe.
 *
 * Additions to the RFC, each chosen so that a failover loses no query
 * that could have been answered:
 *  - Liveness (VRRP_EV_ALIVE): while false, a master sends no
 *    advertisement and no gratuitous ARP (a hung data plane is silence, so
 *    the backup takes over within Master_Down_Interval); a backup does not
 *    take over; a master that is not alive and hears another master yields.
 *  - Tracking (VRRP_EV_TRACK): while false, the priority is lowered by
 *    track_penalty (at least 1 remains); a master advertises the change at
 *    once.
 *  - Release delay: a master that yields keeps its VIPs for
 *    release_delay_us more, so datagrams already on their way (before the
 *    new master's gratuitous ARP reached the clients) are still answered.
 *  - Graceful shutdown: a master sends priority 0 (the backup takes over
 *    after Skew_Time), keeps its VIPs and keeps answering until it hears
 *    the new master (plus the release delay) or 3 intervals pass, then
 *    releases them and reports VRRP_ACT_DONE. Priority 0 is resent every
 *    interval meanwhile, in case one is lost.
 *  - Split-brain heal: a master hearing a master that loses the election
 *    (lower priority, or equal priority and lower address) answers at once
 *    with its own advertisement and a gratuitous ARP/NA (rate-limited to
 *    one per quarter interval), so the loser yields and the clients' ARP
 *    caches move to us before the loser drops the VIP; each such advert is
 *    counted, and runs of them separated by 3 quiet intervals count as
 *    dual-master events.
 *  - Periodic gratuitous ARP/NA while master (garp_refresh_us, 0: off).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum vrrp_state {
	VRRP_STATE_INIT,   /* Initialize: before startup and after shutdown */
	VRRP_STATE_BACKUP,
	VRRP_STATE_MASTER,
};

/* Configuration of one state machine; copied by vrrp_fsm_init(). */
struct vrrp_fsm_conf {
	uint8_t version;           /* 2 (RFC 3768 timers) or 3 (RFC 5798) */
	uint8_t prio;              /* 1..255; 255 = address owner */
	uint16_t adver_cs;         /* Advertisement_Interval, centiseconds, >= 1 */
	bool preempt;              /* Preempt_Mode */
	uint64_t preempt_delay_us; /* after entering Backup, accept a lower master this long */
	uint64_t garp_refresh_us;  /* gratuitous ARP/NA period while master; 0: off */
	uint64_t release_delay_us; /* keep the VIPs this long after yielding */
	uint8_t track_penalty;     /* priority lowered while tracking fails */
	uint8_t addr_len;          /* 4 or 16 */
	uint8_t addr[16];          /* our primary address (election tie-break) */
};

enum vrrp_event_type {
	VRRP_EV_STARTUP,
	VRRP_EV_SHUTDOWN,
	VRRP_EV_TIMER,   /* now passed vrrp_fsm_next_timeout() */
	VRRP_EV_ADVERT,  /* a valid advertisement for our VRID */
	VRRP_EV_ALIVE,   /* liveness of the data plane changed: value */
	VRRP_EV_TRACK,   /* tracked objects (pools) healthy: value */
};

struct vrrp_event {
	enum vrrp_event_type type;
	uint8_t prio;       /* ADVERT: sender's priority */
	uint16_t adver_cs;  /* ADVERT: sender's Max Adver Interval */
	const uint8_t *src; /* ADVERT: sender's primary address, conf.addr_len bytes */
	bool value;         /* ALIVE, TRACK */
};

/* Action flags, carried out in this order by the owner. */
#define VRRP_ACT_VIP_DEL 0x01     /* remove the VIPs */
#define VRRP_ACT_VIP_ADD 0x02     /* add the VIPs (idempotent) */
#define VRRP_ACT_ADVERT 0x04      /* send an advertisement with advert_prio */
#define VRRP_ACT_GARP 0x08        /* gratuitous ARP / unsolicited NA for each VIP */
#define VRRP_ACT_TRANSITION 0x10  /* state changed from -> to, because reason */
#define VRRP_ACT_DUAL_MASTER 0x20 /* another master for our VRID lost the election to us */
#define VRRP_ACT_DONE 0x40        /* shutdown finished: VIPs released */

struct vrrp_actions {
	unsigned flags;
	uint8_t advert_prio;
	enum vrrp_state from, to;
	const char *reason; /* static string, set with VRRP_ACT_TRANSITION */
};

struct vrrp_fsm_counters {
	uint64_t to_master, to_backup;
	uint64_t adverts_sent, adverts_suppressed; /* suppressed: not alive */
	uint64_t adverts_rcvd;
	uint64_t prio0_sent, prio0_rcvd;
	uint64_t dual_master_adverts, dual_master_events, heal_answers;
	uint64_t garps; /* GARP actions (each covers every VIP) */
};

/* State of one virtual router. Fields are read-only outside vrrp_fsm.c. */
struct vrrp_fsm {
	struct vrrp_fsm_conf conf;
	enum vrrp_state state;
	uint8_t prio;             /* effective priority (after tracking) */
	bool alive, track_ok;
	bool vip_held;            /* VIPs are (or are being) configured */
	bool draining, done;      /* graceful shutdown in progress / finished */
	bool new_master_seen;     /* while draining */
	uint16_t master_adver_cs; /* Master_Adver_Interval */
	uint64_t adver_at, master_down_at, garp_at, release_at; /* 0: off */
	uint64_t preempt_at;      /* a lower master is accepted until then */
	uint64_t heal_ok_at;      /* next split-brain answer allowed */
	uint64_t last_dual_at;    /* last dual-master advert, 0: never */
	uint64_t since;           /* when the current state was entered */
	struct vrrp_fsm_counters cnt;
};

/** "INIT", "BACKUP" or "MASTER". */
const char *vrrp_state_name(enum vrrp_state s);

/**
 * Skew_Time in microseconds: RFC 5798 §6.1 ((256 - prio) * Master_Adver_
 * Interval / 256) for version 3, RFC 3768 §6.1 ((256 - prio) / 256 s) for
 * version 2.
 */
uint64_t vrrp_skew_us(uint8_t version, uint8_t prio, uint16_t master_adver_cs);

/**
 * Master_Down_Interval in microseconds: 3 * Master_Adver_Interval +
 * Skew_Time (both versions; in v2 the interval is our own).
 */
uint64_t vrrp_master_down_us(uint8_t version, uint8_t prio, uint16_t master_adver_cs);

/**
 * Resets f to Initialize with conf (copied): alive, tracking healthy, no
 * timer, zero counters. Send VRRP_EV_STARTUP to start.
 */
void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_conf *conf);

/**
 * Feeds one event at time now (monotonic us) into f and fills *act with
 * what the owner must do (flags zero: nothing). Pure: no clock, no I/O.
 * Events that do not apply in the current state are ignored.
 */
void vrrp_fsm_step(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
		   struct vrrp_actions *act);

/** The earliest armed timer (absolute us), or 0 when none is armed. */
uint64_t vrrp_fsm_next_timeout(const struct vrrp_fsm *f);
