/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Shared by luart.c (the per-worker states, calling functions, applying
 * their results) and luadq.c (the DNSQuestion, DNSHeader and ComboAddress
 * objects Lua sees). Worker thread only, on its own state.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct lua_State;
struct fe_conf;
struct fe_query;
struct luart_w;

/* The one DNSQuestion (or DNSResponse) userdata of a worker state. q is
 * NULL outside a call: a dq kept by the function is then unusable. */
struct dq_ud {
	struct fe_query *q;
	const struct fe_conf *conf;
	struct luart_w *w;
	bool response;
};

/* One worker's Lua state. Padded to a cache line multiple: written per call. */
struct luart_w {
	struct lua_State *L;
	struct fe_conf *scratch;     /* the replay's configuration, never served */
	int *refs;                   /* registry refs of functions 0..nrefs-1 */
	unsigned nrefs;
	int dq_ref;                  /* registry ref of the dq userdata */
	int dh_ref;                  /* registry ref of the dh userdata */
	struct dq_ud *dq;
	uint64_t serial;             /* bumped by luart_begin() */
	uint64_t tags_serial;        /* serial the tag table belongs to */
	int tags_ref;                /* registry ref of the tag table, LUA_NOREF */
	uint64_t errors;
	uint64_t last_log_us, suppressed;
	char pad[64];
};

/** Creates the dq and dh objects of w's state (metatables included). */
void luadq_setup(struct luart_w *w);

/** Pushes w's tag table for the current query, made fresh when stale. */
void luadq_push_tags(struct luart_w *w);
