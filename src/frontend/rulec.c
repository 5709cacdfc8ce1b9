/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Compiled rule chains (see rulec.h): per-qtype candidate masks and one
 * merged suffix table for the chain's SuffixMatchNodeRules.
 *
 * DESIGN: each rule gets a filter, a condition every query it matches
 * meets: a query type, a suffix set, both, or none. Filters only ever come
 * from selectors that must all hold (the rule itself or an AndRule's
 * children), so a rule outside the candidates cannot match. A query's
 * candidates are its qtype's mask (rules without a qtype filter, plus those
 * with its type), minus the suffix-filtered rules whose names the query
 * name does not end in. Suffix sets larger than RULEC_MERGE_MAX names stay
 * out of the merged table (a blocklist of a million names is not copied);
 * their rules are always candidates and match with their own table.
 */
#include "frontend/rulec.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "frontend/rule_types.h"
#include "lib/dname.h"

/* Largest suffix set copied into the merged table. */
#define RULEC_MERGE_MAX 4096
/* Distinct query types with a mask of their own. */
#define RULEC_QTYPES_MAX 255

/* One name of the merged suffix table and the rules whose sets hold it. */
struct sfx_name {
	const uint8_t *name; /* lower-cased wire name, borrowed from a set */
	uint32_t first;      /* index of its first rule in prog->links */
	uint8_t len;
};

/* The rules of one suffix name, chained: rule index and next link (0: end). */
struct sfx_link {
	uint32_t rule, next;
};

/* A merged set and its size when merged, to notice later additions. */
struct sfx_set {
	const struct dg_sset *set;
	size_t count;
};

/* Bumped whenever a rule is created or freed (rulec_note_change). */
static _Atomic unsigned long rule_gen;

struct rule_prog {
	const struct fe_rule_entry *rules;
	int n;
	unsigned long gen;           /* rule_gen when built */
	uint64_t masks[1 + RULEC_QTYPES_MAX]; /* [0] default, [k] for qt_val[k-1] */
	uint16_t qt_val[RULEC_QTYPES_MAX];
	unsigned nqt;
	uint8_t qt_idx[256];         /* qtype < 256 -> mask number (0: default) */
	uint64_t sfx_rules;          /* rules filtered by the merged table */
	uint64_t exact;              /* rules equal to their filter */
	uint64_t len_seen[4];        /* wire lengths of the merged names */
	unsigned min_len;            /* shortest merged name */
	struct sfx_name *names;
	size_t nnames;
	uint32_t *slots;             /* name index + 1; 0: empty; power of 2 */
	size_t nslots;
	struct sfx_link *links;      /* [0] unused, so that 0 ends a chain */
	size_t nlinks, links_cap;
	struct sfx_set *sets;
	size_t nsets;
};

struct filter {
	bool has_qt;
	uint16_t qt;
	const struct dg_sset *set;
	bool exact;
};

static void filter_of(const struct rule *r, struct filter *f, int depth)
{
	switch (r->kind) {
	case RULE_ALL:
		f->exact = depth == 0; /* always a candidate, always a match */
		return;
	case RULE_QTYPE:
		if (!f->has_qt) {
			f->has_qt = true;
			f->qt = r->u.num;
		}
		f->exact = depth == 0;
		return;
	case RULE_SUFFIX:
		if (f->set == NULL)
			f->set = &r->u.smn->set;
		f->exact = depth == 0;
		return;
	case RULE_AND:
		/* Every child must match: each child's filter holds too. */
		for (int i = 0; i < r->u.list.n && depth < 8; i++)
			filter_of(r->u.list.kids[i], f, depth + 1);
		f->exact = false;
		return;
	default:
		return;
	}
}

static inline void bit_set(uint64_t *w, unsigned i)
{
	*w |= 1ull << i;
}

static uint32_t name_hash(const uint8_t *p, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h ^ h >> 15;
}

/* Slot holding this lower-cased name, or the empty slot where it goes. */
static size_t sfx_slot(const struct rule_prog *p, const uint8_t *name, size_t len)
{
	size_t mask = p->nslots - 1;
	size_t i = name_hash(name, len) & mask;
	while (p->slots[i] != 0) {
		const struct sfx_name *e = &p->names[p->slots[i] - 1];
		if (e->len == len && memcmp(e->name, name, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

static int sfx_link_add(struct rule_prog *p, struct sfx_name *e, uint32_t rule)
{
	if (p->nlinks >= p->links_cap) {
		size_t cap = p->links_cap ? p->links_cap * 2 : 64;
		struct sfx_link *l = realloc(p->links, cap * sizeof(*l));
		if (l == NULL)
			return -1;
		p->links = l;
		p->links_cap = cap;
	}
	/* Rules are added in increasing order: append at the chain's end. */
	uint32_t k = (uint32_t)p->nlinks++;
	p->links[k] = (struct sfx_link){ rule, 0 };
	if (e->first == 0) {
		e->first = k;
		return 0;
	}
	uint32_t j = e->first;
	while (p->links[j].next != 0)
		j = p->links[j].next;
	p->links[j].next = k;
	return 0;
}

/* Adds every name of set to the merged table as a suffix of rule. */
static int sfx_merge(struct rule_prog *p, const struct dg_sset *set, unsigned rule)
{
	for (size_t k = 0; k < set->count; k++) {
		const uint8_t *nm = dg_sset_name(set, k);
		size_t len = dg_dname_len(nm);
		size_t s = sfx_slot(p, nm, len);
		if (p->slots[s] == 0) {
			p->names[p->nnames] = (struct sfx_name){ nm, 0, (uint8_t)len };
			p->slots[s] = (uint32_t)++p->nnames;
			p->len_seen[len / 64] |= 1ull << (len % 64);
			if (p->min_len == 0 || len < p->min_len)
				p->min_len = (unsigned)len;
		}
		if (sfx_link_add(p, &p->names[p->slots[s] - 1], rule) < 0)
			return -1;
	}
	for (size_t i = 0; i < p->nsets; i++)
		if (p->sets[i].set == set)
			return 0;
	p->sets[p->nsets++] = (struct sfx_set){ set, set->count };
	return 0;
}

/* Sizes the merged table for the chain's mergeable sets. */
static int sfx_alloc(struct rule_prog *p, const struct filter *f, int n)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		if (f[i].set != NULL && f[i].set->count <= RULEC_MERGE_MAX)
			total += f[i].set->count;
	p->nslots = 16;
	while (p->nslots < total * 2)
		p->nslots *= 2;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	p->names = calloc(total + 1, sizeof(*p->names));
	p->sets = calloc((size_t)n, sizeof(*p->sets));
	p->nlinks = 1;
	return p->slots && p->names && p->sets ? 0 : -1;
}

static unsigned qt_mask_no(struct rule_prog *p, uint16_t qt)
{
	for (unsigned k = 0; k < p->nqt; k++)
		if (p->qt_val[k] == qt)
			return k + 1;
	if (p->nqt == RULEC_QTYPES_MAX)
		return 0;
	p->qt_val[p->nqt++] = qt;
	if (qt < 256)
		p->qt_idx[qt] = (uint8_t)p->nqt;
	return p->nqt;
}

/* Fills the qtype masks: mask 0 has the rules without a qtype filter, and
 * every other mask adds its type's rules to those. */
static int build_masks(struct rule_prog *p, struct filter *f, int n)
{
	unsigned no[RULEC_MAX_RULES];
	for (int i = 0; i < n; i++)
		no[i] = f[i].has_qt ? qt_mask_no(p, f[i].qt) : 0;
	for (int i = 0; i < n; i++) {
		/* A type beyond RULEC_QTYPES_MAX distinct ones: always a candidate. */
		if (!f[i].has_qt || no[i] == 0) {
			if (f[i].has_qt)
				f[i].exact = false;
			for (unsigned k = 0; k <= p->nqt; k++)
				bit_set(&p->masks[k], (unsigned)i);
		} else {
			bit_set(&p->masks[no[i]], (unsigned)i);
		}
	}
	return 0;
}

static int build(struct rule_prog *p, const struct fe_rule_entry *rules, int n)
{
	struct filter *f = calloc((size_t)n, sizeof(*f));
	if (f == NULL)
		return -1;
	for (int i = 0; i < n; i++)
		filter_of(rules[i].rule, &f[i], 0);
	int ret = build_masks(p, f, n);
	if (ret == 0)
		ret = sfx_alloc(p, f, n);
	for (int i = 0; ret == 0 && i < n; i++) {
		if (f[i].set != NULL && f[i].set->count <= RULEC_MERGE_MAX) {
			bit_set(&p->sfx_rules, (unsigned)i);
			ret = sfx_merge(p, f[i].set, (unsigned)i);
		} else if (f[i].set != NULL) {
			f[i].exact = false; /* matched by its own table, not ours */
		}
		if (ret == 0 && f[i].exact)
			bit_set(&p->exact, (unsigned)i);
	}
	free(f);
	return ret;
}

struct rule_prog *rulec_build(const struct fe_rule_entry *rules, int n)
{
	if (rules == NULL || n <= 0 || n > RULEC_MAX_RULES)
		return NULL;
	struct rule_prog *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->rules = rules;
	p->n = n;
	p->gen = atomic_load(&rule_gen);
	if (build(p, rules, n) < 0) {
		rulec_free(p);
		return NULL;
	}
	return p;
}

void rulec_free(struct rule_prog *p)
{
	if (p == NULL)
		return;
	free(p->names);
	free(p->slots);
	free(p->links);
	free(p->sets);
	free(p);
}

void rulec_note_change(void)
{
	atomic_fetch_add_explicit(&rule_gen, 1, memory_order_relaxed);
}

bool rulec_covers(const struct rule_prog *p, const struct fe_rule_entry *chain)
{
	if (p == NULL || p->rules != chain)
		return false;
	/* Orders the caller's load of chain before that of rule_gen: a chain
	 * published after a bump is never paired with the old count. */
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&rule_gen, memory_order_relaxed) != p->gen ||
	    chain[p->n].rule != NULL)
		return false;
	for (size_t i = 0; i < p->nsets; i++)
		if (p->sets[i].set->count != p->sets[i].count)
			return false; /* :add() after the build: our copy is stale */
	return true;
}

/* ORs into hits the rules whose merged names the query name ends in.
 * Suffixes only get shorter: the walk stops below the shortest name. */
static uint64_t sfx_hits(const struct rule_prog *p, const uint8_t *name, size_t len)
{
	uint64_t hits = 0;
	while (len >= p->min_len) {
		if (p->len_seen[len / 64] >> (len % 64) & 1) {
			uint32_t s = p->slots[sfx_slot(p, name, len)];
			for (uint32_t k = s ? p->names[s - 1].first : 0; k != 0; k = p->links[k].next)
				bit_set(&hits, p->links[k].rule);
		}
		if (name[0] == 0)
			break;
		len -= (size_t)name[0] + 1;
		name += name[0] + 1;
	}
	return hits;
}

uint64_t rulec_candidates(const struct rule_prog *p, const struct fe_query *q, uint64_t *known)
{
	uint16_t qt = q->q.qtype;
	unsigned k = 0;
	if (qt < 256) {
		k = p->qt_idx[qt];
	} else {
		for (unsigned i = 0; i < p->nqt && k == 0; i++)
			if (p->qt_val[i] == qt)
				k = i + 1;
	}
	uint64_t cand = p->masks[k];
	if (p->sfx_rules & cand)
		cand &= ~p->sfx_rules | sfx_hits(p, q->q.qname_lc, q->q.qname_len);
	*known = cand & p->exact;
	return cand;
}
