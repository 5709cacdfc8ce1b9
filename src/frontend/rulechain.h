/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Changing a rule chain (fe_conf.rules, resp_rules, ...) while workers
 * evaluate it: dnsdist's addAction/rmRule/mvRule/clearRules/setRules at
 * run time, from the console, without a lock on the query path.
 *
 * DESIGN: a chain is an array of struct fe_rule_entry ended by an entry
 * whose rule is NULL, and it is never changed in place once published:
 * every change builds a new array (copy-on-write), publishes it with
 * rcu_xchg_pointer(), waits for synchronize_rcu() (every reader that could
 * still see the old array has left its read-side section), then frees the
 * old array and the rules and actions the change removed. Workers read a
 * chain with rcu_dereference() inside rcu_read_lock() (rules_eval()), walk
 * it to its terminator, and never keep the pointer beyond the query. The
 * count next to the chain (fe_conf.nrules, ...) is for the writer side
 * only: a reader cannot read it together with the pointer.
 *
 * Match counters travel with their entries: an entry owns its per-worker
 * counters (rule_hits_new()) through a pointer that the copy moves into
 * the new array, so workers still counting on the old array count on the
 * same counters and no match is lost. A new entry gets fresh counters. Writers: the thread that loads the configuration, then only the
 * console (one writer at a time; the caller serialises). Before any worker
 * runs, nobody reads, and synchronize_rcu() returns at once.
 */
#pragma once

#include "lib/compiler.h"

struct fe_rule_entry;

/**
 * Inserts e (its rule and action references move into the chain) at
 * position at (0..*n; *n appends) of the chain *chain of *n entries, and
 * publishes the new chain.
 * @retval 0, DG_EINVAL (at out of range), DG_ENOMEM (nothing changed; the
 *         caller still owns e's references).
 */
DG_MUSTCHECK int rulechain_insert(struct fe_rule_entry **chain, int *n,
				  const struct fe_rule_entry *e, int at);

/**
 * Removes entry at from the chain and publishes it; the removed rule and
 * action are released once no worker can see them.
 * @retval 0, DG_EINVAL (at out of range), DG_ENOMEM (nothing changed).
 */
DG_MUSTCHECK int rulechain_remove(struct fe_rule_entry **chain, int *n, int at);

/**
 * Moves entry from in front of position to, as dnsdist's mvRule(from, to):
 * to may be *n, which moves it last.
 * @retval 0, DG_EINVAL, DG_ENOMEM.
 */
DG_MUSTCHECK int rulechain_move(struct fe_rule_entry **chain, int *n, int from, int to);

/**
 * Replaces the whole chain with entries[0..count) (their references move
 * into the chain) in one publication: readers see either the old chain or
 * the new one, never a mix or an empty chain in between.
 * @retval 0, DG_ENOMEM (nothing changed; the caller still owns the entries).
 */
DG_MUSTCHECK int rulechain_replace(struct fe_rule_entry **chain, int *n,
				   const struct fe_rule_entry *entries, int count);

/**
 * Frees a chain and its rules and actions at once (no reader may remain:
 * fe_conf_free(), tests).
 */
void rulechain_free(struct fe_rule_entry *chain, int n);
