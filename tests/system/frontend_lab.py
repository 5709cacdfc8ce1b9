# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""A dnsgate frontend under test, and raw-socket helpers for the data-plane
system tests (test_frontend.py, test_frontend_tcp.py).

    fe = Frontend(tmp_path, '''
        setLocal("127.0.0.1:{port}")
        newServer{{address="127.0.0.1:{rec1}", name="rec1"}}
    ''', rec1=rec.port).start()
    fe.query("example.com.", "A")
    fe.stop()                  # SIGTERM; returns the exit status

The Lua text is formatted with str.format: {port} is the frontend's port,
other names come from keyword arguments ({{ and }} for Lua tables).
"""
import os
import pathlib
import re
import select
import signal
import socket
import struct
import time

import dns.message
import dns.query

from fixtures import procs
from fixtures.logwatch import LogWatch
from fixtures.ports import free_port

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("DNSGATE_BUILD", ROOT / "build/release"))
DNSGATE = pathlib.Path(os.environ.get("DNSGATE_BIN", BUILD / "dnsgate"))


class Frontend:
    """dnsgate -C <generated config>, in the foreground, logging to a file."""

    def __init__(self, workdir, lua, addr="127.0.0.1", port=None, args=(), **fmt):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.addr = addr
        # free_port probes IPv4 only; for IPv6 and wildcards 127.0.0.1's
        # free ports are a good guess (the bind failure would name it).
        v4 = addr if addr != "0.0.0.0" and ":" not in addr else "127.0.0.1"
        self.port = port or free_port(v4)
        self.lua = lua
        self.args = list(args)     # extra command-line arguments
        self.fmt = fmt
        self.log_path = self.workdir / "dnsgate.log"
        self.conf_path = self.workdir / "dnsgate.conf"
        self.proc = None
        self.log = None

    def start(self, timeout=10.0):
        self.conf_path.write_text(self.lua.format(port=self.port, **self.fmt))
        self.log = LogWatch(self.log_path, from_start=True)
        self.proc = procs.spawn([DNSGATE, "-C", self.conf_path] + self.args, self.log_path, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("dnsgate exited with %s:\n%s" % (
                    self.proc.returncode, procs.log_tail(self.log_path)))
            if re.search(r"started \d+ workers", self.log_text()):
                return self
            time.sleep(0.05)
        raise AssertionError("dnsgate did not start:\n" + procs.log_tail(self.log_path))

    def stop(self, timeout=10.0):
        """SIGTERM and wait: a clean stop exits 0 (SIGKILL only as a fallback)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except Exception:
                pass
        return procs.terminate(self.proc)

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def query(self, name, rdtype="A", tcp=False, timeout=2.0, addr=None, want_dnssec=False,
              payload=None):
        q = dns.message.make_query(name, rdtype, want_dnssec=want_dnssec,
                                   use_edns=payload is not None or want_dnssec,
                                   payload=payload or 1232)
        target = addr or (self.addr if self.addr != "0.0.0.0" else "127.0.0.1")
        if tcp:
            return dns.query.tcp(q, target, port=self.port, timeout=timeout)
        return dns.query.udp(q, target, port=self.port, timeout=timeout)


def udp_exchange(addr, port, wires, timeout=5.0, src=("127.0.0.1", 0)):
    """Sends every wire message from one socket at once, then collects
    replies until all came back or timeout. Returns [(wire, from_addr)]."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(src)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    try:
        for w in wires:
            s.sendto(w, (addr, port))
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < len(wires):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                break
            data, frm = s.recvfrom(65535)
            out.append((data, frm))
        return out
    finally:
        s.close()


def tcp_frames(addr, port, wires, expect, timeout=5.0):
    """Writes every wire message framed on one TCP connection in one go,
    reads `expect` framed answers; returns their wires (in arrival order)."""
    s = socket.create_connection((addr, port), timeout=timeout)
    try:
        s.sendall(b"".join(struct.pack("!H", len(w)) + w for w in wires))
        buf = b""
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < expect and time.monotonic() < deadline:
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                n = struct.unpack("!H", buf[:2])[0]
                out.append(buf[2:2 + n])
                buf = buf[2 + n:]
            if len(out) >= expect:
                break
            chunk = s.recv(65535)
            if not chunk:
                break
            buf += chunk
        return out
    finally:
        s.close()
