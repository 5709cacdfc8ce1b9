# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""Graceful stop (issue 4, "Logs and operations"): on SIGTERM dnsgate
stops reading new queries, answers those already at a backend, closes TCP
clients cleanly (FIN after the answer, no reset), and exits 0. The backend
is a small Python server that answers slow.test. one second late, so the
queries are surely in flight when the signal arrives.
"""
import signal
import socket
import socketserver
import struct
import threading
import time

import dns.message
import dns.query
import dns.rcode
import dns.rrset
import pytest

from fixtures.ports import free_port
from frontend_lab import Frontend

DELAY = 1.0


def answer(wire):
    q = dns.message.from_wire(wire)
    r = dns.message.make_response(q)
    name = q.question[0].name.to_text()
    if name == "slow.test.":
        time.sleep(DELAY)
        r.answer.append(dns.rrset.from_text(name, 60, "IN", "A", "192.0.2.1"))
    return r.to_wire()


class Udp(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(answer(data), self.client_address)


class Tcp(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            hdr = self.request.recv(2)
            if len(hdr) < 2:
                return
            n = struct.unpack("!H", hdr)[0]
            data = b""
            while len(data) < n:
                chunk = self.request.recv(n - len(data))
                if not chunk:
                    return
                data += chunk
            out = answer(data)
            self.request.sendall(struct.pack("!H", len(out)) + out)


class ThreadedUdp(socketserver.ThreadingMixIn, socketserver.UDPServer):
    daemon_threads = True
    allow_reuse_address = True


class ThreadedTcp(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def slow_backend():
    port = free_port()
    servers = [ThreadedUdp(("127.0.0.1", port), Udp), ThreadedTcp(("127.0.0.1", port), Tcp)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield port
    for s in servers:
        s.shutdown()
        s.server_close()


@pytest.fixture
def fe(tmp_path, slow_backend):
    lua = ('setLocal("127.0.0.1:{port}")\n'
           'newServer{{address="127.0.0.1:{be}", name="slow"}}\n')
    f = Frontend(tmp_path / "fe", lua, be=slow_backend).start()
    yield f
    f.stop()


def test_sigterm_answers_inflight_tcp_then_closes_cleanly(fe):
    q = dns.message.make_query("slow.test.", "A")
    s = socket.create_connection(("127.0.0.1", fe.port), timeout=5)
    wire = q.to_wire()
    s.sendall(struct.pack("!H", len(wire)) + wire)
    time.sleep(0.2)
    fe.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    # draining: nobody new is let in
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", fe.port), timeout=1).close()
    buf = b""
    while True:
        chunk = s.recv(65535)      # a reset would raise ConnectionResetError here
        if not chunk:
            break
        buf += chunk
    s.close()
    n = struct.unpack("!H", buf[:2])[0]
    r = dns.message.from_wire(buf[2:2 + n])
    assert r.id == q.id and r.rcode() == dns.rcode.NOERROR
    assert r.answer[0][0].address == "192.0.2.1"
    assert fe.proc.wait(10) == 0
    log = fe.log_text()
    assert "got SIGTERM" in log and "stopped:" in log


def test_sigterm_answers_inflight_udp(fe):
    q = dns.message.make_query("slow.test.", "A")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(q.to_wire(), ("127.0.0.1", fe.port))
    time.sleep(0.2)
    fe.proc.send_signal(signal.SIGTERM)
    data, _ = s.recvfrom(65535)
    s.close()
    r = dns.message.from_wire(data)
    assert r.id == q.id and r.answer[0][0].address == "192.0.2.1"
    assert fe.proc.wait(10) == 0


def test_sigterm_with_nothing_in_flight_is_prompt(fe):
    assert fe.query("fast.test.").rcode() == dns.rcode.NOERROR
    t0 = time.monotonic()
    fe.proc.send_signal(signal.SIGTERM)
    assert fe.proc.wait(10) == 0
    assert time.monotonic() - t0 < 1.0
