/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * VRRP v2/v3 advertisement codec. Layouts (network byte order):
 *
 *   v3 (RFC 5798 §5.2)             v2 (RFC 3768 §5.3)
 *   0  version|type                0  version|type
 *   1  VRID                        1  VRID
 *   2  priority                    2  priority
 *   3  count of addresses          3  count of addresses
 *   4  rsvd(4)|max adver int(12)   4  auth type
 *                                  5  adver int (seconds)
 *   6  checksum                    6  checksum
 *   8  addresses (4 or 16 each)    8  IPv4 addresses, then 8 bytes auth data
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include "lib/wire.h"
#include "vrrp/vrrp_pkt.h"

size_t vrrp_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* One's complement sum of n bytes, not folded (RFC 1071). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n >= 2; p += 2, n -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (n == 1)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The checksum of a VRRP message with its checksum field as stored. v3:
 * "the 16-bit one's complement of the one's complement sum of the entire
 * VRRP message starting with the version field and a 'pseudo-header' as
 * defined in Section 8.1 of [RFC2460]" for IPv6 and, per §5.2.8, the IPv4
 * pseudo-header of RFC 768 for IPv4. v2 sums the VRRP message alone.
 */
static uint16_t vrrp_csum(const uint8_t *msg, size_t len, int version, int family,
			  const uint8_t *src, const uint8_t *dst)
{
	uint32_t sum = 0;
	if (version == 3) {
		size_t alen = vrrp_addr_len(family);
		sum = csum_add(sum, src, alen);
		sum = csum_add(sum, dst, alen);
		/* IPv4: zero, protocol, 16-bit length. IPv6: 32-bit length,
		 * three zero bytes, next header. Both sum to len + 112. */
		sum += (uint32_t)len + VRRP_IPPROTO;
	}
	return csum_fold(csum_add(sum, msg, len));
}

static int encode_check(const struct vrrp_adv *adv)
{
	if (adv->naddr == 0 || adv->naddr > VRRP_MAX_ADDRS || vrrp_addr_len(adv->family) == 0)
		return DG_EINVAL;
	if (adv->version == 3)
		return adv->adver_cs <= VRRP_V3_MAX_ADVER_CS ? DG_OK : DG_EINVAL;
	if (adv->version != 2 || adv->family != AF_INET)
		return DG_EINVAL;
	if (adv->adver_cs % 100 != 0 || adv->adver_cs == 0 || adv->adver_cs / 100 > 255)
		return DG_EINVAL;
	return DG_OK;
}

int vrrp_pkt_encode(uint8_t *buf, size_t len, const struct vrrp_adv *adv, const uint8_t *src,
		    const uint8_t *dst)
{
	if (buf == NULL || adv == NULL || (adv->version == 3 && (src == NULL || dst == NULL)))
		return DG_EINVAL;
	int ret = encode_check(adv);
	if (ret < 0)
		return ret;
	size_t alen = vrrp_addr_len(adv->family);
	struct dg_wr wr = dg_wr_init(buf, len);
	dg_wr_u8(&wr, (uint8_t)(adv->version << 4 | VRRP_TYPE_ADVERT));
	dg_wr_u8(&wr, adv->vrid);
	dg_wr_u8(&wr, adv->prio);
	dg_wr_u8(&wr, adv->naddr);
	if (adv->version == 3) {
		dg_wr_u16(&wr, adv->adver_cs); /* reserved bits zero */
	} else {
		dg_wr_u8(&wr, adv->auth_type);
		dg_wr_u8(&wr, (uint8_t)(adv->adver_cs / 100));
	}
	dg_wr_u16(&wr, 0); /* checksum, filled below */
	for (unsigned i = 0; i < adv->naddr; i++)
		dg_wr_bytes(&wr, adv->addrs[i], alen);
	if (adv->version == 2) /* RFC 3768: always present, zero when unused */
		dg_wr_bytes(&wr, adv->auth, VRRP_V2_AUTH_LEN);
	if (wr.err != DG_OK)
		return wr.err;
	size_t n = dg_wr_off(&wr);
	dg_put_u16(buf + 6, vrrp_csum(buf, n, adv->version, adv->family, src, dst));
	return (int)n;
}

/* The fixed header; leaves the cursor after the checksum. */
static int decode_hdr(struct vrrp_adv *adv, struct dg_rd *rd, int family)
{
	uint8_t vt = dg_rd_u8(rd, DG_EVRRP_SHORT);
	adv->vrid = dg_rd_u8(rd, DG_EVRRP_SHORT);
	adv->prio = dg_rd_u8(rd, DG_EVRRP_SHORT);
	adv->naddr = dg_rd_u8(rd, DG_EVRRP_SHORT);
	uint8_t b4 = dg_rd_u8(rd, DG_EVRRP_SHORT);
	uint8_t b5 = dg_rd_u8(rd, DG_EVRRP_SHORT);
	dg_rd_u16(rd, DG_EVRRP_SHORT);
	if (rd->err != DG_OK)
		return rd->err;
	adv->version = vt >> 4;
	adv->family = family;
	if (adv->version == 3) {
		adv->adver_cs = (uint16_t)((b4 & 0x0f) << 8 | b5); /* rsvd ignored */
		adv->auth_type = VRRP_V2_AUTH_NONE;
	} else if (adv->version == 2 && family == AF_INET) {
		adv->auth_type = b4;
		adv->adver_cs = (uint16_t)(b5 * 100);
	} else {
		return DG_EVRRP_VERSION;
	}
	/* "MUST verify that the received packet contains ... type" */
	if ((vt & 0x0f) != VRRP_TYPE_ADVERT)
		return DG_EVRRP_TYPE;
	return adv->naddr == 0 ? DG_EVRRP_NOADDR : DG_OK;
}

int vrrp_pkt_decode(struct vrrp_adv *adv, const uint8_t *buf, size_t len,
		    const struct vrrp_rxmeta *meta)
{
	if (adv == NULL || buf == NULL || meta == NULL)
		return DG_EINVAL;
	size_t alen = vrrp_addr_len(meta->family);
	if (alen == 0)
		return DG_EINVAL;
	memset(adv, 0, sizeof(*adv));
	/* RFC 5798 §7.1: "MUST verify that the IPv4 TTL/IPv6 HL is 255" */
	if (meta->ttl != VRRP_TTL)
		return DG_EVRRP_TTL;
	struct dg_rd rd = dg_rd_init(buf, len);
	int ret = decode_hdr(adv, &rd, meta->family);
	if (ret < 0)
		return ret;
	for (unsigned i = 0; i < adv->naddr; i++)
		dg_rd_bytes(&rd, i < VRRP_MAX_ADDRS ? adv->addrs[i] : NULL, alen, DG_EVRRP_TRUNC);
	if (adv->version == 2)
		dg_rd_bytes(&rd, adv->auth, VRRP_V2_AUTH_LEN, DG_EVRRP_TRUNC);
	if (rd.err != DG_OK)
		return rd.err;
	if (dg_rd_left(&rd) != 0)
		return DG_EVRRP_TRAILING;
	/* Summing a message with a correct checksum in place gives 0. */
	if (vrrp_csum(buf, len, adv->version, meta->family, meta->src, meta->dst) != 0)
		return DG_EVRRP_CHECKSUM;
	return DG_OK;
}

int vrrp_pkt_check(const struct vrrp_adv *adv, const struct vrrp_expect *exp)
{
	if (adv->version != exp->version)
		return DG_EVRRP_VERSION;
	/* "MUST verify that the VRID is configured on the receiving interface" */
	if (adv->vrid != exp->vrid)
		return DG_EVRRP_VRID;
	if (adv->adver_cs == 0)
		return DG_EVRRP_INTERVAL;
	if (adv->version == 3)
		return DG_OK;
	/* RFC 3768 §7.1: "MUST verify that the Adver Interval in the packet
	 * is the same as the locally configured for this virtual router" */
	if (adv->adver_cs != exp->adver_cs)
		return DG_EVRRP_INTERVAL;
	/* "MUST verify that the Auth Type matches the locally configured
	 * authentication method" */
	if (adv->auth_type != exp->auth_type)
		return DG_EVRRP_AUTH_TYPE;
	if (adv->auth_type == VRRP_V2_AUTH_PASS &&
	    memcmp(adv->auth, exp->auth, VRRP_V2_AUTH_LEN) != 0)
		return DG_EVRRP_AUTH;
	return DG_OK;
}

int vrrp_pkt_ipv4_split(const uint8_t *buf, size_t len, struct vrrp_rxmeta *meta,
			size_t *payload_off)
{
	if (buf == NULL || meta == NULL || payload_off == NULL)
		return DG_EINVAL;
	if (len < 20 || buf[0] >> 4 != 4)
		return DG_EVRRP_IPHDR;
	size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
	size_t total = dg_get_u16(buf + 2);
	/* The kernel hands raw sockets the datagram as received; a total
	 * length that disagrees with it is a malformed packet. */
	if (ihl < 20 || ihl > len || total != len || buf[9] != VRRP_IPPROTO)
		return DG_EVRRP_IPHDR;
	memset(meta, 0, sizeof(*meta));
	meta->family = AF_INET;
	meta->ttl = buf[8];
	memcpy(meta->src, buf + 12, 4);
	memcpy(meta->dst, buf + 16, 4);
	*payload_off = ihl;
	return (int)(len - ihl);
}

void vrrp_pkt_set_pass(uint8_t auth[VRRP_V2_AUTH_LEN], const char *pass)
{
	memset(auth, 0, VRRP_V2_AUTH_LEN);
	if (pass == NULL)
		return;
	size_t n = strnlen(pass, VRRP_V2_AUTH_LEN);
	memcpy(auth, pass, n);
}
