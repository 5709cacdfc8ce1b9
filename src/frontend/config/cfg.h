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
#include <stdint.h>

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

/*
 * Why a state runs the configuration. The load builds the real fe_conf.
 * The daemon then re-runs ("replays") the same file in more states, each
 * on a scratch fe_conf that is never served, to get the Lua functions the
 * file defines into them (see luart.h): one state per worker (its
 * LuaAction/LuaRule/LuaResponseAction functions) and one for the control
 * thread (maintenance(), dynamic block groups). A replay silences print()
 * and the log functions while the file runs and opens no file.
 */
enum cfg_mode {
	CFG_MODE_LOAD,
	CFG_MODE_WORKER,
	CFG_MODE_CONTROL,
};

/**
 * Replays the configuration that built orig (its file, or the text given
 * to cfg_load_string()) in a new Lua state on scratch (from fe_conf_new(),
 * owned by the caller, who must keep it while the state lives).
 * @return the state (caller closes it with lua_close() before freeing
 *         scratch), or NULL with a "file:line: message" in err.
 */
struct lua_State *cfg_replay(struct fe_conf *scratch, const struct fe_conf *orig,
			     enum cfg_mode mode, char *err, size_t errsz);

/** Why L runs the configuration (CFG_MODE_LOAD for the load). */
enum cfg_mode cfg_mode(struct lua_State *L);

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

/* Kinds of values an option row (struct cfg_opt) accepts. */
enum cfg_opt_type {
	CFG_OPT_BOOL,   /* Lua boolean -> bool */
	CFG_OPT_UINT,   /* Lua integer in [min, max] -> unsigned field of 'size' bytes */
	CFG_OPT_STR,    /* Lua string -> char[size], NUL-terminated, error if longer */
	CFG_OPT_CUSTOM, /* parse() converts the value at the given stack index */
	CFG_OPT_IGNORE, /* dnsdist key with no effect in dnsgate: accepted, ignored */
	CFG_OPT_UNSUP,  /* dnsdist key dnsgate does not implement: an error naming it */
};

/*
 * One key of an options table (newServer{...}, newPacketCache(n, {...}),
 * addLocal(a, {...}), ...), with where it goes in the target struct, its
 * range and its default: the single place where an option is declared
 * (STYLE.md 8.7). Tables of rows end with a row whose key is NULL.
 */
struct cfg_opt {
	const char *key;
	enum cfg_opt_type type;
	size_t off;            /* offsetof() in the target struct */
	size_t size;           /* sizeof() the field */
	int64_t min, max;      /* CFG_OPT_UINT range */
	int64_t def;           /* default for BOOL/UINT, applied by cfg_opts_defaults() */
	void (*parse)(struct lua_State *L, int idx, const char *func, void *target);
};

/*
 * A dnsdist setter that stores its one argument in a field of struct
 * fe_conf (setUDPTimeout(n), truncateTC(bool), ...): a row is the whole
 * implementation. Defaults live in fe_conf_new(). Tables end with name NULL.
 */
struct cfg_setter {
	const char *name;
	enum cfg_opt_type type; /* CFG_OPT_BOOL or CFG_OPT_UINT */
	size_t off, size;       /* field in struct fe_conf */
	int64_t min, max;
};

/** Sets every BOOL/UINT field of target to its row's default. */
void cfg_opts_defaults(const struct cfg_opt *opts, void *target);

/**
 * Applies the options table at stack index idx to target: each key must
 * have a row (an unknown key is an error naming it and func), each value
 * the row's type and range. Raises a configuration error (never returns)
 * on any problem; allocates nothing, so an error leaks nothing.
 */
void cfg_apply_opts(struct lua_State *L, int idx, const char *func, const struct cfg_opt *opts,
		    void *target);

/** Registers each setter row as a Lua global (a closure over its row). */
void cfg_register_setters(struct lua_State *L, const struct cfg_setter *rows);

/**
 * Creates a full userdata of size bytes with the metatable tname, made on
 * first use with __index = methods (NULL-terminated rows, may be NULL),
 * __gc = gc (may be NULL) and __name = tname. Leaves it on the stack and
 * returns its memory (zero-filled).
 */
void *cfg_newudata(struct lua_State *L, size_t size, const char *tname,
		   const struct cfg_fn *methods, int (*gc)(struct lua_State *L));

/**
 * The userdata of type tname at stack index idx, or a configuration error
 * "func: argument N must be a <what>" (never returns NULL).
 */
void *cfg_checkudata(struct lua_State *L, int idx, const char *tname, const char *func,
		     const char *what);

/**
 * Writes "file:line" of the innermost Lua function on the call stack (the
 * configuration line being run) into out; "?" when there is none.
 * Returns the line number, or 0.
 */
int cfg_where(struct lua_State *L, char *out, size_t outsz);

/**
 * Copies a string argument or option into a fixed buffer, raising a
 * configuration error when it does not fit (names are at most outsz-1).
 */
void cfg_copy_str(struct lua_State *L, const char *s, char *out, size_t outsz, const char *func,
		  const char *what);

/**
 * Prints text (len bytes; one trailing newline is dropped, print() adds
 * it) through the state's global print(): stdout while a file loads, the
 * client's screen in the console, whose state replaces print(). Functions
 * that show something (showRules, printStats, ...) all go through it.
 * May raise a Lua error (whatever print() raises).
 */
void cfg_print(struct lua_State *L, const char *text, size_t len);

/**
 * A Lua state with the whole configuration API bound to the live
 * configuration conf (borrowed; it outlives the state), for the console:
 * nothing is run in it, and its functions change conf as the file's did.
 * Its error handler (cfg_msgh) is at stack index 1. NULL on OOM.
 * Caller closes it with lua_close().
 */
struct lua_State *cfg_console_state(struct fe_conf *conf);

/**
 * Writes to out, one per line and sorted, every global function of the
 * configuration API (every family's functions and setters; neither the
 * dnsdist functions dnsgate refuses as "not supported" nor Lua's own
 * library), together with the names in extra (NULL-terminated rows, may
 * be NULL: the console's commands). `dnsgate --list-functions` prints it
 * and the dnsgate.conf(5) test compares the man page with it, so the page
 * cannot drift from the code.
 * @retval number of names written, DG_ENOMEM.
 */
DG_MUSTCHECK int cfg_list_functions(FILE *out, const struct cfg_fn *extra);
