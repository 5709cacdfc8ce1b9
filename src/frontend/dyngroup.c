/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Dynamic block rules: counting per client prefix over the rings, and the
 * groups that turn offenders into blocks (see dyngroup.h).
 */
#include "frontend/dyngroup.h"

#include <stdlib.h>
#include <string.h>

#include "frontend/rings.h"
#include "lib/err.h"

#define DYN_RULES_MAX 32

struct dyn_group {
	struct dyn_rule rules[DYN_RULES_MAX];
	int n;
	uint8_t v4_bits, v6_bits;
	struct dg_nmg ranges; /* excluded: plain entries; included: negated */
};

/* ---- per-prefix counters: open addressing, grown at 50% load ---- */

struct dyn_cnt {
	struct dg_addr key;
	bool used;
	uint64_t count, total;
};

struct dyn_map {
	struct dyn_cnt *v;
	size_t cap, n;
	bool oom;
	/* what the walk counts */
	const struct dyn_rule *rule;
	uint64_t since_us, now_us;
	uint8_t v4_bits, v6_bits;
};

static uint64_t addr_hash(const struct dg_addr *a)
{
	uint64_t h = 0xcbf29ce484222325ull ^ a->family;
	for (size_t i = 0; i < sizeof(a->bytes); i++)
		h = (h ^ a->bytes[i]) * 0x100000001b3ull;
	return h;
}

static struct dyn_cnt *map_slot(struct dyn_cnt *v, size_t cap, const struct dg_addr *a)
{
	size_t i = (size_t)addr_hash(a) & (cap - 1);
	while (v[i].used && memcmp(&v[i].key, a, sizeof(*a)) != 0)
		i = (i + 1) & (cap - 1);
	return &v[i];
}

static bool map_grow(struct dyn_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	struct dyn_cnt *v = calloc(cap, sizeof(*v));
	if (v == NULL)
		return false;
	for (size_t i = 0; i < m->cap; i++)
		if (m->v[i].used)
			*map_slot(v, cap, &m->v[i].key) = m->v[i];
	free(m->v);
	m->v = v;
	m->cap = cap;
	return true;
}

/* The counter of a's prefix, created at zero; NULL on OOM (flagged). */
static struct dyn_cnt *map_get(struct dyn_map *m, const struct dg_addr *client)
{
	struct dg_netmask nm = { *client, client->family == AF_INET ? m->v4_bits : m->v6_bits };
	/* clear the host bits: dg_netmask_contains() of the prefix with itself */
	struct dg_addr a = { .family = client->family };
	for (unsigned b = 0; b < nm.bits; b++)
		if (client->bytes[b / 8] & (0x80 >> (b % 8)))
			a.bytes[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	if (m->n * 2 >= m->cap && !map_grow(m)) {
		m->oom = true;
		return NULL;
	}
	struct dyn_cnt *c = map_slot(m->v, m->cap, &a);
	if (!c->used) {
		*c = (struct dyn_cnt){ .key = a, .used = true };
		m->n++;
	}
	return c;
}

static bool in_window(const struct dyn_map *m, uint64_t when)
{
	return when >= m->since_us && when <= m->now_us;
}

static void count_query(const struct ring_query *e, void *ctx)
{
	struct dyn_map *m = ctx;
	if (!in_window(m, e->when_us))
		return;
	if (m->rule->kind == DYN_R_QTYPE_RATE && e->qtype != m->rule->qtype)
		return;
	struct dyn_cnt *c = map_get(m, &e->client);
	if (c != NULL)
		c->count++;
}

static void count_resp(const struct ring_resp *e, void *ctx)
{
	struct dyn_map *m = ctx;
	if (!in_window(m, e->when_us))
		return;
	const struct dyn_rule *r = m->rule;
	if (r->kind == DYN_R_RCODE_RATE && e->rcode != r->rcode)
		return;
	struct dyn_cnt *c = map_get(m, &e->client);
	if (c == NULL)
		return;
	c->total++;
	if (r->kind == DYN_R_BYTE_RATE)
		c->count += e->size;
	else if (e->rcode == r->rcode)
		c->count++;
}

static uint8_t mask_bits(uint8_t bits, uint8_t max)
{
	return bits == 0 || bits > max ? max : bits;
}

int dyn_exceed(struct rings *r, const struct dyn_rule *rule, uint64_t now_us, uint8_t v4_bits,
	       uint8_t v6_bits, dyn_offender_fn *fn, void *ctx)
{
	uint64_t win = (uint64_t)(rule->seconds ? rule->seconds : 1) * 1000000;
	struct dyn_map m = {
		.rule = rule,
		.since_us = now_us > win ? now_us - win : 0,
		.now_us = now_us,
		.v4_bits = mask_bits(v4_bits, 32),
		.v6_bits = mask_bits(v6_bits, 128),
	};
	if (rule->kind == DYN_R_QRATE || rule->kind == DYN_R_QTYPE_RATE)
		rings_foreach_query(r, m.since_us, count_query, &m);
	else
		rings_foreach_response(r, m.since_us, count_resp, &m);
	if (m.oom) {
		free(m.v);
		return DG_ENOMEM;
	}
	double secs = rule->seconds ? rule->seconds : 1;
	int n = 0;
	for (size_t i = 0; i < m.cap; i++) {
		const struct dyn_cnt *c = &m.v[i];
		if (!c->used)
			continue;
		double v;
		if (rule->kind == DYN_R_RCODE_RATIO) {
			if (c->total < rule->min_responses || c->total == 0)
				continue;
			v = (double)c->count / (double)c->total;
		} else {
			v = (double)c->count / secs; /* a rate over the window */
		}
		bool over = v > rule->rate;
		bool warn = !over && rule->warning_rate > 0 && v > rule->warning_rate;
		if (!over && !warn)
			continue;
		struct dg_netmask who = { c->key, c->key.family == AF_INET ? m.v4_bits : m.v6_bits };
		fn(&who, rule->kind == DYN_R_RCODE_RATIO ? v : (double)c->count, warn, ctx);
		n++;
	}
	free(m.v);
	return n;
}

struct dyn_group *dyn_group_new(void)
{
	struct dyn_group *g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->v4_bits = 32;
	g->v6_bits = 128;
	dg_nmg_init(&g->ranges);
	return g;
}

void dyn_group_free(struct dyn_group *g)
{
	if (g == NULL)
		return;
	dg_nmg_clear(&g->ranges);
	free(g);
}

int dyn_group_set_rule(struct dyn_group *g, const struct dyn_rule *rule)
{
	for (int i = 0; i < g->n; i++) {
		const struct dyn_rule *o = &g->rules[i];
		if (o->kind == rule->kind && o->qtype == rule->qtype && o->rcode == rule->rcode) {
			g->rules[i] = *rule;
			return DG_OK;
		}
	}
	if (g->n == DYN_RULES_MAX)
		return DG_ENOMEM;
	g->rules[g->n++] = *rule;
	return DG_OK;
}

void dyn_group_set_masks(struct dyn_group *g, uint8_t v4_bits, uint8_t v6_bits)
{
	g->v4_bits = mask_bits(v4_bits, 32);
	g->v6_bits = mask_bits(v6_bits, 128);
}

int dyn_group_range(struct dyn_group *g, const struct dg_netmask *nm, bool exclude)
{
	/* dg_nmg_match() answers "excluded" for the most specific plain entry
	 * and "not" for the most specific negated one: includeRange wins
	 * inside an excluded range exactly where it is more specific. */
	return dg_nmg_add(&g->ranges, nm, !exclude);
}

bool dyn_group_excluded(const struct dyn_group *g, const struct dg_addr *a)
{
	return g->ranges.count > 0 && dg_nmg_match(&g->ranges, a, NULL);
}

struct apply_ctx {
	struct dyn_group *g;
	const struct dyn_rule *rule;
	struct dynblock *db;
	uint64_t now_us;
	int err, n;
};

static void block_one(const struct dg_netmask *who, double value, bool warning, void *arg)
{
	struct apply_ctx *c = arg;
	(void)value;
	if (dyn_group_excluded(c->g, &who->addr))
		return;
	uint64_t until = c->now_us + (uint64_t)c->rule->block_s * 1000000;
	int ret = dynblock_add(c->db, who, c->rule->reason, until, c->rule->act, warning, c->now_us);
	if (ret < 0)
		c->err = ret;
	else
		c->n++;
}

int dyn_group_apply(struct dyn_group *g, struct rings *r, struct dynblock *db, uint64_t now_us)
{
	struct apply_ctx c = { .g = g, .db = db, .now_us = now_us };
	for (int i = 0; i < g->n; i++) {
		c.rule = &g->rules[i];
		int ret = dyn_exceed(r, c.rule, now_us, g->v4_bits, g->v6_bits, block_one, &c);
		if (ret < 0)
			return ret;
	}
	return c.err < 0 ? c.err : c.n;
}
