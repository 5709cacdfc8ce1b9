/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * VRRP in the web server (issue 7): the "vrrp" member of
 * /api/v1/servers/localhost and the dnsgate_vrrp_* series of /metrics,
 * both read from the control thread's snapshot (vrrpctl_view), never from
 * an instance. A configuration without addVRRP{} adds an empty array and
 * no series.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include <jansson.h>

#include "frontend/conf.h"
#include "frontend/vrrpctl.h"
#include "frontend/web_int.h"
#include "lib/clock.h"
#include "lib/err.h"

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static json_t *vips_json(const struct fe_vrrp *v)
{
	json_t *a = json_array();
	char buf[64];
	for (unsigned k = 0; a != NULL && k < v->vc.nvips; k++)
		json_array_append_new(a, json_string(vrrp_vip_str(&v->vc.vips[k], buf, sizeof(buf))));
	return a;
}

static json_t *tracked_json(const struct fe_vrrp *v)
{
	json_t *a = json_array();
	for (int t = 0; a != NULL && t < v->ntrack; t++)
		json_array_append_new(a, json_string(v->track[t]));
	return a;
}

static json_t *drops_json(const struct vrrp_stats *st)
{
	json_t *o = json_object();
	for (int i = 0; o != NULL && i < VRRP_NERR; i++)
		if (st->rx_drops[i] > 0)
			json_object_set_new(o, dg_errname(VRRP_ERR_FIRST + i), u64(st->rx_drops[i]));
	return o;
}

/* The runtime half of one instance's object. */
static void runtime_json(json_t *o, const struct fe_vrrp *v, const struct fe_vrrp_view *w)
{
	const struct vrrp_stats *st = &w->st;
	char master[INET6_ADDRSTRLEN] = "";
	if (w->master_self)
		snprintf(master, sizeof(master), "self");
	else if (st->master_prio > 0)
		inet_ntop(v->vc.vips[0].family, st->master_addr, master, sizeof(master));
	json_object_set_new(o, "state", json_string(vrrp_state_name(st->state)));
	json_object_set_new(o, "state_seconds",
			    json_real((double)(dg_clock_now_us() - st->state_since_us) / 1e6));
	json_object_set_new(o, "priority", json_integer(st->prio));
	json_object_set_new(o, "alive", json_boolean(st->alive));
	json_object_set_new(o, "track_ok", json_boolean(st->track_ok));
	json_object_set_new(o, "master", json_string(master));
	json_object_set_new(o, "master_priority", json_integer(w->master_self ? st->prio
									     : st->master_prio));
	json_object_set_new(o, "master_changes", u64(w->master_changes));
	json_object_set_new(o, "to_master", u64(st->fsm.to_master));
	json_object_set_new(o, "to_backup", u64(st->fsm.to_backup));
	json_object_set_new(o, "dual_master_events", u64(st->fsm.dual_master_events));
	json_object_set_new(o, "dual_master_adverts", u64(st->fsm.dual_master_adverts));
	json_object_set_new(o, "heal_answers", u64(st->fsm.heal_answers));
	json_object_set_new(o, "adverts_sent", u64(st->fsm.adverts_sent));
	json_object_set_new(o, "adverts_received", u64(st->fsm.adverts_rcvd));
	json_object_set_new(o, "adverts_suppressed", u64(st->fsm.adverts_suppressed));
	json_object_set_new(o, "priority0_sent", u64(st->fsm.prio0_sent));
	json_object_set_new(o, "priority0_received", u64(st->fsm.prio0_rcvd));
	json_object_set_new(o, "garps", u64(st->fsm.garps));
	json_object_set_new(o, "worker_stalls", u64(w->stalls));
	json_object_set_new(o, "track_failures", u64(w->track_failures));
	json_object_set_new(o, "rx_drops", drops_json(st));
	json_object_set_new(o, "tx_errors", u64(st->tx_errors));
	json_object_set_new(o, "vip_errors", u64(st->vip_errors));
	json_object_set_new(o, "garp_errors", u64(st->garp_errors));
}

struct json_t *webvrrp_json(const struct fe_conf *conf)
{
	json_t *a = json_array();
	struct fe_vrrps *vs = conf->vrrp;
	for (int i = 0; a != NULL && vs != NULL && i < vs->n; i++) {
		const struct fe_vrrp *v = &vs->inst[i];
		struct fe_vrrp_view w;
		json_t *o = json_object();
		if (o == NULL || !vrrpctl_view(vs, i, &w)) {
			json_decref(o);
			continue;
		}
		json_object_set_new(o, "vrid", json_integer(v->vc.vrid));
		json_object_set_new(o, "interface", json_string(v->vc.ifname));
		json_object_set_new(o, "version", json_integer(v->vc.version));
		json_object_set_new(o, "configured_priority", json_integer(v->vc.prio));
		json_object_set_new(o, "advert_interval", json_real(v->vc.adver_cs / 100.0));
		json_object_set_new(o, "preempt", json_boolean(v->vc.preempt));
		json_object_set_new(o, "vips", vips_json(v));
		json_object_set_new(o, "tracked_pools", tracked_json(v));
		json_object_set_new(o, "running", json_boolean(w.running));
		if (w.running)
			runtime_json(o, v, &w);
		json_array_append_new(a, o);
	}
	return a;
}

static void head(struct webbuf *b, const char *name, const char *type, const char *help)
{
	webbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t g_state(const struct fe_vrrp_view *w) { return (uint64_t)w->st.state; }
static uint64_t g_prio(const struct fe_vrrp_view *w) { return w->st.prio; }
static uint64_t g_alive(const struct fe_vrrp_view *w) { return w->st.alive; }
static uint64_t g_track(const struct fe_vrrp_view *w) { return w->st.track_ok; }
static uint64_t g_mchg(const struct fe_vrrp_view *w) { return w->master_changes; }
static uint64_t g_dual(const struct fe_vrrp_view *w) { return w->st.fsm.dual_master_events; }
static uint64_t g_duala(const struct fe_vrrp_view *w) { return w->st.fsm.dual_master_adverts; }
static uint64_t g_sent(const struct fe_vrrp_view *w) { return w->st.fsm.adverts_sent; }
static uint64_t g_rcvd(const struct fe_vrrp_view *w) { return w->st.fsm.adverts_rcvd; }
static uint64_t g_supp(const struct fe_vrrp_view *w) { return w->st.fsm.adverts_suppressed; }
static uint64_t g_stall(const struct fe_vrrp_view *w) { return w->stalls; }

/* A series with one value per instance: {vrid="51",interface="eth0"} v */
struct series {
	const char *name, *help;
	uint64_t (*get)(const struct fe_vrrp_view *);
};

static const struct series gauges[] = {
	{ "dnsgate_vrrp_state",
	  "VRRP state of the virtual router: 0 initialize, 1 backup, 2 master", g_state },
	{ "dnsgate_vrrp_priority", "Effective VRRP priority (lowered while tracking fails)", g_prio },
	{ "dnsgate_vrrp_alive",
	  "Whether every worker made progress within the liveness bound (1) or not (0)", g_alive },
	{ "dnsgate_vrrp_track_ok",
	  "Whether every tracked pool has a usable backend (1) or not (0)", g_track },
};

static const struct series counters[] = {
	{ "dnsgate_vrrp_master_changes_total",
	  "Times the master of the virtual router changed (another node, or this one)", g_mchg },
	{ "dnsgate_vrrp_dual_master_total",
	  "Split-brain events: runs of adverts from another master while master", g_dual },
	{ "dnsgate_vrrp_dual_master_adverts_total",
	  "Adverts from another master heard while master (each answered at once)", g_duala },
	{ "dnsgate_vrrp_adverts_sent_total", "VRRP adverts sent", g_sent },
	{ "dnsgate_vrrp_adverts_received_total",
	  "Valid VRRP adverts received for the virtual router", g_rcvd },
	{ "dnsgate_vrrp_adverts_suppressed_total",
	  "Adverts not sent because a worker made no progress", g_supp },
	{ "dnsgate_vrrp_worker_stalls_total",
	  "Times the liveness check found a worker without progress", g_stall },
};

static void print_series(struct webbuf *b, struct fe_vrrps *vs, const struct fe_vrrp_view *w,
			 const struct series *s, size_t ns, const char *type)
{
	for (size_t k = 0; k < ns; k++) {
		head(b, s[k].name, type, s[k].help);
		for (int i = 0; i < vs->n; i++)
			if (w[i].running)
				webbuf_printf(b, "%s{vrid=\"%u\",interface=\"%s\"} %llu\n",
					      s[k].name, vs->inst[i].vc.vrid, vs->inst[i].vc.ifname,
					      (unsigned long long)s[k].get(&w[i]));
	}
}

static void transitions(struct webbuf *b, struct fe_vrrps *vs, const struct fe_vrrp_view *w)
{
	head(b, "dnsgate_vrrp_transitions_total", "counter",
	     "VRRP state transitions of the virtual router, by the state entered");
	for (int i = 0; i < vs->n; i++) {
		if (!w[i].running)
			continue;
#define TRANSITION "dnsgate_vrrp_transitions_total{vrid=\"%u\",interface=\"%s\",to=\"%s\"} %llu\n"
		webbuf_printf(b, TRANSITION, vs->inst[i].vc.vrid, vs->inst[i].vc.ifname, "master",
			      (unsigned long long)w[i].st.fsm.to_master);
		webbuf_printf(b, TRANSITION, vs->inst[i].vc.vrid, vs->inst[i].vc.ifname, "backup",
			      (unsigned long long)w[i].st.fsm.to_backup);
#undef TRANSITION
	}
}

static void drops(struct webbuf *b, struct fe_vrrps *vs, const struct fe_vrrp_view *w)
{
	head(b, "dnsgate_vrrp_rx_drops_total", "counter",
	     "VRRP advertisements received and dropped, by reason");
	for (int i = 0; i < vs->n; i++)
		for (int k = 0; w[i].running && k < VRRP_NERR; k++)
			webbuf_printf(b, "dnsgate_vrrp_rx_drops_total{vrid=\"%u\",interface=\"%s\","
				      "reason=\"%s\"} %llu\n", vs->inst[i].vc.vrid,
				      vs->inst[i].vc.ifname, dg_errname(VRRP_ERR_FIRST + k),
				      (unsigned long long)w[i].st.rx_drops[k]);
}

void webvrrp_metrics(const struct fe_conf *conf, struct webbuf *b)
{
	struct fe_vrrps *vs = conf->vrrp;
	struct fe_vrrp_view w[FE_VRRP_MAX];
	if (vs == NULL || vs->n == 0)
		return;
	for (int i = 0; i < vs->n; i++)
		if (!vrrpctl_view(vs, i, &w[i]))
			w[i].running = false;
	print_series(b, vs, w, gauges, DG_ARRAY_SIZE(gauges), "gauge");
	transitions(b, vs, w);
	print_series(b, vs, w, counters, DG_ARRAY_SIZE(counters), "counter");
	drops(b, vs, w);
}
