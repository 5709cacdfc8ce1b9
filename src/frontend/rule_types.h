/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The layouts of struct rule and struct action, shared by rules.c (rule
 * evaluation), actions.c (actions) and config/lua_rules.c (construction
 * from Lua). Everything else sees them as opaque (rules.h).
 *
 * Ownership: rules and actions are reference counted at configuration time
 * only (one Lua object may be used in several addAction() calls or inside
 * several AndRule()s). rule_free()/action_free() drop one reference. Once
 * workers run, they are read-only except for their own runtime state
 * (rate-limit buckets), which is thread-safe by construction.
 */
#pragma once

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "frontend/conf.h"
#include "frontend/query.h"
#include "frontend/ratelimit.h"
#include "lib/dname.h"
#include "lib/nmg.h"
#include "lib/sset.h"

struct luart;

enum rule_kind {
	RULE_ALL,
	RULE_QTYPE,
	RULE_QCLASS,
	RULE_QNAME,
	RULE_SUFFIX,
	RULE_REGEX,
	RULE_NMG,
	RULE_MAXQPSIP,
	RULE_MAXQPS,
	RULE_OPCODE,
	RULE_RD,
	RULE_TCP,
	RULE_DNSSEC,
	RULE_AND,
	RULE_OR,
	RULE_NOT,
	RULE_LUA,          /* LuaRule(f): f(dq) in the worker's Lua state (luart.h) */
	RULE_RECORDS,      /* RecordsCountRule(section, min, max) */
	RULE_RECORDS_TYPE, /* RecordsTypeCountRule(section, type, min, max) */
	RULE_EDNS_VERSION, /* EDNSVersionRule(v): OPT version greater than v */
	RULE_EDNS_OPTION,  /* EDNSOptionRule(code) */
	RULE_DSTPORT,      /* DSTPortRule(port) */
	RULE_QNAME_LABELS, /* QNameLabelsCountRule(min, max): outside [min, max] */
	RULE_QNAME_WIRELEN, /* QNameWireLengthRule(min, max): outside [min, max] */
	RULE_RCODE,        /* RCodeRule(rcode): the header's 4 bits */
	RULE_ERCODE,       /* ERCodeRule(rcode): 12 bits with the OPT's upper 8 */
	RULE_PROBA,        /* ProbaRule(p): matches a random fraction p of queries;
			    * u.range.min is p * 2^32 (capped), u.range.max p in millionths */
};

/* A suffix set shared between Lua (newSuffixMatchNode) and the rules using
 * it: dnsdist lets :add() extend a node after a rule took it. */
struct fe_smn {
	int refs;
	struct dg_sset set;
};

/* glibc's regexec() takes a lock inside the compiled regex, so each rule
 * keeps one compiled copy per worker slot (q->worker % copies). */
#define RULE_REGEX_COPIES_MAX 64

struct rule {
	enum rule_kind kind;
	int refs;
	bool quiet; /* SuffixMatchNodeRule/NetmaskGroupRule: no list in showRules() */
	union {
		uint16_t num; /* QTYPE, QCLASS, OPCODE */
		bool tcp;     /* TCPRule(true) matches TCP, (false) UDP */
		uint8_t qname[DG_DNAME_MAXLEN]; /* QNAME: lower-cased wire name */
		struct fe_smn *smn;
		struct {
			regex_t *re;
			int copies;
			char *text;
		} regex;
		struct {
			struct dg_nmg nmg;
			bool src; /* match the source (true) or destination address */
		} nmg;
		struct rl_ip *rl;
		struct rl_bucket *bucket; /* MaxQPSRule */
		struct {
			struct rule **kids;
			int n;
		} list; /* AND, OR */
		struct rule *child; /* NOT */
		struct {
			unsigned id;               /* the k-th Lua function the file made */
			struct luart *const *rt;   /* &conf->luart, set by the daemon */
		} lua;
		struct {
			uint32_t min, max; /* RECORDS*, QNAME_*: inclusive range */
			uint16_t type;     /* RECORDS_TYPE */
			uint8_t section;   /* RECORDS*: 0 question .. 3 additional */
		} range;
	} u;
};

enum action_kind {
	ACT_DROP,
	ACT_ALLOW,
	ACT_NONE,
	ACT_POOL,
	ACT_QPSPOOL,
	ACT_QPS,
	ACT_RCODE,
	ACT_SPOOF,
	ACT_TC,
	ACT_LOG,
	ACT_SETECS,
	ACT_SKIPCACHE,
	ACT_NORECURSE,
	ACT_RESP_DROP,
	ACT_RESP_ALLOW,
	ACT_LUA,              /* LuaAction / LuaResponseAction (a->response): luart.h */
	ACT_CONTINUE,         /* ContinueAction(a): runs a, then the next rules */
	ACT_DISABLE_VALIDATION, /* SetDisableValidationAction: CD=1 */
	ACT_SKIPCACHE_RESP,   /* SetSkipCacheResponseAction: not inserted in the cache */
	ACT_TEMPFAIL_TTL,     /* SetTempFailureCacheTTLAction(ttl) */
	ACT_DELAY,            /* DelayAction / DelayResponseAction(msec), UDP only */
	ACT_NEGSOA,           /* NegativeAndSOAAction */
	ACT_EDNSOPT,          /* SetEDNSOptionAction(code, data) */
};

/* One raw RDATA of SpoofRawAction. */
struct spoof_raw {
	uint8_t *data;
	uint16_t len;
};

#define SPOOF_MAX_RECORDS 64

struct action {
	enum action_kind kind;
	int refs;
	bool response;            /* built by a *ResponseAction constructor */
	struct fe_answer_flags fl; /* RCODE/SPOOF options */
	uint32_t ttl;              /* SPOOF record TTL (dnsdist default 60) */
	struct rl_bucket qps;      /* QPS, QPSPOOL */
	union {
		uint16_t rcode;
		struct {
			char name[FE_NAME_MAX];
			bool stop;            /* default true */
			struct fe_pool *pool; /* set by rules_resolve() */
		} pool;
		struct {
			struct dg_addr *addrs;
			int naddrs;
			uint8_t *cname;       /* SpoofCNAMEAction: wire name, or NULL */
			struct spoof_raw *raw; /* SpoofRawAction */
			int nraw;
			uint16_t type_for_any; /* 0: answer ANY with the query type */
		} spoof;
		struct {
			FILE *fp;     /* NULL: through the logger */
			char *path;
			bool binary, verbose_only, timestamp;
		} log;
		struct {
			struct dg_netmask v4, v6;
			bool has_v6;
		} ecs;
		unsigned lua_id;          /* LUA: the k-th Lua function the file made */
		struct action *inner;     /* CONTINUE (owned reference) */
		uint32_t num;             /* DELAY: msec; TEMPFAIL_TTL: seconds */
		struct {
			uint8_t *zone;       /* SOA owner, wire name, owned */
			uint8_t *rdata;      /* SOA RDATA (uncompressed), owned */
			uint16_t rdlen;
			bool nxd;            /* NXDOMAIN, else NODATA */
			bool soa_in_answer;  /* soaInAnswerSection option */
		} negsoa;
		struct {
			uint16_t code, len;
			uint8_t *data;            /* owned */
		} ednsopt;
	} u;
};

/* What an action decided about the query. */
enum act_result {
	ACT_R_CONTINUE, /* non-terminal: evaluate the next rule */
	ACT_R_FORWARD,  /* stop here and forward to q->pool */
	ACT_R_DROP,
	ACT_R_ANSWER,   /* q->buf holds a response */
};

/** Allocates a rule of this kind with one reference, zero-filled. NULL on OOM. */
struct rule *rule_new(enum rule_kind kind);

/** Takes one more reference on r and returns it. Configuration time. */
struct rule *rule_ref(struct rule *r);

/** True when r matches q. Any worker, concurrently. */
bool rule_match(const struct rule *r, const struct fe_query *q);

/** Allocates an action of this kind with one reference. NULL on OOM. */
struct action *action_new(enum action_kind kind);

/** Takes one more reference on a and returns it. Configuration time. */
struct action *action_ref(struct action *a);

/**
 * Applies a to the query (rules_eval) or, for response actions, to the
 * response in q->buf (rules_eval_response). Any worker, concurrently.
 */
enum act_result action_apply(struct action *a, const struct fe_conf *conf, struct fe_query *q);

/* A bounded text buffer for rule_describe()/action_describe(). */
struct desc_buf {
	char *p;
	size_t sz, len;
	bool over; /* something did not fit */
};

/** Appends printf-style text to b (cut at b->sz, setting b->over). */
void desc_add(struct desc_buf *b, const char *fmt, ...) DG_PRINTF(2, 3);

/** Appends the presentation form of a wire name ("example.com."). */
void desc_add_name(struct desc_buf *b, const uint8_t *name);

/** Allocates a shared suffix set with one reference. NULL on OOM. */
struct fe_smn *fe_smn_new(void);

/** Drops one reference on a suffix set; frees it with the last one. */
void fe_smn_unref(struct fe_smn *smn);
