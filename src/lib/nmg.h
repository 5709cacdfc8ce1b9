/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Netmask groups: sets of IPv4 and IPv6 CIDR prefixes with longest-prefix
 * match, for ACLs and NetmaskGroupRule. A group is built at configuration
 * time and then only read, so any number of threads may match concurrently
 * once building is finished. Negated entries ("!10.1.0.0/16") exclude a
 * more specific range from a broader one, as in dnsdist.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/compiler.h"

struct dg_nmg_node;

/** An address with its family, independent of sockaddr layout. */
struct dg_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

/** A parsed prefix. */
struct dg_netmask {
	struct dg_addr addr;
	uint8_t bits;
};

struct dg_nmg {
	struct dg_nmg_node *root4, *root6; /* binary tries, one per family */
	size_t count;                      /* entries added */
};

/**
 * Parses "192.0.2.0/24", "2001:db8::/32", "192.0.2.1" (a /32) or "::1".
 * Host bits past the prefix are cleared (dnsdist accepts "10.1.2.3/8").
 * @retval 0, DG_ENET_SYNTAX, DG_ENET_PREFIX.
 */
DG_MUSTCHECK int dg_netmask_parse(struct dg_netmask *nm, const char *text);

/** Writes "addr/bits" into out. @retval length, DG_ESPACE. */
DG_MUSTCHECK int dg_netmask_to_str(const struct dg_netmask *nm, char *out, size_t outsz);

/** Converts a sockaddr (IPv4, IPv6, or v4-mapped IPv6 -> IPv4) to a dg_addr. */
DG_MUSTCHECK int dg_addr_from_sockaddr(struct dg_addr *a, const struct sockaddr *sa);

/** Initialises an empty group. */
void dg_nmg_init(struct dg_nmg *g);

/**
 * Adds a prefix; negate=true adds an exclusion. Adding an existing prefix
 * replaces its negate flag.
 * @retval 0, DG_ENOMEM.
 */
DG_MUSTCHECK int dg_nmg_add(struct dg_nmg *g, const struct dg_netmask *nm, bool negate);

/**
 * Parses text (optionally prefixed with '!') and adds it.
 * @retval 0, DG_ENET_SYNTAX, DG_ENET_PREFIX, DG_ENOMEM.
 */
DG_MUSTCHECK int dg_nmg_add_str(struct dg_nmg *g, const char *text);

/**
 * Longest-prefix match: true when the most specific entry covering addr is
 * not negated. If match is not NULL it receives that entry's prefix.
 */
bool dg_nmg_match(const struct dg_nmg *g, const struct dg_addr *addr, struct dg_netmask *match);

/** Calls fn for every entry (for showACL()). */
void dg_nmg_foreach(const struct dg_nmg *g,
		    void (*fn)(const struct dg_netmask *nm, bool negate, void *ctx), void *ctx);

/** Frees every node; g is empty afterwards. */
void dg_nmg_clear(struct dg_nmg *g);
