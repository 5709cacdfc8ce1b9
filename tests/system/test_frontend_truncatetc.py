# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""truncateTC(true): a UDP answer from a backend with TC=1 reaches the
client cut to its header and question, counts fixed, and an OPT only when
the backend's answer had one (its payload size and DO kept, options
dropped), as dnsdist does; truncateTC(false), the default, passes it as
the backend sent it. The backend is a dnspython server that sets TC and
still sends its records (tests/system/pybackend.py)."""
import dns.flags
import dns.message
import dns.query
import pytest

from frontend_lab import Frontend
from pybackend import PyBackend


@pytest.fixture
def backend():
    be = PyBackend().start()
    be.tc_names = {"big.tc.test."}
    be.tc_payload = 1400
    yield be
    be.stop()


def start_fe(tmp_path, be, truncate):
    lua = ('setLocal("127.0.0.1:{port}")\n'
           'newServer{{address="127.0.0.1:%d", name="py"}}\n'
           'truncateTC(%s)\n' % (be.port, "true" if truncate else "false"))
    return Frontend(tmp_path / ("fe-%s" % truncate), lua).start()


def ask(fe, name, use_edns):
    q = dns.message.make_query(name, "A", use_edns=0 if use_edns else False,
                               want_dnssec=use_edns)
    return dns.query.udp(q, "127.0.0.1", port=fe.port, timeout=3, ignore_trailing=False)


def test_truncate_tc_true_cuts_to_question(tmp_path, backend):
    fe = start_fe(tmp_path, backend, True)
    try:
        r = ask(fe, "big.tc.test.", use_edns=True)
        assert r.flags & dns.flags.TC
        assert str(r.question[0].name) == "big.tc.test."
        assert r.answer == [] and r.authority == [] and r.additional == []
        assert r.edns == 0 and r.payload == 1400, "the backend's OPT payload size kept"
        assert r.ednsflags & dns.flags.DO, "DO kept"
        assert len(r.options) == 0, "options dropped"
        assert len(r.to_wire()) == 12 + 13 + 4 + 11  # header, question, empty OPT

        r = ask(fe, "big.tc.test.", use_edns=False)   # no OPT from the backend: none back
        assert r.flags & dns.flags.TC and r.answer == [] and r.edns < 0

        r = ask(fe, "small.tc.test.", use_edns=True)   # TC clear: untouched
        assert not r.flags & dns.flags.TC
        assert r.answer[0][0].address == backend.address
    finally:
        assert fe.stop() == 0


def test_truncate_tc_false_passes_answer(tmp_path, backend):
    fe = start_fe(tmp_path, backend, False)
    try:
        r = ask(fe, "big.tc.test.", use_edns=True)
        assert r.flags & dns.flags.TC
        assert r.answer[0][0].address == backend.address, "records passed as sent"
        assert len(r.options) == 1, "the backend's option passed as sent"
    finally:
        assert fe.stop() == 0
