/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The dynamic block table: master list on the control thread, RCU-published
 * snapshots for the workers (see dynblock.h for the design).
 */
#include "frontend/dynblock.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#define _LGPL_SOURCE /* inline RCU read side: checked once per query */
#include <urcu.h>

#include "lib/err.h"
#include "lib/log.h"

#define DYN_REASON_MAX 128
/* uint64_t slots between two workers' counters: one cache line each. */
#define DYN_STRIDE 8

struct dyn_entry {
	struct dg_netmask nm;
	char reason[DYN_REASON_MAX];
	uint64_t until_us;          /* control thread only */
	enum dyn_action act;
	bool warning;
	_Atomic uint64_t *counts;   /* [worker * DYN_STRIDE], written by that worker */
};

/* What workers see: immutable once published. */
struct dyn_snap {
	struct dg_nmg nmg;
	size_t n;
	struct dyn_entry **v;       /* sorted by netmask (dyn_cmp) */
};

struct dynblock {
	unsigned nworkers;
	struct dyn_snap *live;      /* RCU-published */
	struct dyn_entry **v;       /* master list */
	size_t n, cap;
	struct dyn_entry **retired; /* out of the master list, maybe still in live */
	size_t nretired, capretired;
	bool dirty;
};

const char *dyn_action_name(enum dyn_action a)
{
	switch (a) {
	case DYN_ACT_DROP: return "Drop";
	case DYN_ACT_REFUSED: return "Refused";
	case DYN_ACT_TRUNCATE: return "Truncate";
	case DYN_ACT_NXDOMAIN: return "Nxdomain";
	case DYN_ACT_NOOP: return "NoOp";
	case DYN_ACT_DEFAULT: return "default"; /* setDynBlocksAction's, decided per query */
	}
	return "Drop";
}

static int dyn_cmp_nm(const struct dg_netmask *a, const struct dg_netmask *b)
{
	if (a->addr.family != b->addr.family)
		return a->addr.family < b->addr.family ? -1 : 1;
	if (a->bits != b->bits)
		return a->bits < b->bits ? -1 : 1;
	return memcmp(a->addr.bytes, b->addr.bytes, sizeof(a->addr.bytes));
}

static int dyn_cmp(const void *x, const void *y)
{
	const struct dyn_entry *const *a = x, *const *b = y;
	return dyn_cmp_nm(&(*a)->nm, &(*b)->nm);
}

struct dynblock *dynblock_new(unsigned nworkers)
{
	struct dynblock *db = calloc(1, sizeof(*db));
	if (db != NULL)
		db->nworkers = nworkers ? nworkers : 1;
	return db;
}

static void entry_free(struct dyn_entry *e)
{
	if (e == NULL)
		return;
	free(e->counts);
	free(e);
}

static void snap_free(struct dyn_snap *s)
{
	if (s == NULL)
		return;
	dg_nmg_clear(&s->nmg);
	free(s->v);
	free(s);
}

void dynblock_free(struct dynblock *db)
{
	if (db == NULL)
		return;
	snap_free(db->live);
	for (size_t i = 0; i < db->n; i++)
		entry_free(db->v[i]);
	for (size_t i = 0; i < db->nretired; i++)
		entry_free(db->retired[i]);
	free(db->v);
	free(db->retired);
	free(db);
}

static uint64_t entry_blocked(const struct dynblock *db, const struct dyn_entry *e)
{
	uint64_t sum = 0;
	for (unsigned k = 0; k < db->nworkers; k++)
		sum += atomic_load_explicit(&e->counts[k * DYN_STRIDE], memory_order_relaxed);
	return sum;
}

static int grow(struct dyn_entry ***v, size_t *cap, size_t need)
{
	if (need <= *cap)
		return DG_OK;
	size_t c = *cap ? *cap * 2 : 16;
	while (c < need)
		c *= 2;
	struct dyn_entry **nv = realloc(*v, c * sizeof(*nv));
	if (nv == NULL)
		return DG_ENOMEM;
	*v = nv;
	*cap = c;
	return DG_OK;
}

/* Moves master entry i to the retired list (freed after the next publish). */
static int retire(struct dynblock *db, size_t i)
{
	if (grow(&db->retired, &db->capretired, db->nretired + 1) < 0)
		return DG_ENOMEM;
	db->retired[db->nretired++] = db->v[i];
	db->v[i] = db->v[--db->n];
	db->dirty = true;
	return DG_OK;
}

static struct dyn_entry *entry_new(const struct dynblock *db, const struct dg_netmask *nm,
				   const char *reason, uint64_t until_us, enum dyn_action act,
				   bool warning)
{
	struct dyn_entry *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->counts = aligned_alloc(64, (size_t)db->nworkers * DYN_STRIDE * sizeof(uint64_t));
	if (e->counts == NULL) {
		free(e);
		return NULL;
	}
	memset((void *)e->counts, 0, (size_t)db->nworkers * DYN_STRIDE * sizeof(uint64_t));
	e->nm = *nm;
	snprintf(e->reason, sizeof(e->reason), "%s", reason ? reason : "");
	e->until_us = until_us;
	e->act = act;
	e->warning = warning;
	return e;
}

static void log_block(const struct dyn_entry *e, uint64_t now_us, const char *what)
{
	char txt[64];
	if (dg_netmask_to_str(&e->nm, txt, sizeof(txt)) < 0)
		txt[0] = '\0';
	unsigned secs = (unsigned)((e->until_us - (e->until_us > now_us ? now_us : e->until_us)) /
				   1000000);
	dg_log(LOG_NOTICE, "dynblock", "%s %s for %u s, action %s (%s)", what, txt, secs,
	       e->warning ? "warning" : dyn_action_name(e->act), e->reason);
}

int dynblock_add(struct dynblock *db, const struct dg_netmask *nm, const char *reason,
		 uint64_t until_us, enum dyn_action act, bool warning, uint64_t now_us)
{
	if (db == NULL || nm == NULL)
		return DG_EINVAL;
	for (size_t i = 0; i < db->n; i++) {
		struct dyn_entry *e = db->v[i];
		if (dyn_cmp_nm(&e->nm, nm) != 0)
			continue;
		if (until_us > e->until_us)
			e->until_us = until_us;
		/* a real block replaces a warning, never the reverse (dnsdist) */
		bool new_warning = e->warning && warning;
		if (e->act == act && e->warning == new_warning &&
		    strncmp(e->reason, reason ? reason : "", DYN_REASON_MAX - 1) == 0)
			return 0;
		struct dyn_entry *fresh = entry_new(db, nm, reason, e->until_us, act, new_warning);
		if (fresh == NULL || grow(&db->retired, &db->capretired, db->nretired + 1) < 0) {
			entry_free(fresh);
			return DG_ENOMEM;
		}
		for (unsigned k = 0; k < db->nworkers; k++) /* keep its blocked count */
			atomic_store(&fresh->counts[k * DYN_STRIDE],
				     atomic_load(&e->counts[k * DYN_STRIDE]));
		db->retired[db->nretired++] = e;
		db->v[i] = fresh;
		db->dirty = true;
		if (e->warning && !new_warning)
			log_block(fresh, now_us, "blocking");
		return 0;
	}
	struct dyn_entry *e = entry_new(db, nm, reason, until_us, act, warning);
	if (e == NULL || grow(&db->v, &db->cap, db->n + 1) < 0) {
		entry_free(e);
		return DG_ENOMEM;
	}
	db->v[db->n++] = e;
	db->dirty = true;
	log_block(e, now_us, warning ? "warning for" : "blocking");
	return 1;
}

static void log_end(const struct dynblock *db, const struct dyn_entry *e, const char *why)
{
	char txt[64];
	if (dg_netmask_to_str(&e->nm, txt, sizeof(txt)) < 0)
		txt[0] = '\0';
	dg_log(LOG_NOTICE, "dynblock", "%s block on %s %s (%llu queries blocked)",
	       e->warning ? "warning" : "dynamic", txt, why,
	       (unsigned long long)entry_blocked(db, e));
}

unsigned dynblock_expire(struct dynblock *db, uint64_t now_us)
{
	unsigned n = 0;
	for (size_t i = 0; db != NULL && i < db->n;) {
		if (db->v[i]->until_us > now_us) {
			i++;
			continue;
		}
		log_end(db, db->v[i], "expired");
		if (retire(db, i) < 0)
			break; /* out of memory: try again next round */
		n++;
	}
	return n;
}

unsigned dynblock_clear(struct dynblock *db)
{
	unsigned n = 0;
	while (db != NULL && db->n > 0) {
		log_end(db, db->v[db->n - 1], "cleared");
		if (retire(db, db->n - 1) < 0)
			break;
		n++;
	}
	return n;
}

unsigned dynblock_count(const struct dynblock *db)
{
	return db != NULL ? (unsigned)db->n : 0;
}

int64_t dynblock_blocked(const struct dynblock *db, const struct dg_netmask *nm)
{
	for (size_t i = 0; db != NULL && i < db->n; i++)
		if (dyn_cmp_nm(&db->v[i]->nm, nm) == 0)
			return (int64_t)entry_blocked(db, db->v[i]);
	return -1;
}

static struct dyn_snap *snap_build(const struct dynblock *db)
{
	struct dyn_snap *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	dg_nmg_init(&s->nmg);
	s->v = calloc(db->n + 1, sizeof(*s->v));
	if (s->v == NULL)
		goto fail;
	for (size_t i = 0; i < db->n; i++) {
		s->v[i] = db->v[i];
		if (dg_nmg_add(&s->nmg, &db->v[i]->nm, false) < 0)
			goto fail;
	}
	s->n = db->n;
	qsort(s->v, s->n, sizeof(*s->v), dyn_cmp);
	return s;
fail:
	snap_free(s);
	return NULL;
}

int dynblock_publish(struct dynblock *db)
{
	if (db == NULL || !db->dirty)
		return DG_OK;
	struct dyn_snap *fresh = snap_build(db);
	if (fresh == NULL)
		return DG_ENOMEM;
	struct dyn_snap *old = rcu_xchg_pointer(&db->live, fresh);
	synchronize_rcu(); /* no worker still reads old or a retired entry */
	snap_free(old);
	for (size_t i = 0; i < db->nretired; i++)
		entry_free(db->retired[i]);
	db->nretired = 0;
	db->dirty = false;
	return DG_OK;
}

static const struct dyn_entry *snap_find(const struct dyn_snap *s, const struct dg_netmask *nm)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = dyn_cmp_nm(&s->v[mid]->nm, nm);
		if (c == 0)
			return s->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

enum dyn_action dynblock_check(struct dynblock *db, unsigned worker, const struct dg_addr *client,
			       enum dyn_action def)
{
	if (db == NULL || worker >= db->nworkers)
		return DYN_ACT_DEFAULT;
	enum dyn_action act = DYN_ACT_DEFAULT;
	rcu_read_lock();
	const struct dyn_snap *s = rcu_dereference(db->live);
	struct dg_netmask match;
	if (s != NULL && s->n > 0 && dg_nmg_match(&s->nmg, client, &match)) {
		const struct dyn_entry *e = snap_find(s, &match);
		if (e != NULL) {
			_Atomic uint64_t *c = &e->counts[worker * DYN_STRIDE];
			/* single writer: a plain add, published for the summing reader */
			atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
					      memory_order_relaxed);
			if (!e->warning)
				act = e->act != DYN_ACT_DEFAULT ? e->act
				      : def != DYN_ACT_DEFAULT	? def
								: DYN_ACT_DROP;
		}
	}
	rcu_read_unlock();
	return act;
}

void dynblock_show(const struct dynblock *db, enum dyn_action def, uint64_t now_us, FILE *out)
{
	fprintf(out, "%-24s %8s %8s %-10s %-20s %s\n", "What", "Seconds", "Blocks", "Warning",
		"Action", "Reason");
	for (size_t i = 0; db != NULL && i < db->n; i++) {
		const struct dyn_entry *e = db->v[i];
		char txt[64];
		if (dg_netmask_to_str(&e->nm, txt, sizeof(txt)) < 0)
			txt[0] = '\0';
		uint64_t left = e->until_us > now_us ? (e->until_us - now_us) / 1000000 : 0;
		enum dyn_action a = e->act == DYN_ACT_DEFAULT ? def : e->act;
		fprintf(out, "%-24s %8llu %8llu %-10s %-20s %s\n", txt, (unsigned long long)left,
			(unsigned long long)entry_blocked(db, e), e->warning ? "true" : "false",
			dyn_action_name(a), e->reason);
	}
}
