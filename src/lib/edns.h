/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * EDNS(0) (RFC 6891): the OPT pseudo-record's fields and options. Options
 * known by name: Client Subnet (RFC 7871), Cookie (RFC 7873), Padding
 * (RFC 7830); any other option is kept as code + bytes.
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

struct dg_edns_opt {
	uint16_t code, len;
	const uint8_t *data; /* borrowed from the parsed message */
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

/**
 * Reads the OPT record of a parsed message into e.
 * @retval 0 when there is an OPT, DG_ENOTFOUND when there is none,
 *         DG_EOPT_TRUNC when an option runs past the RDATA.
 */
DG_MUSTCHECK int dg_edns_parse(struct dg_edns *e, const struct dg_pkt *pkt);

/**
 * Parses an OPT RDATA buffer directly (used by the query path, which
 * locates the OPT without a full parse).
 * @retval 0, DG_EOPT_TRUNC, DG_ELIMIT (more than DG_EDNS_MAX_OPTS options).
 */
DG_MUSTCHECK int dg_edns_parse_rdata(struct dg_edns *e, const uint8_t *rdata, uint16_t rdlen);

/** True when the DO bit is set. */
bool dg_edns_do(const struct dg_edns *e);

/** The option with this code, or NULL. */
const struct dg_edns_opt *dg_edns_find(const struct dg_edns *e, uint16_t code);

/**
 * Decodes a Client Subnet option payload.
 * @retval 0, DG_ERDATA_FORMAT (bad family, prefix too long, wrong length,
 *         bits set past the source prefix).
 */
DG_MUSTCHECK int dg_ecs_parse(struct dg_ecs *ecs, const uint8_t *data, uint16_t len);

/**
 * Encodes a Client Subnet option payload (without code/length) into out.
 * @retval >=0 bytes written, DG_ESPACE, DG_EINVAL.
 */
DG_MUSTCHECK int dg_ecs_write(const struct dg_ecs *ecs, uint8_t *out, size_t outsz);

/**
 * Appends an OPT record with e's fields and options to the additional
 * section of a message being built (extended RCODE, version, DO, payload
 * size). If pad_to > 0, adds a Padding option so the message length becomes
 * a multiple of pad_to (RFC 8467 block padding).
 * @retval 0, DG_ETRUNCATED / DG_ESPACE from the builder.
 */
DG_MUSTCHECK int dg_edns_write(struct dg_pb *pb, const struct dg_edns *e, uint16_t pad_to);
