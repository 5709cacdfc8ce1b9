#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""What one LuaAction costs per query (issue 6): instructions per hit-path
query under callgrind for dnsgate with a packet cache, without and with
`addAction(AllRule(), LuaAction(function(dq) return DNSAction.None end))`
in front of it, plus a LuaAction that reads dq.qname and dq.remoteaddr
(the objects a real function asks for).

    bench/lua_cost.py [--build build/release] [--queries 20000]

Reuses bench/run.py's pieces (the pinned NSD backend with a wildcard zone,
dnsload, callgrind_total) without changing them. The frontend is pinned to
one CPU and valgrind serialises its threads, so the count is what one
query costs wherever it runs. Every process started here is stopped by its
PID. Output: a
markdown table on stdout and in <build>/bench-lua-cost.md.
"""
import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import run as b  # noqa: E402  (bench/run.py: helpers only, its main() is not run)

VARIANTS = {
    "plain": "",
    "LuaAction (returns None)":
        'addAction(AllRule(), LuaAction(function(dq) return DNSAction.None end))\n',
    "LuaAction (reads qname, remoteaddr)":
        'addAction(AllRule(), LuaAction(function(dq)\n'
        '  if dq.qname:toString() == "x." or dq.remoteaddr:toString() == "x" then\n'
        '    return DNSAction.Drop end\n'
        '  return DNSAction.None end))\n',
}

CONF = '''setLocal("{addr}:{port}")
newServer{{address="{addr}:{rec}", name="rec1"}}
getPool(""):setCache(newPacketCache(100000))
setMaxUDPOutstanding(65535)
{extra}'''


class Frontend(b.Server):
    """dnsgate under callgrind with one of the VARIANTS as its configuration."""

    def __init__(self, workdir, build, rec, extra):
        super().__init__("dnsgate", workdir, build, {}, callgrind=True)
        self.rec, self.extra = rec, extra

    def write_config(self):
        conf = self.conf = self.workdir / "dnsgate.conf"
        conf.write_text(CONF.format(addr=b.ADDR, port=self.port, rec=self.rec.port,
                                    extra=self.extra))
        return conf

    def start(self, timeout):
        # as Server.start, but the probe name is under the wildcard zone
        argv = ["taskset", "-c", self.cpus, "valgrind", "--tool=callgrind",
                "--collect-atstart=yes", "--dump-instr=no",
                "--callgrind-out-file=%s" % self.cg_out]
        for old in self.workdir.glob(self.cg_out.name + "*"):
            old.unlink()
        self.proc = b.procs.spawn(argv + self.argv(), self.log_path, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise b.BenchError("dnsgate exited:\n" + b.procs.log_tail(self.log_path))
            try:
                r = b.send(b.make_query("probe." + b.REC_ZONE + ".", "A"), b.ADDR, self.port,
                           timeout=1.0)
                if r.answer:
                    return self
            except Exception:
                pass
            time.sleep(0.2)
        self.stop()
        raise b.BenchError("dnsgate did not answer:\n" + b.procs.log_tail(self.log_path))


def dnsload(build, port, n, timeout):
    argv = ["taskset", "-c", b.LOAD_CPU, str(build / "bench" / "dnsload"), "-s",
            "%s:%d" % (b.ADDR, port), "-m", "hit", "-N", str(b.HIT_NAMES), "-z", b.REC_ZONE,
            "-n", str(n), "-w", "16", "-t", str(timeout), "-T", "5000"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 60)
    if r.returncode != 0:
        raise b.BenchError("dnsload failed: " + r.stderr)
    return json.loads(r.stdout.strip().splitlines()[-1])


def measure(build, work, rec, name, extra, queries):
    fe = Frontend(work / ("v%d" % list(VARIANTS).index(name)), build, rec, extra)
    fe.start(120)
    try:
        dnsload(build, fe.port, b.HIT_NAMES * 2, 120)       # warm the cache
        b.run_ok(["callgrind_control", "-z", str(fe.pid)])
        out = dnsload(build, fe.port, queries, 300)
        before = set(fe.workdir.glob(fe.cg_out.name + ".*"))
        b.run_ok(["callgrind_control", "-d", str(fe.pid)])
        dumps = sorted(set(fe.workdir.glob(fe.cg_out.name + ".*")) - before)
        if not dumps:
            raise b.BenchError("no callgrind dump for " + name)
        ir = sum(b.callgrind_total(p) for p in dumps)
        return {"answered": out["received"], "ir": ir,
                "ir_per_q": ir / out["received"] if out["received"] else None}
    finally:
        fe.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", default="build/release")
    p.add_argument("--queries", type=int, default=20000)
    a = p.parse_args()
    build = Path(a.build).resolve()
    work = build / "bench-lua"
    work.mkdir(parents=True, exist_ok=True)
    rec = b.PinnedNsd(work / "rec", name="rec", addr=b.ADDR, zones={b.REC_ZONE: b.WILDCARD_ZONE})
    rec.start()
    res = {}
    try:
        for name, extra in VARIANTS.items():
            res[name] = measure(build, work, rec, name, extra, a.queries)
            b.log("%s: %.0f Ir/query" % (name, res[name]["ir_per_q"] or 0))
    finally:
        rec.stop()
    base = res["plain"]["ir_per_q"]
    lines = ["| hit path, %d queries | instructions/query (callgrind) | + vs plain |"
             % a.queries, "|---|---|---|"]
    for name, r in res.items():
        v = r["ir_per_q"]
        lines.append("| %s | %.0f | %s |" % (name, v, "–" if name == "plain" else
                                              "+%.0f (%.2fx)" % (v - base, v / base)))
    text = "\n".join(lines) + "\n"
    print(text)
    (build / "bench-lua-cost.md").write_text(text)
    (build / "bench-lua-cost.json").write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
