/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * Building DNS messages into a caller's buffer: header, question, records
 * with name compression (RFC 1035 §4.1.4), and truncation at a size limit on
 * RRset boundaries (RFC 2181 §9) which sets TC. A record that does not fit
 * is never half written: the builder rolls back to the end of the last
 * complete RRset and reports DG_ETRUNCATED.
 *
 * Compression: owner names, the question name, and the names inside the
 * RDATA of the RFC 1035 types (NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR,
 * MINFO, MX) are compressed. Every other type's RDATA, DNAME and SRV
 * included (RFC 3597 §4, RFC 6672 §2.5, RFC 2782), is copied verbatim and
 * its names are neither compressed nor used as pointer targets. Suffixes
 * match case-insensitively; the case of the first occurrence is what a
 * reader sees.
 *
 * Nothing is ever written at or past buf + limit. One builder is used by one
 * thread at a time; it holds no pointers besides buf.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"
#include "lib/pkt.h"

/* How many earlier names the compressor remembers (each one also offers
 * all of its suffixes as targets). */
#define DG_PB_COMP_MAX 64

struct dg_pb {
	uint8_t *buf;
	size_t limit;    /* maximum message size (e.g. 512, EDNS size, 65535) */
	size_t reserved; /* bytes at the end that dg_pb_rr() may not use */
	size_t len;      /* bytes written so far */
	uint16_t section; /* enum dg_section being written */
	uint16_t counts[4];
	/* rollback point: end of the last complete RRset = start of this one */
	bool rrset_open;
	size_t rrset_start_len;
	uint16_t rrset_start_count;
	uint16_t rrset_type, rrset_class;
	uint8_t rrset_owner[DG_DNAME_MAXLEN];
	/* compression table: offsets of names written with at least one
	 * literal label, in increasing order; all < 0x4000 */
	uint16_t comp_off[DG_PB_COMP_MAX];
	uint8_t ncomp;
	int err; /* sticky: DG_ETRUNCATED once a record did not fit */
};

/**
 * Starts a message in buf of bufsz bytes, limited to limit bytes. Writes a
 * header with the given id and flags and all counts zero.
 * buf is borrowed until the last call on pb.
 * @retval 0.
 * @retval DG_ESPACE when limit < 12 (no room for a header).
 * @retval DG_EINVAL when limit > bufsz or limit > 65535.
 */
DG_MUSTCHECK int dg_pb_init(struct dg_pb *pb, uint8_t *buf, size_t bufsz, size_t limit,
			    uint16_t id, uint16_t flags);

/**
 * Sets the header flags word (QR, opcode, AA, TC, RD, RA, AD, CD, rcode).
 * TC stays set once the builder has truncated, whatever flags says.
 */
void dg_pb_set_flags(struct dg_pb *pb, uint16_t flags);

/** The header flags word as it stands in the buffer. */
uint16_t dg_pb_flags(const struct dg_pb *pb);

/**
 * Sets the 4-bit RCODE in the header, keeping the other flags. An RCODE
 * above 15 needs EDNS: use dg_edns_set_rcode(), which also fills the OPT's
 * upper 8 bits.
 */
void dg_pb_set_rcode(struct dg_pb *pb, uint8_t rcode);

/**
 * Writes a question (normally the only one). Must come before any record.
 * qname is a valid wire name.
 * @retval 0.
 * @retval DG_ESPACE when it does not fit (the message is left unchanged).
 * @retval DG_EINVAL when records were already written.
 */
DG_MUSTCHECK int dg_pb_question(struct dg_pb *pb, const uint8_t *qname, uint16_t qtype,
				uint16_t qclass);

/**
 * Moves to a later section (answer, authority, additional). Sections are
 * written in order; moving back is DG_EINVAL. Moving to the current section
 * is a no-op.
 * @retval 0, DG_EINVAL.
 */
DG_MUSTCHECK int dg_pb_section(struct dg_pb *pb, enum dg_section sec);

/**
 * Keeps n bytes at the end of the message free for records written with
 * dg_pb_rr_open() (OPT, TSIG), so that truncation by dg_pb_rr() still
 * leaves room for them. Replaces any earlier reservation; 0 releases it.
 * @retval 0, DG_ESPACE when the message already uses more than limit - n.
 */
DG_MUSTCHECK int dg_pb_reserve(struct dg_pb *pb, size_t n);

/**
 * Appends one record to the current section (not the question section).
 * owner is a valid wire name; rdata is uncompressed RDATA (borrowed for the
 * call). For NS, MD, MF, CNAME, SOA, MB, MG, MR, PTR, MINFO and MX the
 * names inside RDATA are compressed too. If the record does not fit within
 * limit - reserved, the message is cut back to the end of the previous
 * complete RRset (an RRset being consecutive records of one section, owner,
 * type and class), the counts are set back to match, TC is set, and
 * DG_ETRUNCATED is returned; later calls keep failing with it.
 * @retval 0.
 * @retval DG_ETRUNCATED as above (sticky).
 * @retval DG_EINVAL in the question section, or RDATA not matching its
 *         type's layout (a bad embedded name, or wrong length for SOA/MX);
 *         the message is left unchanged.
 */
DG_MUSTCHECK int dg_pb_rr(struct dg_pb *pb, const uint8_t *owner, uint16_t type,
			  uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen);

/**
 * Appends a record whose rdlen bytes of RDATA the caller fills in through
 * *rdata (valid until the next call on pb). owner is written uncompressed
 * and is not remembered for compression. Meant for records that end a
 * message (OPT, TSIG): it may use the reserved bytes and it works after
 * dg_pb_rr() has truncated. The record counts as one RRset of its own.
 * @retval 0.
 * @retval DG_ESPACE when it does not fit within limit (message unchanged).
 * @retval DG_EINVAL in the question section.
 */
DG_MUSTCHECK int dg_pb_rr_open(struct dg_pb *pb, const uint8_t *owner, uint16_t type,
			       uint16_t rclass, uint32_t ttl, uint16_t rdlen, uint8_t **rdata);

/**
 * Finishes the message: makes sure the header counts match what was
 * written (they are also kept up to date after every call).
 * @retval length of the message (>= 12).
 */
size_t dg_pb_finish(struct dg_pb *pb);
