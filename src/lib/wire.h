/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Bounded cursors over wire data. The first error sticks: every later read
 * returns 0 and every later write does nothing, so parse and build code is
 * straight-line and checks the cursor's err once (Knot's wire_ctx_t habit).
 * Reads never pass 'end'; writes never pass 'end'.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lib/err.h"

/* A read cursor. 'start' is the beginning of the whole message (for
 * compression pointers); pos moves from start towards end. */
struct dg_rd {
	const uint8_t *start, *pos, *end;
	int err;
};

/* A write cursor over [start, end). */
struct dg_wr {
	uint8_t *start, *pos, *end;
	int err;
};

static inline struct dg_rd dg_rd_init(const uint8_t *buf, size_t len)
{
	struct dg_rd rd = { buf, buf, buf + len, DG_OK };
	return rd;
}

static inline struct dg_wr dg_wr_init(uint8_t *buf, size_t len)
{
	struct dg_wr wr = { buf, buf, buf + len, DG_OK };
	return wr;
}

static inline size_t dg_rd_left(const struct dg_rd *rd)
{
	return (size_t)(rd->end - rd->pos);
}

static inline size_t dg_rd_off(const struct dg_rd *rd)
{
	return (size_t)(rd->pos - rd->start);
}

static inline size_t dg_wr_left(const struct dg_wr *wr)
{
	return (size_t)(wr->end - wr->pos);
}

static inline size_t dg_wr_off(const struct dg_wr *wr)
{
	return (size_t)(wr->pos - wr->start);
}

/* Marks the cursor failed with 'err' unless n bytes remain. */
static inline int dg_rd_need(struct dg_rd *rd, size_t n, int err)
{
	if (rd->err != DG_OK)
		return rd->err;
	if (dg_rd_left(rd) < n)
		rd->err = err;
	return rd->err;
}

static inline uint8_t dg_rd_u8(struct dg_rd *rd, int err_if_short)
{
	if (dg_rd_need(rd, 1, err_if_short) != DG_OK)
		return 0;
	return *rd->pos++;
}

static inline uint16_t dg_rd_u16(struct dg_rd *rd, int err_if_short)
{
	if (dg_rd_need(rd, 2, err_if_short) != DG_OK)
		return 0;
	uint16_t v = (uint16_t)(rd->pos[0] << 8 | rd->pos[1]);
	rd->pos += 2;
	return v;
}

static inline uint32_t dg_rd_u32(struct dg_rd *rd, int err_if_short)
{
	if (dg_rd_need(rd, 4, err_if_short) != DG_OK)
		return 0;
	uint32_t v = (uint32_t)rd->pos[0] << 24 | (uint32_t)rd->pos[1] << 16 |
		     (uint32_t)rd->pos[2] << 8 | rd->pos[3];
	rd->pos += 4;
	return v;
}

/* Copies n bytes out (or skips them when dst is NULL). */
static inline void dg_rd_bytes(struct dg_rd *rd, void *dst, size_t n, int err_if_short)
{
	if (dg_rd_need(rd, n, err_if_short) != DG_OK)
		return;
	if (dst != NULL && n > 0)
		memcpy(dst, rd->pos, n);
	rd->pos += n;
}

static inline int dg_wr_need(struct dg_wr *wr, size_t n)
{
	if (wr->err != DG_OK)
		return wr->err;
	if (dg_wr_left(wr) < n)
		wr->err = DG_ESPACE;
	return wr->err;
}

static inline void dg_wr_u8(struct dg_wr *wr, uint8_t v)
{
	if (dg_wr_need(wr, 1) == DG_OK)
		*wr->pos++ = v;
}

static inline void dg_wr_u16(struct dg_wr *wr, uint16_t v)
{
	if (dg_wr_need(wr, 2) != DG_OK)
		return;
	wr->pos[0] = (uint8_t)(v >> 8);
	wr->pos[1] = (uint8_t)v;
	wr->pos += 2;
}

static inline void dg_wr_u32(struct dg_wr *wr, uint32_t v)
{
	if (dg_wr_need(wr, 4) != DG_OK)
		return;
	wr->pos[0] = (uint8_t)(v >> 24);
	wr->pos[1] = (uint8_t)(v >> 16);
	wr->pos[2] = (uint8_t)(v >> 8);
	wr->pos[3] = (uint8_t)v;
	wr->pos += 4;
}

static inline void dg_wr_bytes(struct dg_wr *wr, const void *src, size_t n)
{
	if (dg_wr_need(wr, n) != DG_OK || n == 0)
		return;
	memcpy(wr->pos, src, n);
	wr->pos += n;
}

/* Big-endian helpers for fixed offsets (header fields, TTL patching). */
static inline uint16_t dg_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dg_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void dg_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void dg_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
