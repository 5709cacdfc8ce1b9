/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * dnsdist's grepq(): the recent queries and responses of the rings that
 * match a client netmask, a name suffix or a minimum latency, printed in
 * dnsdist's columns (Time Client Server ID Name Type Lat. TC RD AA Rcode).
 * Runs on the control thread (the console, the configuration); reads the
 * rings without stopping the workers.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/compiler.h"
#include "lib/dname.h"
#include "lib/nmg.h"

struct rings;
struct fe_conf;

/* What grepq() selects; every part that is set must match. */
struct grepq_sel {
	bool has_nm;
	struct dg_netmask nm;              /* client address */
	bool has_name;
	uint8_t name[DG_DNAME_MAXLEN];     /* qname equal to or below it */
	int64_t min_msec;                  /* "100ms": responses slower than this; -1: off */
};

/**
 * Parses one grepq() selector string into sel (which it adds to; start
 * from a zeroed sel with min_msec = -1): "NNms" (latency), a netmask or
 * address, or else a DNS name.
 * @retval 0, DG_EINVAL (not a netmask, latency or name).
 */
DG_MUSTCHECK int grepq_parse(struct grepq_sel *sel, const char *text);

/**
 * Writes the matching entries to out, oldest first, as dnsdist does: the
 * header line, then at most limit queries and limit responses (the newest
 * ones; 0: no limit), each with its age in seconds relative to now_us
 * (negative). Queries are omitted when sel->min_msec is set. Backend names
 * come from conf (may be NULL). r may be NULL (header only).
 * @retval number of entries written, DG_ENOMEM.
 */
DG_MUSTCHECK int grepq_write(struct rings *r, const struct fe_conf *conf,
			     const struct grepq_sel *sel, unsigned limit, uint64_t now_us,
			     FILE *out);

/** dnsdist's text for an RCODE ("No Error", "Non-Existent domain", ...). */
const char *grepq_rcode_str(unsigned rcode, char *buf, size_t bufsz);
