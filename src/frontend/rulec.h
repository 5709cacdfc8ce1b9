/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Rule chains compiled at load time (issue 5): for each query, the set of
 * rules in a chain that may match it, found without evaluating the rules
 * that cannot. A rule whose selector needs a query type (QTypeRule, or an
 * AndRule holding one) is only a candidate for that type: one table look-up
 * per query, whatever the number of such rules. A rule whose selector needs
 * a name suffix (SuffixMatchNodeRule, or an AndRule holding one) is only a
 * candidate when the query name ends in one of its names: every suffix
 * rule's names are merged into one hash table probed once per label of the
 * query name, and only at label boundaries whose remaining length some
 * stored name has. Every other rule is always a candidate. Candidates are
 * then evaluated in order with rule_match(), so the verdict, the actions'
 * side effects and the rate limiters' state are exactly those of the linear
 * scan (tests/unit/frontend/test_rulec.c checks this on random chains).
 *
 * A program describes one chain (array and length) at the time it was
 * built; rules_resolve() builds it at the end of every configuration load.
 * Built by the configuration thread, then read-only: any worker may use it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct fe_rule_entry;
struct fe_query;
struct rule_prog;

/* Most rules a program covers (one bit each in a word); a longer chain is
 * evaluated linearly. */
#define RULEC_MAX_RULES 64

/**
 * Compiles the chain rules[0..n). Returns NULL on OOM, for an empty chain,
 * or for one longer than RULEC_MAX_RULES (callers then scan linearly).
 * The program borrows the rules: it must be freed (rulec_free) before the
 * chain's rules are, and describes the chain only while the chain is
 * unchanged (see rulec_covers()).
 */
struct rule_prog *rulec_build(const struct fe_rule_entry *rules, int n);

/** Frees a program (NULL is fine). */
void rulec_free(struct rule_prog *p);

/**
 * True when p was built for exactly this chain: the same array, still ended
 * by its terminator (an entry whose rule is NULL, rulechain.h) at the same
 * place, no rule created or freed and no chain published anywhere since
 * (rulec_note_change(); so neither a rule object nor an array was reused at
 * an address p knows), and the suffix sets it merged not grown. A false
 * answer means "scan linearly": it is never wrong to. Call after loading
 * chain with rcu_dereference().
 */
bool rulec_covers(const struct rule_prog *p, const struct fe_rule_entry *chain);

/**
 * Records that a rule was created or freed (rule_new(), rule_free()) or a
 * chain is about to be published (rulechain.c, before rcu_xchg_pointer()),
 * so that no program built before covers any chain any more. Whatever
 * changes a chain array in place must call it too. Any thread.
 */
void rulec_note_change(void);

/**
 * The rules of p's chain that may match q (bit i = rule i); every other
 * rule certainly does not. Sets in *known the candidates already known to
 * match (a bare QTypeRule or SuffixMatchNodeRule), whose rule_match() may
 * then be skipped. Any worker, concurrently.
 */
uint64_t rulec_candidates(const struct rule_prog *p, const struct fe_query *q, uint64_t *known);
