/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Netmask parsing and the path-compressed trie behind netmask groups (see
 * nmg.h for the design and the threading rules).
 *
 * Keys are addresses in network byte order with every bit past the node's
 * prefix length zero, so two prefixes are compared with plain byte XORs.
 * Nothing is ever removed from a trie except by dg_nmg_clear(), which keeps
 * the invariant that a node that is not an entry has exactly two children.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/nmg.h"

struct dg_nmg_node {
	struct dg_nmg_node *child[2]; /* indexed by the bit at position 'bits' */
	uint8_t key[16];              /* the prefix; bits past 'bits' are zero */
	uint8_t bits;                 /* prefix length */
	bool entry;                   /* an added prefix, not just a branch point */
	bool negate;                  /* entry excludes its range */
};

static unsigned family_bits(int family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

/* Bit i of key, counting from the most significant bit of key[0]. */
static unsigned bit_at(const uint8_t *key, unsigned i)
{
	return (key[i / 8] >> (7 - i % 8)) & 1u;
}

/* Index of the first bit where a and b (16 bytes each) differ, or limit if
 * none before it; 8 bytes per step, so an IPv4 prefix takes one. */
static unsigned common_bits(const uint8_t *a, const uint8_t *b, unsigned limit)
{
	for (unsigned i = 0; i < 16 && i * 8 < limit; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		uint64_t d = __builtin_bswap64(x ^ y); /* network order: first byte on top */
		if (d != 0) {
			unsigned c = i * 8 + (unsigned)__builtin_clzll(d);
			return c < limit ? c : limit;
		}
	}
	return limit;
}

/* Copies the first 'bits' bits of src into dst (16 bytes) and zeroes the rest. */
static void mask_copy(uint8_t *dst, const uint8_t *src, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	memset(dst, 0, 16);
	memcpy(dst, src, full);
	if (rest != 0)
		dst[full] = (uint8_t)(src[full] & (0xffu << (8 - rest)));
}

/* "24" into 0..max; a sign or a non-digit is a syntax error except "-N". */
static int parse_bits(const char *s, unsigned max, uint8_t *bits)
{
	bool negative = *s == '-';
	unsigned v = 0;

	if (negative)
		s++;
	if (*s == '\0')
		return DG_ENET_SYNTAX;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return DG_ENET_SYNTAX;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 1000)
			v = 1000; /* saturate: out of range anyway, keep checking syntax */
	}
	if (negative || v > max)
		return DG_ENET_PREFIX;
	*bits = (uint8_t)v;
	return 0;
}

static int netmask_parse(struct dg_netmask *nm, const char *text, bool strict)
{
	char host[INET6_ADDRSTRLEN];
	uint8_t raw[16] = { 0 };

	if (nm == NULL || text == NULL)
		return DG_EINVAL;
	memset(nm, 0, sizeof(*nm));
	const char *slash = strchr(text, '/');
	size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
	if (len == 0 || len >= sizeof(host))
		return DG_ENET_SYNTAX;
	memcpy(host, text, len);
	host[len] = '\0';

	if (inet_pton(AF_INET, host, raw) == 1)
		nm->addr.family = AF_INET;
	else if (inet_pton(AF_INET6, host, raw) == 1)
		nm->addr.family = AF_INET6;
	else
		return DG_ENET_SYNTAX;
	unsigned max = family_bits(nm->addr.family);
	nm->bits = (uint8_t)max;
	int ret = slash != NULL ? parse_bits(slash + 1, max, &nm->bits) : 0;
	if (ret < 0) {
		memset(nm, 0, sizeof(*nm));
		return ret;
	}
	mask_copy(nm->addr.bytes, raw, nm->bits);
	if (strict && memcmp(nm->addr.bytes, raw, sizeof(raw)) != 0) {
		memset(nm, 0, sizeof(*nm));
		return DG_ENET_HOSTBITS;
	}
	return 0;
}

int dg_netmask_parse(struct dg_netmask *nm, const char *text)
{
	return netmask_parse(nm, text, false);
}

int dg_netmask_parse_strict(struct dg_netmask *nm, const char *text)
{
	return netmask_parse(nm, text, true);
}

int dg_netmask_to_str(const struct dg_netmask *nm, char *out, size_t outsz)
{
	char host[INET6_ADDRSTRLEN];

	if (outsz > 0)
		out[0] = '\0';
	if (family_bits(nm->addr.family) == 0)
		return DG_EINVAL;
	inet_ntop(nm->addr.family, nm->addr.bytes, host, sizeof(host));
	int n = snprintf(out, outsz, "%s/%u", host, nm->bits);
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz > 0)
			out[0] = '\0';
		return DG_ESPACE;
	}
	return n;
}

bool dg_netmask_contains(const struct dg_netmask *nm, const struct dg_addr *addr)
{
	return nm->addr.family == addr->family && family_bits(addr->family) != 0 &&
	       common_bits(nm->addr.bytes, addr->bytes, nm->bits) == nm->bits;
}

/* ::ffff:a.b.c.d (RFC 4291 2.5.5.2) as the IPv4 address a.b.c.d. */
static bool unmap_v4(struct dg_addr *out, const uint8_t *v6)
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (memcmp(v6, prefix, sizeof(prefix)) != 0)
		return false;
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	memcpy(out->bytes, v6 + 12, 4);
	return true;
}

int dg_addr_from_sockaddr(struct dg_addr *a, const struct sockaddr *sa)
{
	if (a == NULL || sa == NULL)
		return DG_EINVAL;
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		a->family = AF_INET;
		memcpy(a->bytes, &in->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		if (!unmap_v4(a, in6->sin6_addr.s6_addr)) {
			a->family = AF_INET6;
			memcpy(a->bytes, &in6->sin6_addr, 16);
		}
		return 0;
	}
	return DG_EINVAL;
}

void dg_nmg_init(struct dg_nmg *g)
{
	g->root4 = NULL;
	g->root6 = NULL;
	g->count = 0;
}

static struct dg_nmg_node *node_new(const uint8_t *key, unsigned bits, bool entry, bool negate)
{
	struct dg_nmg_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	mask_copy(n->key, key, bits);
	n->bits = (uint8_t)bits;
	n->entry = entry;
	n->negate = negate;
	return n;
}

/*
 * The new prefix (key/bits) and the subtree at *slot agree on their first c
 * bits only, c < (*slot)->bits. Puts a node of length c above the subtree:
 * the new entry itself when c == bits, else a branch point with the new
 * entry and the old subtree as its two children.
 */
static int trie_split(struct dg_nmg_node **slot, const uint8_t *key, unsigned bits,
		      unsigned c, bool negate)
{
	struct dg_nmg_node *old = *slot;
	struct dg_nmg_node *leaf = node_new(key, bits, true, negate);

	if (leaf == NULL)
		return DG_ENOMEM;
	if (c == bits) {
		leaf->child[bit_at(old->key, c)] = old;
		*slot = leaf;
		return 0;
	}
	struct dg_nmg_node *branch = node_new(key, c, false, false);
	if (branch == NULL) {
		free(leaf);
		return DG_ENOMEM;
	}
	branch->child[bit_at(key, c)] = leaf;
	branch->child[bit_at(old->key, c)] = old;
	*slot = branch;
	return 0;
}

/* Returns 1 when a new entry was created, 0 when an existing one changed. */
static int trie_insert(struct dg_nmg_node **slot, const uint8_t *key, unsigned bits, bool negate)
{
	struct dg_nmg_node *n;

	while ((n = *slot) != NULL) {
		unsigned c = common_bits(key, n->key, bits < n->bits ? bits : n->bits);
		if (c < n->bits) {
			int ret = trie_split(slot, key, bits, c, negate);
			return ret < 0 ? ret : 1;
		}
		if (bits == n->bits) {
			int created = !n->entry;
			n->entry = true;
			n->negate = negate;
			return created;
		}
		slot = &n->child[bit_at(key, n->bits)];
	}
	*slot = node_new(key, bits, true, negate);
	return *slot != NULL ? 1 : DG_ENOMEM;
}

int dg_nmg_add(struct dg_nmg *g, const struct dg_netmask *nm, bool negate)
{
	unsigned max = family_bits(nm->addr.family);

	if (max == 0)
		return DG_EINVAL;
	if (nm->bits > max)
		return DG_ENET_PREFIX;
	int ret = trie_insert(nm->addr.family == AF_INET ? &g->root4 : &g->root6,
			      nm->addr.bytes, nm->bits, negate);
	if (ret < 0)
		return ret;
	g->count += (size_t)ret;
	return 0;
}

int dg_nmg_add_str(struct dg_nmg *g, const char *text)
{
	struct dg_netmask nm;
	bool negate = text != NULL && text[0] == '!';

	int ret = dg_netmask_parse(&nm, negate ? text + 1 : text);
	if (ret < 0)
		return ret;
	return dg_nmg_add(g, &nm, negate);
}

/*
 * dg_nmg_match's walk for IPv4, on 32-bit words: every query's client goes
 * through the ACL, and most clients are IPv4, so this is the hot case.
 */
static const struct dg_nmg_node *match_v4(const struct dg_nmg_node *n, const uint8_t *addr)
{
	const struct dg_nmg_node *best = NULL;
	uint32_t a;
	memcpy(&a, addr, 4);
	a = ntohl(a);
	while (n != NULL) {
		uint32_t k;
		memcpy(&k, n->key, 4);
		/* 64-bit shift: a /0 node shifts by 32, which is fine there */
		if (((uint64_t)(ntohl(k) ^ a) >> (32 - n->bits)) != 0)
			break;
		if (n->entry)
			best = n;
		if (n->bits == 32)
			break;
		n = n->child[(a >> (31 - n->bits)) & 1u];
	}
	return best;
}

bool dg_nmg_match(const struct dg_nmg *g, const struct dg_addr *addr, struct dg_netmask *match)
{
	struct dg_addr unmapped;
	const struct dg_nmg_node *n, *best = NULL;

	if (addr->family == AF_INET6 && unmap_v4(&unmapped, addr->bytes))
		addr = &unmapped;
	if (addr->family == AF_INET) {
		best = match_v4(g->root4, addr->bytes);
	} else if (addr->family == AF_INET6) {
		/* Each node on the path must be a prefix of addr; the last entry seen wins. */
		for (n = g->root6; n != NULL && common_bits(n->key, addr->bytes, n->bits) == n->bits;
		     n = n->child[bit_at(addr->bytes, n->bits)]) {
			if (n->entry)
				best = n;
			if (n->bits == 128)
				break;
		}
	}
	if (best == NULL)
		return false;
	if (match != NULL) {
		memset(match, 0, sizeof(*match));
		match->addr.family = addr->family;
		memcpy(match->addr.bytes, best->key, sizeof(best->key));
		match->bits = best->bits;
	}
	return !best->negate;
}

typedef void nmg_visit_fn(const struct dg_netmask *nm, bool negate, void *ctx);

/* Pre-order, child 0 first: address order, shorter prefixes first. Depth <= 129. */
static void trie_walk(const struct dg_nmg_node *n, uint8_t family, nmg_visit_fn *fn, void *ctx)
{
	for (; n != NULL; n = n->child[1]) {
		if (n->entry) {
			struct dg_netmask nm = { .bits = n->bits };
			nm.addr.family = family;
			memcpy(nm.addr.bytes, n->key, sizeof(n->key));
			fn(&nm, n->negate, ctx);
		}
		trie_walk(n->child[0], family, fn, ctx);
	}
}

void dg_nmg_foreach(const struct dg_nmg *g, nmg_visit_fn *fn, void *ctx)
{
	trie_walk(g->root4, AF_INET, fn, ctx);
	trie_walk(g->root6, AF_INET6, fn, ctx);
}

static void trie_free(struct dg_nmg_node *n)
{
	while (n != NULL) {
		struct dg_nmg_node *next = n->child[1];
		trie_free(n->child[0]);
		free(n);
		n = next;
	}
}

void dg_nmg_clear(struct dg_nmg *g)
{
	trie_free(g->root4);
	trie_free(g->root6);
	dg_nmg_init(g);
}
