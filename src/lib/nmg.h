/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Netmask groups: sets of IPv4 and IPv6 CIDR prefixes with longest-prefix
 * match, for ACLs and NetmaskGroupRule. A group is built at configuration
 * time and then only read, so any number of threads may match concurrently
 * once building is finished. Negated entries ("!10.1.0.0/16") exclude a
 * more specific range from a broader one, as in dnsdist.
 *
 * DESIGN: one path-compressed binary trie per family. Every node holds a
 * prefix; a node's children extend it and differ in the bit just after it,
 * so a lookup follows at most one path of at most (entries + 1) nodes and
 * never more than 129. Nodes are either entries (with a negate flag) or
 * branch points with two children. Building (add/clear) must not overlap
 * with any other call on the same group; match and foreach only read, take
 * no lock and may run in any number of threads. A live ACL is replaced by
 * building a new group and publishing it with RCU (STYLE.md 8.5).
 *
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are matched as IPv4: a client
 * connected to a dual-stack socket is the same client as on an IPv4 socket.
 * dg_addr_from_sockaddr() and dg_nmg_match() both convert them, so IPv6
 * entries inside ::ffff:0:0/96 never match anything.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/compiler.h"

struct dg_nmg_node;

/* Longest dg_netmask_to_str() result, NUL included ("ffff:...:ffff/128"). */
#define DG_NETMASK_STRLEN (INET6_ADDRSTRLEN + 4)

/** An address with its family, independent of sockaddr layout. */
struct dg_addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16]; /* network order; IPv4 uses the first 4, the rest zero */
};

/** A parsed prefix. */
struct dg_netmask {
	struct dg_addr addr; /* bits past 'bits' are zero */
	uint8_t bits;        /* 0..32 or 0..128 */
};

struct dg_nmg {
	struct dg_nmg_node *root4, *root6; /* binary tries, one per family */
	size_t count;                      /* distinct entries (negated included) */
};

/**
 * Parses "192.0.2.0/24", "2001:db8::/32", "192.0.2.1" (a /32) or "::1" (a
 * /128). Numeric addresses only; no spaces. Host bits past the prefix are
 * cleared (dnsdist accepts "10.1.2.3/8" as 10.0.0.0/8).
 * @retval 0 success.
 * @retval DG_ENET_SYNTAX not an address, empty or non-decimal prefix length
 *         ("300.1.1.1", "abc", "10.0.0.0/", "10.0.0.0/2x").
 * @retval DG_ENET_PREFIX prefix length above 32 / 128, or negative
 *         ("10.0.0.0/33", "::1/129", "1.2.3.4/-1").
 * @retval DG_EINVAL nm or text is NULL.
 */
DG_MUSTCHECK int dg_netmask_parse(struct dg_netmask *nm, const char *text);

/**
 * dg_netmask_parse() that refuses host bits instead of clearing them, for
 * places where "10.1.2.3/8" is more likely a typo than intended.
 * @retval as dg_netmask_parse(), plus DG_ENET_HOSTBITS.
 */
DG_MUSTCHECK int dg_netmask_parse_strict(struct dg_netmask *nm, const char *text);

/**
 * Writes "addr/bits" into out (DG_NETMASK_STRLEN always suffices).
 * @retval length without the NUL, DG_ESPACE, DG_EINVAL (unknown family).
 */
DG_MUSTCHECK int dg_netmask_to_str(const struct dg_netmask *nm, char *out, size_t outsz);

/**
 * True when addr lies inside nm (same family, first nm->bits bits equal).
 * No v4-mapped conversion: pass addresses from dg_addr_from_sockaddr().
 */
bool dg_netmask_contains(const struct dg_netmask *nm, const struct dg_addr *addr);

/**
 * Converts a sockaddr (IPv4, IPv6, or v4-mapped IPv6 -> IPv4) to a dg_addr.
 * @retval 0, DG_EINVAL (NULL or not AF_INET/AF_INET6).
 */
DG_MUSTCHECK int dg_addr_from_sockaddr(struct dg_addr *a, const struct sockaddr *sa);

/** Initialises an empty group. */
void dg_nmg_init(struct dg_nmg *g);

/**
 * Adds a prefix; negate=true adds an exclusion. Adding an existing prefix
 * replaces its negate flag. Host bits past nm->bits are ignored. Builder
 * only: not concurrently with any other call on g.
 * @retval 0, DG_ENET_PREFIX (bits too large), DG_EINVAL (bad family),
 *         DG_ENOMEM (g unchanged).
 */
DG_MUSTCHECK int dg_nmg_add(struct dg_nmg *g, const struct dg_netmask *nm, bool negate);

/**
 * Parses text (optionally prefixed with '!') and adds it.
 * @retval 0, DG_ENET_SYNTAX, DG_ENET_PREFIX, DG_ENOMEM.
 */
DG_MUSTCHECK int dg_nmg_add_str(struct dg_nmg *g, const char *text);

/**
 * Longest-prefix match: true when the most specific entry covering addr is
 * not negated; false when none covers it. If match is not NULL it receives
 * that entry's prefix (untouched when nothing covers addr). A v4-mapped IPv6
 * addr is looked up as IPv4. Read-only: any thread, no lock.
 */
bool dg_nmg_match(const struct dg_nmg *g, const struct dg_addr *addr, struct dg_netmask *match);

/**
 * Calls fn for every entry (for showACL()): IPv4 first, then IPv6, each in
 * address order with a shorter prefix before the longer ones inside it.
 * nm is valid only during the call. Read-only.
 */
void dg_nmg_foreach(const struct dg_nmg *g,
		    void (*fn)(const struct dg_netmask *nm, bool negate, void *ctx), void *ctx);

/** Frees every node; g is empty afterwards and may be reused. */
void dg_nmg_clear(struct dg_nmg *g);
