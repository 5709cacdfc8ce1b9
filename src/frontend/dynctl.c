/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The once-per-second dynamic block round on the control thread (see
 * dynctl.h).
 */
#include "frontend/dynctl.h"

#include <stdbool.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/dynblock.h"
#include "lib/log.h"

#define DYNCTL_PERIOD_US 1000000

struct dynctl {
	struct fe_conf *conf;
	struct fe_conf *scratch;  /* the replay's configuration */
	lua_State *L;             /* NULL without maintenance() */
	uint64_t next_us;
	uint64_t last_err_us;
	uint64_t errors;
};

struct dynctl *dynctl_new(struct fe_conf *conf, char *err, size_t errsz)
{
	struct dynctl *ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL) {
		snprintf(err, errsz, "dynctl: out of memory");
		return NULL;
	}
	ctl->conf = conf;
	if (!conf->wants_control_lua)
		return ctl;
	ctl->scratch = fe_conf_new();
	ctl->L = cfg_replay(ctl->scratch, conf, CFG_MODE_CONTROL, err, errsz);
	if (ctl->L == NULL) {
		dynctl_free(ctl);
		return NULL;
	}
	lua_pushlightuserdata(ctl->L, conf);
	lua_setfield(ctl->L, LUA_REGISTRYINDEX, DYNCTL_LIVE_KEY);
	return ctl;
}

void dynctl_free(struct dynctl *ctl)
{
	if (ctl == NULL)
		return;
	if (ctl->L != NULL)
		lua_close(ctl->L);
	fe_conf_free(ctl->scratch);
	free(ctl);
}

static void run_maintenance(struct dynctl *ctl, uint64_t now_us)
{
	lua_State *L = ctl->L;
	if (lua_getglobal(L, "maintenance") != LUA_TFUNCTION) {
		lua_pop(L, 1);
		return;
	}
	if (lua_pcall(L, 0, 0, 0) == LUA_OK)
		return;
	ctl->errors++;
	/* a broken maintenance() fails every second: say it once a minute */
	if (ctl->last_err_us == 0 || now_us - ctl->last_err_us >= 60 * 1000000ull) {
		dg_log(LOG_ERR, "dynblock", "maintenance() failed (%llu times): %s",
		       (unsigned long long)ctl->errors, lua_tostring(L, -1));
		ctl->last_err_us = now_us;
	}
	lua_settop(L, 0);
}

void dynctl_tick(struct dynctl *ctl, uint64_t now_us)
{
	if (ctl == NULL || now_us < ctl->next_us)
		return;
	ctl->next_us = now_us + DYNCTL_PERIOD_US;
	dynblock_expire(ctl->conf->dynblocks, now_us);
	if (ctl->L != NULL)
		run_maintenance(ctl, now_us);
	if (dynblock_publish(ctl->conf->dynblocks) < 0)
		dg_log(LOG_ERR, "dynblock", "cannot publish the block table: out of memory");
}

uint64_t dynctl_wait_us(const struct dynctl *ctl, uint64_t now_us)
{
	if (ctl == NULL)
		return DYNCTL_PERIOD_US;
	return ctl->next_us > now_us ? ctl->next_us - now_us : 0;
}
