/* SPDX-License-Identifier: GPL-3.0-or-later
 * Copyright (c) dnsgate contributors
 *
 * The kernel side of VRRP on one interface: the raw IP socket for
 * protocol 112 joined to 224.0.0.18 (IPv4) or ff02::12 (IPv6) with TTL /
 * hop limit 255, VIP add/remove through rtnetlink (RTM_NEWADDR /
 * RTM_DELADDR on a NETLINK_ROUTE socket, never by running `ip`),
 * gratuitous ARP through an AF_PACKET socket and unsolicited neighbour
 * advertisements through an ICMPv6 raw socket.
 *
 * Needs CAP_NET_RAW and CAP_NET_ADMIN. Every socket is non-blocking except
 * the netlink one, whose acknowledgement is awaited with a 1 s receive
 * timeout (the kernel answers at once; the bound only guards a wedged
 * kernel). Control thread only.
 *
 * Not yet: the virtual MAC 00:00:5e:00:01:VRID (RFC 5798 §7.3). The VIPs
 * live on the interface with its own MAC, and the gratuitous ARP/NA moves
 * the clients' caches, as keepalived does without use_vmac.
 */
#pragma once

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/compiler.h"

struct vrrp_rxmeta;

/* One virtual address with its prefix length (as `ip addr add` takes). */
struct vrrp_vip {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t prefixlen;
};

struct vrrp_net {
	int family;
	int ifindex;
	char ifname[IF_NAMESIZE];
	uint8_t mac[6];
	uint8_t primary[16]; /* IPv4 primary address or IPv6 link-local */
	int fd;              /* raw VRRP socket, non-blocking */
	int nl_fd;           /* NETLINK_ROUTE */
	int garp_fd;         /* AF_PACKET (IPv4) or ICMPv6 raw (IPv6) */
	uint32_t nl_seq;
};

/**
 * Opens the sockets for VRRP on ifname for family (AF_INET / AF_INET6) and
 * finds the primary address: the first IPv4 address of the interface that
 * is not one of the nvips VIPs (borrowed for the call), or its IPv6
 * link-local address. n is filled; on error nothing stays open.
 * @retval 0; DG_ENOTFOUND (no such interface, or no usable address);
 *         -errno from socket(), setsockopt() or bind() (e.g. -EPERM without
 *         CAP_NET_RAW).
 */
DG_MUSTCHECK int vrrp_net_open(struct vrrp_net *n, const char *ifname, int family,
			       const struct vrrp_vip *vips, unsigned nvips);

/** Closes every socket of n (idempotent). */
void vrrp_net_close(struct vrrp_net *n);

/**
 * Sends one VRRP message (no IP header) to the VRRP group from the primary
 * address, TTL / hop limit 255.
 * @retval 0; -errno from sendmsg().
 */
DG_MUSTCHECK int vrrp_net_send(struct vrrp_net *n, const uint8_t *msg, size_t len);

/** The VRRP group address of the family (224.0.0.18 or ff02::12), 4 or 16 bytes. */
const uint8_t *vrrp_net_group(int family);

/**
 * Receives one datagram into buf. Fills meta (source, destination, TTL or
 * hop limit) and *off, the offset of the VRRP message in buf.
 * @retval VRRP message length; DG_EAGAIN when nothing is queued;
 *         DG_EVRRP_IPHDR (IPv4 header malformed); -errno from recvmsg().
 */
DG_MUSTCHECK int vrrp_net_recv(struct vrrp_net *n, uint8_t *buf, size_t len,
			       struct vrrp_rxmeta *meta, size_t *off);

/**
 * Adds vip to the interface with RTM_NEWADDR (IPv6 with IFA_F_NODAD, so it
 * is usable at once), or refreshes it when present (NLM_F_REPLACE). With
 * lifetime_s > 0 the kernel deletes the address by itself lifetime_s
 * seconds after the last call (IFA_CACHEINFO valid lifetime): a node that
 * crashed or froze does not keep answering ARP for the VIP. 0: permanent.
 * @retval 0; -errno the kernel returned (e.g. -EPERM); DG_ETIMEOUT.
 */
DG_MUSTCHECK int vrrp_net_vip_add(struct vrrp_net *n, const struct vrrp_vip *vip,
				  uint32_t lifetime_s);

/**
 * Removes vip with RTM_DELADDR. An absent address counts as removed.
 * @retval 0; -errno the kernel returned; DG_ETIMEOUT.
 */
DG_MUSTCHECK int vrrp_net_vip_del(struct vrrp_net *n, const struct vrrp_vip *vip);

/**
 * Announces vip from our MAC: a gratuitous ARP request (sender and target
 * address both vip, to ff:ff:ff:ff:ff:ff), or for IPv6 an unsolicited
 * neighbour advertisement with the Override flag to ff02::1 (RFC 4861
 * §7.2.6). Linux neighbours update an existing entry from either at once.
 * @retval 0; -errno from sendto().
 */
DG_MUSTCHECK int vrrp_net_garp(struct vrrp_net *n, const struct vrrp_vip *vip);

/**
 * Parses "198.18.0.160/24", "2001:db8::1/64" or an address without prefix
 * (/32 or /128) into vip.
 * @retval 0; DG_ENET_SYNTAX; DG_ENET_PREFIX.
 */
DG_MUSTCHECK int vrrp_vip_parse(struct vrrp_vip *vip, const char *text);

/** Writes "addr/len" into buf (at least 50 bytes). Returns buf. */
const char *vrrp_vip_str(const struct vrrp_vip *vip, char *buf, size_t len);
