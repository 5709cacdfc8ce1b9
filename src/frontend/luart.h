/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Per-query Lua: LuaAction, LuaRule and LuaResponseAction run the Lua
 * functions of the configuration on the query path, one Lua state per
 * worker, so no lock is ever taken around Lua.
 *
 * DESIGN: how do functions written in the configuration file get into a
 * worker's state? Serialising them (string.dump) loses their upvalues:
 * `local blocked = newNMG() ... LuaRule(function(dq) return
 * blocked:match(dq.remoteaddr) end)` is the common shape, and the NMG would
 * be gone. So each worker state re-runs the whole file ("worker replay",
 * cfg_replay() with CFG_MODE_WORKER) on a scratch configuration that is
 * never served: every upvalue, global and helper is rebuilt exactly as the
 * file builds it. The k-th LuaAction/LuaRule/LuaResponseAction the file
 * creates has id k in the real configuration (conf->lua_fns counts them at
 * load time); in the replay the k-th call stores its function under id k,
 * so the rule entry with id k calls the worker's own copy. The replay must
 * create as many functions as the load did, or the daemon refuses to
 * start. Side effects are suppressed in a replay: print() and the log
 * functions are silenced while the file runs, LogAction opens no file,
 * packet caches are tiny, nothing is bound. What the file does by itself
 * (os.execute, io.open) runs once per replay: docs/configuration.md says so.
 *
 * Per query, the worker pushes its one reusable DNSQuestion object (dq),
 * whose fields are read from and written to the fe_query it points to for
 * the duration of the call; dq used after its call raises an error. Tags
 * (dq:setTag) live in a table that luart_begin() renews lazily for each
 * query or response, so they are seen by the later rules of the same
 * query, not by its response rules.
 *
 * Threads: luart_new()/luart_free() on the main thread (before the
 * workers start / after they stop); everything else by worker 'worker'
 * only, on its own state.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

struct fe_conf;
struct fe_query;
struct luart;
struct lua_State;

/*
 * dnsdist's DNSAction values (the constants of the DNSAction table),
 * numbered as dnsdist 1.7 numbers them.
 */
enum luart_dnsaction {
	LUART_DROP,
	LUART_NXDOMAIN,
	LUART_REFUSED,
	LUART_SPOOF,
	LUART_ALLOW,
	LUART_HEADERMODIFY,
	LUART_POOL,
	LUART_DELAY,
	LUART_TRUNCATE,
	LUART_SERVFAIL,
	LUART_NONE,
	LUART_NOOP,
	LUART_NORECURSE,
};

/* dnsdist's DNSResponseAction values. */
enum luart_respaction {
	LUART_R_ALLOW,
	LUART_R_DELAY,
	LUART_R_DROP,
	LUART_R_HEADERMODIFY,
	LUART_R_SERVFAIL,
	LUART_R_NONE,
};

/**
 * Creates one Lua state per worker by replaying conf's file in each (see
 * DESIGN) and checks that each replay made the conf->lua_fns functions the
 * load made. Main thread, before the workers start.
 * @return the runtime (caller frees with luart_free()), or NULL with a
 *         message in err (the replay's error, or the function count that
 *         differs).
 */
struct luart *luart_new(const struct fe_conf *conf, unsigned nworkers, char *err, size_t errsz);

/** Closes every state (after the workers stopped). NULL is accepted. */
void luart_free(struct luart *rt);

/**
 * Starts a new query or response on worker's state: the next dq:setTag()
 * makes a fresh tag table. Cheap (a counter). Worker thread.
 */
void luart_begin(struct luart *rt, unsigned worker);

/**
 * Runs Lua function id as a LuaAction (response false) or a
 * LuaResponseAction (response true) on q and applies what it returns as
 * dnsdist documents DNSAction / DNSResponseAction. A Lua error is logged
 * (rate-limited) and counted, and answers SERVFAIL, as dnsdist does.
 * @return an enum act_result (rule_types.h) value.
 */
int luart_action(struct luart *rt, const struct fe_conf *conf, unsigned id, struct fe_query *q,
		 bool response);

/**
 * Runs Lua function id as a LuaRule on q: true when it returns true. A Lua
 * error is logged (rate-limited) and counted, and does not match.
 */
bool luart_rule(struct luart *rt, unsigned id, struct fe_query *q);

/** Lua errors raised by the functions, summed over workers (any thread, approximate). */
uint64_t luart_errors(const struct luart *rt);

/**
 * Registers dnsdist's DNSAction and DNSResponseAction tables, the
 * ComboAddress methods and newCA() in L. Called for every configuration state.
 */
void luart_init_lua(struct lua_State *L);

/**
 * Pushes a ComboAddress object for sa (copied) onto L's stack: toString(),
 * toStringWithPort(), getPort(), isIPv4(), isIPv6(), ... as dnsdist's.
 */
void luart_push_ca(struct lua_State *L, const void *sa);

/**
 * The address of the ComboAddress at idx, or of an address string there,
 * into out (a union dg_sockaddr); false when it is neither.
 */
bool luart_to_sockaddr(struct lua_State *L, int idx, void *out);
