# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""-u/-g: dnsgate binds as root, then runs as the given user and group
(read back from /proc/PID/status) and still answers; a user that does
not exist fails the start with a clear message."""
import grp
import os
import pwd

import dns.message
import dns.query
import pytest

from frontend_lab import Frontend
from pybackend import PyBackend

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to change user")

LUA = 'setLocal("127.0.0.1:{port}")\nnewServer{{address="127.0.0.1:{be}", name="py"}}\n'


@pytest.fixture
def backend():
    be = PyBackend().start()
    yield be
    be.stop()


def status_ids(pid):
    """{"Uid": [real, effective, saved, fs], "Gid": [...], "Groups": [...]}"""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, val = line.partition(":")
            if key in ("Uid", "Gid", "Groups"):
                out[key] = [int(v) for v in val.split()]
    return out


def test_runs_as_nobody_after_binding(tmp_path, backend):
    nobody = pwd.getpwnam("nobody").pw_uid
    nogroup = grp.getgrnam("nogroup").gr_gid
    fe = Frontend(tmp_path / "fe", LUA, be=backend.port, args=["-u", "nobody", "-g", "nogroup"])
    fe.start()
    try:
        ids = status_ids(fe.proc.pid)
        assert ids["Uid"] == [nobody] * 4, ids
        assert ids["Gid"] == [nogroup] * 4, ids
        assert ids["Groups"] == [nogroup], "root's supplementary groups are gone"
        q = dns.message.make_query("privs.test.", "A")
        r = dns.query.udp(q, "127.0.0.1", port=fe.port, timeout=3)
        assert r.answer[0][0].address == backend.address
        r = dns.query.tcp(q, "127.0.0.1", port=fe.port, timeout=3)
        assert r.answer[0][0].address == backend.address
        assert "running as uid %d, gid %d" % (nobody, nogroup) in fe.log_text()
    finally:
        assert fe.stop() == 0


def test_user_alone_takes_its_primary_group(tmp_path, backend):
    nobody = pwd.getpwnam("nobody")
    fe = Frontend(tmp_path / "fe", LUA, be=backend.port, args=["-u", "nobody"]).start()
    try:
        ids = status_ids(fe.proc.pid)
        assert ids["Uid"][1] == nobody.pw_uid and ids["Gid"][1] == nobody.pw_gid, ids
    finally:
        assert fe.stop() == 0


@pytest.mark.parametrize("args, msg", [
    (["-u", "no-such-user-dg"], "cannot run as user 'no-such-user-dg': no such user"),
    (["-u", "nobody", "-g", "no-such-group-dg"],
     "cannot run as group 'no-such-group-dg': no such group"),
])
def test_unknown_user_or_group_fails_clearly(tmp_path, backend, args, msg):
    fe = Frontend(tmp_path / "fe", LUA, be=backend.port, args=args)
    with pytest.raises(AssertionError):
        fe.start(timeout=5)
    assert fe.proc.wait(5) != 0
    assert msg in fe.log_text()
