/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The frontend's configuration model: what a dnsdist Lua file (or the
 * command line) describes, in plain C structures. The Lua layer
 * (config/lua_*.c) builds one struct fe_conf; the data plane reads it.
 *
 * DESIGN: the configuration is built on the main thread before any worker
 * starts and is read-only afterwards, except for the fields marked
 * "runtime": those are atomics written by the control thread (health checks,
 * console commands) and read by workers. Backends, pools and rules are
 * referenced by pointer from the data plane and live as long as the conf.
 * Every allocation here is boot-time (xalloc-style); fe_conf_free() releases
 * all of it.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/dname.h"
#include "lib/nmg.h"
#include "lib/sockaddr.h"

struct rule;
struct action;
struct pcache;
struct rings;
struct rule_prog;
struct luart;
struct dynblock;
struct fe_vrrps;

#define FE_NAME_MAX 64

/* Server selection policies (dnsdist's built-ins). */
enum fe_policy {
	FE_POL_LEAST_OUTSTANDING, /* dnsdist's default */
	FE_POL_FIRST_AVAILABLE,
	FE_POL_ROUNDROBIN,
	FE_POL_WRANDOM,
	FE_POL_WHASHED,
	FE_POL_CHASHED,
};

/* A frontend listener (setLocal/addLocal): UDP and TCP on one address. */
struct fe_listener {
	union dg_sockaddr addr;
	bool do_udp, do_tcp;     /* both by default */
	bool reuseport;          /* addLocal{reusePort=true} */
	int tcp_listen_queue;    /* 0: system default */
	unsigned max_inflight;   /* TCP out-of-order queries per connection; 0: in order */
	int line;                /* configuration line that declared it (for lint messages) */
};

/* How a backend's availability is decided (newServer healthCheckMode / setUp/Down/Auto). */
enum fe_admin {
	FE_ADMIN_AUTO, /* health checks decide */
	FE_ADMIN_UP,   /* forced up */
	FE_ADMIN_DOWN, /* forced down */
};

/* A backend server (newServer). */
struct fe_backend {
	int index;                  /* position in fe_conf.backends, getServer(n) */
	char name[FE_NAME_MAX];     /* name= or the address text */
	union dg_sockaddr addr;
	char **pools;               /* pool names it belongs to ("" = default pool) */
	int npools;
	int weight;                 /* default 1 */
	int order;                  /* default 1 */
	bool tcp_only;
	bool use_client_subnet;
	/* health checks (dnsdist defaults: a.root-servers.net. A IN, 1 s, 1000 ms, 1, 1) */
	uint8_t check_name[DG_DNAME_MAXLEN];
	uint16_t check_type, check_class;
	unsigned check_interval_s;
	unsigned check_timeout_ms;
	unsigned max_check_failures;
	unsigned rise;
	bool must_resolve;          /* NXDOMAIN/SERVFAIL count as failures */
	unsigned max_inflight;      /* TCP queries in flight per backend connection */
	/* runtime */
	_Atomic int admin;          /* enum fe_admin; console setUp/setDown/setAuto */
	_Atomic bool healthy;       /* last health verdict (starts up, as dnsdist) */
	int line;
};

/* A pool of backends (getPool, pool= on newServer). */
struct fe_pool {
	char name[FE_NAME_MAX];     /* "" is the default pool */
	struct fe_backend **servers; /* borrowed from fe_conf.backends */
	int nservers;
	bool has_policy;            /* setPoolServerPolicy was called */
	enum fe_policy policy;
	struct pcache *cache;       /* setCache; shared by pools that share it */
};

/* Workers the per-worker tables are sized for; the daemon starts no more. */
#define FE_MAX_WORKERS 64

struct fe_hits;

/* One rule and its action (addAction / addResponseAction). */
struct fe_rule_entry {
	struct rule *rule;          /* owned */
	struct action *action;      /* owned */
	char name[FE_NAME_MAX];     /* optional name= from the options table */
	uint64_t uuid_hi, uuid_lo;  /* dnsdist shows a UUID per rule */
	struct fe_hits *hits;       /* owned: times it matched, per worker (rule_matches()) */
};

/* A custom HTTP header of the web server (setWebserverConfig customHeaders). */
struct fe_web_header {
	char *name, *value;         /* an empty value removes a default header */
};

/* The web server (webserver(), setWebserverConfig()); dnsdist's defaults. */
struct fe_webconf {
	char *password;             /* plaintext or dnsdist "$scrypt$" hash; NULL: none */
	char *api_key;              /* same */
	struct dg_nmg acl;          /* who may connect; 127.0.0.1 and ::1 by default */
	bool hash_plaintext;        /* hashPlaintextCredentials: keep only a hash in memory */
	bool stats_require_auth;    /* /metrics and /jsonstat need the key or password */
	bool api_requires_auth;     /* /api/ needs the key */
	bool dashboard_requires_auth; /* / needs the password */
	unsigned max_conns;         /* maxConcurrentConnections, default 100 */
	struct fe_web_header *headers;
	int nheaders;
};

/* Packet cache parameters (newPacketCache). */
struct fe_cache_conf {
	size_t max_entries;
	uint32_t max_ttl, min_ttl, temp_failure_ttl, max_negative_ttl, stale_ttl;
	bool dont_age, parse_ecs, keep_stale_data;
	unsigned shards;
};

struct fe_conf {
	const char *file;            /* configuration file name, for messages */

	struct fe_listener *listeners;
	int nlisteners;
	struct dg_nmg acl;           /* queries from outside are dropped; built by the
				      * configuration and the console, read by workers
				      * only through acl_live */
	struct dg_nmg *acl_live;     /* runtime: RCU-published copy of acl (fe_conf_publish_acl) */
	bool acl_set;                /* false: dnsdist's default ACL applies */

	struct fe_backend **backends;
	int nbackends;
	struct fe_pool **pools;
	int npools;
	struct pcache **caches;      /* every cache created, owned here */
	int ncaches;

	/*
	 * Rule chains: arrays ended by an entry whose rule is NULL, published
	 * with RCU and changed only through rulechain.h, so that the console
	 * may change them while workers read them (under rcu_read_lock, to the
	 * terminator). The counts are for the writer side only.
	 */
	struct fe_rule_entry *rules; /* query rules, in order */
	int nrules;
	struct rule_prog *rules_prog; /* rules compiled (rulec.h), RCU-published by
				       * rules_compile(); NULL: scan linearly */
	struct fe_rule_entry *resp_rules; /* response rules, in order */
	int nresp_rules;

	enum fe_policy policy;       /* setServerPolicy; default leastOutstanding */
	bool servfail_when_no_server;
	bool rr_fail_on_no_server;   /* setRoundRobinFailOnNoServer */

	/* EDNS Client Subnet */
	uint8_t ecs_v4_prefix;       /* setECSSourcePrefixV4, default 24 */
	uint8_t ecs_v6_prefix;       /* setECSSourcePrefixV6, default 56 */
	bool ecs_override;
	/* self-generated answers */
	bool add_edns_to_self;       /* default true */
	uint16_t self_payload_size;  /* default 1232 */
	bool truncate_tc;            /* truncateTC */

	/* TCP and UDP limits */
	unsigned max_tcp_client_threads;
	unsigned max_tcp_conns_per_client;    /* 0: unlimited */
	unsigned max_tcp_queries_per_conn;    /* 0: unlimited */
	unsigned max_tcp_conn_duration_s;     /* 0: unlimited */
	unsigned max_udp_outstanding;         /* per backend, default 65535 */
	unsigned udp_timeout_s;               /* default 2 */
	/* setUDPSocketBufferSizes: the listeners' SO_RCVBUF / SO_SNDBUF in
	 * bytes; 0: as large as the system allows (net.core.rmem_max /
	 * wmem_max), what dnsdist does from 1.9 on */
	unsigned udp_rcvbuf, udp_sndbuf;
	unsigned tcp_recv_timeout_s;          /* default 2 */

	bool verbose_health_checks;
	unsigned workers;                     /* 0: one per core */

	/* rings of recent queries/responses (setRingBuffersSize) */
	unsigned ring_size;                   /* entries per worker ring, default 10000 */
	struct rings *rings;                  /* runtime: made by daemon_run() before the
					       * workers start, freed after they stop; NULL otherwise */

	/* per-query Lua, dynamic blocks and the response chains of issue 6 */
	char *lua_text;                       /* cfg_load_string()'s text, replayed by the
					       * per-worker Lua states (a file is re-read) */
	unsigned lua_fns;                     /* LuaAction/LuaRule/LuaResponseAction made */
	bool wants_control_lua;               /* maintenance() or dynamic blocks are used */
	int dynblock_action;                  /* setDynBlocksAction (enum dyn_action) */
	struct fe_rule_entry *hit_rules;      /* addCacheHitResponseAction, in order */
	int nhit_rules;
	struct fe_rule_entry *self_rules;     /* addSelfAnsweredResponseAction, in order */
	int nself_rules;
	struct luart *luart;                  /* runtime: per-worker Lua states (daemon) */
	struct dynblock *dynblocks;           /* runtime: published block table (daemon) */
	/* accepted dnsdist settings (docs/configuration.md says what each does) */
	uint32_t stale_cache_ttl;             /* setStaleCacheEntriesTTL */
	unsigned cache_cleaning_delay_s;      /* setCacheCleaningDelay, default 60 */
	unsigned cache_cleaning_pct;          /* setCacheCleaningPercentage, default 100 */
	bool allow_empty_response;            /* setAllowEmptyResponse */
	bool drop_empty_queries;              /* setDropEmptyQueries */
	bool fixup_case;                      /* fixupCase */

	/*
	 * Serialises the control-plane threads that change the configuration
	 * at run time (the console: rules, the ACL) with those that read the
	 * builder-side fields (the web server's JSON and metrics). Never taken
	 * on the query path: workers read rules and the ACL through RCU.
	 */
	pthread_mutex_t ctl_lock;

	/* the console (console.h): controlSocket, setKey, setConsoleACL, ... */
	char *console_addr;
	char *console_key;
	struct dg_nmg console_acl;            /* default 127.0.0.0/8 and ::1/128, as dnsdist */
	unsigned console_max_conns;           /* setConsoleMaximumConcurrentConnections; 0: no limit */
	char *webserver_addr;
	struct fe_webconf web;

	/* addVRRP{}: virtual routers (vrrpctl.h); NULL when none */
	struct fe_vrrps *vrrp;

	/* -u/--uid and -g/--gid: the daemon switches to them after binding (NULL: stay), privs.h */
	char *run_user;
	char *run_group;
};

/** Allocates a configuration with dnsdist's defaults. Exits on OOM (boot time). */
struct fe_conf *fe_conf_new(void);

/** Frees a configuration and everything it owns (rules, caches, backends). */
void fe_conf_free(struct fe_conf *conf);

/**
 * Adds a backend (already filled by the caller, who gives up ownership) and
 * puts it in its pools, creating pools as needed. Sets be->index.
 */
void fe_conf_add_backend(struct fe_conf *conf, struct fe_backend *be);

/** The pool with this name, or NULL. */
struct fe_pool *fe_conf_find_pool(const struct fe_conf *conf, const char *name);

/** The pool with this name, created empty if missing. Exits on OOM. */
struct fe_pool *fe_conf_get_pool(struct fe_conf *conf, const char *name);

/**
 * Adds dnsdist's default ACL (127.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10,
 * 169.254.0.0/16, 192.168.0.0/16, 172.16.0.0/12, ::1/128, fc00::/7,
 * fe80::/10) to conf->acl. fe_conf_new() calls it, so that, as in dnsdist,
 * addACL() adds to these ranges and setACL() replaces them. Adding is
 * idempotent. Exits on OOM (boot time).
 */
void fe_conf_default_acl(struct fe_conf *conf);

/**
 * Appends a listener (copied). Exits on OOM (boot time).
 */
void fe_conf_add_listener(struct fe_conf *conf, const struct fe_listener *l);

/**
 * Takes ownership of a packet cache (newPacketCache), freed with the
 * configuration. Exits on OOM (boot time).
 */
void fe_conf_add_cache(struct fe_conf *conf, struct pcache *pc);

/** Removes every listener (setLocal() and the -l command-line option start over). */
void fe_conf_clear_listeners(struct fe_conf *conf);

/**
 * Adds dnsdist's default listener, 127.0.0.1:53 UDP and TCP, when no
 * listener was configured. Called once the file and the command line are
 * both applied.
 */
void fe_conf_default_local(struct fe_conf *conf);

/**
 * Publishes a copy of conf->acl as conf->acl_live with RCU, so that a
 * change made by the console (addACL, setACL) reaches the workers without
 * a lock on the query path; frees the previous copy once no worker can
 * still read it. Writer side only (the daemon at start, then the console).
 * @retval 0, DG_ENOMEM (the previous ACL stays in force).
 */
DG_MUSTCHECK int fe_conf_publish_acl(struct fe_conf *conf);

/** True when the backend is usable now (admin state and health). */
static inline bool fe_backend_is_up(const struct fe_backend *be)
{
	int admin = atomic_load_explicit(&be->admin, memory_order_relaxed);
	if (admin == FE_ADMIN_UP)
		return true;
	if (admin == FE_ADMIN_DOWN)
		return false;
	return atomic_load_explicit(&be->healthy, memory_order_relaxed);
}

/**
 * The backend's state in dnsdist's words, for showServers() and the API:
 * "UP"/"DOWN" when forced (setUp/setDown), "up"/"down" as health decides.
 */
static inline const char *fe_backend_state_word(const struct fe_backend *be)
{
	int admin = atomic_load_explicit(&be->admin, memory_order_relaxed);
	if (admin == FE_ADMIN_UP)
		return "UP";
	if (admin == FE_ADMIN_DOWN)
		return "DOWN";
	return atomic_load_explicit(&be->healthy, memory_order_relaxed) ? "up" : "down";
}
