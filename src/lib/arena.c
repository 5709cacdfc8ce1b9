/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Chunked bump allocator (see arena.h). Reset keeps one chunk so that a
 * worker's steady state allocates nothing from the heap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"

#define ARENA_ALIGN 16
#define ARENA_DEFAULT_CHUNK (16 * 1024)

struct dg_arena_chunk {
	struct dg_arena_chunk *next;
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

static size_t align_up(size_t n)
{
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

void dg_arena_init(struct dg_arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : ARENA_DEFAULT_CHUNK;
}

static struct dg_arena_chunk *chunk_new(size_t size)
{
	if (size > SIZE_MAX - sizeof(struct dg_arena_chunk))
		return NULL;
	struct dg_arena_chunk *c = malloc(sizeof(*c) + size);
	if (c == NULL)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

void *dg_arena_alloc(struct dg_arena *a, size_t size)
{
	if (a == NULL)
		return malloc(size ? size : 1);
	if (size > SIZE_MAX / 2)
		return NULL;
	size = align_up(size ? size : 1);
	struct dg_arena_chunk *c = a->head;
	if (c == NULL || c->size - c->used < size) {
		size_t want = size > a->chunk_size ? size : a->chunk_size;
		struct dg_arena_chunk *fresh = chunk_new(want);
		if (fresh == NULL)
			return NULL;
		fresh->next = c;
		a->head = fresh;
		c = fresh;
	}
	void *p = c->data + c->used;
	c->used += size;
	return p;
}

void *dg_arena_zalloc(struct dg_arena *a, size_t size)
{
	void *p = dg_arena_alloc(a, size);
	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void dg_arena_release(struct dg_arena *a, void *p)
{
	if (a == NULL)
		free(p);
}

void dg_arena_reset(struct dg_arena *a)
{
	struct dg_arena_chunk *c = a->head;
	if (c == NULL)
		return;
	/* Keep the last (oldest) chunk: it has the default size. */
	while (c->next != NULL) {
		struct dg_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	c->used = 0;
	a->head = c;
}

void dg_arena_free(struct dg_arena *a)
{
	struct dg_arena_chunk *c = a->head;
	while (c != NULL) {
		struct dg_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
}
