/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * topQueries, topClients and topResponses: what dnsdist computes from its
 * ring buffers, computed from ours (rings.h). Every entry the rings still
 * hold is read once (the rings' readers never block the workers that
 * write them), counted in a hash table keyed by name or address, and the
 * n largest counts are printed, then the rest, with their share of the
 * total, in dnsdist's format. Console thread only.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include <lauxlib.h>
#include <lua.h>

#include "frontend/conf.h"
#include "frontend/config/cfg.h"
#include "frontend/console.h"
#include "frontend/rings.h"
#include "lib/dname.h"

/* Longest key: a wire name, or an address with its family byte. */
#define KEY_MAX DG_DNAME_MAXLEN

struct tally_ent {
	uint64_t hash, count;
	uint32_t off;       /* key bytes in tally.keys */
	uint16_t len;
	bool used;
};

/* Counts per distinct key; keys live in one growing byte pool. */
struct tally {
	struct tally_ent *ent;
	size_t cap, n;
	uint8_t *keys;
	size_t klen, kcap;
	uint64_t total;
	bool oom;
	/* what to count */
	int rcode;          /* topResponses: only this RCODE; -1: any */
	int labels;         /* keep the last labels labels of names; 0: whole name */
};

/* FNV-1a, enough to spread names over the table. */
static uint64_t key_hash(const uint8_t *k, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ k[i]) * 1099511628211ull;
	return h;
}

static bool tally_grow(struct tally *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	struct tally_ent *e = calloc(cap, sizeof(*e));
	if (e == NULL)
		return false;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->ent[i].used)
			continue;
		size_t j = t->ent[i].hash & (cap - 1);
		while (e[j].used)
			j = (j + 1) & (cap - 1);
		e[j] = t->ent[i];
	}
	free(t->ent);
	t->ent = e;
	t->cap = cap;
	return true;
}

static bool tally_store_key(struct tally *t, const uint8_t *k, size_t len)
{
	if (t->klen + len > t->kcap) {
		size_t cap = t->kcap ? t->kcap * 2 : 4096;
		while (cap < t->klen + len)
			cap *= 2;
		uint8_t *p = realloc(t->keys, cap);
		if (p == NULL)
			return false;
		t->keys = p;
		t->kcap = cap;
	}
	memcpy(t->keys + t->klen, k, len);
	t->klen += len;
	return true;
}

static void tally_add(struct tally *t, const uint8_t *k, size_t len)
{
	if (t->oom)
		return;
	if ((t->n + 1) * 2 > t->cap && !tally_grow(t)) {
		t->oom = true;
		return;
	}
	uint64_t h = key_hash(k, len);
	size_t j = h & (t->cap - 1);
	for (; t->ent[j].used; j = (j + 1) & (t->cap - 1)) {
		struct tally_ent *e = &t->ent[j];
		if (e->hash == h && e->len == len && memcmp(t->keys + e->off, k, len) == 0) {
			e->count++;
			t->total++;
			return;
		}
	}
	if (t->klen > UINT32_MAX - KEY_MAX || !tally_store_key(t, k, len)) {
		t->oom = true;
		return;
	}
	t->ent[j] = (struct tally_ent){ h, 1, (uint32_t)(t->klen - len), (uint16_t)len, true };
	t->n++;
	t->total++;
}

/* The name's last t->labels labels (all of it when 0 or when it has fewer). */
static void tally_name(struct tally *t, const uint8_t *name, size_t len)
{
	if (len == 0 || len > DG_DNAME_MAXLEN)
		return;
	if (t->labels > 0) {
		int count = 0;
		for (size_t i = 0; i < len && name[i] != 0; i += (size_t)name[i] + 1)
			count++;
		for (int skip = count - t->labels; skip > 0 && name[0] != 0; skip--) {
			size_t l = (size_t)name[0] + 1;
			name += l;
			len -= l;
		}
	}
	tally_add(t, name, len);
}

static void on_query(const struct ring_query *e, void *ctx)
{
	tally_name(ctx, e->qname, e->qname_len);
}

static void on_client(const struct ring_query *e, void *ctx)
{
	uint8_t k[17];
	k[0] = e->client.family;
	memcpy(k + 1, e->client.bytes, 16);
	tally_add(ctx, k, e->client.family == AF_INET ? 5 : 17);
}

static void on_response(const struct ring_resp *e, void *ctx)
{
	struct tally *t = ctx;
	if (t->rcode < 0 || e->rcode == t->rcode)
		tally_name(t, e->qname, e->qname_len);
}

static int cmp_count(const void *a, const void *b)
{
	const struct tally_ent *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return x->off < y->off ? -1 : x->off > y->off;  /* first seen first */
}

/* The key as text: a name in presentation format, or an address. */
static void key_text(const struct tally *t, const struct tally_ent *e, bool addr, char *out,
		     size_t outsz)
{
	const uint8_t *k = t->keys + e->off;
	if (!addr) {
		if (dg_dname_to_str(out, outsz, k) < 0)
			snprintf(out, outsz, "?");
		return;
	}
	if (inet_ntop(k[0] == AF_INET ? AF_INET : AF_INET6, k + 1, out, (socklen_t)outsz) == NULL)
		snprintf(out, outsz, "?");
}

/* Prints the top n then "Rest", as dnsdist's Lua topQueries() does. */
static void tally_print(lua_State *L, struct tally *t, lua_Integer top, bool addr)
{
	size_t used = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->ent[i].used)
			t->ent[used++] = t->ent[i];
	if (used > 1) /* qsort must not see the NULL table of an empty tally */
		qsort(t->ent, used, sizeof(*t->ent), cmp_count);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f == NULL)
		cfg_error(L, "out of memory");
	uint64_t shown = 0;
	size_t k = 0;
	for (; k < used && (lua_Integer)k < top; k++) {
		char key[DG_DNAME_TXTLEN];
		key_text(t, &t->ent[k], addr, key, sizeof(key));
		shown += t->ent[k].count;
		fprintf(f, "%4zu  %-40s %4llu %5.1f%%\n", k + 1, key,
			(unsigned long long)t->ent[k].count,
			100.0 * (double)t->ent[k].count / (double)t->total);
	}
	uint64_t rest = t->total - shown;
	fprintf(f, "%4zu  %-40s %4llu %5.1f%%\n", k + 1, "Rest", (unsigned long long)rest,
		t->total ? 100.0 * (double)rest / (double)t->total : 100.0);
	fclose(f);
	lua_pushlstring(L, text, len);
	free(text);
	size_t n;
	const char *s = lua_tolstring(L, -1, &n);
	cfg_print(L, s, n);
	lua_pop(L, 1);
}

static void tally_free(struct tally *t)
{
	free(t->ent);
	free(t->keys);
}

/* Runs one top command: fills a tally from the rings, prints it, frees it. */
static int top_run(lua_State *L, struct tally *t, lua_Integer top, int kind)
{
	struct rings *r = cfg_conf(L)->rings;
	if (console_rt_get(L) == NULL)
		return cfg_error(L, "the top commands are console commands (dnsgate -c)");
	if (kind == 0)
		rings_foreach_query(r, 0, on_query, t);
	else if (kind == 1)
		rings_foreach_query(r, 0, on_client, t);
	else
		rings_foreach_response(r, 0, on_response, t);
	if (t->oom) {
		tally_free(t);
		return cfg_error(L, "out of memory");
	}
	tally_print(L, t, top, kind == 1);
	tally_free(t);
	return 0;
}

int console_top_queries(lua_State *L)
{
	struct tally t = { .rcode = -1, .labels = (int)luaL_optinteger(L, 2, 0) };
	return top_run(L, &t, luaL_optinteger(L, 1, 10), 0);
}

int console_top_clients(lua_State *L)
{
	struct tally t = { .rcode = -1 };
	return top_run(L, &t, luaL_optinteger(L, 1, 10), 1);
}

int console_top_responses(lua_State *L)
{
	struct tally t = { .rcode = (int)luaL_optinteger(L, 2, 0),
			   .labels = (int)luaL_optinteger(L, 3, 0) };
	return top_run(L, &t, luaL_optinteger(L, 1, 10), 2);
}
