# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""EDNS Client Subnet towards backends (newServer{useClientSubnet=true},
setECSSourcePrefixV4/V6, setECSOverride, SetECSAction), checked at a
dnspython backend that records the ECS option each query carried, and on
the answers clients get back (what dnsgate added is removed again).
"""
import socket

import dns.edns
import dns.message
import dns.query
import pytest

from frontend_lab import Frontend
from pybackend import PyBackend, ecs_of


@pytest.fixture
def backend():
    be = PyBackend().start()
    yield be
    be.stop()


def start_fe(tmp_path, be, extra="", server_opts=", useClientSubnet=true", name="fe"):
    lua = ('setLocal("127.0.0.1:{port}")\n'
           'newServer{{address="127.0.0.1:%d", name="py"%s}}\n' % (be.port, server_opts) + extra)
    return Frontend(tmp_path / name, lua).start()


def ask(fe, name, src="127.0.0.1", use_edns=False, ecs=None):
    """Query from source address src; returns the answer message."""
    opts = [dns.edns.ECSOption(*ecs)] if ecs else []
    q = dns.message.make_query(name, "A", use_edns=use_edns or bool(ecs), options=opts)
    return dns.query.udp(q, "127.0.0.1", port=fe.port, timeout=3, source=src)


def test_ecs_added_without_edns_and_removed_again(tmp_path, backend):
    fe = start_fe(tmp_path, backend)
    try:
        r = ask(fe, "plain.ecs.test.", src="127.1.2.3")
        seen = backend.queries("plain.ecs.test.")
        assert seen[-1].has_opt, "an OPT was added to carry ECS"
        assert seen[-1].ecs == ("127.1.2.0", 24), "client address cut to /24 (default)"
        assert r.edns < 0, "the client sent no EDNS and gets none back"
        assert r.answer[0][0].address == backend.address

        r = ask(fe, "edns.ecs.test.", src="127.1.2.3", use_edns=True)
        assert backend.queries("edns.ecs.test.")[-1].ecs == ("127.1.2.0", 24)
        assert r.edns == 0 and ecs_of(r) is None, "OPT kept, the added ECS removed"
    finally:
        assert fe.stop() == 0


def test_client_ecs_kept_unless_override(tmp_path, backend):
    fe = start_fe(tmp_path, backend)
    try:
        r = ask(fe, "own.ecs.test.", ecs=("192.0.2.0", 24))
        assert backend.queries("own.ecs.test.")[-1].ecs == ("192.0.2.0", 24)
        assert ecs_of(r) == ("192.0.2.0", 24), "the client's own ECS comes back"
    finally:
        assert fe.stop() == 0
    fe = start_fe(tmp_path, backend, "setECSOverride(true)\n", name="fe2")
    try:
        ask(fe, "override.ecs.test.", src="127.1.2.3", ecs=("192.0.2.0", 24))
        assert backend.queries("override.ecs.test.")[-1].ecs == ("127.1.2.0", 24)
    finally:
        assert fe.stop() == 0


def test_source_prefix_and_set_ecs_action(tmp_path, backend):
    fe = start_fe(tmp_path, backend,
                  'setECSSourcePrefixV4(16)\n'
                  'addAction("fixed.ecs.test.", SetECSAction("192.0.2.1/32"))\n')
    try:
        ask(fe, "prefix.ecs.test.", src="127.1.2.3")
        assert backend.queries("prefix.ecs.test.")[-1].ecs == ("127.1.0.0", 16)
        ask(fe, "fixed.ecs.test.", src="127.1.2.3")
        assert backend.queries("fixed.ecs.test.")[-1].ecs == ("192.0.2.1", 32)
    finally:
        assert fe.stop() == 0


def test_no_ecs_without_use_client_subnet(tmp_path, backend):
    fe = start_fe(tmp_path, backend, server_opts="")
    try:
        ask(fe, "noecs.ecs.test.", src="127.1.2.3")
        seen = backend.queries("noecs.ecs.test.")[-1]
        assert seen.ecs is None and not seen.has_opt, "query forwarded unchanged"
    finally:
        assert fe.stop() == 0


def test_cache_key_covers_the_ecs_sent(tmp_path, backend):
    fe = start_fe(tmp_path, backend, 'getPool(""):setCache(newPacketCache(100))\n')
    try:
        for src in ("127.1.2.3", "127.1.2.4", "127.1.3.3", "127.1.2.5"):
            r = ask(fe, "cached.ecs.test.", src=src)
            assert r.answer[0][0].address == backend.address and r.edns < 0
        # 127.1.2.x share a /24 (one backend query), 127.1.3.3 is another.
        subnets = [s.ecs for s in backend.queries("cached.ecs.test.")]
        assert subnets == [("127.1.2.0", 24), ("127.1.3.0", 24)]
    finally:
        assert fe.stop() == 0
    assert "cache-hits=2" in fe.log_text()


def test_ecs_for_tcp_clients(tmp_path, backend):
    fe = start_fe(tmp_path, backend)
    try:
        q = dns.message.make_query("tcp.ecs.test.", "A")
        r = dns.query.tcp(q, "127.0.0.1", port=fe.port, timeout=3)
        assert backend.queries("tcp.ecs.test.")[-1].ecs == ("127.0.0.0", 24)
        assert r.edns < 0
    finally:
        assert fe.stop() == 0
