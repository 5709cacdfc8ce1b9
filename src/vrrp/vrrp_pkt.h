/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * VRRP advertisements on the wire: version 3 (RFC 5798, IPv4 and IPv6) and
 * version 2 (RFC 3768, IPv4, with the "simple text password" auth type 1
 * that keepalived calls auth_type PASS), for interoperation with keepalived
 * nodes during a migration. Encoding, decoding, the checksums, and the
 * receive checks of RFC 5798 §7.1 / RFC 3768 §7.1, each rejection with its
 * own DG_EVRRP_* code so the instance can count drops per cause.
 *
 * Pure code: no I/O, no clock, no allocation; any thread.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/err.h"

#define VRRP_IPPROTO 112          /* IANA protocol number (RFC 5798 §5.1.1.4) */
#define VRRP_TTL 255              /* RFC 5798 §5.1.1.3 / §5.1.2.3 */
#define VRRP_HDR_LEN 8
#define VRRP_V2_AUTH_LEN 8        /* RFC 3768 §5.3.10: Authentication Data */
#define VRRP_TYPE_ADVERT 1        /* RFC 5798 §5.2.2: the only type */
#define VRRP_V2_AUTH_NONE 0
#define VRRP_V2_AUTH_PASS 1       /* RFC 2338 §5.3.6 "Simple Text Password" */
#define VRRP_V3_MAX_ADVER_CS 4095 /* 12-bit field, centiseconds */
#define VRRP_MAX_ADDRS 16         /* addresses kept by the decoder; more are skipped */
#define VRRP_PKT_MAX (VRRP_HDR_LEN + 255 * 16 + VRRP_V2_AUTH_LEN)

/* The first and last code of the "vrrp" group of err.h, for per-cause drop
 * counters indexed by (code - VRRP_ERR_FIRST). */
#define VRRP_ERR_FIRST DG_EVRRP_IPHDR
#define VRRP_ERR_LAST DG_EVRRP_AUTH
#define VRRP_NERR (VRRP_ERR_LAST - VRRP_ERR_FIRST + 1)

/* One advertisement, decoded (RFC 5798 §5.2, RFC 3768 §5.3). */
struct vrrp_adv {
	uint8_t version;   /* 2 or 3 */
	uint8_t vrid;      /* 1..255 */
	uint8_t prio;      /* 0 = master stops; 255 = address owner */
	uint8_t naddr;     /* Count IPvX Addr as on the wire */
	uint16_t adver_cs; /* interval in centiseconds (v2: seconds * 100) */
	uint8_t auth_type; /* v2 only: VRRP_V2_AUTH_* */
	uint8_t auth[VRRP_V2_AUTH_LEN]; /* v2 PASS: password, NUL padded */
	int family;        /* AF_INET or AF_INET6 (v2: AF_INET only) */
	uint8_t addrs[VRRP_MAX_ADDRS][16]; /* first min(naddr, MAX) addresses */
};

/* What the IP layer told us about a received advertisement. */
struct vrrp_rxmeta {
	int family;       /* AF_INET or AF_INET6 */
	uint8_t src[16];  /* source address (4 or 16 bytes used) */
	uint8_t dst[16];  /* destination address (the multicast group) */
	int ttl;          /* IPv4 TTL or IPv6 hop limit */
};

/* What this router expects of advertisements for its virtual router. */
struct vrrp_expect {
	uint8_t version;
	uint8_t vrid;
	uint16_t adver_cs;   /* checked against v2 advertisements only */
	uint8_t auth_type;   /* v2: VRRP_V2_AUTH_NONE or _PASS */
	uint8_t auth[VRRP_V2_AUTH_LEN];
};

/** Address length of a family: 4 for AF_INET, 16 for AF_INET6, 0 otherwise. */
size_t vrrp_addr_len(int family);

/**
 * Writes adv into buf as the VRRP part of an IP packet (no IP header).
 * src and dst are the IP source and destination the packet will carry: the
 * v3 checksum covers a pseudo-header built from them (RFC 5798 §5.2.8, for
 * IPv4 as well as IPv6); v2 ignores them (RFC 3768 §5.3.8).
 * @retval length written; DG_ESPACE when buf is too small; DG_EINVAL for a
 *         version other than 2 or 3, v2 over IPv6, a v2 interval that is not
 *         whole seconds in 1..255, a v3 interval above 4095 cs, or naddr 0
 *         or above VRRP_MAX_ADDRS.
 */
DG_MUSTCHECK int vrrp_pkt_encode(uint8_t *buf, size_t len, const struct vrrp_adv *adv,
				 const uint8_t *src, const uint8_t *dst);

/**
 * Decodes and checks one received advertisement (VRRP part, no IP header)
 * in the order of RFC 5798 §7.1: TTL, length, version, type, addresses,
 * checksum. Does not check what depends on configuration: see
 * vrrp_pkt_check(). On error, adv is partially filled.
 * @retval 0, DG_EVRRP_TTL, DG_EVRRP_SHORT, DG_EVRRP_VERSION (not 2 or 3, or
 *         2 over IPv6), DG_EVRRP_TYPE, DG_EVRRP_NOADDR, DG_EVRRP_TRUNC,
 *         DG_EVRRP_TRAILING, DG_EVRRP_CHECKSUM, DG_EINVAL (bad meta family).
 */
DG_MUSTCHECK int vrrp_pkt_decode(struct vrrp_adv *adv, const uint8_t *buf, size_t len,
				 const struct vrrp_rxmeta *meta);

/**
 * The configuration-dependent checks of RFC 5798 §7.1 and RFC 3768 §7.1 on
 * a decoded advertisement: version, VRID, interval (non-zero; in v2 equal to
 * ours, which RFC 3768 requires), v2 auth type and password.
 * @retval 0, DG_EVRRP_VERSION, DG_EVRRP_VRID, DG_EVRRP_INTERVAL,
 *         DG_EVRRP_AUTH_TYPE, DG_EVRRP_AUTH.
 */
DG_MUSTCHECK int vrrp_pkt_check(const struct vrrp_adv *adv, const struct vrrp_expect *exp);

/**
 * Splits a received IPv4 datagram (as a raw socket returns it) into its
 * header fields and VRRP payload: fills meta (family, src, dst, ttl) and
 * *payload_off. Checks IHL, total length and protocol 112; the TTL is
 * checked later by vrrp_pkt_decode().
 * @retval payload length; DG_EVRRP_IPHDR.
 */
DG_MUSTCHECK int vrrp_pkt_ipv4_split(const uint8_t *buf, size_t len, struct vrrp_rxmeta *meta,
				     size_t *payload_off);

/**
 * Copies a password into the 8-byte v2 authentication data, NUL padded
 * (keepalived truncates longer ones to 8 characters; so do we).
 */
void vrrp_pkt_set_pass(uint8_t auth[VRRP_V2_AUTH_LEN], const char *pass);
