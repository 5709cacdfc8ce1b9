/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Copy-on-write rule chains published with RCU (see rulechain.h).
 */
#include "frontend/rulechain.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <urcu.h>

#include "frontend/conf.h"
#include "frontend/rulec.h"
#include "frontend/rules.h"
#include "lib/err.h"

/*
 * Where each entry of the new array came from (an index in the old one, or
 * -1 for a new entry), and the old entry's count at copy time.
 */
struct origin {
	int from;
	uint64_t copied;
};

/* A new array of count entries plus the terminator, zeroed. */
static struct fe_rule_entry *chain_alloc(int count, struct origin **orig)
{
	struct fe_rule_entry *v = calloc((size_t)count + 1, sizeof(*v));
	*orig = calloc((size_t)count + 1, sizeof(**orig));
	if (v == NULL || *orig == NULL) {
		free(v);
		free(*orig);
		*orig = NULL;
		return NULL;
	}
	return v;
}

/* Copies old entry i into slot k of the new array, remembering where from. */
static void chain_copy(struct fe_rule_entry *nv, struct origin *orig, int k,
		       struct fe_rule_entry *old, int i)
{
	uint64_t m = atomic_load_explicit(&old[i].matches, memory_order_relaxed);
	memcpy(&nv[k], &old[i], sizeof(nv[k])); /* every field, whatever is added later */
	atomic_store_explicit(&nv[k].matches, m, memory_order_relaxed);
	orig[k].from = i;
	orig[k].copied = m;
}

/*
 * Publishes nv (count entries) in place of *chain, waits until no reader
 * can see the old array, adds the matches counted on it meanwhile, frees
 * it and the removed entry 'dead' (-1: none).
 */
static void chain_publish(struct fe_rule_entry **chain, int *n, struct fe_rule_entry *nv,
			  int count, struct origin *orig, int dead)
{
	rulec_note_change(); /* compiled programs no longer cover any chain */
	struct fe_rule_entry *old = rcu_xchg_pointer(chain, nv);
	*n = count;
	synchronize_rcu();
	for (int k = 0; old != NULL && k < count; k++) {
		if (orig[k].from < 0)
			continue;
		uint64_t late = atomic_load_explicit(&old[orig[k].from].matches,
						     memory_order_relaxed) - orig[k].copied;
		atomic_fetch_add_explicit(&nv[k].matches, late, memory_order_relaxed);
	}
	if (old != NULL && dead >= 0) {
		rule_free(old[dead].rule);
		action_free(old[dead].action);
	}
	free(old);
	free(orig);
}

int rulechain_insert(struct fe_rule_entry **chain, int *n, const struct fe_rule_entry *e, int at)
{
	struct origin *orig;
	if (at < 0 || at > *n)
		return DG_EINVAL;
	struct fe_rule_entry *nv = chain_alloc(*n + 1, &orig);
	if (nv == NULL)
		return DG_ENOMEM;
	for (int i = 0, k = 0; i <= *n; i++, k++) {
		if (i == at) {
			memcpy(&nv[k], e, sizeof(*e));
			orig[k].from = -1;
			k++;
		}
		if (i < *n)
			chain_copy(nv, orig, k, *chain, i);
	}
	chain_publish(chain, n, nv, *n + 1, orig, -1);
	return DG_OK;
}

int rulechain_remove(struct fe_rule_entry **chain, int *n, int at)
{
	struct origin *orig;
	if (at < 0 || at >= *n)
		return DG_EINVAL;
	struct fe_rule_entry *nv = chain_alloc(*n - 1, &orig);
	if (nv == NULL)
		return DG_ENOMEM;
	for (int i = 0, k = 0; i < *n; i++)
		if (i != at)
			chain_copy(nv, orig, k++, *chain, i);
	chain_publish(chain, n, nv, *n - 1, orig, at);
	return DG_OK;
}

int rulechain_move(struct fe_rule_entry **chain, int *n, int from, int to)
{
	struct origin *orig;
	if (from < 0 || from >= *n || to < 0 || to > *n)
		return DG_EINVAL;
	struct fe_rule_entry *nv = chain_alloc(*n, &orig);
	if (nv == NULL)
		return DG_ENOMEM;
	/* dnsdist: "in front of to"; to == *n moves it last */
	int k = 0;
	for (int i = 0; i <= *n; i++) {
		if (i == to)
			chain_copy(nv, orig, k++, *chain, from);
		if (i < *n && i != from)
			chain_copy(nv, orig, k++, *chain, i);
	}
	chain_publish(chain, n, nv, *n, orig, -1);
	return DG_OK;
}

int rulechain_replace(struct fe_rule_entry **chain, int *n, const struct fe_rule_entry *entries,
		      int count)
{
	struct origin *orig;
	struct fe_rule_entry *nv = chain_alloc(count, &orig);
	if (nv == NULL)
		return DG_ENOMEM;
	for (int k = 0; k < count; k++) {
		memcpy(&nv[k], &entries[k], sizeof(nv[k]));
		orig[k].from = -1;
	}
	rulec_note_change(); /* compiled programs no longer cover any chain */
	struct fe_rule_entry *old = rcu_xchg_pointer(chain, nv);
	int nold = *n;
	*n = count;
	synchronize_rcu();
	rulechain_free(old, nold);
	free(orig);
	return DG_OK;
}

void rulechain_free(struct fe_rule_entry *chain, int n)
{
	for (int i = 0; chain != NULL && i < n; i++) {
		rule_free(chain[i].rule);
		action_free(chain[i].action);
	}
	free(chain);
}
