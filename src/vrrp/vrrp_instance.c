/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * A VRRP virtual router: receives and checks adverts, polls liveness,
 * steps the state machine and carries out its actions (see
 * vrrp_instance.h).
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "vrrp/vrrp_instance.h"

#define MOD "vrrp"
#define RX_BURST 64

struct vrrp_instance {
	struct vrrp_conf conf;
	struct vrrp_fsm fsm;
	struct vrrp_net net;
	struct vrrp_expect expect;
	struct vrrp_stats stats;
	char name[IF_NAMESIZE + 16];  /* "VRID 51 on eth0" for logs */
	struct dg_lograte drop_log, dual_log, err_log;
	char ctx[96];                 /* what caused the current step, for logs */
	uint64_t refresh_at;          /* next VIP lifetime refresh, 0: none */
};

void vrrp_conf_init(struct vrrp_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->version = 3;
	c->prio = 100;
	c->adver_cs = 100;
	c->preempt = true;
	c->release_delay_ms = 50;
	c->vip_lifetime_s = 2;
}

int vrrp_conf_check(const struct vrrp_conf *c, const char **why)
{
	const char *w = NULL;
	if (c->ifname[0] == '\0')
		w = "no interface";
	else if (c->vrid == 0)
		w = "vrid must be 1-255";
	else if (c->prio == 0)
		w = "priority must be 1-255";
	else if (c->nvips == 0 || c->nvips > VRRP_MAX_VIPS)
		w = "between 1 and 16 virtual addresses are needed";
	else if (c->version != 2 && c->version != 3)
		w = "version must be 2 or 3";
	else if (c->adver_cs == 0 || c->adver_cs > VRRP_V3_MAX_ADVER_CS)
		w = "advertInterval must be 0.01-40.95 s";
	else if (c->version == 2 && c->adver_cs % 100 != 0)
		w = "VRRPv2 advertisement intervals are whole seconds";
	else if (c->version == 3 && c->auth_pass[0] != '\0')
		w = "authentication exists in VRRPv2 only (RFC 5798 removed it)";
	for (unsigned i = 1; w == NULL && i < c->nvips; i++)
		if (c->vips[i].family != c->vips[0].family)
			w = "IPv4 and IPv6 addresses need separate virtual routers (RFC 5798)";
	if (w == NULL && c->version == 2 && c->vips[0].family != AF_INET)
		w = "VRRPv2 is IPv4 only";
	if (why != NULL)
		*why = w;
	return w == NULL ? DG_OK : DG_ECONFIG;
}

static void fsm_conf(const struct vrrp_instance *vi, struct vrrp_fsm_conf *fc)
{
	const struct vrrp_conf *c = &vi->conf;
	memset(fc, 0, sizeof(*fc));
	fc->version = c->version;
	fc->prio = c->prio;
	fc->adver_cs = c->adver_cs;
	fc->preempt = c->preempt;
	fc->preempt_delay_us = (uint64_t)c->preempt_delay_ms * 1000;
	fc->garp_refresh_us = (uint64_t)c->garp_refresh_ms * 1000;
	fc->release_delay_us = (uint64_t)c->release_delay_ms * 1000;
	fc->track_penalty = c->track_penalty;
	fc->addr_len = (uint8_t)vrrp_addr_len(vi->net.family);
	memcpy(fc->addr, vi->net.primary, fc->addr_len);
}

struct vrrp_instance *vrrp_instance_new(const struct vrrp_conf *conf, int *err)
{
	const char *why = NULL;
	int ret = vrrp_conf_check(conf, &why);
	if (ret < 0) {
		dg_log(LOG_ERR, MOD, "VRID %u: %s", conf->vrid, why);
		goto fail;
	}
	struct vrrp_instance *vi = calloc(1, sizeof(*vi));
	if (vi == NULL) {
		ret = DG_ENOMEM;
		goto fail;
	}
	vi->conf = *conf;
	snprintf(vi->name, sizeof(vi->name), "VRID %u on %s", conf->vrid, conf->ifname);
	ret = vrrp_net_open(&vi->net, conf->ifname, conf->vips[0].family, conf->vips, conf->nvips);
	if (ret < 0) {
		dg_log(LOG_ERR, MOD, "%s: cannot open: %s", vi->name, dg_strerror(ret));
		free(vi);
		goto fail;
	}
	struct vrrp_fsm_conf fc;
	fsm_conf(vi, &fc);
	vrrp_fsm_init(&vi->fsm, &fc);
	vi->expect = (struct vrrp_expect){ .version = conf->version, .vrid = conf->vrid,
					   .adver_cs = conf->adver_cs };
	if (conf->auth_pass[0] != '\0') {
		vi->expect.auth_type = VRRP_V2_AUTH_PASS;
		vrrp_pkt_set_pass(vi->expect.auth, conf->auth_pass);
	}
	vi->drop_log = (struct dg_lograte)DG_LOGRATE_INIT(1000);
	vi->dual_log = (struct dg_lograte)DG_LOGRATE_INIT(1000);
	vi->err_log = (struct dg_lograte)DG_LOGRATE_INIT(1000);
	return vi;
fail:
	if (err != NULL)
		*err = ret;
	return NULL;
}

static void send_advert(struct vrrp_instance *vi, uint8_t prio)
{
	struct vrrp_adv adv = { .version = vi->conf.version, .vrid = vi->conf.vrid, .prio = prio,
				.naddr = (uint8_t)vi->conf.nvips, .adver_cs = vi->conf.adver_cs,
				.auth_type = vi->expect.auth_type, .family = vi->net.family };
	memcpy(adv.auth, vi->expect.auth, sizeof(adv.auth));
	for (unsigned i = 0; i < vi->conf.nvips; i++)
		memcpy(adv.addrs[i], vi->conf.vips[i].addr, 16);
	uint8_t buf[VRRP_HDR_LEN + VRRP_MAX_ADDRS * 16 + VRRP_V2_AUTH_LEN];
	int len = vrrp_pkt_encode(buf, sizeof(buf), &adv, vi->net.primary,
				  vrrp_net_group(vi->net.family));
	if (len >= 0)
		len = vrrp_net_send(&vi->net, buf, (size_t)len);
	if (len < 0) {
		vi->stats.tx_errors++;
		dg_log_limited(&vi->err_log, LOG_WARNING, MOD, "%s: advert not sent: %s", vi->name,
			       dg_strerror(len));
	}
}

static void vips_apply(struct vrrp_instance *vi, bool add)
{
	for (unsigned i = 0; i < vi->conf.nvips; i++) {
		const struct vrrp_vip *v = &vi->conf.vips[i];
		int ret = add ? vrrp_net_vip_add(&vi->net, v, vi->conf.vip_lifetime_s)
			      : vrrp_net_vip_del(&vi->net, v);
		if (ret < 0) {
			char a[64];
			vi->stats.vip_errors++;
			dg_log(LOG_ERR, MOD, "%s: cannot %s %s: %s", vi->name, add ? "add" : "remove",
			       vrrp_vip_str(v, a, sizeof(a)), dg_strerror(ret));
		}
	}
	/* Refresh twice per lifetime, so one late refresh is harmless. */
	vi->refresh_at = 0;
	if (add && vi->conf.vip_lifetime_s > 0)
		vi->refresh_at = dg_clock_now_us() + (uint64_t)vi->conf.vip_lifetime_s * 500000;
}

static void garp_all(struct vrrp_instance *vi)
{
	for (unsigned i = 0; i < vi->conf.nvips; i++) {
		int ret = vrrp_net_garp(&vi->net, &vi->conf.vips[i]);
		if (ret < 0) {
			vi->stats.garp_errors++;
			dg_log_limited(&vi->err_log, LOG_WARNING, MOD, "%s: gratuitous ARP/NA: %s",
				       vi->name, dg_strerror(ret));
		}
	}
}

static void run_actions(struct vrrp_instance *vi, const struct vrrp_actions *a)
{
	if (a->flags & VRRP_ACT_TRANSITION)
		dg_log(LOG_NOTICE, MOD, "%s: %s -> %s (%s%s), priority %u", vi->name,
		       vrrp_state_name(a->from), vrrp_state_name(a->to), a->reason, vi->ctx,
		       vi->fsm.prio);
	if (a->flags & VRRP_ACT_VIP_DEL)
		vips_apply(vi, false);
	if (a->flags & VRRP_ACT_VIP_ADD)
		vips_apply(vi, true);
	if (a->flags & VRRP_ACT_ADVERT)
		send_advert(vi, a->advert_prio);
	if (a->flags & VRRP_ACT_GARP)
		garp_all(vi);
	if (a->flags & VRRP_ACT_DUAL_MASTER)
		dg_log_limited(&vi->dual_log, LOG_WARNING, MOD,
			       "%s: dual master: another master%s advertises a losing priority; "
			       "answered with our advert and gratuitous ARP/NA", vi->name, vi->ctx);
	if ((a->flags & VRRP_ACT_TRANSITION) && a->to == VRRP_STATE_MASTER) {
		memcpy(vi->stats.master_addr, vi->net.primary, 16);
		vi->stats.master_prio = vi->fsm.prio;
	}
	if (a->flags & VRRP_ACT_DONE)
		dg_log(LOG_NOTICE, MOD, "%s: shutdown complete, addresses released", vi->name);
	vi->ctx[0] = '\0';
}

static void step(struct vrrp_instance *vi, const struct vrrp_event *ev, uint64_t now)
{
	struct vrrp_actions act;
	vrrp_fsm_step(&vi->fsm, ev, now, &act);
	run_actions(vi, &act);
}

/* Liveness is polled before every step that may send (vrrp_instance.h). */
static void poll_alive(struct vrrp_instance *vi, uint64_t now)
{
	bool alive = vi->conf.alive == NULL || vi->conf.alive(vi->conf.alive_arg);
	if (alive == vi->fsm.alive)
		return;
	dg_log(LOG_WARNING, MOD, "%s: data plane %s", vi->name,
	       alive ? "alive again: advertising resumes" : "not alive: advertising stops");
	struct vrrp_event ev = { .type = VRRP_EV_ALIVE, .value = alive };
	step(vi, &ev, now);
}

void vrrp_instance_start(struct vrrp_instance *vi)
{
	uint64_t now = dg_clock_now_us();
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(vi->net.family, vi->net.primary, a, sizeof(a));
	dg_log(LOG_INFO, MOD, "%s: VRRPv%u, primary %s, priority %u, interval %u.%02u s%s", vi->name,
	       vi->conf.version, a, vi->conf.prio, vi->conf.adver_cs / 100, vi->conf.adver_cs % 100,
	       vi->conf.preempt ? "" : ", no preempt");
	poll_alive(vi, now);
	struct vrrp_event ev = { .type = VRRP_EV_STARTUP };
	step(vi, &ev, now);
}

int vrrp_instance_fd(const struct vrrp_instance *vi)
{
	return vi->net.fd;
}

static void count_drop(struct vrrp_instance *vi, int err, const struct vrrp_rxmeta *m)
{
	if (err >= VRRP_ERR_FIRST && err <= VRRP_ERR_LAST)
		vi->stats.rx_drops[err - VRRP_ERR_FIRST]++;
	/* Other VRIDs on a shared segment are normal, not worth a line. */
	if (err == DG_EVRRP_VRID)
		return;
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(m->family, m->src, a, sizeof(a));
	dg_log_limited(&vi->drop_log, LOG_WARNING, MOD, "%s: advert from %s dropped: %s (%s)",
		       vi->name, a, dg_strerror(err), dg_errname(err));
}

static void handle_one(struct vrrp_instance *vi, const uint8_t *msg, size_t len,
		       const struct vrrp_rxmeta *m, uint64_t now)
{
	size_t alen = vrrp_addr_len(m->family);
	/* Our own adverts (a looped-back copy) are not from a peer. */
	if (memcmp(m->src, vi->net.primary, alen) == 0)
		return;
	struct vrrp_adv adv;
	int ret = vrrp_pkt_decode(&adv, msg, len, m);
	if (ret == DG_OK)
		ret = vrrp_pkt_check(&adv, &vi->expect);
	if (ret < 0) {
		count_drop(vi, ret, m);
		return;
	}
	char a[INET6_ADDRSTRLEN] = "?";
	inet_ntop(m->family, m->src, a, sizeof(a));
	snprintf(vi->ctx, sizeof(vi->ctx), " from %s priority %u", a, adv.prio);
	if (adv.prio > 0) {
		memcpy(vi->stats.master_addr, m->src, alen);
		vi->stats.master_prio = adv.prio;
	}
	struct vrrp_event ev = { .type = VRRP_EV_ADVERT, .prio = adv.prio,
				 .adver_cs = adv.adver_cs, .src = m->src };
	step(vi, &ev, now);
}

int vrrp_instance_on_readable(struct vrrp_instance *vi)
{
	uint8_t buf[2048];
	int n = 0;
	uint64_t now = dg_clock_now_us();
	poll_alive(vi, now);
	for (; n < RX_BURST; n++) {
		struct vrrp_rxmeta m;
		size_t off = 0;
		int len = vrrp_net_recv(&vi->net, buf, sizeof(buf), &m, &off);
		if (len == DG_EAGAIN)
			break;
		if (len == DG_EVRRP_IPHDR) {
			vi->stats.rx_drops[DG_EVRRP_IPHDR - VRRP_ERR_FIRST]++;
			continue;
		}
		if (len < 0) {
			dg_log_limited(&vi->err_log, LOG_WARNING, MOD, "%s: receive: %s", vi->name,
				       dg_strerror(len));
			break;
		}
		handle_one(vi, buf + off, (size_t)len, &m, now);
	}
	return n;
}

void vrrp_instance_on_timer(struct vrrp_instance *vi, uint64_t now_us)
{
	poll_alive(vi, now_us);
	struct vrrp_event ev = { .type = VRRP_EV_TIMER };
	step(vi, &ev, now_us);
	if (vi->refresh_at && now_us >= vi->refresh_at && vi->fsm.vip_held)
		vips_apply(vi, true); /* renews the kernel's valid lifetime */
}

uint64_t vrrp_instance_next_timeout(const struct vrrp_instance *vi)
{
	uint64_t t = vrrp_fsm_next_timeout(&vi->fsm);
	if (vi->refresh_at && (t == 0 || vi->refresh_at < t))
		t = vi->refresh_at;
	return t;
}

void vrrp_instance_set_track(struct vrrp_instance *vi, bool ok)
{
	if (ok == vi->fsm.track_ok)
		return;
	uint8_t before = vi->fsm.prio;
	struct vrrp_event ev = { .type = VRRP_EV_TRACK, .value = ok };
	step(vi, &ev, dg_clock_now_us());
	dg_log(LOG_WARNING, MOD, "%s: tracking %s: priority %u -> %u", vi->name,
	       ok ? "healthy again" : "failed (a tracked pool has no healthy backend)", before,
	       vi->fsm.prio);
}

void vrrp_instance_shutdown(struct vrrp_instance *vi)
{
	struct vrrp_event ev = { .type = VRRP_EV_SHUTDOWN };
	step(vi, &ev, dg_clock_now_us());
}

bool vrrp_instance_is_done(const struct vrrp_instance *vi)
{
	return vi->fsm.done;
}

enum vrrp_state vrrp_instance_state(const struct vrrp_instance *vi)
{
	return vi->fsm.state;
}

const struct vrrp_stats *vrrp_instance_stats(struct vrrp_instance *vi)
{
	struct vrrp_stats *s = &vi->stats;
	s->state = vi->fsm.state;
	s->prio = vi->fsm.prio;
	s->alive = vi->fsm.alive;
	s->track_ok = vi->fsm.track_ok;
	s->state_since_us = vi->fsm.since;
	s->fsm = vi->fsm.cnt;
	return s;
}

void vrrp_instance_free(struct vrrp_instance *vi)
{
	if (vi == NULL)
		return;
	if (vi->fsm.vip_held)
		vips_apply(vi, false);
	vrrp_net_close(&vi->net);
	free(vi);
}
