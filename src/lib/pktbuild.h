/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Building DNS messages into a caller's buffer: header, question, records
 * with name compression (RFC 1035 §4.1.4), and truncation at a size limit on
 * RRset boundaries (RFC 2181 §9) which sets TC. A record that does not fit
 * is never half written: the builder rolls back to the end of the last
 * complete RRset and reports DG_ETRUNCATED.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/pkt.h"

/* How many earlier names the compressor remembers. */
#define DG_PB_COMP_MAX 64

struct dg_pb {
	uint8_t *buf;
	size_t limit;   /* maximum message size (e.g. 512, EDNS size, 65535) */
	size_t len;     /* bytes written so far */
	uint16_t section; /* enum dg_section being written */
	uint16_t counts[4];
	/* rollback point: end of the last complete RRset */
	size_t rrset_start_len;
	uint16_t rrset_start_count;
	uint16_t rrset_type, rrset_class;
	uint8_t rrset_owner[DG_DNAME_MAXLEN];
	/* compression table: offsets of names (and their suffixes) written */
	uint16_t comp_off[DG_PB_COMP_MAX];
	uint8_t ncomp;
	int err; /* sticky: first error */
};

/**
 * Starts a message in buf of bufsz bytes, limited to limit bytes
 * (limit <= bufsz). Writes a zeroed header with the given id and flags.
 * @retval 0, DG_ESPACE when bufsz < 12 or limit < 12.
 */
DG_MUSTCHECK int dg_pb_init(struct dg_pb *pb, uint8_t *buf, size_t bufsz, size_t limit,
			    uint16_t id, uint16_t flags);

/** Sets the header flags word (QR, opcode, AA, TC, RD, RA, AD, CD, rcode). */
void dg_pb_set_flags(struct dg_pb *pb, uint16_t flags);

/**
 * Writes the question. Must come before any record.
 * @retval 0, DG_ESPACE.
 */
DG_MUSTCHECK int dg_pb_question(struct dg_pb *pb, const uint8_t *qname, uint16_t qtype,
				uint16_t qclass);

/**
 * Moves to a later section (answer, authority, additional). Sections are
 * written in order; moving back is DG_EINVAL.
 */
DG_MUSTCHECK int dg_pb_section(struct dg_pb *pb, enum dg_section sec);

/**
 * Appends one record. owner is a wire name; rdata is uncompressed RDATA. For
 * types whose RDATA holds compressible names (NS, CNAME, PTR, MX, SOA, ...)
 * the names inside RDATA are compressed too. If the record does not fit
 * within limit, the message is cut back to the end of the previous complete
 * RRset (an RRset being consecutive records of one owner, type and class),
 * TC is set, and DG_ETRUNCATED is returned; later calls keep failing.
 * @retval 0, DG_ETRUNCATED, DG_EINVAL (bad rdata for its type).
 */
DG_MUSTCHECK int dg_pb_rr(struct dg_pb *pb, const uint8_t *owner, uint16_t type,
			  uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/**
 * Finishes the message: writes the section counts into the header.
 * @retval length of the message (>= 12).
 */
size_t dg_pb_finish(struct dg_pb *pb);
