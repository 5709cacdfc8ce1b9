/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * vrrp_pkt: known-answer packets (checksums computed independently with
 * Python's struct module), round trips, and one test per rejection code.
 */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "tap.h"
#include "lib/wire.h"
#include "vrrp/vrrp_pkt.h"

/* v3/IPv4: src 198.18.0.1 -> 224.0.0.18, VRID 51, prio 150, 10 cs, VIP .160 */
static const char V3V4_HEX[] = "31339601000acb6bc61200a0";
/* v2: VRID 51, prio 100, PASS "lab123", 1 s, VIP 10.10.2.160 */
static const char V2_HEX[] = "2133640101016c5a0a0a02a06c61623132330000";
/* v3/IPv6: fe80::1 -> ff02::12, VRID 7, prio 200, 100 cs, fe80::160, 2001:db8::160 */
static const char V3V6_HEX[] = "3107c8020064d968fe80000000000000000000000000016020010db8000000000000000000000160";

static struct vrrp_rxmeta meta4(const char *src)
{
	struct vrrp_rxmeta m = { .family = AF_INET, .ttl = 255 };
	inet_pton(AF_INET, src, m.src);
	inet_pton(AF_INET, "224.0.0.18", m.dst);
	return m;
}

static struct vrrp_rxmeta meta6(const char *src)
{
	struct vrrp_rxmeta m = { .family = AF_INET6, .ttl = 255 };
	inet_pton(AF_INET6, src, m.src);
	inet_pton(AF_INET6, "ff02::12", m.dst);
	return m;
}

/* An independent RFC 1071 checksum over the IPv4 pseudo-header and msg. */
static void v3v4_fix_csum(uint8_t *msg, size_t len, const struct vrrp_rxmeta *m)
{
	uint32_t sum = 0;
	msg[6] = msg[7] = 0;
	for (size_t i = 0; i < 4; i += 2)
		sum += (uint32_t)(m->src[i] << 8 | m->src[i + 1]) + (uint32_t)(m->dst[i] << 8 | m->dst[i + 1]);
	sum += 112 + (uint32_t)len;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(msg[i] << 8 | msg[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	dg_put_u16(msg + 6, (uint16_t)~sum);
}

static void test_v3_ipv4(void)
{
	uint8_t want[64], buf[64];
	int wlen = tap_hex_decode(V3V4_HEX, want, sizeof(want));
	struct vrrp_rxmeta m = meta4("198.18.0.1");
	struct vrrp_adv adv = { .version = 3, .vrid = 51, .prio = 150, .naddr = 1,
				.adver_cs = 10, .family = AF_INET };
	inet_pton(AF_INET, "198.18.0.160", adv.addrs[0]);
	int n = vrrp_pkt_encode(buf, sizeof(buf), &adv, m.src, m.dst);
	is_bytes(want, (size_t)wlen, buf, n > 0 ? (size_t)n : 0, "v3/IPv4 encodes with the pseudo-header checksum");

	struct vrrp_adv got;
	is_err(DG_OK, vrrp_pkt_decode(&got, want, (size_t)wlen, &m), "v3/IPv4 decodes");
	is_int(3, got.version, "version");
	is_int(51, got.vrid, "vrid");
	is_int(150, got.prio, "priority");
	is_int(10, got.adver_cs, "interval 10 cs");
	is_bytes(adv.addrs[0], 4, got.addrs[0], 4, "address");

	/* The same bytes from another source fail: the pseudo-header counts. */
	struct vrrp_rxmeta other = meta4("198.18.0.2");
	is_err(DG_EVRRP_CHECKSUM, vrrp_pkt_decode(&got, want, (size_t)wlen, &other),
	       "v3/IPv4 checksum covers the source address");
	/* Reserved bits are ignored on reception (RFC 5798 §5.2.4). */
	uint8_t rsvd[64];
	memcpy(rsvd, want, (size_t)wlen);
	rsvd[4] |= 0xf0;
	v3v4_fix_csum(rsvd, (size_t)wlen, &m);
	is_err(DG_OK, vrrp_pkt_decode(&got, rsvd, (size_t)wlen, &m), "reserved bits ignored");
	is_int(10, got.adver_cs, "interval without the reserved bits");
}

static void test_v3_ipv6(void)
{
	uint8_t want[128], buf[128];
	int wlen = tap_hex_decode(V3V6_HEX, want, sizeof(want));
	struct vrrp_rxmeta m = meta6("fe80::1");
	struct vrrp_adv adv = { .version = 3, .vrid = 7, .prio = 200, .naddr = 2,
				.adver_cs = 100, .family = AF_INET6 };
	inet_pton(AF_INET6, "fe80::160", adv.addrs[0]);
	inet_pton(AF_INET6, "2001:db8::160", adv.addrs[1]);
	int n = vrrp_pkt_encode(buf, sizeof(buf), &adv, m.src, m.dst);
	is_bytes(want, (size_t)wlen, buf, n > 0 ? (size_t)n : 0, "v3/IPv6 encodes");
	struct vrrp_adv got;
	is_err(DG_OK, vrrp_pkt_decode(&got, want, (size_t)wlen, &m), "v3/IPv6 decodes");
	is_int(2, got.naddr, "two addresses");
	is_bytes(adv.addrs[1], 16, got.addrs[1], 16, "second address");
	m.dst[15] = 0x13;
	is_err(DG_EVRRP_CHECKSUM, vrrp_pkt_decode(&got, want, (size_t)wlen, &m),
	       "v3/IPv6 checksum covers the destination");
	m = meta6("fe80::1");
	m.ttl = 64;
	is_err(DG_EVRRP_TTL, vrrp_pkt_decode(&got, want, (size_t)wlen, &m), "hop limit 64 rejected");
	m = meta6("fe80::1");
	want[0] = 0x21; /* v2 over IPv6 does not exist */
	is_err(DG_EVRRP_VERSION, vrrp_pkt_decode(&got, want, (size_t)wlen, &m), "v2 over IPv6 rejected");
}

static void test_v2_pass(void)
{
	uint8_t want[64], buf[64];
	int wlen = tap_hex_decode(V2_HEX, want, sizeof(want));
	struct vrrp_rxmeta m = meta4("10.10.2.161");
	struct vrrp_adv adv = { .version = 2, .vrid = 51, .prio = 100, .naddr = 1, .adver_cs = 100,
				.auth_type = VRRP_V2_AUTH_PASS, .family = AF_INET };
	inet_pton(AF_INET, "10.10.2.160", adv.addrs[0]);
	vrrp_pkt_set_pass(adv.auth, "lab123");
	int n = vrrp_pkt_encode(buf, sizeof(buf), &adv, NULL, NULL);
	is_bytes(want, (size_t)wlen, buf, n > 0 ? (size_t)n : 0, "v2 PASS encodes");

	struct vrrp_adv got;
	is_err(DG_OK, vrrp_pkt_decode(&got, want, (size_t)wlen, &m), "v2 decodes");
	/* v2 has no pseudo-header: another source still checks. */
	struct vrrp_rxmeta other = meta4("10.10.2.99");
	is_err(DG_OK, vrrp_pkt_decode(&got, want, (size_t)wlen, &other), "v2 checksum ignores addresses");
	is_int(VRRP_V2_AUTH_PASS, got.auth_type, "auth type PASS");
	is_int(100, got.adver_cs, "1 s as 100 cs");

	struct vrrp_expect exp = { .version = 2, .vrid = 51, .adver_cs = 100,
				   .auth_type = VRRP_V2_AUTH_PASS };
	vrrp_pkt_set_pass(exp.auth, "lab123");
	is_err(DG_OK, vrrp_pkt_check(&got, &exp), "password matches");
	vrrp_pkt_set_pass(exp.auth, "lab124");
	is_err(DG_EVRRP_AUTH, vrrp_pkt_check(&got, &exp), "wrong password");
	vrrp_pkt_set_pass(exp.auth, "lab123");
	exp.auth_type = VRRP_V2_AUTH_NONE;
	is_err(DG_EVRRP_AUTH_TYPE, vrrp_pkt_check(&got, &exp), "auth type mismatch");
	exp.auth_type = VRRP_V2_AUTH_PASS;
	exp.adver_cs = 200;
	is_err(DG_EVRRP_INTERVAL, vrrp_pkt_check(&got, &exp), "v2 interval must equal ours");
	exp.adver_cs = 100;
	exp.vrid = 52;
	is_err(DG_EVRRP_VRID, vrrp_pkt_check(&got, &exp), "other VRID");
	exp.vrid = 51;
	exp.version = 3;
	is_err(DG_EVRRP_VERSION, vrrp_pkt_check(&got, &exp), "v2 advert to a v3 router");

	/* Long passwords are cut to 8 characters, as keepalived does. */
	uint8_t auth[8];
	vrrp_pkt_set_pass(auth, "123456789");
	is_bytes("12345678", 8, auth, 8, "password cut at 8");
}

static void test_rejects(void)
{
	uint8_t pkt[64], p[64];
	int len = tap_hex_decode(V3V4_HEX, pkt, sizeof(pkt));
	struct vrrp_rxmeta m = meta4("198.18.0.1");
	struct vrrp_adv got;

	is_err(DG_EVRRP_SHORT, vrrp_pkt_decode(&got, pkt, 7, &m), "7 bytes: short");
	is_err(DG_EVRRP_TRUNC, vrrp_pkt_decode(&got, pkt, 11, &m), "address cut: trunc");
	memcpy(p, pkt, (size_t)len);
	p[len] = 0;
	is_err(DG_EVRRP_TRAILING, vrrp_pkt_decode(&got, p, (size_t)len + 1, &m), "trailing byte");
	memcpy(p, pkt, (size_t)len);
	p[0] = 0x41;
	is_err(DG_EVRRP_VERSION, vrrp_pkt_decode(&got, p, (size_t)len, &m), "version 4");
	p[0] = 0x32;
	is_err(DG_EVRRP_TYPE, vrrp_pkt_decode(&got, p, (size_t)len, &m), "type 2");
	memcpy(p, pkt, (size_t)len);
	p[3] = 0;
	is_err(DG_EVRRP_NOADDR, vrrp_pkt_decode(&got, p, 8, &m), "no address");
	memcpy(p, pkt, (size_t)len);
	p[7] ^= 1;
	is_err(DG_EVRRP_CHECKSUM, vrrp_pkt_decode(&got, p, (size_t)len, &m), "checksum flipped");
	m.ttl = 254;
	is_err(DG_EVRRP_TTL, vrrp_pkt_decode(&got, pkt, (size_t)len, &m), "TTL 254");

	struct vrrp_expect exp = { .version = 3, .vrid = 51 };
	m.ttl = 255;
	memcpy(p, pkt, (size_t)len);
	p[4] = 0;
	p[5] = 0;
	dg_put_u16(p + 6, 0);
	uint8_t tmp[64];
	struct vrrp_adv z = { .version = 3, .vrid = 51, .prio = 150, .naddr = 1, .family = AF_INET };
	memcpy(z.addrs[0], pkt + 8, 4);
	int zl = vrrp_pkt_encode(tmp, sizeof(tmp), &z, m.src, m.dst);
	ok(zl == len, "interval 0 still encodes (v3)");
	is_err(DG_OK, vrrp_pkt_decode(&got, tmp, (size_t)len, &m), "interval 0 decodes");
	is_err(DG_EVRRP_INTERVAL, vrrp_pkt_check(&got, &exp), "interval 0 rejected by the check");
}

static void test_encode_limits(void)
{
	uint8_t buf[64];
	uint8_t a[16] = { 0 };
	struct vrrp_adv adv = { .version = 2, .vrid = 1, .prio = 100, .naddr = 1, .adver_cs = 10,
				.family = AF_INET };
	is_err(DG_EINVAL, vrrp_pkt_encode(buf, sizeof(buf), &adv, a, a), "v2 sub-second interval");
	adv.adver_cs = 100;
	adv.family = AF_INET6;
	is_err(DG_EINVAL, vrrp_pkt_encode(buf, sizeof(buf), &adv, a, a), "v2 over IPv6");
	adv.version = 3;
	adv.adver_cs = 4096;
	is_err(DG_EINVAL, vrrp_pkt_encode(buf, sizeof(buf), &adv, a, a), "v3 interval 4096 cs");
	adv.adver_cs = 100;
	adv.naddr = 0;
	is_err(DG_EINVAL, vrrp_pkt_encode(buf, sizeof(buf), &adv, a, a), "no address");
	adv.naddr = 2;
	is_err(DG_ESPACE, vrrp_pkt_encode(buf, 20, &adv, a, a), "no room");
}

static void test_ipv4_split(void)
{
	uint8_t dg[64] = { 0x45, 0xc0, 0, 32, 0, 0, 0, 0, 255, 112, 0, 0,
			   198, 18, 0, 1, 224, 0, 0, 18 };
	uint8_t vr[64];
	int vl = tap_hex_decode(V3V4_HEX, vr, sizeof(vr));
	memcpy(dg + 20, vr, (size_t)vl);
	struct vrrp_rxmeta m;
	size_t off = 0;
	is_int(12, vrrp_pkt_ipv4_split(dg, 32, &m, &off), "payload 12 bytes");
	is_int(20, (long long)off, "after a 20-byte header");
	is_int(255, m.ttl, "TTL");
	struct vrrp_adv got;
	is_err(DG_OK, vrrp_pkt_decode(&got, dg + off, 12, &m), "split then decode");
	is_err(DG_EVRRP_IPHDR, vrrp_pkt_ipv4_split(dg, 31, &m, &off), "length mismatch");
	dg[9] = 17;
	is_err(DG_EVRRP_IPHDR, vrrp_pkt_ipv4_split(dg, 32, &m, &off), "not protocol 112");
	dg[9] = 112;
	dg[0] = 0x44;
	is_err(DG_EVRRP_IPHDR, vrrp_pkt_ipv4_split(dg, 32, &m, &off), "IHL 4");
	is_err(DG_EVRRP_IPHDR, vrrp_pkt_ipv4_split(dg, 10, &m, &off), "10 bytes");
}

static void test_error_names(void)
{
	is_str("DG_EVRRP_CHECKSUM", dg_errname(DG_EVRRP_CHECKSUM), "error names exist");
	ok(VRRP_NERR == 13, "13 vrrp error codes, contiguous");
}

int main(void)
{
	test_v3_ipv4();
	test_v3_ipv6();
	test_v2_pass();
	test_rejects();
	test_encode_limits();
	test_ipv4_split();
	test_error_names();
	return tap_done();
}
