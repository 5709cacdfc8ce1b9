/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Suffix set: hash of lower-cased wire names, probed once per suffix of the
 * query name. The table is kept at most half full so linear probing stays
 * short; it only grows at configuration time.
 */
#include "lib/sset.h"

#include <stdlib.h>

#include "lib/dname.h"
#include "lib/err.h"

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* FNV-1a over the lower-cased wire bytes: the same value for any case, so
 * the query name never needs a lower-cased copy. */
static uint32_t name_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= lower(name[i]);
		h *= 16777619u;
	}
	return h;
}

static bool name_eq_lc(const uint8_t *stored_lc, const uint8_t *name, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (stored_lc[i] != lower(name[i]))
			return false;
	return true;
}

void dg_sset_init(struct dg_sset *set)
{
	memset(set, 0, sizeof(*set));
}

/* Slot holding name, or the empty slot where it would go. */
static size_t find_slot(const struct dg_sset *set, const uint8_t *name, size_t len)
{
	size_t mask = set->nslots - 1;
	size_t i = name_hash(name, len) & mask;
	while (set->slots[i] != 0) {
		const uint8_t *s = set->names[set->slots[i] - 1];
		if (dg_dname_len(s) == len && name_eq_lc(s, name, len))
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

static int grow(struct dg_sset *set)
{
	size_t n = set->nslots ? set->nslots * 2 : 16;
	uint32_t *slots = calloc(n, sizeof(*slots));
	if (slots == NULL)
		return DG_ENOMEM;
	free(set->slots);
	set->slots = slots;
	set->nslots = n;
	for (size_t k = 0; k < set->count; k++) {
		const uint8_t *s = set->names[k];
		set->slots[find_slot(set, s, dg_dname_len(s))] = (uint32_t)(k + 1);
	}
	return DG_OK;
}

int dg_sset_add(struct dg_sset *set, const uint8_t *name)
{
	if (set == NULL || name == NULL)
		return DG_EINVAL;
	size_t len = dg_dname_len(name);
	if (set->nslots != 0 && set->slots[find_slot(set, name, len)] != 0)
		return DG_OK;
	if ((set->count + 1) * 2 > set->nslots && grow(set) < 0)
		return DG_ENOMEM;
	if (set->count == set->names_cap) {
		size_t cap = set->names_cap ? set->names_cap * 2 : 8;
		uint8_t **names = realloc(set->names, cap * sizeof(*names));
		if (names == NULL)
			return DG_ENOMEM;
		set->names = names;
		set->names_cap = cap;
	}
	uint8_t *copy = malloc(len);
	if (copy == NULL)
		return DG_ENOMEM;
	dg_dname_copy_lower(copy, name, len);
	set->names[set->count++] = copy;
	set->slots[find_slot(set, copy, len)] = (uint32_t)set->count;
	set->lens[len / 64] |= 1ull << (len % 64);
	if (len == 1)
		set->has_root = true;
	return DG_OK;
}

bool dg_sset_contains(const struct dg_sset *set, const uint8_t *name)
{
	if (set->count == 0)
		return false;
	return set->slots[find_slot(set, name, dg_dname_len(name))] != 0;
}

bool dg_sset_match(const struct dg_sset *set, const uint8_t *name)
{
	if (set->count == 0)
		return false;
	if (set->has_root)
		return true;
	/* Each suffix of a valid wire name is itself a valid wire name: walk
	 * the labels left to right, one lookup each; the root was handled. */
	size_t len = dg_dname_len(name);
	while (name[0] != 0) {
		if ((set->lens[len / 64] >> (len % 64) & 1) &&
		    set->slots[find_slot(set, name, len)] != 0)
			return true;
		len -= (size_t)name[0] + 1;
		name += name[0] + 1;
	}
	return false;
}

size_t dg_sset_count(const struct dg_sset *set)
{
	return set->count;
}

const uint8_t *dg_sset_name(const struct dg_sset *set, size_t i)
{
	return i < set->count ? set->names[i] : NULL;
}

void dg_sset_clear(struct dg_sset *set)
{
	for (size_t k = 0; k < set->count; k++)
		free(set->names[k]);
	free(set->names);
	free(set->slots);
	dg_sset_init(set);
}
