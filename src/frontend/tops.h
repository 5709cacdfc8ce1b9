/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Counting the rings' entries by key (query name, client address): what
 * topQueries, topClients and topResponses print on the console and what
 * the web API's "topClients" lists. The rings are read without blocking
 * the workers (rings.h), so any thread may build a tally; a tally itself
 * belongs to the thread that made it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rings;

/* One distinct key and how often it was seen. */
struct tally_ent {
	uint64_t hash, count;
	uint32_t off; /* key bytes in tally.keys */
	uint16_t len;
	bool used;
};

/* Counts per distinct key; keys live in one growing byte pool. Zero-init
 * it, set rcode/labels, fill it with tops_count(), then tops_sort(). */
struct tally {
	struct tally_ent *ent;
	size_t cap, n;
	uint8_t *keys;
	size_t klen, kcap;
	uint64_t total;
	bool oom;
	/* what to count */
	int rcode;  /* TOPS_RESPONSES: only this RCODE; -1: any */
	int labels; /* keep the last labels labels of names; 0: whole name */
};

/* What tops_count() reads from the rings and counts. */
enum tops_kind {
	TOPS_QUERIES,   /* query names */
	TOPS_CLIENTS,   /* client addresses of queries */
	TOPS_RESPONSES, /* response names (with t->rcode) */
};

/**
 * Counts every ring entry recorded at or after since_us (0: all the rings
 * hold) into t. Any thread. t->oom tells when an allocation failed (the
 * counts are then incomplete).
 */
void tops_count(struct tally *t, struct rings *r, enum tops_kind kind, uint64_t since_us);

/**
 * Packs t's entries to the front of t->ent, largest count first (first
 * seen first among equals), and returns how many there are. After this,
 * t accepts no more counts; only tops_key_text() and tops_free().
 */
size_t tops_sort(struct tally *t);

/**
 * Writes entry e's key as text into out: a name in presentation format,
 * or (addr) an address; "?" when it cannot be shown.
 */
void tops_key_text(const struct tally *t, const struct tally_ent *e, bool addr, char *out,
		   size_t outsz);

/** Frees what t allocated; t may be zero-initialized and never filled. */
void tops_free(struct tally *t);
