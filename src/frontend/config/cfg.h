/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Loading a dnsdist Lua configuration into a struct fe_conf.
 *
 * DESIGN: one Lua 5.4 state runs the file. Each family of dnsdist functions
 * lives in its own config/lua_<family>.c and exports one table of
 * struct cfg_fn rows (name, handler); cfg.c registers them all, and also
 * registers every dnsdist function dnsgate does not implement as a handler
 * that fails with "file:line: function X is not supported by dnsgate".
 * Handlers find the configuration being built with cfg_conf(L) and report
 * errors with cfg_error(L, ...), which prefixes file:line exactly once.
 * Objects handed to Lua (rules, actions, servers, pools, caches, suffix
 * nodes, netmask groups) are full userdata with a metatable named
 * "dnsgate.<kind>"; their __gc frees only what the configuration did not
 * take ownership of.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lib/compiler.h"

struct fe_conf;
struct lua_State;

/* One Lua API function. */
struct cfg_fn {
	const char *name;
	int (*fn)(struct lua_State *L);
};

/**
 * Runs the Lua file on conf. Every error (Lua syntax, runtime error, an
 * unsupported function, a bad argument) is written to err as
 * "file:line: message" and makes the load fail.
 * @retval 0 on success, DG_ECONFIG on a configuration error.
 */
DG_MUSTCHECK int cfg_load_file(struct fe_conf *conf, const char *file, char *err, size_t errsz);

/** Same as cfg_load_file() for a string (tests, the console); name labels messages. */
DG_MUSTCHECK int cfg_load_string(struct fe_conf *conf, const char *name, const char *lua,
				 char *err, size_t errsz);

/** The configuration being built by the state L (stored in its registry). */
struct fe_conf *cfg_conf(struct lua_State *L);

/**
 * Raises a Lua error "file:line: message" where file:line is the caller's
 * position in the configuration. Never returns (longjmps); declared int so
 * handlers can write `return cfg_error(L, ...)`.
 */
int cfg_error(struct lua_State *L, const char *fmt, ...) DG_PRINTF(2, 3);

/**
 * Checks an options table at stack index idx against the keys a function
 * accepts (NULL-terminated list); an unknown key is a configuration error
 * naming the key and the function, as dnsdist warns about unknown keys.
 */
void cfg_check_keys(struct lua_State *L, int idx, const char *func, const char *const *keys);

/** Registers a table of functions as Lua globals. */
void cfg_register(struct lua_State *L, const struct cfg_fn *fns);
