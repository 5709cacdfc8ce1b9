# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""A tiny DNS backend in the test process (dnspython, UDP and TCP on one
port, one thread),
for system tests that must see exactly what the frontend forwarded:

    be = PyBackend().start()
    ... frontend with newServer{address="127.0.0.1:%d" % be.port} ...
    be.seen          # [Seen(qname, qtype, has_opt, ecs), ...] in arrival order
    be.stop()

Every query is answered NOERROR with one A record (be.address, TTL be.ttl),
so the frontend's default health check (a.root-servers.net. A) passes. A
query that carried ECS gets it back with scope = source prefix, as a
resolver that used it would (RFC 7871 §7.2.1). With be.tc_names holding a
name (text, absolute), UDP answers to it also set TC=1 and, when the query had EDNS, carry an
OPT (payload be.tc_payload, DO echoed, one option), as a server that
truncated would.
"""
import collections
import select
import socket
import struct
import threading

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rrset

Seen = collections.namedtuple("Seen", "qname qtype has_opt ecs")


def ecs_of(msg):
    """(address, source prefix) of msg's ECS option, or None."""
    for opt in msg.options if msg.edns >= 0 else ():
        if isinstance(opt, dns.edns.ECSOption):
            return (opt.address, opt.srclen)
    return None


class PyBackend:
    """DNS server on 127.0.0.1:<free port> (UDP and TCP), answering from a thread."""

    def __init__(self, address="127.0.0.99", ttl=300, addr="127.0.0.1"):
        self.address = address
        self.ttl = ttl
        for _ in range(20):     # a port free for both UDP and TCP
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind((addr, 0))
            self.port = self.sock.getsockname()[1]
            self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                self.lsock.bind((addr, self.port))
                break
            except OSError:
                self.lsock.close()
                self.sock.close()
        self.lsock.listen(16)
        self.conns = {}         # TCP socket -> bytes received so far
        self.tc_names = set()   # UDP answers to these names set TC=1
        self.tc_payload = 1232
        self.seen = []
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(5)
        for c in list(self.conns) + [self.lsock, self.sock]:
            c.close()

    def queries(self, qname=None):
        """What was seen so far (for qname only, when given); health checks included."""
        with self.lock:
            return [s for s in self.seen if qname is None or s.qname == qname]

    def _answer(self, q, udp=False):
        r = dns.message.make_response(q)
        r.answer.append(dns.rrset.from_text(q.question[0].name, self.ttl, "IN", "A",
                                            self.address))
        ecs = ecs_of(q)
        if ecs is not None:
            r.use_edns(0, options=[dns.edns.ECSOption(ecs[0], ecs[1], ecs[1])])
        if udp and q.question[0].name.to_text() in self.tc_names:
            r.flags |= dns.flags.TC
            if q.edns >= 0:     # no OPT to a query without one (RFC 6891 §7)
                r.use_edns(0, q.ednsflags & dns.flags.DO, self.tc_payload,
                           options=[dns.edns.GenericOption(65001, b"\x01\x02")])
        return r.to_wire()

    def _handle(self, data, udp=False):
        """The answer's wire to one query's wire, or None for garbage."""
        try:
            q = dns.message.from_wire(data)
        except Exception:       # garbage: a real server would drop it too
            return None
        with self.lock:
            self.seen.append(Seen(q.question[0].name.to_text(), q.question[0].rdtype,
                                  q.edns >= 0, ecs_of(q)))
        return self._answer(q, udp)

    def _tcp_readable(self, c):
        chunk = c.recv(65535)
        if not chunk:
            del self.conns[c]
            c.close()
            return
        buf = self.conns[c] + chunk
        while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
            n = struct.unpack("!H", buf[:2])[0]
            out = self._handle(buf[2:2 + n])
            buf = buf[2 + n:]
            if out is not None:
                c.sendall(struct.pack("!H", len(out)) + out)
        self.conns[c] = buf

    def _run(self):
        while not self._stop.is_set():
            ready = select.select([self.sock, self.lsock] + list(self.conns), [], [], 0.1)[0]
            for s in ready:
                if s is self.sock:
                    data, peer = self.sock.recvfrom(65535)
                    out = self._handle(data, udp=True)
                    if out is not None:
                        self.sock.sendto(out, peer)
                elif s is self.lsock:
                    c, _ = self.lsock.accept()
                    self.conns[c] = b""
                else:
                    self._tcp_readable(s)
