/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * EDNS(0) (RFC 6891): the OPT pseudo-record's fields and options. Options
 * known by name: Client Subnet (RFC 7871), Cookie (RFC 7873), Padding
 * (RFC 7830, block padding per RFC 8467); any other option is kept as
 * code + bytes.
 *
 * The OPT record (RFC 6891 §6.1.2): owner root, TYPE 41, CLASS = UDP
 * payload size, TTL = extended RCODE (8 bits) | VERSION (8) | DO (1) | Z
 * (15), RDATA = { OPTION-CODE, OPTION-LENGTH, OPTION-DATA }*.
 *
 * The 12-bit RCODE: the header holds its low 4 bits and the OPT TTL's top
 * octet its upper 8 bits (RFC 6891 §6.1.3); dg_edns_set_rcode() and
 * dg_edns_full_rcode() keep the two halves together.
 *
 * No function here allocates; option data is borrowed. Thread-safe on
 * distinct objects.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

struct dg_pkt;
struct dg_pb;

#define DG_EDNS_OPT_ECS 8
#define DG_EDNS_OPT_COOKIE 10
#define DG_EDNS_OPT_PADDING 12
#define DG_EDNS_DO 0x8000 /* in the flags half of the TTL */
#define DG_EDNS_MAX_OPTS 16
/* RFC 6891 §6.2.5: a payload size below 512 is treated as 512. */
#define DG_EDNS_MIN_PAYLOAD 512
/* OPT record without options: root owner (1) + TYPE, CLASS, TTL, RDLENGTH. */
#define DG_EDNS_OPT_FIXED 11
/* RFC 6891 §9 BADVERS: the 12-bit RCODE for an unsupported EDNS version. */
#define DG_RCODE_BADVERS 16

struct dg_edns_opt {
	uint16_t code, len;
	const uint8_t *data; /* borrowed: from the parsed message, or the caller's */
};

struct dg_edns {
	uint16_t udp_size;  /* requestor's payload size (the OPT CLASS) */
	uint8_t ext_rcode;  /* upper 8 bits of the 12-bit RCODE */
	uint8_t version;
	uint16_t flags;     /* DO and the reserved Z bits */
	uint8_t nopts;
	struct dg_edns_opt opts[DG_EDNS_MAX_OPTS];
};

/** Client Subnet option contents (RFC 7871 §6). */
struct dg_ecs {
	uint16_t family; /* 1 = IPv4, 2 = IPv6 */
	uint8_t source_prefix, scope_prefix;
	uint8_t addr[16]; /* only the first ceil(source_prefix/8) bytes are sent */
};

#define DG_ECS_FAMILY_IP4 1
#define DG_ECS_FAMILY_IP6 2

/* RFC 7873 §4: client cookie 8 octets, server cookie 8 to 32 octets. */
#define DG_COOKIE_CLIENT_LEN 8
#define DG_COOKIE_SERVER_MIN 8
#define DG_COOKIE_SERVER_MAX 32

/** Cookie option contents (RFC 7873 §4). */
struct dg_cookie {
	uint8_t client[DG_COOKIE_CLIENT_LEN];
	uint8_t server[DG_COOKIE_SERVER_MAX];
	uint8_t server_len; /* 0 when only the client cookie was sent */
};

/**
 * Empties e and sets the payload size it will advertise (version 0, no
 * flags, no options).
 */
void dg_edns_init(struct dg_edns *e, uint16_t udp_size);

/**
 * Reads the OPT record of a parsed message into e. Option data points into
 * pkt->wire (borrowed: valid as long as the message buffer).
 * @retval 0 when there is an OPT.
 * @retval DG_ENOTFOUND when there is none.
 * @retval DG_EOPT_TRUNC when an option runs past the RDATA.
 * @retval DG_ELIMIT when there are more than DG_EDNS_MAX_OPTS options, all
 *         of them inside the RDATA (e holds the first DG_EDNS_MAX_OPTS).
 */
DG_MUSTCHECK int dg_edns_parse(struct dg_edns *e, const struct dg_pkt *pkt);

/**
 * Fills udp_size, ext_rcode, version and flags from an OPT record's CLASS
 * and TTL fields. With dg_edns_parse_rdata(), reads an OPT that the query
 * path located without a full parse.
 */
void dg_edns_parse_ttl(struct dg_edns *e, uint16_t rclass, uint32_t ttl);

/**
 * Parses OPT RDATA into e's option list (nopts, opts); the other fields
 * are left as they are (see dg_edns_parse_ttl()). Option data points into
 * rdata (borrowed).
 * @retval 0, DG_EOPT_TRUNC (an option runs past the RDATA, wherever it is),
 *         DG_ELIMIT (more than DG_EDNS_MAX_OPTS options, all inside it).
 */
DG_MUSTCHECK int dg_edns_parse_rdata(struct dg_edns *e, const uint8_t *rdata, uint16_t rdlen);

/** True when the DO bit is set. */
bool dg_edns_do(const struct dg_edns *e);

/** The payload size to honour: udp_size, but at least 512 (RFC 6891 §6.2.5). */
uint16_t dg_edns_payload(const struct dg_edns *e);

/** The first option with this code, or NULL. */
const struct dg_edns_opt *dg_edns_find(const struct dg_edns *e, uint16_t code);

/**
 * Appends an option to e for dg_edns_write(). data (len bytes) is borrowed
 * until dg_edns_write() returns.
 * @retval 0, DG_ELIMIT when e already has DG_EDNS_MAX_OPTS options.
 */
DG_MUSTCHECK int dg_edns_add_opt(struct dg_edns *e, uint16_t code, uint16_t len,
				 const uint8_t *data);

/**
 * The full 12-bit RCODE of a response: e's upper 8 bits joined with the
 * header's low 4 bits (hdr_flags is the header flags word). e may be NULL
 * (no OPT): then only the header's 4 bits count.
 */
uint16_t dg_edns_full_rcode(const struct dg_edns *e, uint16_t hdr_flags);

/**
 * Sets a 12-bit RCODE: the low 4 bits in pb's header and the upper 8 bits
 * in e->ext_rcode, to be written by dg_edns_write(). e may be NULL when
 * the response carries no OPT; then only RCODEs 0..15 are possible.
 * @retval 0, DG_EINVAL (rcode > 4095, or > 15 without e).
 */
DG_MUSTCHECK int dg_edns_set_rcode(struct dg_edns *e, struct dg_pb *pb, uint16_t rcode);

/**
 * Decodes a Client Subnet option payload. Enforces RFC 7871 §6: family 1
 * or 2, source and scope prefix at most 32 or 128, address exactly
 * ceil(source_prefix / 8) octets, no bit set past the source prefix.
 * Address octets past those sent are zero in ecs->addr.
 * @retval 0, DG_ERDATA_FORMAT (any of the above violated).
 */
DG_MUSTCHECK int dg_ecs_parse(struct dg_ecs *ecs, const uint8_t *data, uint16_t len);

/**
 * Encodes a Client Subnet option payload (without code/length) into out:
 * ceil(source_prefix / 8) address octets, the bits past the source prefix
 * cleared (so a full client address and a /24 give a valid option).
 * @retval >=0 bytes written (4 + address octets).
 * @retval DG_ESPACE when outsz is too small.
 * @retval DG_EINVAL for a bad family or a prefix too long for it.
 */
DG_MUSTCHECK int dg_ecs_write(const struct dg_ecs *ecs, uint8_t *out, size_t outsz);

/**
 * Decodes a Cookie option payload: 8 octets (client cookie only) or 16 to
 * 40 (client + server cookie), RFC 7873 §5.2.2 (other lengths are FORMERR).
 * @retval 0, DG_ERDATA_FORMAT (bad length).
 */
DG_MUSTCHECK int dg_cookie_parse(struct dg_cookie *c, const uint8_t *data, uint16_t len);

/**
 * Encodes a Cookie option payload into out.
 * @retval >=0 bytes written (8 + server_len).
 * @retval DG_EINVAL when server_len is neither 0 nor 8..32.
 * @retval DG_ESPACE when outsz is too small.
 */
DG_MUSTCHECK int dg_cookie_write(const struct dg_cookie *c, uint8_t *out, size_t outsz);

/**
 * Size on the wire of the OPT record dg_edns_write() writes for e without
 * padding; what to pass to dg_pb_reserve() before writing the answer so
 * that truncation leaves room for the OPT.
 */
size_t dg_edns_wire_size(const struct dg_edns *e);

/**
 * Appends an OPT record with e's fields and options to the additional
 * section of a message being built (moving to that section first). Works
 * after the builder truncated, and may use bytes kept by dg_pb_reserve().
 * If pad_to > 0, e's own Padding options are left out and one Padding
 * option of zeros is added so that the message length becomes a multiple
 * of pad_to (RFC 8467 block padding); when the next multiple exceeds the
 * builder's limit, it pads up to the limit instead, and when not even an
 * empty Padding option fits, the OPT is written without one.
 * @retval 0.
 * @retval DG_ESPACE when the OPT does not fit (message unchanged).
 * @retval DG_EINVAL when the options exceed 65535 octets.
 */
DG_MUSTCHECK int dg_edns_write(struct dg_pb *pb, const struct dg_edns *e, uint16_t pad_to);

/*
 * Editing the OPT record of a wire message in place (what a proxy does to
 * a query before forwarding it, and undoes on the answer). Each function
 * takes the message buffer (len bytes used, cap bytes available) and, except
 * dg_edns_wire_find(), the offset of the OPT record's owner octet. They
 * check that an OPT record (root owner, TYPE 41, RDATA inside the message,
 * options tiling the RDATA) stands there, so a wrong offset cannot make
 * them write outside the buffer. Records after the OPT (a TSIG) are moved
 * along. No allocation; any thread on distinct buffers.
 */

/**
 * Finds the OPT record of a message without a full parse: skips the
 * question(s) and every record before it (names are bounds-checked, not
 * decompressed). Only the additional section is searched (RFC 6891 §6.1.1).
 * @retval >=0 offset of the OPT record's owner octet.
 * @retval DG_ENOTFOUND when the message has none.
 * @retval DG_EHDR_SHORT, DG_EQUESTION_TRUNC, DG_ERR_TRUNC, DG_ERDATA_TRUNC,
 *         DG_ECOUNT or a name error when the message is malformed on the way.
 */
DG_MUSTCHECK int dg_edns_wire_find(const uint8_t *msg, size_t len);

/**
 * Appends an empty OPT record (version 0, no flags, this payload size) at
 * the end of a message that has none and increments ARCOUNT. The new OPT's
 * offset is the old len.
 * @retval >=0 the new message length (len + DG_EDNS_OPT_FIXED).
 * @retval DG_ESPACE when cap is too small; DG_EINVAL for len < 12 or an
 *         ARCOUNT already at 65535.
 */
DG_MUSTCHECK int dg_edns_wire_add_opt(uint8_t *msg, size_t len, size_t cap, uint16_t payload);

/**
 * Offset of the first option with this code inside the OPT at opt_off.
 * @retval >=0 offset of its OPTION-CODE octets in msg.
 * @retval DG_ENOTFOUND when the OPT has no such option.
 * @retval DG_EINVAL when no OPT record stands at opt_off; DG_EOPT_TRUNC
 *         when its options do not tile its RDATA.
 */
DG_MUSTCHECK int dg_edns_wire_find_option(const uint8_t *msg, size_t len, size_t opt_off,
					  uint16_t code);

/**
 * Sets an option in the OPT at opt_off: every option with this code is
 * removed, then { code, dlen, data } is appended to the RDATA (RDLENGTH
 * updated). data (dlen bytes) is borrowed for the call and may be NULL
 * when dlen is 0.
 * @retval >=0 the new message length.
 * @retval DG_ESPACE when cap is too small (message unchanged).
 * @retval DG_EINVAL (no OPT at opt_off, or RDATA would pass 65535 octets),
 *         DG_EOPT_TRUNC (message unchanged).
 */
DG_MUSTCHECK int dg_edns_wire_set_option(uint8_t *msg, size_t len, size_t cap, size_t opt_off,
					 uint16_t code, const uint8_t *data, uint16_t dlen);

/**
 * Removes every option with this code from the OPT at opt_off.
 * @retval >=0 the new message length (len when there was none).
 * @retval DG_EINVAL, DG_EOPT_TRUNC (message unchanged).
 */
DG_MUSTCHECK int dg_edns_wire_remove_option(uint8_t *msg, size_t len, size_t opt_off,
					    uint16_t code);

/**
 * Removes the whole OPT record at opt_off and decrements ARCOUNT (a proxy
 * that added the OPT to a query removes it from the answer, RFC 6891 §7:
 * a requestor that sent none must not get one).
 * @retval >=0 the new message length.
 * @retval DG_EINVAL when no OPT record stands at opt_off (message unchanged).
 */
DG_MUSTCHECK int dg_edns_wire_remove_opt(uint8_t *msg, size_t len, size_t opt_off);
