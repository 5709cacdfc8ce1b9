/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Compiler attributes and build-time bans that every dnsgate file includes
 * (the build passes -include src/lib/compiler.h). Unsafe string calls are
 * poisoned here so that using one fails the build, as HAProxy's bug.h does.
 */
#pragma once

/* An error returned by a function marked so must be looked at by the caller. */
#define DG_MUSTCHECK __attribute__((warn_unused_result))
#define DG_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define DG_UNUSED __attribute__((unused))
#define DG_LIKELY(x) __builtin_expect(!!(x), 1)
#define DG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define DG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Headers first, poison after: system headers may still mention these. */
#include <stdio.h>
#include <string.h>
#pragma GCC poison strcpy strcat sprintf vsprintf gets
