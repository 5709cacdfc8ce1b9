# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""How many workers dnsgate starts (docs/configuration.md, "Worker
threads"): one per CPU of the affinity it was started with, or k for an
address listed k times, as dnsdist users ask for k threads on it."""
import os
import re

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
