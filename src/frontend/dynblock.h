/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Dynamic blocks (dnsdist's addDynBlocks, showDynBlocks, clearDynBlocks):
 * a table of client netmasks that are blocked until a given time, checked
 * early on the query path (after the ACL, before the rules, as dnsdist).
 *
 * DESIGN: the control thread owns the master list (add, extend, expire,
 * clear) and publishes an immutable snapshot, a netmask group plus the
 * entries sorted by netmask, with RCU (rcu_xchg_pointer, then
 * synchronize_rcu before freeing the old snapshot and the entries only it
 * referred to; STYLE.md 8.4). Workers look the client up under
 * rcu_read_lock and never take a lock. Each entry has one blocked-query
 * counter per worker, on its own cache line, written only by that worker
 * and summed by the control thread, so counting needs no atomic
 * read-modify-write. An entry's action and reason never change while it
 * is published: re-adding a block with another action makes a new entry
 * (counters carried over) and retires the old one.
 *
 * Threads: dynblock_check() on workers (registered with RCU); everything
 * else on one control thread at a time.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/compiler.h"
#include "lib/nmg.h"

struct dynblock;

/* What a block does to a query (setDynBlocksAction, the action argument). */
enum dyn_action {
	DYN_ACT_DEFAULT,  /* the configured default (setDynBlocksAction), drop unless set */
	DYN_ACT_DROP,
	DYN_ACT_REFUSED,
	DYN_ACT_TRUNCATE, /* TC=1 over UDP, so real clients retry over TCP; TCP passes */
	DYN_ACT_NXDOMAIN,
	DYN_ACT_NOOP,     /* a warning entry: counted, not blocked */
};

/** "Drop", "Refused", ... as dnsdist's showDynBlocks() prints actions ("default" for DYN_ACT_DEFAULT). */
const char *dyn_action_name(enum dyn_action a);

/** Allocates an empty table for nworkers workers. NULL on OOM. */
struct dynblock *dynblock_new(unsigned nworkers);

/** Frees the table (after the workers stopped). NULL is accepted. */
void dynblock_free(struct dynblock *db);

/**
 * Blocks nm until until_us with this action and reason, or extends an
 * existing block of the same netmask (the later end wins; a new action or
 * reason replaces the old). A warning block (warning true) only counts.
 * Not visible to workers before dynblock_publish(). Control thread.
 * @retval 1 a new block (logged once with its reason), 0 an update,
 *         DG_ENOMEM.
 */
DG_MUSTCHECK int dynblock_add(struct dynblock *db, const struct dg_netmask *nm,
			      const char *reason, uint64_t until_us, enum dyn_action act,
			      bool warning, uint64_t now_us);

/** Removes blocks whose time is over (logged with their blocked count). Returns how many. */
unsigned dynblock_expire(struct dynblock *db, uint64_t now_us);

/** Removes every block (clearDynBlocks). Returns how many. */
unsigned dynblock_clear(struct dynblock *db);

/**
 * Publishes the master list to the workers if it changed since the last
 * publish, then frees what no worker can still see. Control thread.
 * @retval 0, DG_ENOMEM (the previous snapshot stays in force).
 */
DG_MUSTCHECK int dynblock_publish(struct dynblock *db);

/** Number of blocks in the master list. */
unsigned dynblock_count(const struct dynblock *db);

/**
 * Blocked-query count of the block for exactly nm (summed over workers),
 * or -1 when there is none. Control thread.
 */
int64_t dynblock_blocked(const struct dynblock *db, const struct dg_netmask *nm);

/**
 * The action to apply to a query from client: DYN_ACT_DEFAULT when no
 * published block covers it (or only a warning one), else the block's
 * action with DYN_ACT_DEFAULT replaced by def (drop when def is
 * DYN_ACT_DEFAULT too); DYN_ACT_NOOP lets the query through. Counts the
 * query on the block. Worker 'worker' (RCU-registered); db may be NULL.
 */
enum dyn_action dynblock_check(struct dynblock *db, unsigned worker, const struct dg_addr *client,
			       enum dyn_action def);

/**
 * Writes dnsdist's showDynBlocks() table ("What Seconds Blocks Warning
 * Action Reason", one line per block) to out. Control thread.
 */
void dynblock_show(const struct dynblock *db, enum dyn_action def, uint64_t now_us, FILE *out);
