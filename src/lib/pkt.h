/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * DNS message parsing (RFC 1035 §4). Two entry points:
 *  - dg_pkt_parse_question(): header + the one question, for the query hot
 *    path (no allocation, qname copied out lower-cased and as received);
 *  - dg_pkt_parse(): every record of every section, strictly bounded, into
 *    an index of offsets into the caller's buffer (no copy of RDATA).
 * Every malformation is reported with its own DG_E* code (err.h); no input
 * can make the parser read outside [wire, wire + len).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/dname.h"

struct dg_arena;

#define DG_HDR_LEN 12
#define DG_MAX_UDP 65535
/* Most records dg_pkt_parse() accepts in one message. A 64 KiB message
 * holds at most 5956 (11-octet records), one of compressed A records about
 * 4090; past this the work is refused with DG_ETOOMANYRR. */
#define DG_PKT_MAXRR 4096

/* Header flag bits as they sit in the 16-bit flags word (RFC 1035 §4.1.1,
 * RFC 2535 for AD/CD). */
#define DG_FLAG_QR 0x8000
#define DG_FLAG_AA 0x0400
#define DG_FLAG_TC 0x0200
#define DG_FLAG_RD 0x0100
#define DG_FLAG_RA 0x0080
#define DG_FLAG_AD 0x0020
#define DG_FLAG_CD 0x0010
#define DG_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DG_RCODE(flags) ((flags) & 0xf)

enum dg_section { DG_SEC_QUESTION, DG_SEC_ANSWER, DG_SEC_AUTHORITY, DG_SEC_ADDITIONAL };

struct dg_hdr {
	uint16_t id, flags;
	uint16_t qdcount, ancount, nscount, arcount;
};

/** One parsed record: offsets into the message the parser was given. */
struct dg_rr {
	uint16_t owner_off; /* owner name as it stands in the message (may be compressed) */
	uint16_t ttl_off;   /* offset of the 32-bit TTL, for patching cached answers */
	uint16_t rdata_off; /* offset of RDATA */
	uint16_t rdlen;
	uint16_t type, rclass;
	uint32_t ttl;
	uint8_t section; /* enum dg_section */
};

/** The question of a message, as needed on the query path. */
struct dg_question {
	uint8_t qname[DG_DNAME_MAXLEN];    /* as received (case preserved) */
	uint8_t qname_lc[DG_DNAME_MAXLEN]; /* lower-cased, for matching and keys */
	uint16_t qname_len;                /* wire length including the root label */
	uint16_t qtype, qclass;
	uint16_t end_off; /* offset just past the question */
};

/** A fully parsed message. */
struct dg_pkt {
	const uint8_t *wire; /* borrowed: valid as long as the caller's buffer */
	size_t len;
	struct dg_hdr hdr;
	struct dg_question q; /* valid when hdr.qdcount == 1 */
	struct dg_rr *rr;     /* ancount+nscount+arcount records, in order */
	uint16_t rrcount;
	int opt_idx;  /* index in rr[] of the OPT record, or -1 */
	int tsig_idx; /* index in rr[] of a TSIG record, or -1 */
};

/**
 * Parses the 12-byte header.
 * @retval 0 on success. @retval DG_EHDR_SHORT.
 */
DG_MUSTCHECK int dg_hdr_parse(struct dg_hdr *h, const uint8_t *wire, size_t len);

/**
 * Parses the header and the single question of a query. Fails with
 * DG_EQDCOUNT when qdcount is not 1. Does not look past the question: use
 * dg_pkt_parse() to validate the rest. Allocates nothing; any thread.
 * @retval 0 on success, or any name error from dg_dname_unpack(),
 *         DG_EHDR_SHORT, DG_EQDCOUNT, DG_EQUESTION_TRUNC,
 *         DG_EINVAL (NULL argument or len > DG_MAX_UDP).
 */
DG_MUSTCHECK int dg_pkt_parse_question(struct dg_hdr *h, struct dg_question *q,
				       const uint8_t *wire, size_t len);

/**
 * Parses a whole message: header, questions (0 or 1), and every resource
 * record of the answer, authority and additional sections. Names in the
 * RDATA of types whose RDATA holds compressible names (RFC 3597 §4) are
 * checked too. Rejects: lying counts (DG_ECOUNT), truncated records
 * (DG_ERR_TRUNC, DG_ERDATA_TRUNC), RDATA not matching its fixed format
 * (DG_ERDATA_FORMAT, e.g. an A record with rdlen 5), bytes after the last
 * record (DG_ETRAILING), a second OPT or an OPT not at the root or not in
 * the additional section (DG_EOPT_*), a TSIG not last (DG_ETSIG_NOTLAST),
 * and every name error. A question count of 0 is accepted (pkt->q is then
 * zeroed), above 1 is DG_EQDCOUNT. Owner names and RDATA names may use
 * any backward pointer; the in-place part of an RDATA name must end
 * inside its RDATA (DG_ENAME_TRUNC). Empty RDATA is accepted for class ANY
 * and NONE (RFC 2136 UPDATE). pkt->wire borrows wire (valid while the
 * caller's buffer is); pkt->rr is allocated from a (NULL: heap; release it
 * with dg_pkt_free()). On error nothing is left to release.
 * @retval 0 on success, < 0 a DG_E* code naming the first malformation,
 *         DG_ETOOMANYRR (more than DG_PKT_MAXRR records), DG_ENOMEM,
 *         DG_EINVAL (NULL argument or len > DG_MAX_UDP).
 */
DG_MUSTCHECK int dg_pkt_parse(struct dg_pkt *pkt, const uint8_t *wire, size_t len,
			      struct dg_arena *a);

/** Releases what dg_pkt_parse() allocated with arena a (nothing for an arena). */
void dg_pkt_free(struct dg_pkt *pkt, struct dg_arena *a);

/**
 * Expands rr's RDATA into out with every embedded name uncompressed (for
 * types whose RDATA holds compressible names), so it can be printed or
 * compared independently of the message. RDATA of other types, and RDATA
 * that does not match its type's layout, is copied as it is.
 * @retval >=0 length written. @retval DG_ESPACE, name errors,
 *         DG_EINVAL (rr lies outside pkt).
 */
DG_MUSTCHECK int dg_pkt_rdata_uncompressed(const struct dg_pkt *pkt, const struct dg_rr *rr,
					   uint8_t *out, size_t outsz);
