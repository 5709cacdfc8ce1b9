/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * RFC 5798 §6.4 state machine with dnsgate's liveness, tracking, release
 * and heal additions; see vrrp_fsm.h for the design. RFC text quoted above
 * the code that implements it.
 */
#include <string.h>

#include "vrrp/vrrp_fsm.h"

#define US_PER_CS 10000u

const char *vrrp_state_name(enum vrrp_state s)
{
	switch (s) {
	case VRRP_STATE_INIT:
		return "INIT";
	case VRRP_STATE_BACKUP:
		return "BACKUP";
	case VRRP_STATE_MASTER:
		return "MASTER";
	}
	return "?";
}

uint64_t vrrp_skew_us(uint8_t version, uint8_t prio, uint16_t master_adver_cs)
{
	if (version == 2) /* Skew_Time = (256 - Priority) / 256 seconds */
		return (uint64_t)(256 - prio) * 1000000u / 256;
	/* Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256 */
	return (uint64_t)(256 - prio) * master_adver_cs * US_PER_CS / 256;
}

uint64_t vrrp_master_down_us(uint8_t version, uint8_t prio, uint16_t master_adver_cs)
{
	/* Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_Time */
	return 3u * master_adver_cs * (uint64_t)US_PER_CS +
	       vrrp_skew_us(version, prio, master_adver_cs);
}

static uint64_t adver_us(const struct vrrp_fsm *f)
{
	return (uint64_t)f->conf.adver_cs * US_PER_CS;
}

static uint8_t effective_prio(const struct vrrp_fsm *f)
{
	int p = f->conf.prio;
	if (!f->track_ok)
		p -= f->conf.track_penalty;
	return (uint8_t)(p < 1 ? 1 : p);
}

void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_conf *conf)
{
	memset(f, 0, sizeof(*f));
	f->conf = *conf;
	f->state = VRRP_STATE_INIT;
	f->alive = true;
	f->track_ok = true;
	f->prio = effective_prio(f);
	f->master_adver_cs = conf->adver_cs;
}

static void transition(struct vrrp_fsm *f, struct vrrp_actions *act, enum vrrp_state to,
		       uint64_t now, const char *reason)
{
	act->flags |= VRRP_ACT_TRANSITION;
	act->from = f->state;
	act->to = to;
	act->reason = reason;
	f->state = to;
	f->since = now;
}

static void send_advert(struct vrrp_fsm *f, struct vrrp_actions *act, uint8_t prio)
{
	act->flags |= VRRP_ACT_ADVERT;
	act->advert_prio = prio;
	f->cnt.adverts_sent++;
	if (prio == 0)
		f->cnt.prio0_sent++;
}

static void send_garp(struct vrrp_fsm *f, struct vrrp_actions *act)
{
	act->flags |= VRRP_ACT_GARP;
	f->cnt.garps++;
}

static void become_master(struct vrrp_fsm *f, struct vrrp_actions *act, uint64_t now,
			  const char *reason)
{
	/* "Send an ADVERTISEMENT ... broadcast a gratuitous ARP request ...
	 * Set the Adver_Timer to Advertisement_Interval ... transition to
	 * the Master state" (RFC 5798 §6.4.1, §6.4.2). The VIPs first, so
	 * that nothing the ARP attracts arrives before the address exists. */
	act->flags |= VRRP_ACT_VIP_ADD;
	f->vip_held = true;
	send_advert(f, act, f->prio);
	send_garp(f, act);
	f->adver_at = now + adver_us(f);
	f->master_down_at = 0;
	f->release_at = 0;
	f->garp_at = f->conf.garp_refresh_us ? now + f->conf.garp_refresh_us : 0;
	f->cnt.to_master++;
	transition(f, act, VRRP_STATE_MASTER, now, reason);
}

/* Arms Master_Down_Timer from a master's interval (ours in v2). */
static void arm_master_down(struct vrrp_fsm *f, uint64_t now, uint16_t master_adver_cs)
{
	if (f->conf.version == 3 && master_adver_cs > 0)
		f->master_adver_cs = master_adver_cs;
	f->master_down_at = now + vrrp_master_down_us(f->conf.version, f->prio, f->master_adver_cs);
}

static void release_later(struct vrrp_fsm *f, struct vrrp_actions *act, uint64_t now)
{
	if (!f->vip_held)
		return;
	if (f->conf.release_delay_us == 0) {
		act->flags |= VRRP_ACT_VIP_DEL;
		f->vip_held = false;
	} else {
		f->release_at = now + f->conf.release_delay_us;
	}
}

static void become_backup(struct vrrp_fsm *f, struct vrrp_actions *act, uint64_t now,
			  uint16_t master_adver_cs, const char *reason)
{
	f->adver_at = 0;
	f->garp_at = 0;
	arm_master_down(f, now, master_adver_cs);
	f->preempt_at = now + f->conf.preempt_delay_us;
	release_later(f, act, now);
	f->cnt.to_backup++;
	transition(f, act, VRRP_STATE_BACKUP, now, reason);
}

static void on_startup(struct vrrp_fsm *f, uint64_t now, struct vrrp_actions *act)
{
	if (f->state != VRRP_STATE_INIT || f->draining || f->done)
		return;
	/* "If the Priority = 255 (i.e., the router owns the IPvX address(es)
	 * associated with the virtual router)": straight to Master. */
	if (f->prio == 255) {
		become_master(f, act, now, "startup as address owner (priority 255)");
		return;
	}
	/* Addresses a crashed predecessor left behind must not answer while
	 * we are backup: remove them (idempotent). */
	act->flags |= VRRP_ACT_VIP_DEL;
	f->master_adver_cs = f->conf.adver_cs;
	become_backup(f, act, now, f->conf.adver_cs, "startup");
}

static void on_shutdown(struct vrrp_fsm *f, uint64_t now, struct vrrp_actions *act)
{
	if (f->state == VRRP_STATE_MASTER) {
		/* "Send an ADVERTISEMENT with Priority = 0" (§6.4.3); keep
		 * the VIPs until the backup has taken over (vrrp_fsm.h). */
		send_advert(f, act, 0);
		f->draining = true;
		f->new_master_seen = false;
		f->adver_at = now + adver_us(f);
		f->garp_at = 0;
		f->release_at = now + 3 * adver_us(f) + f->conf.release_delay_us;
		transition(f, act, VRRP_STATE_INIT, now, "shutdown: priority 0 sent");
		return;
	}
	/* From Backup, or a second shutdown while draining: finish now. */
	if (f->state == VRRP_STATE_BACKUP)
		transition(f, act, VRRP_STATE_INIT, now, "shutdown");
	f->adver_at = f->master_down_at = f->garp_at = 0;
	if (f->vip_held || f->release_at) {
		act->flags |= VRRP_ACT_VIP_DEL;
		f->vip_held = false;
		f->release_at = 0;
	}
	f->draining = false;
	if (!f->done) {
		f->done = true;
		act->flags |= VRRP_ACT_DONE;
	}
}

static void advert_in_backup(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now)
{
	/* "If the Priority in the ADVERTISEMENT is zero, then: Set the
	 * Master_Down_Timer to Skew_Time" */
	if (ev->prio == 0) {
		f->master_down_at = now + vrrp_skew_us(f->conf.version, f->prio, f->master_adver_cs);
		return;
	}
	/* "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT
	 * is greater than or equal to the local Priority, then: ... Reset
	 * the Master_Down_Timer to Master_Down_Interval. Else (preempt True
	 * and Priority less than the local Priority): Discard". With a
	 * preempt delay the lower master is still accepted until preempt_at. */
	if (!f->conf.preempt || ev->prio >= f->prio || now < f->preempt_at)
		arm_master_down(f, now, ev->adver_cs);
}

/* True when the sender wins the election against us (RFC 5798 §6.4.3). */
static bool sender_wins(const struct vrrp_fsm *f, const struct vrrp_event *ev)
{
	if (ev->prio != f->prio)
		return ev->prio > f->prio;
	return memcmp(ev->src, f->conf.addr, f->conf.addr_len) > 0;
}

static void dual_master(struct vrrp_fsm *f, uint64_t now, struct vrrp_actions *act)
{
	act->flags |= VRRP_ACT_DUAL_MASTER;
	f->cnt.dual_master_adverts++;
	if (f->last_dual_at == 0 || now - f->last_dual_at > 3 * adver_us(f))
		f->cnt.dual_master_events++;
	f->last_dual_at = now;
	/* The heal: answer the loser at once, so it yields now and the
	 * clients learn our MAC before it drops the VIP. */
	if (now < f->heal_ok_at)
		return;
	f->heal_ok_at = now + adver_us(f) / 4;
	f->cnt.heal_answers++;
	send_advert(f, act, f->prio);
	send_garp(f, act);
	f->adver_at = now + adver_us(f);
}

static void advert_in_master(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
			     struct vrrp_actions *act)
{
	/* "If the Priority in the ADVERTISEMENT is zero, then: Send an
	 * ADVERTISEMENT; Reset the Adver_Timer to Advertisement_Interval" */
	if (ev->prio == 0) {
		if (f->alive) {
			send_advert(f, act, f->prio);
			f->adver_at = now + adver_us(f);
		}
		return;
	}
	/* "If the Priority in the ADVERTISEMENT is greater than the local
	 * Priority or the Priority ... is equal to the local Priority and the
	 * primary IPvX Address of the sender is greater than the local
	 * primary IPvX Address, then: ... transition to the Backup state" */
	if (sender_wins(f, ev)) {
		become_backup(f, act, now, ev->adver_cs,
			      ev->prio > f->prio ? "advert with higher priority"
						 : "advert with equal priority from a higher address");
		return;
	}
	if (!f->alive) {
		become_backup(f, act, now, ev->adver_cs,
			      "workers not alive and another master advertises");
		return;
	}
	dual_master(f, now, act);
}

static void on_advert(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
		      struct vrrp_actions *act)
{
	f->cnt.adverts_rcvd++;
	if (ev->prio == 0)
		f->cnt.prio0_rcvd++;
	if (f->state == VRRP_STATE_BACKUP) {
		advert_in_backup(f, ev, now);
	} else if (f->state == VRRP_STATE_MASTER) {
		advert_in_master(f, ev, now, act);
	} else if (f->draining && ev->prio > 0 && !f->new_master_seen) {
		/* The new master speaks: release soon, stop sending prio 0. */
		f->new_master_seen = true;
		uint64_t at = now + f->conf.release_delay_us;
		if (at < f->release_at)
			f->release_at = at;
		f->adver_at = 0;
	}
}

static void timer_master(struct vrrp_fsm *f, uint64_t now, struct vrrp_actions *act)
{
	/* "If the Adver_Timer fires, then: Send an ADVERTISEMENT; Reset the
	 * Adver_Timer". Not while the workers are hung: silence is how the
	 * backup learns that this node cannot answer. */
	if (f->adver_at && now >= f->adver_at) {
		if (f->alive)
			send_advert(f, act, f->prio);
		else
			f->cnt.adverts_suppressed++;
		f->adver_at = now + adver_us(f);
	}
	if (f->garp_at && now >= f->garp_at) {
		if (f->alive)
			send_garp(f, act);
		f->garp_at = now + f->conf.garp_refresh_us;
	}
}

static void timer_backup(struct vrrp_fsm *f, uint64_t now, struct vrrp_actions *act)
{
	/* "If the Master_Down_Timer fires, then: ... transition to the
	 * Master state". A node whose workers are hung stays backup. */
	if (f->master_down_at && now >= f->master_down_at) {
		if (f->alive) {
			become_master(f, act, now, "master down timer expired");
			return;
		}
		arm_master_down(f, now, 0);
	}
	if (f->release_at && now >= f->release_at) {
		act->flags |= VRRP_ACT_VIP_DEL;
		f->vip_held = false;
		f->release_at = 0;
	}
}

static void timer_init(struct vrrp_fsm *f, uint64_t now, struct vrrp_actions *act)
{
	if (!f->draining)
		return;
	if (f->release_at && now >= f->release_at) {
		act->flags |= VRRP_ACT_VIP_DEL | VRRP_ACT_DONE;
		f->vip_held = false;
		f->release_at = f->adver_at = 0;
		f->draining = false;
		f->done = true;
		return;
	}
	if (f->adver_at && now >= f->adver_at) {
		send_advert(f, act, 0);
		f->adver_at = now + adver_us(f);
	}
}

static void on_track(struct vrrp_fsm *f, bool ok, uint64_t now, struct vrrp_actions *act)
{
	f->track_ok = ok;
	uint8_t p = effective_prio(f);
	if (p == f->prio)
		return;
	f->prio = p;
	/* Tell the backups now rather than at the next interval: one with a
	 * higher priority and preemption then takes over sooner. */
	if (f->state == VRRP_STATE_MASTER && f->alive) {
		send_advert(f, act, f->prio);
		f->adver_at = now + adver_us(f);
	}
}

void vrrp_fsm_step(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now,
		   struct vrrp_actions *act)
{
	memset(act, 0, sizeof(*act));
	switch (ev->type) {
	case VRRP_EV_STARTUP:
		on_startup(f, now, act);
		break;
	case VRRP_EV_SHUTDOWN:
		on_shutdown(f, now, act);
		break;
	case VRRP_EV_ADVERT:
		on_advert(f, ev, now, act);
		break;
	case VRRP_EV_ALIVE:
		f->alive = ev->value;
		break;
	case VRRP_EV_TRACK:
		on_track(f, ev->value, now, act);
		break;
	case VRRP_EV_TIMER:
		if (f->state == VRRP_STATE_MASTER)
			timer_master(f, now, act);
		else if (f->state == VRRP_STATE_BACKUP)
			timer_backup(f, now, act);
		else
			timer_init(f, now, act);
		break;
	}
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

uint64_t vrrp_fsm_next_timeout(const struct vrrp_fsm *f)
{
	uint64_t t = earliest(f->adver_at, f->master_down_at);
	t = earliest(t, f->garp_at);
	return earliest(t, f->release_at);
}
