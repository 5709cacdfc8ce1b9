# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""The malformed corpus (tests/corpus/malformed, one packet per parser
error) sent at a running frontend: nothing is answered, every packet is
counted under the error its MANIFEST line names, and valid queries are
still served afterwards, over UDP and TCP."""
import collections
import pathlib
import re
import socket
import struct
import time

import dns.message
import dns.query
import pytest

from frontend_lab import Frontend, tcp_frames
from pybackend import PyBackend

CORPUS = pathlib.Path(__file__).resolve().parents[1] / "corpus" / "malformed"


def hex_bytes(path):
    """The packet of a corpus .hex file (# comments, spaces, newlines)."""
    text = "".join(l.split("#", 1)[0] for l in path.read_text().splitlines())
    return bytes.fromhex("".join(text.split()))


def corpus():
    """[(file, wire, error name the frontend counts)] from the MANIFEST."""
    out = []
    for line in (CORPUS / "MANIFEST").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, err = line.split()[:2]
        wire = hex_bytes(CORPUS / name)
        # The frontend checks for exactly one question before anything else.
        if len(wire) >= 12 and struct.unpack("!H", wire[4:6])[0] != 1:
            err = "DG_EQDCOUNT"
        out.append((name, wire, err))
    return out


def malformed_counts(log):
    """(total, {error name: count}) from the 'stopped:' summary line."""
    line = [l for l in log.splitlines() if "stopped:" in l][-1]
    m = re.search(r"malformed=(\d+) \(([^)]*)\)", line)
    assert m, line
    per = {k: int(v) for k, v in (kv.split("=") for kv in m.group(2).split())}
    return int(m.group(1)), per


@pytest.fixture
def backend():
    be = PyBackend().start()
    yield be
    be.stop()


def test_corpus_dropped_counted_and_still_serving(tmp_path, backend):
    cases = corpus()
    assert len(cases) >= 40
    lua = 'setLocal("127.0.0.1:{port}")\nnewServer{{address="127.0.0.1:{be}", name="py"}}\n'
    fe = Frontend(tmp_path / "fe", lua, be=backend.port).start()
    good = dns.message.make_query("still.serving.test.", "A")
    expected = collections.Counter()
    try:
        # One socket per packet, all sent at once, then one wait: an
        # answer names the packet that got it.
        socks = []
        for name, wire, err in cases:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1", 0))
            s.sendto(wire, ("127.0.0.1", fe.port))
            socks.append((name, s))
            expected[err] += 1
        time.sleep(1.0)
        answered = []
        for name, s in socks:
            s.setblocking(False)
            try:
                s.recv(65535)
                answered.append(name)
            except BlockingIOError:
                pass
            s.close()
        assert answered == [], "malformed queries answered"
        r = dns.query.udp(good, "127.0.0.1", port=fe.port, timeout=3)
        assert r.answer[0][0].address == backend.address

        # Over TCP: malformed frames are dropped, the connection and the
        # valid query after them are served.
        tcp_cases = [c for c in cases if len(c[1]) >= 12 and len(c[1]) < 4096][:5]
        answers = tcp_frames("127.0.0.1", fe.port, [w for _, w, _ in tcp_cases] +
                             [good.to_wire()], 2, timeout=3)
        assert len(answers) == 1, "only the valid query is answered"
        assert dns.message.from_wire(answers[0]).id == good.id
        expected.update(err for _, _, err in tcp_cases)
        assert not any(s.qname.startswith("www.example") for s in backend.queries()), \
            "no malformed query reached the backend"
    finally:
        assert fe.stop() == 0
    total, per = malformed_counts(fe.log_text())
    assert total == sum(expected.values())
    assert per == dict(expected)
