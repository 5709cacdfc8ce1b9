/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Copy-on-write rule chains published with RCU (see rulechain.h).
 */
#include "frontend/rulechain.h"

#include <stdlib.h>
#include <urcu.h>

#include "frontend/conf.h"
#include "frontend/rulec.h"
#include "frontend/rules.h"
#include "lib/err.h"

/* A new array of count entries plus the terminator, zeroed. */
static struct fe_rule_entry *chain_alloc(int count)
{
	return calloc((size_t)count + 1, sizeof(struct fe_rule_entry));
}

/* Frees what the chain owns of entry e: its rule, action and counters. */
static void entry_free(struct fe_rule_entry *e)
{
	rule_free(e->rule);
	action_free(e->action);
	rule_hits_free(e->hits);
}

/*
 * Publishes nv (count entries) in place of *chain, waits until no reader
 * can see the old array, frees it and the removed entry 'dead' (-1: none).
 * Entries copied from the old array took its counters' pointers along.
 */
static void chain_publish(struct fe_rule_entry **chain, int *n, struct fe_rule_entry *nv,
			  int count, int dead)
{
	rulec_note_change(); /* compiled programs no longer cover any chain */
	struct fe_rule_entry *old = rcu_xchg_pointer(chain, nv);
	*n = count;
	synchronize_rcu();
	if (old != NULL && dead >= 0)
		entry_free(&old[dead]);
	free(old);
}

int rulechain_insert(struct fe_rule_entry **chain, int *n, const struct fe_rule_entry *e, int at)
{
	if (at < 0 || at > *n)
		return DG_EINVAL;
	struct fe_rule_entry *nv = chain_alloc(*n + 1);
	struct fe_hits *hits = rule_hits_new();
	if (nv == NULL || hits == NULL) {
		free(nv);
		rule_hits_free(hits);
		return DG_ENOMEM;
	}
	for (int i = 0, k = 0; i <= *n; i++, k++) {
		if (i == at) {
			nv[k] = *e;
			nv[k].hits = hits;
			k++;
		}
		if (i < *n)
			nv[k] = (*chain)[i];
	}
	chain_publish(chain, n, nv, *n + 1, -1);
	return DG_OK;
}

int rulechain_remove(struct fe_rule_entry **chain, int *n, int at)
{
	if (at < 0 || at >= *n)
		return DG_EINVAL;
	struct fe_rule_entry *nv = chain_alloc(*n - 1);
	if (nv == NULL)
		return DG_ENOMEM;
	for (int i = 0, k = 0; i < *n; i++)
		if (i != at)
			nv[k++] = (*chain)[i];
	chain_publish(chain, n, nv, *n - 1, at);
	return DG_OK;
}

int rulechain_move(struct fe_rule_entry **chain, int *n, int from, int to)
{
	if (from < 0 || from >= *n || to < 0 || to > *n)
		return DG_EINVAL;
	struct fe_rule_entry *nv = chain_alloc(*n);
	if (nv == NULL)
		return DG_ENOMEM;
	/* dnsdist: "in front of to"; to == *n moves it last */
	int k = 0;
	for (int i = 0; i <= *n; i++) {
		if (i == to)
			nv[k++] = (*chain)[from];
		if (i < *n && i != from)
			nv[k++] = (*chain)[i];
	}
	chain_publish(chain, n, nv, *n, -1);
	return DG_OK;
}

int rulechain_replace(struct fe_rule_entry **chain, int *n, const struct fe_rule_entry *entries,
		      int count)
{
	struct fe_rule_entry *nv = chain_alloc(count);
	if (nv == NULL)
		return DG_ENOMEM;
	for (int k = 0; k < count; k++) {
		nv[k] = entries[k];
		nv[k].hits = rule_hits_new();
		if (nv[k].hits == NULL) {
			for (int j = 0; j < k; j++)
				rule_hits_free(nv[j].hits);
			free(nv);
			return DG_ENOMEM;
		}
	}
	rulec_note_change(); /* compiled programs no longer cover any chain */
	struct fe_rule_entry *old = rcu_xchg_pointer(chain, nv);
	int nold = *n;
	*n = count;
	synchronize_rcu();
	rulechain_free(old, nold);
	return DG_OK;
}

void rulechain_free(struct fe_rule_entry *chain, int n)
{
	for (int i = 0; chain != NULL && i < n; i++)
		entry_free(&chain[i]);
	free(chain);
}
