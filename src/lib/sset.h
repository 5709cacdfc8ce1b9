/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * A suffix set of domain names (dnsdist's SuffixMatchNode): a name matches
 * when it, or any of its ancestors, was added. Names are stored lower-cased
 * in an open-addressing hash table, so a match costs at most one lookup per
 * label of the query name (plus one for the root), whatever the set's size,
 * and only for suffixes whose length some stored name has (a 256-bit map):
 * a name under none of the set's zones usually costs no hashing at all.
 * "badexample.com." does not match "example.com.": suffixes are whole labels.
 *
 * A set is built at configuration time and then only read: any number of
 * threads may call dg_sset_match() concurrently once no one adds any more.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

struct dg_sset {
	uint8_t **names;   /* lower-cased wire names, insertion order (owned) */
	size_t count;
	size_t names_cap;
	uint32_t *slots;   /* index + 1 into names; 0 = empty; size is a power of 2 */
	size_t nslots;
	bool has_root;     /* "." was added: everything matches */
	uint64_t lens[4];  /* bit n: a name of wire length n was added */
};

/** Initialises an empty set. */
void dg_sset_init(struct dg_sset *set);

/**
 * Adds a valid wire name (copied, lower-cased). Adding a name twice is not
 * an error and stores it once. Configuration time only.
 * @retval 0, DG_ENOMEM.
 */
DG_MUSTCHECK int dg_sset_add(struct dg_sset *set, const uint8_t *name);

/**
 * True when the valid wire name, or one of its ancestors, is in the set
 * (case-insensitive). Lock-free; any thread.
 */
bool dg_sset_match(const struct dg_sset *set, const uint8_t *name);

/** True when exactly this name (case-insensitive) was added. */
bool dg_sset_contains(const struct dg_sset *set, const uint8_t *name);

/** Number of distinct names in the set. */
size_t dg_sset_count(const struct dg_sset *set);

/** The i-th name added (lower-cased wire form), for showRules(); NULL past the end. */
const uint8_t *dg_sset_name(const struct dg_sset *set, size_t i);

/** Frees every name; the set is empty afterwards and may be reused. */
void dg_sset_clear(struct dg_sset *set);
