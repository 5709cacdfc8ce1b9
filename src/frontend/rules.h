/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Rule chains: dnsdist's addAction()/addResponseAction() lists evaluated in
 * order, the first terminal action winning. struct rule and struct action
 * are opaque here; they are built by config/lua_rules.c and evaluated by
 * rules.c / actions.c. Evaluation is called by any worker concurrently:
 * rules are read-only after configuration except for their own internal
 * runtime state (rate limiter buckets, match counters), which is safe to
 * update from several threads without a global lock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lib/compiler.h"
#include "frontend/query.h"

struct fe_conf;
struct rule;
struct fe_rule_entry;
struct action;

/**
 * Runs the query rules of conf on q. Non-terminal actions (NoneAction,
 * LogAction, SetECSAction, QPSAction under its limit, ...) change q and go
 * on; the first terminal action decides. With no terminal action the query
 * is forwarded to q->pool.
 * @return FE_V_FORWARD, FE_V_DROP or FE_V_ANSWER (q->buf holds the answer).
 */
enum fe_verdict rules_eval(const struct fe_conf *conf, struct fe_query *q);

/**
 * Runs the response rules on a backend's response in q->buf (q->len),
 * with q's parsed question and client fields still describing the query.
 * @return FE_V_ANSWER to send the response on, FE_V_DROP to drop it.
 */
enum fe_verdict rules_eval_response(const struct fe_conf *conf, struct fe_query *q);

/**
 * Runs the addCacheHitResponseAction (cache_hit) or
 * addSelfAnsweredResponseAction rules on the answer in q->buf (q->len),
 * before it is sent. Keeps the larger of the query's and the chain's delay.
 * @return FE_V_ANSWER to send it, FE_V_DROP to drop it.
 */
enum fe_verdict rules_eval_answer(const struct fe_conf *conf, struct fe_query *q, bool cache_hit);

/** Frees a rule and its children. */
void rule_free(struct rule *r);

/** Frees an action. */
void action_free(struct action *a);

/**
 * Writes dnsdist's description of a rule ("qtype==ANY", "suffixes in
 * [zaibdns.lab.]", "All", ...) for showRules(). Returns the length or DG_ESPACE.
 */
DG_MUSTCHECK int rule_describe(const struct rule *r, char *out, size_t outsz);

/**
 * Writes a rule entry's UUID in the 8-4-4-4-12 form dnsdist shows
 * (showRules(), the web API). out holds 37 bytes including the NUL.
 */
void rule_uuid_str(const struct fe_rule_entry *e, char out[37]);

/** Same as rule_describe() for an action ("drop", "to pool rec", ...). */
DG_MUSTCHECK int action_describe(const struct action *a, char *out, size_t outsz);

/**
 * Resolves names an action refers to (PoolAction's pool) once the whole
 * configuration is loaded, creating empty pools as dnsdist does.
 * Called by the configuration loader. @retval 0, DG_ENOMEM.
 */
DG_MUSTCHECK int rules_resolve(struct fe_conf *conf);

/**
 * New zeroed match counters for a rule entry: one cache line per worker,
 * so counting a match writes nothing another worker writes. NULL on OOM.
 */
struct fe_hits *rule_hits_new(void);

/** Frees counters from rule_hits_new() (NULL is fine). */
void rule_hits_free(struct fe_hits *h);

/** Times e matched, summed over the workers (0 without counters). Any thread. */
uint64_t rule_matches(const struct fe_rule_entry *e);

/**
 * The coarsest client prefixes the query rules count per client by
 * (MaxQPSIPRule's v4Mask / v6Mask, inside And/Or/Not too): 32 and 64 (the
 * defaults) when no rule asks for coarser. Steering clients to workers by
 * these keeps every counted prefix on one worker (steer.h). Boot time.
 */
void rules_client_prefixes(const struct fe_conf *conf, unsigned *v4, unsigned *v6);

/**
 * Compiles the query rule chain (rulec.h) and publishes the program with
 * RCU, freeing the previous one once no worker reads it. rules_resolve()
 * calls it; call it again after changing conf->rules at run time (until
 * then, the changed chain is evaluated linearly, which is always correct).
 * Writer side only, outside any RCU read-side section.
 */
void rules_compile(struct fe_conf *conf);
