#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Copyright (c) dnsgate contributors
"""dnsgate next to Debian's dnsdist under identical load, in one run
(issue 5, "How to measure"; bench/README.md explains every number).

    bench/run.py [--build build/release] [--quick] [--rounds 3] [--rate 20000]

Both frontends get the guide's "Example Clean Production Block" on loopback
with a 500k-entry cache, pinned to CPU 1 (`taskset -c 1`); the load generator
(bench/dnsload) and the NSD backends run on CPU 0. Per path (hit, miss,
auth) and frontend: QPS at the most load dnsload drives, server CPU per
answered query from /proc/<pid>/task/*/schedstat, p50/p99 latency and losses at a fixed
rate; three interleaved rounds (dnsgate, dnsdist, null responder, then again)
give min/median/max. Then instructions per hit-path query under callgrind,
and RSS per cached entry after 400k distinct answers. Everything runs on
loopback; every process this script starts is stopped by its PID in a
finally block. Output: a markdown table on stdout and in
<build>/bench-results.md, the raw numbers in <build>/bench-results.json.
"""
import argparse
import base64
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "system"))

from fixtures import procs  # noqa: E402
from fixtures.ports import free_port  # noqa: E402
from fixtures.servers import Nsd, ZAIBDNS_ZONE, make_query, send  # noqa: E402

ADDR = "127.0.0.1"
FE_CPU = "1"            # the frontend under test
LOAD_CPU = "0"          # dnsload and the backends
PATHS = ("hit", "miss", "auth")
PARTS = ("rounds", "scaling", "callgrind", "memory")   # the run's parts, in order
# The load kinds run_scaling compares: dnsload's ordinary sendmmsg (one
# datagram per query through the whole sending path) and -G (each batch of
# equal-length queries as one UDP GSO send that the kernel cuts into the
# same datagrams). bench/README.md has what each costs.
SCALING_LOADS = {"plain": [], "gso": ["-G"]}
# dnsgate hands all of a client address's queries to one worker (steer.h),
# so a load from 127.0.0.1 alone would keep a second worker idle: the
# scaling runs come from 64 loopback addresses, one per source socket, as
# an ISP's many subscribers would.
SCALING_SOURCES = ["-A", "127.0.0.1/64"]

# Names per path: hit = 1,000 names repeated (cached after the first pass),
# miss = unique names under the rec pool's wildcard zone, auth = unique names
# under zaibdns.lab (the auth pool, which has no cache in the guide).
HIT_NAMES = 1000
REC_ZONE = "bench.test"
AUTH_ZONE = "zaibdns.lab"

WILDCARD_ZONE = """$TTL 3600
@ IN SOA ns1 admin 1 3600 1800 604800 3600
  IN NS ns1
ns1 IN A 127.0.53.53
* IN A 127.0.53.54
"""
# The guide's health-check name for the rec pool.
GOOGLE_ZONE = """$TTL 3600
@ IN SOA ns1 admin 1 3600 1800 604800 3600
  IN NS ns1
@ IN A 127.0.53.1
ns1 IN A 127.0.53.53
"""

# The guide's "Example Clean Production Block" with loopback addresses and
# two documented changes: the cache is the production size from the guide's
# capacity section (500k entries, maxTTL 300) instead of the lab's 10000/60,
# and MaxQPSIPRule(50) is raised so that it never fires: every benchmark query
# comes from 127.0.0.1, so 50 QPS per IP would drop nearly all of it. The
# rule stays, so both frontends still pay for evaluating it on every query.
PRODUCTION_BLOCK = """-- bench/run.py: the guide's Example Clean Production Block on loopback
setLocal("{addr}:{port}")
addACL("127.0.0.0/8")
-- Packet cache (guide, capacity section: 500k entries, maxTTL 300)
pc = newPacketCache(500000, {{maxTTL=300}})
getPool("rec"):setCache(pc)
-- Abuse protection (MaxQPSIPRule raised from 50: all load is from one IP)
addAction(QTypeRule(DNSQType.ANY), DropAction())
addAction(MaxQPSIPRule({max_qps_ip}), DropAction())
-- Health checks
newServer({{address="{addr}:{auth}", pool="auth", checkType="A", checkName="zaibdns.lab.", checkInterval=5}})
newServer({{address="{addr}:{rec1}", pool="rec", checkType="A", checkName="google.com.", checkInterval=5}})
newServer({{address="{addr}:{rec2}", pool="rec", checkType="A", checkName="google.com.", checkInterval=5}})
local suffixes = newSuffixMatchNode()
suffixes:add(newDNSName("zaibdns.lab."))
addAction(SuffixMatchNodeRule(suffixes), PoolAction("auth"))
addAction(AllRule(), PoolAction("rec"))
controlSocket("{addr}:{cport}")
setKey("{key}")
"""
MAX_QPS_IP = 100000000


class BenchError(RuntimeError):
    """The benchmark cannot go on (a server did not start, a tool failed)."""


class PinnedNsd(Nsd):
    """The fixtures' NSD, pinned to the load CPU, without response rate
    limiting (NSD's default of 200 answers/s per /24 would drop nearly all
    of the benchmark's wildcard answers)."""

    def write_config(self):
        super().write_config()
        text = self.conf_path.read_text()
        self.conf_path.write_text(text.replace("server:\n", "server:\n"
                                               "  rrl-ratelimit: 0\n"
                                               "  rrl-whitelist-ratelimit: 0\n", 1))

    def argv(self):
        return ["taskset", "-c", LOAD_CPU] + super().argv()


class Server:
    """A frontend under test (dnsgate, dnsdist or the null responder),
    pinned to FE_CPU, optionally under callgrind."""

    def __init__(self, kind, workdir, build, backends, callgrind=False, cpus=FE_CPU):
        self.kind = kind
        self.cpus = cpus
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.build = build
        self.backends = backends
        self.callgrind = callgrind
        self.port = free_port(ADDR)
        self.proc = None
        self.log_path = self.workdir / (kind + ".log")
        self.cg_out = self.workdir / (kind + ".callgrind")

    @property
    def pid(self):
        return self.proc.pid

    def write_config(self):
        conf = self.conf = self.workdir / (self.kind + ".conf")
        conf.write_text(PRODUCTION_BLOCK.format(
            addr=ADDR, port=self.port, cport=free_port(ADDR), max_qps_ip=MAX_QPS_IP,
            key=base64.b64encode(os.urandom(32)).decode(),
            auth=self.backends["auth"].port, rec1=self.backends["rec1"].port,
            rec2=self.backends["rec2"].port))
        return conf

    def argv(self):
        if self.kind == "null":
            return [self.build / "bench" / "nullresp", "-l", "%s:%d" % (ADDR, self.port)]
        conf = self.write_config()
        if self.kind == "dnsdist":
            return ["dnsdist", "--supervised", "--disable-syslog", "-C", conf]
        return [self.build / "dnsgate", "-C", conf]

    def start(self, timeout):
        argv = ["taskset", "-c", self.cpus]
        for old in self.workdir.glob(self.cg_out.name + "*"):
            old.unlink()        # dumps of an earlier run would be read as ours
        if self.callgrind:
            argv += ["valgrind", "--tool=callgrind", "--collect-atstart=yes",
                     "--dump-instr=no", "--callgrind-out-file=%s" % self.cg_out]
        self.proc = procs.spawn(argv + self.argv(), self.log_path, cwd=self.workdir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError("%s exited with %s:\n%s" % (
                    self.kind, self.proc.returncode, procs.log_tail(self.log_path)))
            try:
                # google.com. goes to the rec pool: the frontend forwards.
                r = send(make_query("google.com.", "A"), ADDR, self.port, timeout=1.0)
                if self.kind == "null" or r.answer:
                    return self
            except Exception:
                pass
            time.sleep(0.2)
        self.stop()
        raise BenchError("%s did not answer within %.0fs:\n%s" % (
            self.kind, timeout, procs.log_tail(self.log_path)))

    def stop(self):
        if self.proc is not None:
            procs.terminate(self.proc, timeout=20.0 if self.callgrind else 5.0)

    def cpu_seconds(self):
        """CPU time of the server's live threads (task_sched)."""
        return task_sched(self.pid)[0]

    def sched(self):
        """(run s, wait s, switch-ins) of the server's live threads."""
        return task_sched(self.pid)

    def rss_bytes(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        raise BenchError("no VmRSS for pid %d" % self.pid)


class Bench:
    """One benchmark run: backends, frontends, measurements, results."""

    def __init__(self, args):
        self.a = args
        self.build = Path(args.build).resolve()
        self.work = self.build / "bench-work"
        self.work.mkdir(parents=True, exist_ok=True)
        self.backends = {}
        self.servers = {}
        self.skipped = {}
        self.results = {"rounds": [], "callgrind": {}, "memory": {}, "scaling": {}}
        self.seed = random.SystemRandom().getrandbits(48)

    # -- processes ----------------------------------------------------------
    def start_backends(self):
        zones_rec = {REC_ZONE: WILDCARD_ZONE, "google.com": GOOGLE_ZONE}
        # The auth NSD serves the guide's zaibdns.lab plus a wildcard, so that
        # unique names under it all get answers.
        auth_zone = ZAIBDNS_ZONE.read_text() + "* IN A 127.10.2.200\n"
        for name, zones in (("auth", {AUTH_ZONE: auth_zone}),
                            ("rec1", zones_rec), ("rec2", zones_rec)):
            srv = PinnedNsd(self.work / name, name=name, addr=ADDR, zones=zones)
            self.backends[name] = srv
            srv.start()

    def start_server(self, kind, callgrind=False):
        d = self.work / (kind + ("-cg" if callgrind else ""))
        srv = Server(kind, d, self.build, self.backends, callgrind)
        return srv.start(self.a.cg_start_timeout if callgrind else 20.0)

    def stop_all(self):
        for srv in list(self.servers.values()):
            srv.stop()
        self.servers.clear()
        for srv in reversed(list(self.backends.values())):
            srv.stop()
        self.backends.clear()

    # -- load ---------------------------------------------------------------
    def dnsload(self, port, path, extra, timeout=None, cpus=LOAD_CPU):
        argv = ["taskset", "-c", cpus, str(self.build / "bench" / "dnsload"),
                "-s", "%s:%d" % (ADDR, port), "-S", str(self.a.sockets)]
        if path == "hit":
            argv += ["-m", "hit", "-N", str(HIT_NAMES), "-z", REC_ZONE]
        else:
            self.seed += 1      # fresh unique names every time: never cached
            zone = REC_ZONE if path == "miss" else AUTH_ZONE
            argv += ["-m", "miss", "-z", zone, "-R", str(self.seed)]
        argv += [str(x) for x in extra]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout or 120)
        if r.returncode != 0:
            raise BenchError("dnsload failed (%d): %s" % (r.returncode, r.stderr))
        return json.loads(r.stdout.strip().splitlines()[-1])

    def measured(self, srv, path, extra, cpus=LOAD_CPU):
        """dnsload run with the server's CPU time around it (dnsload reports
        its own, "cpu_s", and the machine's busy time while it sent)."""
        s0, k0 = srv.sched(), udp_rcvbuf_errors()
        w0 = time.monotonic()
        out = self.dnsload(srv.port, path, extra, cpus=cpus)
        wall = time.monotonic() - w0
        s1 = srv.sched()
        cpu = s1[0] - s0[0]
        # Datagrams the kernel dropped for a full socket receive buffer, on
        # the whole machine: tells a server's full queue from its own drops.
        out["kernel_rcvbuf_drops"] = udp_rcvbuf_errors() - k0
        out["server_cpu_s"] = cpu
        out["server_wait_s"] = s1[1] - s0[1]
        out["server_switches"] = s1[2] - s0[2]
        out["wall_s"] = wall
        n = out["received"]
        out["cpu_us_per_q"] = cpu * 1e6 / n if n else None
        out["load_cpu_us_per_q"] = out["cpu_s"] * 1e6 / n if n else None
        return out

    def warm(self, srv):
        """Every hit name once through the frontend: the cache holds them."""
        self.dnsload(srv.port, "hit", ["-n", HIT_NAMES * 2, "-w", 64, "-t", 10])

    def measure_path(self, srv, path):
        a = self.a
        if path == "hit" and srv.kind != "null":
            self.warm(srv)
        top = self.measured(srv, path, ["-w", a.window, "-n", a.max_count,
                                        "-t", a.seconds, "-T", 1000])
        fixed = self.measured(srv, path, ["-r", a.rate, "-n", int(a.rate * a.seconds),
                                          "-t", a.seconds, "-T", 1000])
        return {"max": top, "fixed": fixed}

    def run_rounds(self):
        kinds = [k for k in ("dnsgate", "dnsdist", "null") if k in self.servers]
        for r in range(self.a.rounds):
            # Interleaved, and the order flips each round, so slow drift of
            # the machine does not favour whichever frontend runs first.
            order = kinds if r % 2 == 0 else list(reversed(kinds))
            rnd = {}
            for kind in order:
                srv = self.servers[kind]
                paths = ("hit",) if kind == "null" else PATHS
                rnd[kind] = {p: self.measure_path(srv, p) for p in paths}
                log("round %d %-8s %s" % (r + 1, kind, " ".join(
                    "%s %.0f qps %.2f us/q" % (p, v["max"]["qps"], v["max"]["cpu_us_per_q"] or 0)
                    for p, v in rnd[kind].items())))
            self.results["rounds"].append(rnd)

    def run_floor(self):
        """Hit-path CPU per query of each frontend over the null responder's,
        measured back to back: --floor-runs runs of dnsgate, dnsdist and null
        in turn (order flipping each run), 1 s each at max load, and one ratio
        per run. In the rounds the three hit phases are tens of seconds
        apart, and this VM's speed drifts by more than the 20% the goal is
        about within that time; three phases in 4 s see the same machine."""
        kinds = [k for k in ("dnsgate", "dnsdist", "null") if k in self.servers]
        if "null" not in kinds:
            return
        for kind in kinds:
            if kind != "null":
                self.warm(self.servers[kind])   # the miss phases may have evicted them
        runs = []
        for r in range(self.a.floor_runs):
            order = kinds if r % 2 == 0 else list(reversed(kinds))
            cpu = {}
            for kind in order:
                out = self.measured(self.servers[kind], "hit", [
                    "-w", self.a.window, "-n", self.a.max_count, "-t", 1, "-T", 1000])
                cpu[kind] = out["cpu_us_per_q"]
            runs.append(cpu)
            log("floor run %d %s" % (r + 1, " ".join(
                "%s %.2f" % (k, v or 0) for k, v in cpu.items())))
        self.results["floor"] = runs

    # -- instructions per query ---------------------------------------------
    def run_callgrind(self, kind):
        """Ir per hit-path query: callgrind counters zeroed after warm-up,
        dumped after a fixed number of queries; that dump / queries."""
        srv = self.start_server(kind, callgrind=True)
        try:
            self.dnsload(srv.port, "hit", ["-n", HIT_NAMES * 2, "-w", 16, "-t", 120,
                                           "-T", 5000], timeout=300)
            run_ok(["callgrind_control", "-z", str(srv.pid)])
            n = self.a.cg_queries
            out = self.dnsload(srv.port, "hit", ["-n", n, "-w", 16, "-t", 300, "-T", 5000],
                               timeout=400)
            before = set(srv.workdir.glob(srv.cg_out.name + ".*"))
            run_ok(["callgrind_control", "-d", str(srv.pid)])
            dumps = sorted(set(srv.workdir.glob(srv.cg_out.name + ".*")) - before)
            if not dumps:
                raise BenchError("callgrind_control -d wrote no dump for %s" % kind)
            ir = sum(callgrind_total(p) for p in dumps)
            # Valgrind serializes threads, so both servers run their
            # per-query work on one core as in the real run.
            return {"queries": n, "answered": out["received"], "ir": ir,
                    "ir_per_q": ir / out["received"] if out["received"] else None}
        finally:
            srv.stop()

    # -- 1 worker vs 2 workers ----------------------------------------------
    def run_scaling(self):
        """Hit-path QPS of dnsgate with one worker (pinned to CPU 1, so its
        affinity gives one worker) and with two (CPUs 0 and 1), under the
        same load from a 2-thread dnsload on both CPUs, once per load kind
        (SCALING_LOADS: ordinary sendmmsg, UDP GSO); interleaved rounds.
        On a 2-CPU machine the load generator shares the CPUs with the two
        workers, so QPS cannot show what 2 free cores would do. Every run
        also records the server's CPU time per query (W; does a second
        worker make each query dearer: locks, shared cache lines?), the load
        generator's (L), and the machine's busy time, from which
        scaling_ceiling() tells what 2 CPUs allow."""
        srvs = {}
        try:
            for workers, cpus in ((1, FE_CPU), (2, "%s,%s" % (LOAD_CPU, FE_CPU))):
                srv = Server("dnsgate", self.work / ("scale-%dw" % workers), self.build,
                             self.backends, cpus=cpus)
                srvs[workers] = srv.start(20.0)
                self.warm(srv)
            loads = self.a.scaling_loads
            out = {"loads": {ld: {1: [], 2: []} for ld in loads}}
            runs = [(ld, w) for ld in loads for w in (1, 2)]
            both = "%s,%s" % (LOAD_CPU, FE_CPU)
            for r in range(self.a.rounds):
                for ld, workers in (runs if r % 2 == 0 else reversed(runs)):
                    out["loads"][ld][workers].append(self.measured(
                        srvs[workers], "hit", ["-w", self.a.window * 2, "-n", self.a.max_count,
                                               "-t", self.a.seconds, "-T", 1000, "-j", 2]
                        + SCALING_SOURCES + SCALING_LOADS[ld], cpus=both))
            for ld in loads:
                out["loads"][ld]["ceiling"] = scaling_ceiling(out["loads"][ld])
            for workers, srv in srvs.items():
                m = re.search(r"started (\d+) workers", srv.log_path.read_text())
                out["workers_%d" % workers] = int(m.group(1)) if m else None
            self.results["scaling"] = out
        finally:
            for srv in srvs.values():
                srv.stop()

    # -- memory per cached entry --------------------------------------------
    def run_memory(self, kind):
        """RSS growth while the cache fills with distinct answers, divided by
        the entries actually cached, counted as the share of the same names
        answered again while the rec backends are stopped (SIGSTOP): only a
        cached name can be answered then."""
        srv = self.start_server(kind)
        n = self.a.mem_entries
        try:
            # Fill query/response rings and buffers first (not cache growth).
            self.dnsload(srv.port, "hit", ["-n", 30000, "-w", 256, "-t", 20])
            time.sleep(0.5)
            rss0 = srv.rss_bytes()
            console0 = dnsdist_cache_entries(srv) if kind == "dnsdist" else None
            seed = self.seed = self.seed + 1
            argv = ["-n", n, "-w", 200, "-t", 120, "-T", 1000, "-R", seed]
            fill = self.dnsload(srv.port, "miss", argv, timeout=200)
            self.seed -= 1      # the re-run below must reuse the same names
            time.sleep(0.5)
            rss1 = srv.rss_bytes()
            console = None
            if console0 is not None:
                after = dnsdist_cache_entries(srv)
                console = after - console0 if after is not None else None
            for b in ("rec1", "rec2"):
                self.backends[b].pause()
            try:
                # A small window: an uncached name is never answered now,
                # and its slot is reused (counted lost) soon after.
                again = self.dnsload(srv.port, "miss", ["-n", n, "-w", 64, "-t", 120,
                                                        "-T", 1000, "-R", seed], timeout=200)
            finally:
                for b in ("rec1", "rec2"):
                    self.backends[b].resume()
            rerun = again["rcodes"]["noerror"]
            # The cache's own count where it can be read (dnsdist's console;
            # dnsgate does not serve its console yet), else the re-run's.
            cached = console or rerun
            return {"entries_sent": n, "fill_answered": fill["received"],
                    "cached_by_rerun": rerun, "cached_by_console": console,
                    "cached": cached, "rss_before": rss0, "rss_after": rss1,
                    "bytes_per_entry": (rss1 - rss0) / cached if cached else None}
        finally:
            srv.stop()
            # the stopped backends may have been marked down; they are
            # up again by the next health check, and no one else uses them

    # -- the whole run --------------------------------------------------------
    def run(self):
        t0 = time.monotonic()
        self.start_backends()
        if "rounds" in self.a.only:
            self.run_frontends()
        fes = [k for k in ("dnsgate", "dnsdist") if k not in self.skipped]
        if "scaling" in self.a.only and "dnsgate" in fes:
            log("scaling: 1 vs 2 workers")
            self.run_scaling()
        if "callgrind" in self.a.only:
            for kind in fes + ["null"]:
                log("callgrind: %s" % kind)
                self.results["callgrind"][kind] = self.run_callgrind(kind)
        if "memory" in self.a.only:
            for kind in fes:
                log("memory: %s" % kind)
                self.results["memory"][kind] = self.run_memory(kind)
        self.results["elapsed_s"] = time.monotonic() - t0

    def run_frontends(self):
        """The interleaved rounds of every frontend and the null responder."""
        for kind in ("dnsgate", "dnsdist", "null"):
            if kind in self.a.skip:
                self.skipped[kind] = "--skip"
                continue
            try:
                self.servers[kind] = self.start_server(kind)
            except (BenchError, OSError) as e:
                if kind != "dnsgate":
                    raise
                self.skipped[kind] = str(e).splitlines()[0]
                log("dnsgate not measured: %s" % self.skipped[kind])
        self.run_rounds()
        self.run_floor()
        for srv in list(self.servers.values()):
            srv.stop()
        self.servers.clear()


# -- helpers and report -----------------------------------------------------

def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def task_sched(pid):
    """(run s, wait s, switch-ins) of process pid: the sums over its threads
    of /proc/<pid>/task/<tid>/schedstat, whose fields are the scheduler's
    run time (sum_exec_runtime, ns), the time spent runnable but waiting
    for a CPU (run_delay, ns) and how many times the thread was switched in.
    The run time is the CPU time. utime+stime in /proc/<pid>/stat is the same
    total (this kernel has no IRQ time accounting, so softirq work done in a
    thread's context is charged to that thread either way) but counted in
    10 ms clock ticks; run time is exact to the ns.

    Only live threads are counted: a thread that exits between two readings
    takes its run time with it, and one that starts in between counts from
    its start. dnsgate's, dnsdist's and nullresp's threads all start before
    the first phase and live until the server stops, so a difference of two
    readings around a phase is the whole process's CPU time in it. A thread
    that vanishes while the directory is read is skipped."""
    run = wait = switches = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                v = [int(x) for x in f.read().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
        run, wait, switches = run + v[0], wait + v[1], switches + v[2]
    return run / 1e9, wait / 1e9, switches


def udp_rcvbuf_errors():
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


def dnsdist_cache_entries(srv):
    """The rec pool cache's entry count from dnsdist's console (None when
    the console does not answer)."""
    r = subprocess.run(["dnsdist", "-C", str(srv.conf), "-c", "-e",
                        'getPool("rec"):getCache():printStats()'],
                       capture_output=True, text=True, timeout=30)
    m = re.search(r"Entries: (\d+)/", r.stdout)
    if m is None:
        log("dnsdist console: no entry count: %s%s" % (r.stdout, r.stderr))
        return None
    return int(m.group(1))


def run_ok(argv):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise BenchError("%s: %s%s" % (" ".join(argv), r.stdout, r.stderr))


def callgrind_total(path):
    """The total Ir of one callgrind output file ("totals:" or "summary:")."""
    for line in Path(path).read_text(errors="replace").splitlines():
        if line.startswith(("totals:", "summary:")):
            return int(line.split()[1])
    raise BenchError("no totals in %s" % path)


def series(results, kind, path, phase, field):
    """The values of one metric across rounds."""
    out = []
    for rnd in results["rounds"]:
        v = rnd.get(kind, {}).get(path, {}).get(phase)
        if v is None:
            continue
        x = v
        for k in field.split("."):
            x = x[k]
        if x is not None:
            out.append(x)
    return out


def fmt_mmm(vals, digits):
    if not vals:
        return "–"
    f = "%%.%df" % digits
    return "%s / **%s** / %s" % (f % min(vals), f % statistics.median(vals), f % max(vals))


def ratio(a, b, digits=2):
    if not a or not b or not statistics.median(b):
        return "–"
    return ("%%.%df" % digits) % (statistics.median(a) / statistics.median(b))


METRICS = [  # (label, phase, field, digits)
    ("QPS at max load", "max", "qps", 0),
    ("CPU µs/query at max load", "max", "cpu_us_per_q", 2),
    ("lost at max load", "max", "lost", 0),
    ("kernel receive-buffer drops at max load", "max", "kernel_rcvbuf_drops", 0),
    ("CPU µs/query at fixed rate", "fixed", "cpu_us_per_q", 2),
    ("p50 latency µs at fixed rate", "fixed", "lat_us.p50", 1),
    ("p99 latency µs at fixed rate", "fixed", "lat_us.p99", 1),
    ("lost at fixed rate", "fixed", "lost", 0),
]


def table(bench):
    res, a = bench.results, bench.a
    lines = ["| path | metric | dnsgate min / **median** / max | "
             "dnsdist min / **median** / max | dnsgate / dnsdist |",
             "|---|---|---|---|---|"]
    if not res["rounds"]:       # --only without rounds: the other tables only
        lines = []
    for path in PATHS if res["rounds"] else ():
        for label, phase, field, digits in METRICS:
            g = series(res, "dnsgate", path, phase, field)
            d = series(res, "dnsdist", path, phase, field)
            lines.append("| %s | %s | %s | %s | %s |" % (
                path, label.replace("fixed rate", "%d QPS" % a.rate), fmt_mmm(g, digits),
                fmt_mmm(d, digits), "–" if "lost" in label or "drops" in label
                else ratio(g, d)))
    null_cpu = series(res, "null", "hit", "max", "cpu_us_per_q")
    if res["rounds"]:
        lines.append("| hit | CPU µs/query at max load ÷ null responder's (medians of the rounds) "
                     "| %s | %s | – |" % (
                         ratio(series(res, "dnsgate", "hit", "max", "cpu_us_per_q"), null_cpu),
                         ratio(series(res, "dnsdist", "hit", "max", "cpu_us_per_q"), null_cpu)))
        floor = res.get("floor") or []
        if floor:
            per = {k: [r[k] / r["null"] for r in floor if r.get(k) and r.get("null")]
                   for k in ("dnsgate", "dnsdist")}
            lines.append("| hit | the same, back to back: %d runs of 1 s, one ratio per run "
                         "| %s | %s | – |" % (len(floor), fmt_mmm(per["dnsgate"], 2),
                                              fmt_mmm(per["dnsdist"], 2)))
        # The load generator's own cost (its getrusage): not the frontend's,
        # but what the load takes from a machine the frontend shares.
        lines.append("| hit | dnsload's CPU µs/query at max load | %s | %s | – |" % tuple(
            fmt_mmm(series(res, k, "hit", "max", "load_cpu_us_per_q"), 2)
            for k in ("dnsgate", "dnsdist")))
    cg = res["callgrind"]

    def cgv(k):
        v = cg.get(k, {}).get("ir_per_q")
        return "%.0f" % v if v else "–"
    if cg:
        g, d = cg.get("dnsgate", {}).get("ir_per_q"), cg.get("dnsdist", {}).get("ir_per_q")
        lines.append("| hit | user-space instructions/query (callgrind, %d queries) | %s | %s | %s |" % (
            a.cg_queries, cgv("dnsgate"), cgv("dnsdist"), "%.3f" % (g / d) if g and d else "–"))
    mem = res["memory"]
    if mem:
        def mv(k):
            m = mem.get(k)
            if not m or not m["bytes_per_entry"]:
                return "–"
            return "%.0f B (%d cached, RSS +%.1f MB)" % (
                m["bytes_per_entry"], m["cached"], (m["rss_after"] - m["rss_before"]) / 1e6)
        g = mem.get("dnsgate", {}).get("bytes_per_entry")
        d = mem.get("dnsdist", {}).get("bytes_per_entry")
        lines.append("| miss | RSS bytes per cached entry (%d distinct answers) | %s | %s | %s |" % (
            a.mem_entries, mv("dnsgate"), mv("dnsdist"), "%.2f" % (g / d) if g and d else "–"))
    null = [] if not res["rounds"] else ["", "Null responder (the floor, hit load): QPS %s, CPU µs/query %s, "
            "p99 at %d QPS %s µs; instructions/query %s." % (
                fmt_mmm(series(res, "null", "hit", "max", "qps"), 0),
                fmt_mmm(null_cpu, 2), a.rate,
                fmt_mmm(series(res, "null", "hit", "fixed", "lat_us.p99"), 1), cgv("null"))]
    for k, why in bench.skipped.items():
        null.append("Not measured: %s (%s)." % (k, why))
    return "\n".join(lines + null + scaling_table(res.get("scaling"))) + "\n"


LOAD_NAMES = {"plain": "sendmmsg", "gso": "UDP GSO (`-G`)"}


def scaling_table(sc):
    """dnsgate with 1 worker next to 2 workers (Bench.run_scaling), per load
    kind, and what a 2-CPU machine that also runs the load allows."""
    if not sc or not sc.get("loads"):
        return []
    lines = ["", "dnsgate, hit path, 1 worker (`taskset -c 1`, %s started) next to 2 workers "
             "(`taskset -c 0,1`, %s started); load `dnsload -j 2` on CPUs 0-1 for both. "
             "CPU-s/s: CPU-seconds per second of load (the machine has 2)." % (
                 sc.get("workers_1"), sc.get("workers_2"))]
    for ld, runs in sc["loads"].items():
        lines += ["", "Load: %s." % LOAD_NAMES.get(ld, ld), ""] + scaling_runs(runs)
    lines += ["", "| load | W: 1 worker's CPU µs/query | L: dnsload's CPU µs/query with 2 "
              "workers | ceiling 2W/(W+L) | measured 2 / 1 QPS | measured ÷ ceiling "
              "| 2-worker QPS ÷ 2/(W+L) |", "|---|---|---|---|---|---|---|"]
    for ld, runs in sc["loads"].items():
        c = runs.get("ceiling")
        if c:
            lines.append("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
                LOAD_NAMES.get(ld, ld), c["W_us"], c["L_us"], c["ceiling"], c["measured"],
                c["efficiency"], c["of_machine"]))
    return lines


def scaling_runs(runs):
    """The 1-worker and 2-worker runs of one load kind, side by side."""
    def row(label, f, digits, ratio_too=True):
        a = [x for x in map(f, runs[1]) if x is not None]
        b = [x for x in map(f, runs[2]) if x is not None]
        return "| %s | %s | %s | %s |" % (label, fmt_mmm(a, digits), fmt_mmm(b, digits),
                                          ratio(b, a) if ratio_too else "–")

    # CPU-seconds per second of load: dnsload's duration_s, first query to
    # last answer. The readings span the whole dnsload run, which also
    # waits up to -T for lost queries' answers, but nothing of ours runs
    # then. The machine's busy time (/proc/stat, 10 ms ticks) is dnsload's
    # reading from its first query to its last.
    def per_s(*fields):
        return lambda r: sum(r[f] for f in fields) / r["duration_s"]

    def busy(r):
        m = r["machine"]
        return m["busy_s"] / m["period_s"] if m["period_s"] > 0 else None

    def other(r):               # busy time of no process of ours (ksoftirqd, others)
        b = busy(r)
        return None if b is None else max(0.0, b - per_s("server_cpu_s", "cpu_s")(r))
    return ["| metric | 1 worker min / **median** / max | 2 workers min / **median** / max "
            "| 2 / 1 |", "|---|---|---|---|",
            row("QPS at max load", lambda r: r["qps"], 0),
            row("lost queries", lambda r: r["lost"], 0, False),
            row("server CPU µs/query (W)", lambda r: r["cpu_us_per_q"], 2),
            row("dnsload CPU µs/query (L)", lambda r: r["load_cpu_us_per_q"], 2),
            row("server CPU-s/s", per_s("server_cpu_s"), 2),
            row("dnsload CPU-s/s", per_s("cpu_s"), 2),
            row("server + dnsload CPU-s/s", per_s("server_cpu_s", "cpu_s"), 2, False),
            row("machine busy CPU-s/s (/proc/stat)", busy, 2, False),
            row("of which neither server nor dnsload", other, 2, False),
            row("server waiting for a CPU, s/s", per_s("server_wait_s"), 2),
            row("dnsload waiting for a CPU, s/s", lambda r: r["sched"]["wait_s"]
                / r["duration_s"], 2),
            row("switch-ins per 1000 queries, server + dnsload",
                lambda r: (r["server_switches"] + r["sched"]["switches"]) * 1e3
                / r["received"], 1)]


def scaling_ceiling(runs):
    """The most 2 workers can scale over 1 on 2 CPUs shared with the load
    generator, for the runs of one load kind. One worker with a CPU to itself
    answers 1/W queries a second (W: its CPU time per query); on 2 CPUs that
    also run dnsload (L: its CPU time per query) every query costs W + L, so
    at most 2/(W+L) a second: 2W/(W+L) times one worker. Medians over
    rounds; W from the 1-worker runs, L from the 2-worker runs (the runs the
    ceiling is about). "efficiency" divides the measured 2/1 QPS ratio by
    the ceiling; "of_machine" divides the 2-worker QPS by 2/(W+L), which
    does not depend on whether the 1-worker run had CPU 1 to itself."""
    def med(w, f):
        v = [r[f] for r in runs.get(w, []) if r.get(f)]
        return statistics.median(v) if v else None
    w, l_ = med(1, "cpu_us_per_q"), med(2, "load_cpu_us_per_q")
    q1, q2 = med(1, "qps"), med(2, "qps")
    if not (w and l_ and q1 and q2):
        return None
    ceiling = 2 * w / (w + l_)
    return {"W_us": w, "L_us": l_, "ceiling": ceiling, "measured": q2 / q1,
            "efficiency": q2 / q1 / ceiling, "of_machine": q2 * (w + l_) / 2e6}


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    dd = subprocess.run(["dnsdist", "--version"], capture_output=True, text=True).stdout
    return "%d CPUs (%s), Linux %s; %s" % (
        os.cpu_count(), model, os.uname().release, dd.splitlines()[0] if dd else "dnsdist ?")


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build/release", help="build dir with dnsgate and bench/")
    ap.add_argument("--quick", action="store_true", help="shorter phases (under 3 minutes)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rate", type=int, default=20000, help="fixed rate for latency (QPS)")
    ap.add_argument("--seconds", type=float, help="length of each load phase")
    # 200: more keeps a server busy no better, and overflows the default
    # 208 KiB receive buffer (~270 queries) of a server that does not raise it.
    ap.add_argument("--window", type=int, default=200, help="outstanding queries at max load")
    ap.add_argument("--floor-runs", type=int, default=11,
                    help="back-to-back hit runs of each frontend and the null responder")
    ap.add_argument("--sockets", type=int, default=64, help="dnsload source ports")
    ap.add_argument("--max-count", type=int, default=5000000, help="query cap per max-load phase")
    ap.add_argument("--cg-queries", type=int, help="hit-path queries under callgrind")
    ap.add_argument("--cg-start-timeout", type=float, default=120.0)
    ap.add_argument("--mem-entries", type=int, default=400000)
    ap.add_argument("--no-callgrind", dest="callgrind", action="store_false")
    ap.add_argument("--no-memory", dest="memory", action="store_false")
    ap.add_argument("--no-scaling", dest="scaling", action="store_false",
                    help="skip dnsgate 1 worker vs 2 workers")
    ap.add_argument("--skip", action="append", default=[], choices=("dnsgate", "dnsdist"),
                    help="leave a frontend out (repeatable)")
    ap.add_argument("--scaling-load", dest="scaling_loads", action="append",
                    choices=tuple(SCALING_LOADS),
                    help="load kind of the scaling part (repeatable; default all)")
    ap.add_argument("--only", action="append", choices=PARTS,
                    help="run only this part (repeatable); --no-* still apply")
    a = ap.parse_args(argv)
    a.scaling_loads = a.scaling_loads or list(SCALING_LOADS)
    off = {"scaling": not a.scaling, "callgrind": not a.callgrind, "memory": not a.memory}
    a.only = [p for p in (a.only or PARTS) if not off.get(p)]
    if a.seconds is None:
        a.seconds = 1.0 if a.quick else 3.0
    if a.cg_queries is None:
        a.cg_queries = 5000 if a.quick else 20000
    return a


def main(argv=None):
    a = parse_args(argv)
    for tool in ("dnsload", "nullresp"):
        if not (Path(a.build) / "bench" / tool).exists():
            sys.exit("bench: %s/bench/%s is missing: run make first" % (a.build, tool))

    def on_signal(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    b = Bench(a)
    try:
        b.run()
    finally:
        b.stop_all()
    b.results["machine"] = machine()
    b.results["args"] = vars(a)
    b.results["skipped"] = b.skipped
    text = ("Machine: %s. Frontend pinned to CPU %s, load and backends on CPU %s. "
            "%d rounds, %.1f s phases, run took %.0f s.\n\n" % (
                b.results["machine"], FE_CPU, LOAD_CPU, a.rounds, a.seconds,
                b.results["elapsed_s"])) + table(b)
    print(text)
    out = Path(a.build)
    (out / "bench-results.md").write_text(text)
    (out / "bench-results.json").write_text(json.dumps(b.results, indent=1) + "\n")
    log("wrote %s and %s" % (out / "bench-results.md", out / "bench-results.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
