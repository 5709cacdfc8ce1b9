/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * vrrp_fsm: several state machines on a simulated LAN in simulated time,
 * no sleeping (STYLE.md 8.9.4). An advertisement one node sends reaches
 * every other node that is running and linked at the same instant; a
 * "killed" node processes nothing; a partitioned node neither sends nor
 * receives. Expected times are computed from the RFC formulas written out
 * here, independently of vrrp_skew_us().
 */
#include <string.h>

#include "tap.h"
#include "vrrp/vrrp_fsm.h"

#define MS 1000ull
#define SEC 1000000ull
#define NODES 3

struct node {
	struct vrrp_fsm f;
	bool running, linked;
	bool vip;                 /* VIPs configured on the simulated host */
	uint64_t master_at;       /* last transition to MASTER */
	uint64_t backup_at;       /* last transition to BACKUP */
	uint64_t last_advert_at;  /* last advertisement sent */
	uint64_t last_garp_at;
	uint64_t done_at;
	unsigned adverts;         /* advertisements sent */
	const char *reason;       /* reason of the last transition */
};

static struct node nodes[NODES];
static unsigned nnodes;
static uint64_t now;

/* A queued advertisement: sender index and priority. */
struct pending {
	unsigned from;
	uint8_t prio;
};
static struct pending queue[64];
static unsigned qhead, qtail;

static struct vrrp_fsm_conf conf_for(uint8_t prio, uint8_t last_octet)
{
	struct vrrp_fsm_conf c = { .version = 3, .prio = prio, .adver_cs = 10, .preempt = true,
				   .release_delay_us = 20 * MS, .track_penalty = 60, .addr_len = 4,
				   .addr = { 198, 18, 0, last_octet } };
	return c;
}

static void sim_reset(void)
{
	memset(nodes, 0, sizeof(nodes));
	nnodes = 0;
	now = 1 * SEC; /* 0 means "timer off" in the FSM */
	qhead = qtail = 0;
}

static unsigned add_node(const struct vrrp_fsm_conf *c)
{
	struct node *n = &nodes[nnodes];
	vrrp_fsm_init(&n->f, c);
	n->linked = true;
	return nnodes++;
}

static void apply(unsigned i, const struct vrrp_actions *a)
{
	struct node *n = &nodes[i];
	if (a->flags & VRRP_ACT_VIP_DEL)
		n->vip = false;
	if (a->flags & VRRP_ACT_VIP_ADD)
		n->vip = true;
	if (a->flags & VRRP_ACT_ADVERT) {
		n->adverts++;
		n->last_advert_at = now;
		if (n->linked && qtail - qhead < DG_ARRAY_SIZE(queue))
			queue[qtail++ % DG_ARRAY_SIZE(queue)] = (struct pending){ i, a->advert_prio };
	}
	if (a->flags & VRRP_ACT_GARP)
		n->last_garp_at = now;
	if (a->flags & VRRP_ACT_DONE)
		n->done_at = now;
	if (a->flags & VRRP_ACT_TRANSITION) {
		n->reason = a->reason;
		if (a->to == VRRP_STATE_MASTER)
			n->master_at = now;
		if (a->to == VRRP_STATE_BACKUP)
			n->backup_at = now;
	}
}

static void step(unsigned i, const struct vrrp_event *ev)
{
	struct vrrp_actions a;
	if (!nodes[i].running)
		return;
	vrrp_fsm_step(&nodes[i].f, ev, now, &a);
	apply(i, &a);
}

/* Delivers queued advertisements (and those they cause), bounded. */
static void deliver(void)
{
	for (unsigned guard = 0; qhead != qtail && guard < 1000; guard++) {
		struct pending p = queue[qhead++ % DG_ARRAY_SIZE(queue)];
		for (unsigned j = 0; j < nnodes; j++) {
			if (j == p.from || !nodes[j].running || !nodes[j].linked)
				continue;
			struct vrrp_event ev = { .type = VRRP_EV_ADVERT, .prio = p.prio,
						 .adver_cs = nodes[p.from].f.conf.adver_cs,
						 .src = nodes[p.from].f.conf.addr };
			step(j, &ev);
		}
	}
}

static void event(unsigned i, enum vrrp_event_type t, bool value)
{
	struct vrrp_event ev = { .type = t, .value = value };
	step(i, &ev);
	deliver();
}

static void start(unsigned i)
{
	nodes[i].running = true;
	event(i, VRRP_EV_STARTUP, false);
}

/* Advances simulated time to 'until', firing timers in order (bounded). */
static void run_until(uint64_t until)
{
	for (unsigned guard = 0; guard < 100000; guard++) {
		uint64_t next = 0;
		unsigned who = 0;
		for (unsigned i = 0; i < nnodes; i++) {
			uint64_t t = nodes[i].running ? vrrp_fsm_next_timeout(&nodes[i].f) : 0;
			if (t && (next == 0 || t < next)) {
				next = t;
				who = i;
			}
		}
		if (next == 0 || next > until)
			break;
		now = next;
		event(who, VRRP_EV_TIMER, false);
	}
	now = until;
}

static unsigned vip_holders(void)
{
	unsigned c = 0;
	for (unsigned i = 0; i < nnodes; i++)
		c += nodes[i].vip;
	return c;
}

/* Master_Down_Interval for v3 written out from RFC 5798 §6.1, in us. */
static uint64_t mdi3(unsigned prio, unsigned adver_cs)
{
	uint64_t adver = adver_cs * 10 * MS;
	return 3 * adver + (256 - prio) * adver / 256;
}

/* A (150, .1) and B (100, .2) share the link; at 2 s A is master, B backup. */
static void pair_settled(unsigned *pa, unsigned *pb)
{
	sim_reset();
	struct vrrp_fsm_conf ca = conf_for(150, 1), cb = conf_for(100, 2);
	*pa = add_node(&ca);
	*pb = add_node(&cb);
	start(*pa);
	start(*pb);
	run_until(2 * SEC);
}

static void test_formulas(void)
{
	is_int(41406, (long long)vrrp_skew_us(3, 150, 10), "skew v3 prio 150, 0.1 s = 41.406 ms");
	is_int(609375, (long long)vrrp_skew_us(2, 100, 100), "skew v2 prio 100 = 0.609375 s");
	is_int(360937, (long long)vrrp_master_down_us(3, 100, 10), "MDI v3 prio 100, 0.1 s");
	is_int(3609375, (long long)vrrp_master_down_us(2, 100, 100), "MDI v2 prio 100, 1 s");
	is_int(390, (long long)vrrp_skew_us(3, 255, 10), "skew v3 prio 255, 0.1 s = 390 us");
	is_str("MASTER", vrrp_state_name(VRRP_STATE_MASTER), "state name");
}

static void test_election_by_priority(void)
{
	sim_reset();
	struct vrrp_fsm_conf ca = conf_for(150, 1), cb = conf_for(100, 2);
	unsigned a = add_node(&ca), b = add_node(&cb);
	uint64_t t0 = now;
	start(b);
	start(a);
	run_until(5 * SEC);
	is_int(VRRP_STATE_MASTER, nodes[a].f.state, "priority 150 is master");
	is_int(VRRP_STATE_BACKUP, nodes[b].f.state, "priority 100 is backup");
	is_int(1, vip_holders(), "one VIP holder");
	ok(nodes[a].vip, "the master holds the VIP");
	is_int((long long)(t0 + mdi3(150, 10)), (long long)nodes[a].master_at,
	       "master after its own Master_Down_Interval (skew favours priority)");
	is_int(0, (long long)nodes[b].f.cnt.to_master, "backup was never master");
	is_int(0, (long long)nodes[a].f.cnt.dual_master_events, "no dual master");
}

static void test_election_by_address(void)
{
	sim_reset();
	struct vrrp_fsm_conf ca = conf_for(100, 1), cb = conf_for(100, 2);
	unsigned a = add_node(&ca), b = add_node(&cb);
	nodes[a].linked = nodes[b].linked = false; /* both become master */
	start(a);
	start(b);
	run_until(2 * SEC);
	is_int(2, vip_holders(), "partitioned: both hold the VIP");
	nodes[a].linked = nodes[b].linked = true;
	run_until(3 * SEC);
	is_int(VRRP_STATE_MASTER, nodes[b].f.state, "equal priority: higher address .2 wins");
	is_int(VRRP_STATE_BACKUP, nodes[a].f.state, "lower address .1 yields");
	is_str("advert with equal priority from a higher address", nodes[a].reason, "reason logged");
	is_int(1, vip_holders(), "one VIP holder after the release delay");
}

static void test_master_down_interval(void)
{
	unsigned a, b;
	pair_settled(&a, &b);
	uint64_t last = nodes[a].last_advert_at;
	nodes[a].running = false; /* kill -9: silence */
	run_until(4 * SEC);
	is_int(VRRP_STATE_MASTER, nodes[b].f.state, "backup took over");
	is_int((long long)(last + mdi3(100, 10)), (long long)nodes[b].master_at,
	       "exactly Master_Down_Interval after the last advert");
	ok(nodes[b].last_garp_at == nodes[b].master_at, "gratuitous ARP on takeover");
	is_str("master down timer expired", nodes[b].reason, "reason");
}

static void test_prio0_takeover(void)
{
	unsigned a, b;
	pair_settled(&a, &b);
	uint64_t t = now;
	event(a, VRRP_EV_SHUTDOWN, false);
	is_int(1, (long long)nodes[a].f.cnt.prio0_sent, "priority 0 sent");
	ok(nodes[a].vip, "the leaving master still holds the VIP");
	run_until(t + 50 * MS);
	ok(nodes[a].vip, "and still holds it before the backup takes over");
	run_until(3 * SEC);
	uint64_t skew = (256 - 100) * 100 * MS / 256;
	is_int((long long)(t + skew), (long long)nodes[b].master_at, "backup master after Skew_Time");
	is_int((long long)(nodes[b].master_at + 20 * MS), (long long)nodes[a].done_at,
	       "old master releases the VIP a release delay after hearing the new one");
	ok(!nodes[a].vip && nodes[b].vip, "VIP moved");
	is_int(VRRP_STATE_INIT, nodes[a].f.state, "old master in INIT");
	ok(nodes[a].f.done, "shutdown done");
}

static void test_shutdown_alone(void)
{
	sim_reset();
	struct vrrp_fsm_conf ca = conf_for(150, 1);
	unsigned a = add_node(&ca);
	start(a);
	run_until(2 * SEC);
	uint64_t t = now;
	unsigned before = nodes[a].adverts;
	event(a, VRRP_EV_SHUTDOWN, false);
	run_until(5 * SEC);
	is_int((long long)(t + 300 * MS + 20 * MS), (long long)nodes[a].done_at,
	       "no backup: release after 3 intervals + release delay");
	is_int(4, (long long)(nodes[a].adverts - before), "priority 0 at 0, 0.1, 0.2, 0.3 s");
	ok(!nodes[a].vip, "VIP released");
	event(a, VRRP_EV_SHUTDOWN, false);
	ok(nodes[a].f.done, "second shutdown harmless");
}

static void test_backup_shutdown(void)
{
	sim_reset();
	struct vrrp_fsm_conf cb = conf_for(100, 2);
	unsigned b = add_node(&cb);
	nodes[b].running = true;
	struct vrrp_event ev = { .type = VRRP_EV_STARTUP };
	struct vrrp_actions act;
	vrrp_fsm_step(&nodes[b].f, &ev, now, &act);
	ok(act.flags & VRRP_ACT_VIP_DEL, "startup clears leftover VIPs");
	is_int(VRRP_STATE_BACKUP, act.to, "startup -> BACKUP");
	ev.type = VRRP_EV_SHUTDOWN;
	vrrp_fsm_step(&nodes[b].f, &ev, now, &act);
	ok((act.flags & VRRP_ACT_DONE) && !(act.flags & VRRP_ACT_ADVERT),
	   "backup shutdown: done at once, no priority 0");
}

static void test_owner(void)
{
	sim_reset();
	struct vrrp_fsm_conf c = conf_for(255, 1);
	unsigned a = add_node(&c);
	start(a);
	is_int(VRRP_STATE_MASTER, nodes[a].f.state, "priority 255 starts as master");
	ok(nodes[a].vip && nodes[a].adverts == 1, "VIP added, advert sent");
}

/* B is master alone; A (150) starts at 3 s with the given preempt setup. */
static void preempt_setup(bool preempt, uint64_t delay, unsigned *pa, unsigned *pb)
{
	sim_reset();
	struct vrrp_fsm_conf ca = conf_for(150, 1), cb = conf_for(100, 2);
	ca.preempt = preempt;
	ca.preempt_delay_us = delay;
	*pa = add_node(&ca);
	*pb = add_node(&cb);
	start(*pb);
	run_until(3 * SEC);
	start(*pa);
}

static void test_preempt(void)
{
	unsigned a, b;
	preempt_setup(true, 0, &a, &b);
	uint64_t t = now;
	run_until(6 * SEC);
	is_int(VRRP_STATE_MASTER, nodes[a].f.state, "preempt: higher priority takes over");
	is_int((long long)(t + mdi3(150, 10)), (long long)nodes[a].master_at,
	       "after its Master_Down_Interval (the lower adverts are discarded)");
	is_int(VRRP_STATE_BACKUP, nodes[b].f.state, "lower priority yields");
	is_str("advert with higher priority", nodes[b].reason, "reason");
	ok(nodes[b].backup_at == nodes[a].master_at, "yields on the first advert");

	preempt_setup(false, 0, &a, &b);
	run_until(8 * SEC);
	is_int(VRRP_STATE_BACKUP, nodes[a].f.state, "no preempt: higher priority stays backup");
	is_int(VRRP_STATE_MASTER, nodes[b].f.state, "no preempt: lower priority stays master");

	preempt_setup(true, 1 * SEC, &a, &b);
	t = now;
	run_until(t + 1 * SEC - 1);
	is_int(VRRP_STATE_BACKUP, nodes[a].f.state, "preempt delay: still backup before 1 s");
	run_until(8 * SEC);
	is_int(VRRP_STATE_MASTER, nodes[a].f.state, "preempt delay: master after it");
	ok(nodes[a].master_at >= t + 1 * SEC && nodes[a].master_at <= t + 1 * SEC + mdi3(150, 10) + 100 * MS,
	   "within delay + Master_Down_Interval + one interval (%llu us)",
	   (unsigned long long)(nodes[a].master_at - t));
	is_int(1, vip_holders(), "one VIP holder");
}

static void test_split_brain_heal(void)
{
	unsigned a, b;
	pair_settled(&a, &b);
	nodes[a].linked = nodes[b].linked = false;
	run_until(4 * SEC);
	is_int(2, vip_holders(), "split brain: two masters");
	is_int(0, (long long)nodes[a].f.cnt.dual_master_events, "nothing heard yet");
	nodes[a].linked = nodes[b].linked = true;
	/* Run until B's next advert reaches A. */
	uint64_t b_next = nodes[b].f.adver_at, a_next = nodes[a].f.adver_at;
	run_until(5 * SEC);
	is_int(VRRP_STATE_MASTER, nodes[a].f.state, "higher priority stays master");
	is_int(VRRP_STATE_BACKUP, nodes[b].f.state, "lower priority yields");
	is_int(1, (long long)nodes[a].f.cnt.dual_master_events, "one dual-master event");
	if (b_next < a_next) {
		is_int(1, (long long)nodes[a].f.cnt.heal_answers, "answered the loser's advert");
		ok(nodes[a].last_garp_at >= b_next && nodes[a].last_garp_at <= b_next,
		   "gratuitous ARP at the instant the loser was heard");
		is_int((long long)b_next, (long long)nodes[b].backup_at, "loser yields at once");
	} else {
		diag("A advertised first; B yields to that advert");
		is_int((long long)a_next, (long long)nodes[b].backup_at, "loser yields at once");
		ok(1, "skipped heal timing");
		ok(1, "skipped heal timing");
	}
	is_int(1, vip_holders(), "one VIP holder after the release delay");
}

static void test_heal_rate_limit(void)
{
	sim_reset();
	struct vrrp_fsm_conf ca = conf_for(150, 1);
	unsigned a = add_node(&ca);
	nodes[a].linked = false;
	start(a);
	run_until(2 * SEC);
	uint8_t peer[4] = { 198, 18, 0, 2 };
	struct vrrp_event ev = { .type = VRRP_EV_ADVERT, .prio = 100, .adver_cs = 10, .src = peer };
	struct vrrp_actions act;
	unsigned answers = 0;
	for (int i = 0; i < 5; i++, now += 5 * MS) {
		vrrp_fsm_step(&nodes[a].f, &ev, now, &act);
		answers += !!(act.flags & VRRP_ACT_ADVERT);
		ok(act.flags & VRRP_ACT_DUAL_MASTER, "dual master flagged (%d)", i);
	}
	is_int(1, answers, "one answer per quarter interval for 5 adverts in 25 ms");
	is_int(5, (long long)nodes[a].f.cnt.dual_master_adverts, "each advert counted");
	is_int(1, (long long)nodes[a].f.cnt.dual_master_events, "one event");
	now += 1 * SEC;
	vrrp_fsm_step(&nodes[a].f, &ev, now, &act);
	is_int(2, (long long)nodes[a].f.cnt.dual_master_events, "a second event after a quiet time");
}

static void test_liveness(void)
{
	unsigned a, b;
	pair_settled(&a, &b);
	uint64_t t = now, last = nodes[a].last_advert_at;
	event(a, VRRP_EV_ALIVE, false); /* workers hung: the node itself runs on */
	run_until(t + 1 * SEC);
	is_int((long long)(last + mdi3(100, 10)), (long long)nodes[b].master_at,
	       "peer took over one Master_Down_Interval after the last advert");
	ok(nodes[b].master_at - t <= mdi3(100, 10), "within Master_Down_Interval of the hang");
	ok(nodes[a].f.cnt.adverts_suppressed > 0, "adverts suppressed while not alive");
	is_int(VRRP_STATE_BACKUP, nodes[a].f.state, "not-alive master yields to the new master");
	is_str("workers not alive and another master advertises", nodes[a].reason, "reason");
	is_int(1, vip_holders(), "one VIP holder");
	ok(nodes[b].vip, "the live node holds it");

	t = now;
	run_until(t + 2 * SEC);
	is_int(VRRP_STATE_BACKUP, nodes[a].f.state, "not alive: never takes over");
	event(a, VRRP_EV_ALIVE, true);
	t = now;
	run_until(t + 2 * SEC);
	is_int(VRRP_STATE_MASTER, nodes[a].f.state, "alive again: preempts back");
	ok(nodes[a].master_at - t <= mdi3(150, 10), "within its Master_Down_Interval");
}

static void test_tracking(void)
{
	unsigned a, b;
	pair_settled(&a, &b);
	uint64_t t = now;
	unsigned before = nodes[a].adverts;
	event(a, VRRP_EV_TRACK, false);
	is_int(90, nodes[a].f.prio, "priority 150 - 60");
	is_int(before + 1, nodes[a].adverts, "lowered priority advertised at once");
	run_until(t + 1 * SEC);
	is_int(VRRP_STATE_MASTER, nodes[b].f.state, "backup with preempt takes over");
	ok(nodes[b].master_at - t <= mdi3(100, 10) + 1, "within its Master_Down_Interval");
	is_int(VRRP_STATE_BACKUP, nodes[a].f.state, "tracked-down node yields");
	event(a, VRRP_EV_TRACK, true);
	is_int(150, nodes[a].f.prio, "priority restored");
	run_until(t + 3 * SEC);
	is_int(VRRP_STATE_MASTER, nodes[a].f.state, "and it preempts back");
}

static void test_v2_timers(void)
{
	sim_reset();
	struct vrrp_fsm_conf ca = conf_for(150, 1), cb = conf_for(100, 2);
	ca.version = cb.version = 2;
	ca.adver_cs = cb.adver_cs = 100;
	unsigned a = add_node(&ca), b = add_node(&cb);
	start(a);
	start(b);
	run_until(10 * SEC);
	uint64_t last = nodes[a].last_advert_at;
	nodes[a].running = false;
	run_until(20 * SEC);
	is_int((long long)(last + 3 * SEC + 156 * SEC / 256), (long long)nodes[b].master_at,
	       "v2: 3 s + (256-100)/256 s after the last advert");
}

int main(void)
{
	test_formulas();
	test_election_by_priority();
	test_election_by_address();
	test_master_down_interval();
	test_prio0_takeover();
	test_shutdown_alone();
	test_backup_shutdown();
	test_owner();
	test_preempt();
	test_split_brain_heal();
	test_heal_rate_limit();
	test_liveness();
	test_tracking();
	test_v2_timers();
	return tap_done();
}
