/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Helpers shared by the configuration unit tests: load a Lua string into a
 * fresh struct fe_conf as file "t.conf", and expect a load to fail with an
 * exact message. Header-only because each test is a single translation unit
 * and tests/unit/module.mk links only test_*.c.
 */
#pragma once

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "tap.h"

/* The message of the last failed load() (empty after a success). */
static char err[2048];

/* Loads lua into a fresh conf; returns it (NULL and err set on failure).
 * Caller frees with fe_conf_free(). */
static inline struct fe_conf *load(const char *lua)
{
	struct fe_conf *conf = fe_conf_new();
	err[0] = '\0';
	if (cfg_load_string(conf, "t.conf", lua, err, sizeof(err)) < 0) {
		fe_conf_free(conf);
		return NULL;
	}
	return conf;
}

/* Expects the load to fail with exactly this message: two checks. */
static inline void fails(const char *lua, const char *expected, const char *what)
{
	struct fe_conf *conf = load(lua);
	ok(conf == NULL, "%s: load fails", what);
	is_str(expected, err, "%s: message", what);
	fe_conf_free(conf);
}
