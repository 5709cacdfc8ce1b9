/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Actions of dnsdist's rule chains (DropAction, PoolAction, SpoofAction,
 * LogAction, ...). Their layout is in rule_types.h; action_apply() runs
 * them on the query path. This header has the constructors that need more
 * than filling fields: opening LogAction's file at configuration time.
 */
#pragma once

#include <stdbool.h>

#include "lib/compiler.h"

struct action;

/* Options of LogAction([filename[, binary[, append[, buffered[, verboseOnly[, includeTimestamp]]]]]]). */
struct action_log_opts {
	bool binary;       /* dnsdist default true */
	bool append;       /* default false: truncate */
	bool buffered;     /* default true */
	bool verbose_only; /* default true: stdout logging only with -v */
	bool timestamp;    /* default false */
};

/**
 * Makes a LogAction: opens path (configuration time, so no file is opened
 * on the query path) with stdio buffering unless !buffered. An empty path
 * logs through the logger instead (at debug level when verbose_only).
 * Lines are written with stdio's per-FILE lock, never fsync'ed.
 * @return the action, or NULL with errno set (fopen's error, ENOMEM).
 */
struct action *action_log_new(const char *path, const struct action_log_opts *o);
