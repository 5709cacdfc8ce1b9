/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * A bump allocator for per-query scratch memory. A worker owns one arena and
 * resets it after each query, so nothing on the query path is freed one by
 * one and nothing leaks per query. Library functions that allocate take a
 * 'struct dg_arena *' where NULL means the heap (malloc/free), as Knot's mm
 * context does. Not thread-safe: one arena per thread.
 */
#pragma once

#include <stddef.h>

#include "lib/compiler.h"

struct dg_arena_chunk;

struct dg_arena {
	struct dg_arena_chunk *head; /* current chunk; older ones chained behind */
	size_t chunk_size;           /* default size of a new chunk */
};

/** Initialises an empty arena whose chunks hold chunk_size bytes (0: 16 KiB). */
void dg_arena_init(struct dg_arena *a, size_t chunk_size);

/**
 * Allocates size bytes aligned to 16, from a (or the heap when a is NULL).
 * Arena memory is valid until dg_arena_reset() or dg_arena_free().
 * Returns NULL when memory is exhausted.
 */
void *dg_arena_alloc(struct dg_arena *a, size_t size);

/** Same as dg_arena_alloc() and zero-fills the memory. */
void *dg_arena_zalloc(struct dg_arena *a, size_t size);

/** Frees p when a is NULL (heap); does nothing for arena memory. */
void dg_arena_release(struct dg_arena *a, void *p);

/** Forgets every allocation; keeps the first chunk for reuse. */
void dg_arena_reset(struct dg_arena *a);

/** Frees every chunk. The arena may be used again after dg_arena_init(). */
void dg_arena_free(struct dg_arena *a);
