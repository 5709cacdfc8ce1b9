/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The control thread's side of dynamic blocks: once per second, expire
 * blocks whose time is over, run the configuration's maintenance() (where
 * dnsdist configurations call their DynBlockRulesGroup's apply() or
 * exceedQRate/addDynBlocks), and publish the block table to the workers.
 *
 * DESIGN: maintenance() and the group objects it uses live in the control
 * thread's own Lua state, built by replaying the configuration file
 * (cfg_replay with CFG_MODE_CONTROL, as the worker states are; luart.h),
 * so it has the whole configuration API. The state's registry holds the
 * served configuration under DYNCTL_LIVE_KEY: that is how the runtime
 * functions (lua_dynblock.c) reach the rings and the block table. The
 * state exists only when the file defines maintenance(); the expiry and
 * the publishing run regardless (the console may add blocks too).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct fe_conf;
struct dynctl;

/* Registry key of the served configuration in the control Lua state. */
#define DYNCTL_LIVE_KEY "dnsgate.live"

/**
 * Prepares the control side for conf (whose rings and dynblocks the daemon
 * made): replays the file when it defines maintenance(). Main thread.
 * @return the object (free with dynctl_free()), or NULL with a message in err.
 */
struct dynctl *dynctl_new(struct fe_conf *conf, char *err, size_t errsz);

/** Closes the Lua state and frees ctl. NULL is accepted. */
void dynctl_free(struct dynctl *ctl);

/**
 * Runs a round when a second has passed since the last one: expire,
 * maintenance() (errors logged, at most once a minute), publish. Control
 * thread; call it at least a few times per second.
 */
void dynctl_tick(struct dynctl *ctl, uint64_t now_us);

/** Microseconds until the next round is due (0: now). */
uint64_t dynctl_wait_us(const struct dynctl *ctl, uint64_t now_us);
