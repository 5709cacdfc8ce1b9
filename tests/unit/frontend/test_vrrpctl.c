/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * VRRP in the configuration: addVRRP{} fills struct fe_vrrp as documented
 * (defaults from libvrrp, seconds converted exactly), rejects bad values
 * with file:line, the VIP lint names the VIP and the addVRRP line (the
 * guide's LAB-DD2 block), and showVRRP / the web's JSON and metrics show
 * what the control thread published.
 */
#include "tap.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/vrrpctl.h"
#include "frontend/web_int.h"
#include "lib/clock.h"
#include "lib/err.h"

#include "cfghelp.h"

/* Loads lua and runs the lint; returns its result (err set). */
static int lint(const char *lua)
{
	struct fe_conf *conf = load(lua);
	if (conf == NULL)
		return 1;
	err[0] = '\0';
	int ret = vrrpctl_lint(conf, err, sizeof(err));
	fe_conf_free(conf);
	return ret;
}

static void test_options(void)
{
	struct fe_conf *conf = load(
		"setLocal('0.0.0.0:53')\n"
		"newServer{address='127.0.0.1:5301', pool={'rec', ''}}\n"
		"addVRRP{interface='eth0', vrid=51, priority=150, advertInterval=0.1,\n"
		"        vip={'198.18.0.160/24', '198.18.0.161'}, preempt=false, preemptDelay=1.5,\n"
		"        track={pool={'rec', ''}, weight=60}, garpRefresh=10, releaseDelay=0.02,\n"
		"        vipLifetime=5}\n"
		"addVRRP{interface='eth0', vrid=52, vip='198.18.0.170', version=2, authPass='lab123'}\n");
	ok(conf != NULL, "addVRRP loads (%s)", err);
	if (conf == NULL)
		return;
	ok(conf->vrrp != NULL && conf->vrrp->n == 2, "two virtual routers");
	const struct fe_vrrp *v = &conf->vrrp->inst[0];
	is_str("eth0", v->vc.ifname, "interface");
	is_int(51, v->vc.vrid, "vrid");
	is_int(150, v->vc.prio, "priority");
	is_int(10, v->vc.adver_cs, "advertInterval 0.1 s = 10 cs");
	is_int(2, (long long)v->vc.nvips, "two VIPs");
	is_int(24, v->vc.vips[0].prefixlen, "prefix length");
	is_int(32, v->vc.vips[1].prefixlen, "no prefix: /32");
	ok(!v->vc.preempt, "preempt=false");
	is_int(1500, v->vc.preempt_delay_ms, "preemptDelay 1.5 s");
	is_int(10000, v->vc.garp_refresh_ms, "garpRefresh");
	is_int(20, v->vc.release_delay_ms, "releaseDelay");
	is_int(5, v->vc.vip_lifetime_s, "vipLifetime");
	is_int(2, v->ntrack, "two tracked pools");
	is_str("", v->track[1], "the default pool by name \"\"");
	is_int(60, v->vc.track_penalty, "track weight");
	is_int(3, v->line, "line of the call");
	is_int(3, v->vc.version, "version 3 by default");
	const struct fe_vrrp *w = &conf->vrrp->inst[1];
	is_int(100, w->vc.prio, "priority 100 by default");
	is_int(100, w->vc.adver_cs, "1 s by default");
	ok(w->vc.preempt, "preempt by default");
	is_int(50, w->vc.release_delay_ms, "release delay 50 ms by default");
	is_int(2, w->vc.vip_lifetime_s, "VIP lifetime 2 s by default");
	is_str("lab123", w->vc.auth_pass, "authPass");
	is_int(0, w->vc.track_penalty, "no tracking");
	is_int(DG_OK, vrrpctl_lint(conf, err, sizeof(err)), "0.0.0.0 covers both (%s)", err);
	fe_conf_free(conf);
}

static void test_errors(void)
{
	fails("addVRRP{interface='eth0', vrid=51}\n",
	      "t.conf:1: addVRRP: option 'vip' is required", "no VIP");
	fails("\naddVRRP{vrid=51, vip='198.18.0.160'}\n",
	      "t.conf:2: addVRRP: option 'interface' is required", "no interface");
	fails("addVRRP{interface='eth0', vip='198.18.0.160'}\n",
	      "t.conf:1: addVRRP: option 'vrid' is required", "no vrid");
	fails("addVRRP{interface='eth0', vrid=256, vip='198.18.0.160'}\n",
	      "t.conf:1: addVRRP: option 'vrid' must be between 1 and 255", "vrid range");
	fails("addVRRP{interface='eth0', vrid=1, vip='198.18.0.160', advertInterval=0.125}\n",
	      "t.conf:1: addVRRP: option 'advertInterval' is counted in steps of 0.01 s",
	      "interval resolution");
	fails("addVRRP{interface='eth0', vrid=1, vip='198.18.0.160', advertInterval=0}\n",
	      "t.conf:1: addVRRP: option 'advertInterval' must be at least 0.01 seconds",
	      "interval zero");
	fails("addVRRP{interface='eth0', vrid=1, vip='198.18.0.160', version=2, advertInterval=0.5}\n",
	      "t.conf:1: addVRRP: VRRPv2 advertisement intervals are whole seconds", "v2 interval");
	fails("addVRRP{interface='eth0', vrid=1, vip='198.18.0.160', authPass='x'}\n",
	      "t.conf:1: addVRRP: authentication exists in VRRPv2 only (RFC 5798 removed it)",
	      "v3 with a password");
	fails("addVRRP{interface='eth0', vrid=1, vip='198.18.0.160', version=2, authPass='123456789'}\n",
	      "t.conf:1: addVRRP: authPass '123456789' is longer than 8 characters", "long password");
	fails("addVRRP{interface='eth0', vrid=1, vip={'198.18.0.160', '2001:db8::1'}}\n",
	      "t.conf:1: addVRRP: IPv4 and IPv6 addresses need separate virtual routers (RFC 5798)",
	      "mixed families");
	fails("addVRRP{interface='eth0', vrid=1, vip='198.18.0.300'}\n",
	      "t.conf:1: addVRRP: vip '198.18.0.300': bad netmask syntax", "bad VIP");
	fails("addVRRP{interface='eth0', vrid=1, vip='198.18.0.160', track={pool='rec', weight=0}}\n",
	      "t.conf:1: addVRRP: track.weight must be an integer between 1 and 254", "weight");
	fails("addVRRP{interface='eth0', vrid=1, vip='198.18.0.160', track={pools='rec'}}\n",
	      "t.conf:1: addVRRP track: unknown option 'pools'", "track key");
	fails("addVRRP{interface='eth0', vrid=1, vip='198.18.0.160', trackPools={'x'}}\n",
	      "t.conf:1: addVRRP: unknown option 'trackPools'", "unknown key");
	fails("addVRRP{interface='eth0', vrid=1, vip='198.18.0.160'}\n"
	      "addVRRP{interface='eth0', vrid=1, vip='198.18.0.161'}\n",
	      "t.conf:2: addVRRP: VRID 1 on eth0 is already declared at line 1", "duplicate");
	fails("addVRRP('eth0')\n",
	      "t.conf:1: addVRRP: expects one table, addVRRP{interface=..., vrid=..., vip=...}",
	      "not a table");
}

static void test_lint(void)
{
	/* The guide's LAB-DD2 block (examples/guide/lab-dd2.conf) with its VIP. */
	int ret = lint("setLocal(\"10.10.2.162:53\")\n"
		       "addACL(\"10.10.2.0/24\")\n"
		       "newServer({address=\"10.10.2.164:53\", pool=\"rec\"})\n"
		       "addVRRP{interface=\"ens160\", vrid=51, priority=100, version=2,\n"
		       "        authPass=\"lab123\", vip={\"10.10.2.160/24\"}}\n");
	is_err(DG_ECONFIG, ret, "LAB-DD2 with the VIP: error");
	is_str("t.conf:4: addVRRP: VIP 10.10.2.160 is not covered by any listener (listeners: "
	       "10.10.2.162:53 at line 1): after a failover to this node the VIP would answer "
	       "nothing; listen on 0.0.0.0:53 or on the VIP itself (with "
	       "net.ipv4.ip_nonlocal_bind=1)", err, "names the VIP, the line and the listeners");
	is_err(DG_OK, lint("setLocal('10.10.2.162:53')\naddLocal('10.10.2.160:53')\n"
			   "addVRRP{interface='e', vrid=51, vip='10.10.2.160/24'}\n"),
	       "a listener on the VIP covers it (%s)", err);
	is_err(DG_ECONFIG, lint("setLocal('[::]:53')\n"
				"addVRRP{interface='e', vrid=51, vip='198.18.0.160'}\n"),
	       ":: does not cover an IPv4 VIP (V6ONLY sockets)");
	is_err(DG_OK, lint("setLocal('[::]:53')\n"
			   "addVRRP{interface='e', vrid=51, vip='2001:db8::53/64'}\n"),
	       ":: covers an IPv6 VIP (%s)", err);
	is_err(DG_ECONFIG, lint("setLocal('0.0.0.0:53')\n"
				"addVRRP{interface='e', vrid=51, vip='198.18.0.1', track={pool='rec'}}\n"),
	       "a tracked pool without servers");
	is_str("t.conf:2: addVRRP: tracked pool 'rec' has no servers", err, "names the pool");
	struct fe_conf *conf = load("setLocal('0.0.0.0:53')\n"
				    "addVRRP{interface='e', vrid=51, vip='198.18.0.1'}\n");
	if (conf != NULL) {
		conf->run_user = strdup("nobody");
		is_err(DG_ECONFIG, vrrpctl_lint(conf, err, sizeof(err)), "-u with VRRP refused");
		fe_conf_free(conf);
	}
	is_err(DG_OK, lint("setLocal('10.0.0.1:53')\n"), "no addVRRP: nothing to check");
}

/* A view as the control thread would publish it. */
static void publish(struct fe_conf *conf, enum vrrp_state state)
{
	struct fe_vrrp_view *w = &conf->vrrp->view[0];
	memset(w, 0, sizeof(*w));
	w->running = true;
	w->st.state = state;
	w->st.prio = 90;
	w->st.alive = true;
	w->st.track_ok = false;
	w->st.state_since_us = dg_clock_now_us();
	inet_pton(AF_INET, "198.18.0.2", w->st.master_addr);
	w->st.master_prio = 100;
	w->st.fsm.to_master = 1;
	w->st.fsm.to_backup = 2;
	w->st.fsm.dual_master_events = 3;
	w->st.rx_drops[DG_EVRRP_TTL - VRRP_ERR_FIRST] = 4;
	w->master_changes = 5;
}

#define SHOW_OUT "/tmp/dnsgate-test-showvrrp.txt"

/* Runs showVRRP() in a second chunk on conf (as the console would), its
 * print() redirected to a file; returns what it printed (static). */
static const char *show(struct fe_conf *conf)
{
	static char printed[4096];
	char lerr[1024] = "";
	printed[0] = '\0';
	int ret = cfg_load_string(conf, "show", "local f = io.open('" SHOW_OUT "', 'w')\n"
				  "print = function(s) f:write(s) end\nshowVRRP()\nf:close()\n",
				  lerr, sizeof(lerr));
	size_t len = 0;
	char *text = ret == 0 ? tap_read_file(SHOW_OUT, &len) : NULL;
	if (text != NULL)
		snprintf(printed, sizeof(printed), "%s", text);
	else
		diag("showVRRP: %s", lerr);
	free(text);
	remove(SHOW_OUT);
	return printed;
}

static void test_show(void)
{
	struct fe_conf *conf = load("setLocal('0.0.0.0:53')\nnewServer{address='127.0.0.1:1', pool='rec'}\n"
				    "addVRRP{interface='eth0', vrid=51, priority=150, vip='198.18.0.160/24',"
				    " track={pool='rec'}}\n");
	if (!ok(conf != NULL, "loads (%s)", err))
		return;
	const char *out = show(conf);
	ok(strstr(out, "  51 eth0         3  150 -") != NULL, "configuration only:\n%s", out);
	publish(conf, VRRP_STATE_BACKUP);
	out = show(conf);
	ok(strstr(out, "BACKUP") && strstr(out, "198.18.0.2") && strstr(out, " FAIL ") &&
	   strstr(out, "198.18.0.160/24"), "state, master, tracking, VIP:\n%s", out);
	char lerr[1024] = "";
	is_err(DG_ECONFIG, cfg_load_string(conf, "rt", "addVRRP{interface='eth1', vrid=9, "
					   "vip='198.18.0.9'}\n", lerr, sizeof(lerr)),
	       "addVRRP refused while running");
	is_str("rt:1: addVRRP: virtual routers cannot be added at run time", lerr, "says why");

	json_t *j = webvrrp_json(conf);
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	ok(text && strstr(text, "\"state\":\"BACKUP\"") && strstr(text, "\"master\":\"198.18.0.2\"") &&
	   strstr(text, "\"DG_EVRRP_TTL\":4") && strstr(text, "\"master_changes\":5"), "API: %s", text);
	free(text);
	json_decref(j);
	struct webbuf b = { 0 };
	webvrrp_metrics(conf, &b);
	ok(b.p && strstr(b.p, "dnsgate_vrrp_state{vrid=\"51\",interface=\"eth0\"} 1\n") &&
	   strstr(b.p, "dnsgate_vrrp_dual_master_total{vrid=\"51\",interface=\"eth0\"} 3\n") &&
	   strstr(b.p, "dnsgate_vrrp_transitions_total{vrid=\"51\",interface=\"eth0\",to=\"backup\"} 2\n") &&
	   strstr(b.p, "dnsgate_vrrp_master_changes_total{vrid=\"51\",interface=\"eth0\"} 5\n") &&
	   strstr(b.p, "reason=\"DG_EVRRP_TTL\"} 4\n"), "metrics:\n%s", b.p ? b.p : "");
	webbuf_free(&b);
	fe_conf_free(conf);
}

int main(void)
{
	test_options();
	test_errors();
	test_lint();
	test_show();
	return tap_done();
}
