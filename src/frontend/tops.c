/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Counting ring entries by key (see tops.h): an open-addressing hash table
 * keyed by name or address, read from the rings once, then sorted.
 */
#include "frontend/tops.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/rings.h"
#include "lib/dname.h"

/* Longest key: a wire name, or an address with its family byte. */
#define KEY_MAX DG_DNAME_MAXLEN

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
void tops_key_text(const struct tally *t, const struct tally_ent *e, bool addr, char *out,
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

void tops_count(struct tally *t, struct rings *r, enum tops_kind kind, uint64_t since_us)
{
	if (kind == TOPS_QUERIES)
		rings_foreach_query(r, since_us, on_query, t);
	else if (kind == TOPS_CLIENTS)
		rings_foreach_query(r, since_us, on_client, t);
	else
		rings_foreach_response(r, since_us, on_response, t);
}

size_t tops_sort(struct tally *t)
{
	size_t used = 0;
	for (size_t i = 0; i < t->cap; i++)
		if (t->ent[i].used)
			t->ent[used++] = t->ent[i];
	if (used > 1) /* qsort must not see the NULL table of an empty tally */
		qsort(t->ent, used, sizeof(*t->ent), cmp_count);
	return used;
}

void tops_free(struct tally *t)
{
	free(t->ent);
	free(t->keys);
	t->ent = NULL;
	t->keys = NULL;
}
