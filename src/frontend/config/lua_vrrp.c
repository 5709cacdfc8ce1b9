/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * VRRP from Lua (issue 7): addVRRP{...} declares a virtual router the
 * daemon runs on its control thread (frontend/vrrpctl.h), showVRRP()
 * prints every virtual router's state and counters. dnsdist has neither;
 * the names follow its camelCase style. The option rows below are the
 * single place each key is declared, with its range; defaults come from
 * vrrp_conf_init() (libvrrp), and vrrp_conf_check() gives the remaining
 * load-time errors. showVRRP() runs in the configuration (before the
 * daemon starts it shows the configuration only) and in the console,
 * whose thread reads the control thread's snapshot (vrrpctl_view).
 */
#include <arpa/inet.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/config/lua_families.h"
#include "frontend/vrrpctl.h"
#include "lib/clock.h"
#include "lib/err.h"

#define FN "addVRRP"

/* A number of seconds at idx, scaled to units per second (exact to 1e-6). */
static uint64_t seconds(lua_State *L, int idx, const char *key, double max_s, double per_s)
{
	if (lua_type(L, idx) != LUA_TNUMBER)
		cfg_error(L, FN ": option '%s' must be a number of seconds", key);
	double v = lua_tonumber(L, idx);
	if (!(v >= 0 && v <= max_s))
		cfg_error(L, FN ": option '%s' must be between 0 and %g seconds", key, max_s);
	double u = v * per_s;
	if (fabs(u - round(u)) > 1e-6)
		cfg_error(L, FN ": option '%s' is counted in steps of %g s", key, 1 / per_s);
	return (uint64_t)llround(u);
}

static void opt_interval(lua_State *L, int idx, const char *func, void *target)
{
	struct fe_vrrp *v = target;
	(void)func;
	uint64_t cs = seconds(L, idx, "advertInterval", 40.95, 100);
	if (cs == 0)
		cfg_error(L, FN ": option 'advertInterval' must be at least 0.01 seconds");
	v->vc.adver_cs = (uint16_t)cs;
}

static void opt_preempt_delay(lua_State *L, int idx, const char *func, void *target)
{
	(void)func;
	((struct fe_vrrp *)target)->vc.preempt_delay_ms =
		(uint32_t)seconds(L, idx, "preemptDelay", 3600, 1000);
}

static void opt_garp_refresh(lua_State *L, int idx, const char *func, void *target)
{
	(void)func;
	((struct fe_vrrp *)target)->vc.garp_refresh_ms =
		(uint32_t)seconds(L, idx, "garpRefresh", 3600, 1000);
}

static void opt_release_delay(lua_State *L, int idx, const char *func, void *target)
{
	(void)func;
	((struct fe_vrrp *)target)->vc.release_delay_ms =
		(uint32_t)seconds(L, idx, "releaseDelay", 10, 1000);
}

static void add_vip(lua_State *L, int idx, struct fe_vrrp *v)
{
	const char *s = lua_tostring(L, idx);
	if (lua_type(L, idx) != LUA_TSTRING)
		cfg_error(L, FN ": option 'vip' must be an address or a list of addresses");
	if (v->vc.nvips >= VRRP_MAX_VIPS)
		cfg_error(L, FN ": at most %d virtual addresses per virtual router", VRRP_MAX_VIPS);
	int ret = vrrp_vip_parse(&v->vc.vips[v->vc.nvips], s);
	if (ret < 0)
		cfg_error(L, FN ": vip '%s': %s", s, dg_strerror(ret));
	v->vc.nvips++;
}

/* vip="198.18.0.160/24" or vip={"198.18.0.160/24", ...} */
static void opt_vip(lua_State *L, int idx, const char *func, void *target)
{
	(void)func;
	if (lua_type(L, idx) != LUA_TTABLE) {
		add_vip(L, idx, target);
		return;
	}
	for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, idx); i++) {
		lua_rawgeti(L, idx, i);
		add_vip(L, lua_gettop(L), target);
		lua_pop(L, 1);
	}
}

static void add_track_pool(lua_State *L, int idx, struct fe_vrrp *v)
{
	if (lua_type(L, idx) != LUA_TSTRING)
		cfg_error(L, FN ": track.pool must be a pool name or a list of names");
	if (v->ntrack >= FE_VRRP_TRACK_MAX)
		cfg_error(L, FN ": at most %d tracked pools", FE_VRRP_TRACK_MAX);
	cfg_copy_str(L, lua_tostring(L, idx), v->track[v->ntrack], FE_NAME_MAX, FN, "pool");
	v->ntrack++;
}

/* track={pool="rec" or pool={"rec", ...}, weight=50} */
static void opt_track(lua_State *L, int idx, const char *func, void *target)
{
	static const char *const keys[] = { "pool", "weight", NULL };
	struct fe_vrrp *v = target;
	(void)func;
	if (lua_type(L, idx) != LUA_TTABLE)
		cfg_error(L, FN ": option 'track' must be a table {pool=..., weight=...}");
	cfg_check_keys(L, idx, FN " track", keys);
	if (lua_getfield(L, idx, "pool") == LUA_TTABLE) {
		int t = lua_gettop(L);
		for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, t); i++) {
			lua_rawgeti(L, t, i);
			add_track_pool(L, lua_gettop(L), v);
			lua_pop(L, 1);
		}
	} else {
		add_track_pool(L, lua_gettop(L), v);
	}
	lua_pop(L, 1);
	v->vc.track_penalty = FE_VRRP_TRACK_WEIGHT;
	if (lua_getfield(L, idx, "weight") != LUA_TNIL) {
		int isint = 0;
		lua_Integer w = lua_tointegerx(L, -1, &isint);
		if (!isint || w < 1 || w > 254)
			cfg_error(L, FN ": track.weight must be an integer between 1 and 254");
		v->vc.track_penalty = (uint8_t)w;
	}
	lua_pop(L, 1);
}

#define VC(f) offsetof(struct fe_vrrp, vc.f), sizeof(((struct vrrp_conf *)0)->f)

static const struct cfg_opt vrrp_opts[] = {
	{ "interface", CFG_OPT_STR, VC(ifname), 0, 0, 0, NULL },
	{ "vrid", CFG_OPT_UINT, VC(vrid), 1, 255, 0, NULL },
	{ "priority", CFG_OPT_UINT, VC(prio), 1, 255, 100, NULL },
	{ "version", CFG_OPT_UINT, VC(version), 2, 3, 3, NULL },
	{ "preempt", CFG_OPT_BOOL, VC(preempt), 0, 0, 1, NULL },
	{ "authPass", CFG_OPT_STR, VC(auth_pass), 0, 0, 0, NULL },
	{ "vipLifetime", CFG_OPT_UINT, VC(vip_lifetime_s), 0, 86400, 2, NULL },
	{ "advertInterval", CFG_OPT_CUSTOM, 0, 0, 0, 0, 0, opt_interval },
	{ "preemptDelay", CFG_OPT_CUSTOM, 0, 0, 0, 0, 0, opt_preempt_delay },
	{ "garpRefresh", CFG_OPT_CUSTOM, 0, 0, 0, 0, 0, opt_garp_refresh },
	{ "releaseDelay", CFG_OPT_CUSTOM, 0, 0, 0, 0, 0, opt_release_delay },
	{ "vip", CFG_OPT_CUSTOM, 0, 0, 0, 0, 0, opt_vip },
	{ "track", CFG_OPT_CUSTOM, 0, 0, 0, 0, 0, opt_track },
	{ NULL, CFG_OPT_BOOL, 0, 0, 0, 0, 0, NULL },
};

static bool vip_family_eq(const struct fe_vrrp *a, const struct fe_vrrp *b)
{
	return a->vc.vips[0].family == b->vc.vips[0].family;
}

/* Run-time changes would need the control thread's cooperation: refused. */
static bool vrrp_running(struct fe_vrrps *vs)
{
	struct fe_vrrp_view view;
	return vrrpctl_view(vs, 0, &view) && view.running;
}

static int v_addVRRP(lua_State *L)
{
	struct fe_vrrp v;
	char where[512];
	memset(&v, 0, sizeof(v));
	vrrp_conf_init(&v.vc);
	v.line = cfg_where(L, where, sizeof(where));
	if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TTABLE)
		return cfg_error(L, FN ": expects one table, addVRRP{interface=..., vrid=..., vip=...}");
	cfg_apply_opts(L, 1, FN, vrrp_opts, &v);
	if (v.vc.ifname[0] == '\0')
		return cfg_error(L, FN ": option 'interface' is required");
	if (v.vc.vrid == 0)
		return cfg_error(L, FN ": option 'vrid' is required");
	if (v.vc.nvips == 0)
		return cfg_error(L, FN ": option 'vip' is required");
	const char *why = NULL;
	if (vrrp_conf_check(&v.vc, &why) < 0)
		return cfg_error(L, FN ": %s", why);
	struct fe_conf *conf = cfg_conf(L);
	if (conf->vrrp != NULL && vrrp_running(conf->vrrp))
		return cfg_error(L, FN ": virtual routers cannot be added at run time");
	struct fe_vrrps *vs = vrrpctl_conf_get(conf);
	for (int i = 0; i < vs->n; i++)
		if (vs->inst[i].vc.vrid == v.vc.vrid && vip_family_eq(&vs->inst[i], &v) &&
		    strcmp(vs->inst[i].vc.ifname, v.vc.ifname) == 0)
			return cfg_error(L, FN ": VRID %u on %s is already declared at line %d",
					 v.vc.vrid, v.vc.ifname, vs->inst[i].line);
	if (vs->n >= FE_VRRP_MAX)
		return cfg_error(L, FN ": at most %d virtual routers", FE_VRRP_MAX);
	vs->inst[vs->n++] = v;
	return 0;
}

/* Appends formatted text to buf (at most cap), keeping *len. */
static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...) DG_PRINTF(4, 5);
static void put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	if (*len + 1 >= cap)
		return;
	va_start(ap, fmt);
	int w = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (w > 0)
		*len = *len + (size_t)w < cap ? *len + (size_t)w : cap - 1;
}

static void show_one(const struct fe_vrrp *v, const struct fe_vrrp_view *view, int i,
		     char *buf, size_t cap, size_t *len)
{
	const struct vrrp_stats *st = &view->st;
	char master[INET6_ADDRSTRLEN] = "-", vips[256] = "", a[64];
	size_t vl = 0;
	for (unsigned k = 0; k < v->vc.nvips; k++)
		put(vips, sizeof(vips), &vl, "%s%s", k ? "," : "", vrrp_vip_str(&v->vc.vips[k], a, sizeof(a)));
	if (!view->running) {
		put(buf, cap, len, "%-2d %4u %-10s %3u %4u %-7s %7s %-15s %5s %5s %5s %5s %4s %4s %s\n",
		    i, v->vc.vrid, v->vc.ifname, v->vc.version, v->vc.prio, "-", "-", "-", "-", "-",
		    "-", "-", "-", "-", vips);
		return;
	}
	if (view->master_self)
		snprintf(master, sizeof(master), "this node");
	else if (st->master_prio > 0)
		inet_ntop(v->vc.vips[0].family, st->master_addr, master, sizeof(master));
	double since = (double)(dg_clock_now_us() - st->state_since_us) / 1e6;
	put(buf, cap, len,
	    "%-2d %4u %-10s %3u %4u %-7s %6.1fs %-15s %5s %5s %5llu %5llu %4llu %4llu %s\n", i,
	    v->vc.vrid, v->vc.ifname, v->vc.version, st->prio, vrrp_state_name(st->state), since,
	    master, st->alive ? "yes" : "NO", st->track_ok ? "ok" : "FAIL",
	    (unsigned long long)st->fsm.to_master, (unsigned long long)st->fsm.to_backup,
	    (unsigned long long)view->master_changes, (unsigned long long)st->fsm.dual_master_events,
	    vips);
}

/* showVRRP(): one line per virtual router. */
static int v_showVRRP(lua_State *L)
{
	struct fe_vrrps *vs = cfg_conf(L)->vrrp;
	char buf[4096];
	size_t len = 0;
	put(buf, sizeof(buf), &len,
	    "#  VRID Interface  Ver Prio State   Since   Master          Alive Track "
	    "ToMst ToBck MChg Dual VIPs\n");
	for (int i = 0; vs != NULL && i < vs->n; i++) {
		struct fe_vrrp_view view;
		if (vrrpctl_view(vs, i, &view))
			show_one(&vs->inst[i], &view, i, buf, sizeof(buf), &len);
	}
	cfg_print(L, buf, len);
	return 0;
}

const struct cfg_fn cfg_vrrp_fns[] = {
	{ "addVRRP", v_addVRRP },
	{ "showVRRP", v_showVRRP },
	{ NULL, NULL },
};
