/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's console on the daemon side: controlSocket("addr:port"),
 * secret-box encrypted with the setKey() key (console_proto.h), serving
 * `dnsgate -c` and Debian's `dnsdist -c` alike. Each line a client sends
 * runs in the console's Lua state, which has the whole configuration API
 * bound to the live configuration plus the console commands (showServers,
 * dumpStats, topQueries, ...: console_cmds.c); what it prints and returns
 * goes back to the client.
 *
 * DESIGN: the console has its own thread with its own epoll loop, so no
 * worker ever waits for it and a slow command delays only other console
 * users. Connections are non-blocking state machines (nonce, then length
 * and body of each message). Commands run one at a time on that thread,
 * the only writer of what the console may change at run time: rule chains
 * and the ACL are republished with RCU (rulechain.h, fe_conf_publish_acl),
 * backend admin states are atomics, and anything whose readers cannot
 * cope with a change (new servers, listeners, caches, policies, most
 * one-value settings) is refused at run time with a message that says so.
 * Clients outside setConsoleACL() (default 127.0.0.0/8, ::1/128), past
 * setConsoleMaximumConcurrentConnections(), or, when no key is set, every
 * client, are refused, logged with the reason and counted; a message that
 * fails authentication (wrong key) closes the connection and is counted.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/config/cfg.h"
#include "lib/compiler.h"

struct fe_conf;
struct worker;
struct console;
struct lua_State;

/* What the console reads: borrowed for its whole life. */
struct console_src {
	struct fe_conf *conf;
	struct worker *workers;
	unsigned nworkers;
	uint64_t start_us;       /* when the daemon started (uptime) */
};

/* Why a console client was turned away (each counted). */
enum console_refuse {
	CONSOLE_REFUSE_ACL,      /* outside setConsoleACL() */
	CONSOLE_REFUSE_NOKEY,    /* no setKey(): nobody can be served */
	CONSOLE_REFUSE_LIMIT,    /* setConsoleMaximumConcurrentConnections() reached */
	CONSOLE_REFUSE_AUTH,     /* a message failed authentication (wrong key) */
	CONSOLE_REFUSE_COUNT
};

/* Counters the console keeps (console thread writes, anyone reads). */
struct console_counters {
	_Atomic uint64_t accepted;
	_Atomic uint64_t commands;
	_Atomic uint64_t refused[CONSOLE_REFUSE_COUNT];
};

/**
 * Binds conf->console_addr and starts the console thread. Logs a warning,
 * as dnsdist does, when no key is set (every connection is then refused).
 * Main thread, after the workers started; src is borrowed until
 * console_stop(). On success *out is the console.
 * @retval 0, DG_EADDR_SYNTAX, DG_ECONSOLE_KEY (setKey() text is not a key),
 *         -errno when the address cannot be bound (logged), DG_ENOMEM.
 */
DG_MUSTCHECK int console_start(struct console **out, const struct console_src *src);

/** Stops the thread, closes every connection and frees c (NULL is fine). Main thread. */
void console_stop(struct console *c);

/** The console's counters (valid until console_stop()). */
const struct console_counters *console_counters(const struct console *c);

/** The name of a refusal reason ("acl", "nokey", "limit", "auth"). */
const char *console_refuse_name(enum console_refuse r);

/* --- console_cmds.c: the console-only Lua functions ---------------------- */

/* One backend's counters at the last sample and the rates derived from them. */
struct console_be_sample {
	uint64_t queries, drops, responses, lat_sum_us;
	double qps, drate, lat_ms;
};

/*
 * The runtime view console commands read, stored in the console's Lua
 * state (console_cmds_bind()). Console thread only.
 */
struct console_rt {
	const struct console_src *src;
	const struct console *console;
	struct console_be_sample *be;  /* per backend, same index as conf->backends */
	uint64_t prev_us;              /* when the last sample was taken */
	char *out;                     /* what the running command printed */
	size_t outlen, outcap;
	bool oom;                      /* the output could not grow: reported as an error */
	uint64_t deadline_us;          /* the running command is stopped after this */
};

/* How long one console command may run: it holds the control lock that the
 * web server also takes (conf.h), so a runaway loop must not hold it forever. */
#define CONSOLE_CMD_MAX_US (10 * 1000000ull)

/** The runtime view bound to L, or NULL outside the console (a file loading). */
struct console_rt *console_rt_get(struct lua_State *L);

/* The console commands (showServers, dumpStats, topQueries, ...). */
extern const struct cfg_fn console_fns[]; /* rows as in config/cfg.h */

/**
 * Registers the console commands in L (a cfg_console_state()), binds rt,
 * replaces print() so its output is collected for the client, and refuses
 * at run time the configuration functions that cannot change a running
 * daemon. @retval 0, DG_ENOMEM.
 */
DG_MUSTCHECK int console_cmds_bind(struct lua_State *L, struct console_rt *rt);

/**
 * Runs one console line in L the way dnsdist does ("return <line>" first,
 * then the line as a statement) and returns what the client sees: what it
 * printed, then its result ("Error: ..." on failure). *out is malloc'ed
 * (caller frees), *outlen its length. @retval 0, DG_ENOMEM.
 */
DG_MUSTCHECK int console_cmds_run(struct lua_State *L, const char *line, size_t len, char **out,
				  size_t *outlen);

/** Samples per-backend query counts for showServers()'s QPS (about once a second). */
void console_cmds_sample(struct console_rt *rt, uint64_t now_us);

/* --- console_top.c: the ring-based tops --------------------------------- */

/**
 * topQueries([n [, labels]]): the n (default 10) names queried most in the
 * rings, optionally cut to their last labels labels, then "Rest", in
 * dnsdist's "%4d  %-40s %4d %5.1f%%" lines. Lua C function.
 */
int console_top_queries(struct lua_State *L);

/** topClients([n]): the n client addresses that sent the most queries. Lua C function. */
int console_top_clients(struct lua_State *L);

/**
 * topResponses([n [, rcode [, labels]]]): the n names with the most
 * responses of this RCODE (default 0, NOERROR). Lua C function.
 */
int console_top_responses(struct lua_State *L);
