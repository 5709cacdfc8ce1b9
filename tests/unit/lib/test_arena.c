/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Tests arena.c: alignment, growth past a chunk, reset reuse, heap mode.
 */
#include <stdint.h>
#include <string.h>

#include "lib/arena.h"
#include "tap.h"

int main(void)
{
	struct dg_arena a;
	dg_arena_init(&a, 256);

	uint8_t *p1 = dg_arena_alloc(&a, 3);
	uint8_t *p2 = dg_arena_alloc(&a, 5);
	ok(p1 != NULL && p2 != NULL, "small allocations succeed");
	is_int(0, (long long)((uintptr_t)p2 % 16), "allocations are 16-aligned");
	ok(p2 >= p1 + 3, "allocations do not overlap");

	uint8_t *big = dg_arena_alloc(&a, 4096);
	ok(big != NULL, "allocation larger than a chunk succeeds");
	memset(big, 0xab, 4096);

	uint8_t *z = dg_arena_zalloc(&a, 100);
	int zero = 1;
	for (int i = 0; i < 100; i++)
		zero &= z[i] == 0;
	ok(zero, "zalloc zero-fills");

	dg_arena_reset(&a);
	uint8_t *again = dg_arena_alloc(&a, 3);
	ok(again != NULL, "allocation after reset succeeds");

	void *heap = dg_arena_alloc(NULL, 10);
	ok(heap != NULL, "NULL arena allocates from the heap");
	dg_arena_release(NULL, heap);

	dg_arena_free(&a);
	ok(a.head == NULL, "free releases every chunk");
	return tap_done();
}
