# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""How many workers dnsgate starts (docs/configuration.md, "Worker
threads"): one per CPU of the affinity it was started with, or k for an
address listed k times, as dnsdist users ask for k threads on it."""
import os
import re
import select
import socket
import time

import dns.message

from frontend_lab import Frontend

SERVER = 'newServer{{address="127.0.0.1:{be}", name="be"}}\n'
ONE = 'setLocal("127.0.0.1:{port}")\n' + SERVER


def workers(fe):
    m = re.search(r"started (\d+) workers", fe.log_text())
    return int(m.group(1)) if m else None


def start_pinned(fe, cpus):
    """Starts fe with this CPU affinity (inherited at fork), then restores ours."""
    mine = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        return fe.start()
    finally:
        os.sched_setaffinity(0, mine)


def test_affinity_sets_the_worker_count(tmp_path, free_port):
    fe = Frontend(tmp_path, ONE, be=free_port())
    cpu = min(os.sched_getaffinity(0))
    start_pinned(fe, {cpu})
    try:
        assert workers(fe) == 1, fe.log_text()
    finally:
        assert fe.stop() == 0


def test_default_is_one_worker_per_allowed_cpu(tmp_path, free_port):
    fe = Frontend(tmp_path, ONE, be=free_port())
    fe.start()
    try:
        assert workers(fe) == len(os.sched_getaffinity(0)), fe.log_text()
    finally:
        assert fe.stop() == 0


def test_repeated_address_asks_for_that_many_workers(tmp_path, free_port):
    lua = "\n".join(['setLocal("127.0.0.1:{port}", {{reusePort=true}})'] +
                    ['addLocal("127.0.0.1:{port}", {{reusePort=true}})'] * 2) + "\n" + SERVER
    fe = Frontend(tmp_path, lua, be=free_port())
    cpu = min(os.sched_getaffinity(0))
    start_pinned(fe, {cpu})        # the listing wins over the affinity
    try:
        assert workers(fe) == 3, fe.log_text()
        # one socket per worker for the address, not one per listing: every
        # worker answers (SERVFAIL or a drop for the dead backend is fine,
        # a bind error or a hang is not)
        assert "cannot listen" not in fe.log_text()
        assert len(set(os.listdir("/proc/%d/task" % fe.proc.pid))) >= 3
    finally:
        assert fe.stop() == 0


# Self-answered (no backend needed); MaxQPSIPRule counts per client /32.
LIMITED = ('setLocal("127.0.0.1:{port}", {{reusePort=true}})\n'
           'addLocal("127.0.0.1:{port}", {{reusePort=true}})\n'
           'addACL("127.0.0.0/8")\n'
           'addAction(MaxQPSIPRule(20), DropAction())\n'
           'addAction(AllRule(), RCodeAction(DNSRCode.NXDOMAIN))\n')


def flood(port, src, sockets, per_socket):
    """per_socket queries from each of `sockets` source ports of src, all
    sent before any answer is read; how many were answered within 1 s."""
    socks = []
    try:
        for _ in range(sockets):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind((src, 0))
            s.setblocking(False)
        for s in socks:
            for i in range(per_socket):
                s.sendto(dns.message.make_query("h%d.example." % i, "A").to_wire(),
                         ("127.0.0.1", port))
        answered = 0
        deadline = time.monotonic() + 1.0
        while answered < sockets * per_socket and time.monotonic() < deadline:
            ready = select.select(socks, [], [], max(0.0, deadline - time.monotonic()))[0]
            for s in ready:
                s.recv(65535)
                answered += 1
        return answered
    finally:
        for s in socks:
            s.close()


def test_a_client_is_limited_once_across_workers(tmp_path, free_port):
    """Two workers; one client from 40 source ports (the kernel's default
    4-tuple hash would spread it over both) gets MaxQPSIPRule's burst of 20
    once, not once per worker: the listeners steer a client's address to
    one worker (steer.h), whose table counts all its queries."""
    fe = Frontend(tmp_path, LIMITED)
    cpu = min(os.sched_getaffinity(0))
    start_pinned(fe, {cpu})
    try:
        assert workers(fe) == 2, fe.log_text()
        assert "clients steered to 2 workers by address (/32, IPv6 /64)" in fe.log_text()
        got = flood(fe.port, "127.0.0.5", sockets=40, per_socket=5)
        assert 15 <= got <= 26, "200 queries from one /32 in well under a second: ~20 answered"
        # other clients, whichever worker they land on, have their own burst
        others = [flood(fe.port, "127.0.0.%d" % (20 + i), sockets=4, per_socket=5)
                  for i in range(6)]
        assert others == [20] * 6, others
    finally:
        assert fe.stop() == 0


def test_udp_socket_buffer_sizes(tmp_path, free_port):
    """setUDPSocketBufferSizes sets the listeners' buffers (the log reads
    them back from the socket); without it they are raised to the system's
    largest (net.core.rmem_max / wmem_max), as dnsdist 1.9 does."""
    fe = Frontend(tmp_path / "set", ONE + "setUDPSocketBufferSizes(1000000, 300000)\n",
                  be=free_port())
    start_pinned(fe, {min(os.sched_getaffinity(0))})
    try:
        assert ("UDP listener buffers: receive 1000000 bytes (asked 1000000), "
                "send 300000 bytes (asked 300000)") in fe.log_text()
    finally:
        assert fe.stop() == 0
    rmem = int(open("/proc/sys/net/core/rmem_max").read())
    wmem = int(open("/proc/sys/net/core/wmem_max").read())
    fe = Frontend(tmp_path / "auto", ONE, be=free_port())
    start_pinned(fe, {min(os.sched_getaffinity(0))})
    try:
        assert ("UDP listener buffers: receive %d bytes (asked %d), send %d bytes (asked %d)"
                % (rmem, rmem, wmem, wmem)) in fe.log_text()
    finally:
        assert fe.stop() == 0
