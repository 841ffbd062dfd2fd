"""Issues 7 and 18: the daemon's spends beside one-statement pgbench, measured side by side in one
run, with the daemon at its default settings (DBM_LOG_LEVEL info: a JSON line per call, to a file).

    python bench/run.py                  # the full run (about 5 minutes); writes bench/RESULTS.md
    python bench/run.py --duration 3     # a quicker, noisier one

Needs PostgreSQL on 127.0.0.1:5432 (trust, user postgres), `pgbench` and `psql` (Debian
postgresql-client), `wrk` (Debian `wrk`), `redis-server`, and the `bench` extra
(`pip install -e '.[bench]'`) for the chart. It measures, on the same machine, in one run:

  pgbench   our spend as ONE SQL statement (update balance, insert ledger row, insert outbox row),
            -M prepared, against the daemon's own schema (`dbmanager migrate`) in a bench database;
  spend     `dbmanager serve` on PostgreSQL and a private Redis under wrk: spend_credits one call
            per request, and in JSON-RPC batches of 100 calls;
  ping      ping through the daemon, and through a bare aiohttp + orjson handler (bare_server.py).

Each series is swept over the number of connections (pgbench: clients). After every point it
waits for the daemon's audit outbox to drain and checks that every answered spend was applied
(credits spent == ledger rows == answered results, give or take the calls in flight when wrk
stopped), and at the end runs `dbmanager audit verify`. It prints the figures and writes
bench/RESULTS.md (keeping the hand-written notes below its marker) and bench/results.png;
it exits 1 when a goal of issue 18 is missed. `--also-log-level warning` adds the headline points
of a second daemon at that level, beside the default's (not counted in the goals).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "RESULTS.md"
CHART = BENCH / "results.png"
NOTES_MARKER = "<!-- Everything below this line is written by hand and kept by bench/run.py. -->"

USERS = 10_000
START_BALANCE = 10**12  # never runs out: a spend of 1 credit never fails with 1001
BATCH = 100
HEADLINE_PGBENCH_CLIENTS = 8
HEADLINE_CONNECTIONS = 64
GOALS = {"single": 1.0, "batched": 2.0, "ping": 0.8, "p99_ms": 50.0, "memory_mb": 200.0}


@dataclasses.dataclass
class Point:
    """One load run: a series at one number of connections."""
    series: str
    connections: int
    calls_per_s: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    calls_answered: int = 0
    applied: int | None = None  # ledger rows the run added (None: not a spend run)
    errors: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)
    drain_s: float | None = None  # how long the audit outbox took to empty after the load stopped
    cpu_us_per_call: float | None = None  # the server's CPU time (user + system) per call answered


# ---------- the machine's tools and servers ----------

def require_tools() -> None:
    missing = [t for t in ("pgbench", "psql", "wrk", "redis-server") if shutil.which(t) is None]
    if missing:
        sys.exit(f"bench/run.py needs {', '.join(missing)}: apt-get install "
                 + " ".join({"pgbench": "postgresql-client", "psql": "postgresql-client", "wrk": "wrk",
                             "redis-server": "redis-server"}[t] for t in missing))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pg:
    def __init__(self, host: str, port: int, user: str):
        self.host, self.port, self.user = host, port, user

    def url(self, db: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{db}"

    def conninfo(self) -> list[str]:
        return ["-h", self.host, "-p", str(self.port), "-U", self.user]

    def sql(self, db: str, query: str) -> str:
        done = subprocess.run(["psql", *self.conninfo(), "-d", db, "-v", "ON_ERROR_STOP=1", "-Atqc", query],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"psql on {db}: {done.stderr.strip()}")
        return done.stdout.strip()

    def recreate(self, db: str) -> None:
        self.sql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self.sql("postgres", f'CREATE DATABASE "{db}"')

    def drop(self, db: str) -> None:
        self.sql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def prepare_ledger(pg: Pg, db: str, daemon_root: Path) -> None:
    """A fresh database with the daemon's schema (`dbmanager migrate`) and USERS rich users."""
    pg.recreate(db)
    env = {**os.environ, "DBM_DATABASE_URL": pg.url(db), "DBM_LOG_LEVEL": "warning"}
    subprocess.run([sys.executable, "-m", "daemon", "migrate"], env=env, cwd=daemon_root, check=True,
                   stdout=subprocess.DEVNULL)
    pg.sql(db, f"""
        INSERT INTO users (id, email, name, metadata, created_at)
            SELECT 'u' || g, 'u' || g || '@bench.invalid', NULL, '{{}}', '2026-01-01T00:00:00.000000Z'
            FROM generate_series(1, {USERS}) g;
        INSERT INTO balances (user_id, balance) SELECT 'u' || g, {START_BALANCE} FROM generate_series(1, {USERS}) g""")
    # Statistics for the two full tables only: a VACUUM or ANALYZE of the still-empty ledger would
    # record it as empty, and with autovacuum off (as on this machine) nothing would correct that,
    # so every plan cached by a long-lived connection (the daemon's; the foreign-key checks) would
    # scan the whole ledger for each row. Left never-vacuumed, the planner sizes it as it grows.
    pg.sql(db, "ANALYZE users")
    pg.sql(db, "ANALYZE balances")


def ledger_state(pg: Pg, db: str) -> tuple[int, int, int]:
    """(ledger rows, credits spent so far, rows waiting in the audit outbox)."""
    rows, spent, waiting = pg.sql(db, f"""
        SELECT (SELECT count(*) FROM transactions),
               (SELECT {USERS}::numeric * {START_BALANCE} - sum(balance) FROM balances),
               (SELECT count(*) FROM audit_outbox)""").split("|")
    return int(rows), int(spent), int(waiting)


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of the bench's own, persistent like a production one (append-only file,
    fsync every second), so the shared Redis gets none of the bench's keys."""
    with tempfile.TemporaryDirectory(prefix="dbm-bench-redis-") as directory:
        port = free_port()
        process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", directory,
                                    "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)


def wait_for_port(port: int, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on port {port}")
        time.sleep(0.05)


@contextlib.contextmanager
def server(argv: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT) -> Iterator[tuple[str, int]]:
    """A server process that prints '… listening on URL' first; yields (url, pid). Its stdout
    after that line goes nowhere (a pipe nobody reads could fill and stall it)."""
    with open(log, "ab") as log_file:
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=log_file, text=True)
    try:
        line = process.stdout.readline().strip()
        if "listening on" not in line:
            raise RuntimeError(f"{argv[:4]} did not start: {line!r}; see {log}")
        threading.Thread(target=process.stdout.read, daemon=True).start()
        yield line.split()[-1], process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def peak_memory_mb(pid: int) -> float:
    """VmHWM (peak resident set) of the process and of its children (`serve --workers`)."""
    total_kb = 0
    for p in [pid, *children(pid)]:
        with contextlib.suppress(FileNotFoundError):
            status = Path(f"/proc/{p}/status").read_text()
            total_kb += int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
    return total_kb / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process and its children (`serve --workers`) have used so far.
    Per call, it is what the daemon itself costs, whatever the load generator and the other
    processes on the machine take of the cores; throughput moves with them, this far less."""
    ticks = 0
    for p in [pid, *children(pid)]:
        with contextlib.suppress(FileNotFoundError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    with contextlib.suppress(FileNotFoundError):
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return []


# ---------- load generators ----------

def run_wrk(url: str, mode: str, batch: int, connections: int, duration_s: float) -> dict:
    threads = min(2, connections)
    done = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration_s))}s", "--timeout", "30s",
         "-s", str(BENCH / "rpc.lua"), url, "--", mode, str(batch), str(USERS)],
        capture_output=True, text=True, check=True)
    line = next((row for row in done.stdout.splitlines() if row.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no BENCH line:\n{done.stdout}\n{done.stderr}")
    return json.loads(line[len("BENCH "):])


def wrk_point(series: str, result: dict, connections: int, batch: int) -> Point:
    seconds = result["duration_us"] / 1e6
    answered = result["results"] + result["errors"]
    point = Point(series, connections, answered / seconds, result["requests"] / seconds,
                  result["p50_us"] / 1000, result["p99_us"] / 1000, calls_answered=answered,
                  errors=result["errors"])
    if result["errors"] or result["bad_status"] or result["socket_errors"]:
        point.problems.append(f"{result['errors']} error answers, {result['bad_status']} non-200 responses, "
                              f"{result['socket_errors']} socket errors or timeouts")
    return point


def run_pgbench(pg: Pg, db: str, clients: int, duration_s: float) -> Point:
    before = ledger_state(pg, db)
    with tempfile.TemporaryDirectory(prefix="dbm-bench-pgbench-") as logs:
        done = subprocess.run(
            ["pgbench", *pg.conninfo(), "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(2, clients)),
             "-T", str(round(duration_s)), "-f", str(BENCH / "spend.sql"), "-D", f"users={USERS}",
             "-l", "--log-prefix", f"{logs}/tx", db],
            capture_output=True, text=True, check=True)
        latencies_us = sorted(int(line.split()[2]) for f in Path(logs).iterdir() for line in f.read_text().splitlines())
    processed = int(re.search(r"actually processed: (\d+)", done.stdout).group(1))
    tps = float(re.search(r"tps = ([\d.]+)", done.stdout).group(1))
    after = ledger_state(pg, db)
    point = Point("pgbench", clients, tps, tps, percentile(latencies_us, 50) / 1000,
                  percentile(latencies_us, 99) / 1000, calls_answered=processed, applied=after[0] - before[0])
    if not (after[0] - before[0] == after[1] - before[1] == after[2] - before[2] == processed):
        point.problems.append(f"pgbench processed {processed} but the ledger moved by {after[0] - before[0]} rows, "
                              f"{after[1] - before[1]} credits and {after[2] - before[2]} outbox rows")
    return point


def percentile(sorted_values: list[int], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * pct / 100))]


# ---------- the daemon's spends ----------

def daemon_spend_point(pg: Pg, db: str, url: str, pid: int, series: str, batch: int, connections: int,
                       duration_s: float) -> Point:
    before = settle(pg, db)[0]
    cpu_before = cpu_seconds(pid)
    result = run_wrk(url, "spend", batch, connections, duration_s)
    point = wrk_point(series, result, connections, batch)
    start_drain = time.monotonic()
    after = settle(pg, db)
    point.cpu_us_per_call = per_call_us(cpu_seconds(pid) - cpu_before, point)  # the relay's drain included
    point.drain_s = max(0.0, after[1] - start_drain)
    rows, spent = after[0][0] - before[0], after[0][1] - before[1]
    point.applied = rows
    unanswered = result["calls_sent"] - result["calls_answered"]
    if rows != spent:
        point.problems.append(f"{rows} ledger rows but {spent} credits spent")
    if not result["results"] <= rows <= result["results"] + unanswered:
        point.problems.append(f"{result['results']} answered spends ({unanswered} unanswered when wrk stopped) "
                              f"but {rows} ledger rows")
    return point


def per_call_us(cpu_s: float, point: Point) -> float | None:
    return cpu_s / point.calls_answered * 1e6 if point.calls_answered else None


def ping_point(url: str, pid: int, series: str, duration_s: float) -> Point:
    run_wrk(url, "ping", 1, HEADLINE_CONNECTIONS, min(3, duration_s))  # warm-up
    cpu_before = cpu_seconds(pid)
    point = wrk_point(series, run_wrk(url, "ping", 1, HEADLINE_CONNECTIONS, duration_s), HEADLINE_CONNECTIONS, 1)
    point.cpu_us_per_call = per_call_us(cpu_seconds(pid) - cpu_before, point)
    return point


def settle(pg: Pg, db: str, timeout_s: float = 120) -> tuple[tuple[int, int, int], float]:
    """Waits until the outbox is empty and the ledger stops moving (calls in flight when the load
    stopped have finished); returns the ledger state and when the outbox was seen empty."""
    deadline, last, empty_at = time.monotonic() + timeout_s, None, None
    while True:
        state = ledger_state(pg, db)
        if state[2] == 0 and empty_at is None:
            empty_at = time.monotonic()
        if state[2] == 0 and state == last:
            return state, empty_at
        if time.monotonic() > deadline:
            raise RuntimeError(f"the audit outbox did not drain in {timeout_s} s: {state}")
        last = state
        time.sleep(0.25)


def audit_verify(env: dict[str, str], daemon_root: Path) -> tuple[bool, str]:
    done = subprocess.run([sys.executable, "-m", "daemon", "audit", "verify"], env=env, cwd=daemon_root,
                          capture_output=True, text=True)
    return done.returncode == 0, done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-500:]


# ---------- the run ----------

@dataclasses.dataclass
class Run:
    args: argparse.Namespace
    points: list[Point] = dataclasses.field(default_factory=list)
    memory_mb: float = 0.0
    verify: tuple[bool, str] = (False, "not run")
    load_before: tuple[float, float, float] = (0, 0, 0)
    load_after: tuple[float, float, float] = (0, 0, 0)
    started: str = ""
    seconds: float = 0.0

    def add(self, point: Point) -> None:
        self.points.append(point)
        flag = "" if not point.problems else "   PROBLEM: " + "; ".join(point.problems)
        print(f"  {point.series:<14} {point.connections:>4} conns  {point.calls_per_s:>9.0f} calls/s  "
              f"p50 {point.p50_ms:7.2f} ms  p99 {point.p99_ms:7.2f} ms"
              f"{'' if point.cpu_us_per_call is None else f'  CPU {point.cpu_us_per_call:5.0f} µs/call'}{flag}",
              flush=True)

    def get(self, series: str, connections: int) -> Point | None:
        return next((p for p in self.points if p.series == series and p.connections == connections), None)


def measure(args: argparse.Namespace) -> Run:
    run = Run(args, load_before=os.getloadavg(), started=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"))
    pg = Pg(args.pg_host, args.pg_port, args.pg_user)
    t0 = time.monotonic()
    print(f"load average {run.load_before[0]:.2f} {run.load_before[1]:.2f} {run.load_before[2]:.2f}"
          + ("  (the machine is busy: figures will be low and noisy)" if run.load_before[0] > 0.5 else ""), flush=True)
    try:
        measure_pgbench(run, pg)
        measure_daemon(run, pg)
        if args.also_log_level:
            measure_daemon_headline(run, pg, args.also_log_level)
        measure_bare(run)
    finally:
        if not args.keep:
            for db in ("dbm_bench_pgbench", "dbm_bench_daemon"):
                with contextlib.suppress(Exception):
                    pg.drop(db)
    run.load_after, run.seconds = os.getloadavg(), time.monotonic() - t0
    return run


def measure_pgbench(run: Run, pg: Pg) -> None:
    print("pgbench: one-statement spend, -M prepared", flush=True)
    prepare_ledger(pg, "dbm_bench_pgbench", run.args.daemon_root)
    run_pgbench(pg, "dbm_bench_pgbench", HEADLINE_PGBENCH_CLIENTS, min(3, run.args.duration))  # warm-up
    for clients in run.args.pgbench_clients:
        run.add(run_pgbench(pg, "dbm_bench_pgbench", clients, run.args.duration))


def daemon_env(pg: Pg, db: str, redis_url: str, log_level: str | None) -> dict[str, str]:
    """The daemon's environment: its stores, and otherwise its defaults (the log level too, unless
    asked for another), whatever the shell running the bench has set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBM_")}
    env.update({"DBM_DATABASE_URL": pg.url(db), "DBM_REDIS_URL": redis_url, "DBM_PORT": "0",
                "DBM_AUDIT_STREAM": "dbm-bench:audit", "DBM_STATE_DIR": tempfile.gettempdir()})
    if log_level is not None:
        env["DBM_LOG_LEVEL"] = log_level
    return env


def measure_daemon(run: Run, pg: Pg) -> None:
    db = "dbm_bench_daemon"
    prepare_ledger(pg, db, run.args.daemon_root)
    with private_redis() as redis_url:
        env = daemon_env(pg, db, redis_url, run.args.log_level)
        argv = [sys.executable, "-m", "daemon", "serve", *run.args.daemon_args]
        with server(argv, env, BENCH / "daemon.log", run.args.daemon_root) as (url, pid):
            print(f"daemon: {' '.join(argv[1:])} on {url} (pid {pid})", flush=True)
            run_wrk(url, "spend", 1, HEADLINE_CONNECTIONS, min(3, run.args.duration))  # warm-up
            for connections in run.args.connections:
                run.add(daemon_spend_point(pg, db, url, pid, "spend", 1, connections, run.args.duration))
            for connections in run.args.connections:
                run.add(daemon_spend_point(pg, db, url, pid, f"spend x{BATCH}", BATCH, connections, run.args.duration))
            run.add(ping_point(url, pid, "ping", run.args.duration))
            run.memory_mb = peak_memory_mb(pid)
        settle(pg, db)
        run.verify = audit_verify(env, run.args.daemon_root)
        print(f"daemon peak memory (VmHWM) {run.memory_mb:.0f} MB; audit verify: {run.verify[1]}", flush=True)


def measure_daemon_headline(run: Run, pg: Pg, log_level: str) -> None:
    """The headline points (64 connections) of a second daemon at another log level, for comparison."""
    db = "dbm_bench_daemon"
    with private_redis() as redis_url:
        env = daemon_env(pg, db, redis_url, log_level)
        argv = [sys.executable, "-m", "daemon", "serve", *run.args.daemon_args]
        with server(argv, env, BENCH / "daemon.log", run.args.daemon_root) as (url, pid):
            print(f"daemon at DBM_LOG_LEVEL={log_level} on {url}", flush=True)
            run_wrk(url, "spend", 1, HEADLINE_CONNECTIONS, min(3, run.args.duration))  # warm-up
            for series, batch in (("spend", 1), (f"spend x{BATCH}", BATCH)):
                run.add(daemon_spend_point(pg, db, url, pid, f"{series} ({log_level})", batch, HEADLINE_CONNECTIONS,
                                           run.args.duration))
            run.add(ping_point(url, pid, f"ping ({log_level})", run.args.duration))
        settle(pg, db)


def measure_bare(run: Run) -> None:
    argv = [sys.executable, str(BENCH / "bare_server.py")]
    with server(argv, dict(os.environ), BENCH / "bare.log") as (url, pid):
        run.add(ping_point(url, pid, "ping bare", run.args.duration))


# ---------- the report ----------

def goals(run: Run) -> list[tuple[str, str, bool]]:
    """(goal, measured, met) for each goal of issue 18."""
    pgb = run.get("pgbench", HEADLINE_PGBENCH_CLIENTS)
    single, batched = run.get("spend", HEADLINE_CONNECTIONS), run.get(f"spend x{BATCH}", HEADLINE_CONNECTIONS)
    ping, bare = run.get("ping", HEADLINE_CONNECTIONS), run.get("ping bare", HEADLINE_CONNECTIONS)
    rows = []
    if pgb and single:
        r = single.calls_per_s / pgb.calls_per_s
        rows.append((f"one spend per request ≥ {GOALS['single']}× pgbench", f"{r:.2f}×", r >= GOALS["single"]))
    if pgb and batched:
        r = batched.calls_per_s / pgb.calls_per_s
        rows.append((f"batches of {BATCH} ≥ {GOALS['batched']}× pgbench", f"{r:.2f}×", r >= GOALS["batched"]))
    if ping and bare:
        r = ping.calls_per_s / bare.calls_per_s
        rows.append((f"ping ≥ {GOALS['ping']}× the bare handler", f"{r:.2f}×", r >= GOALS["ping"]))
    if single:
        rows.append((f"p99 < {GOALS['p99_ms']:g} ms at {HEADLINE_CONNECTIONS} connections (one spend per request)",
                     f"{single.p99_ms:.1f} ms", single.p99_ms < GOALS["p99_ms"]))
    rows.append((f"daemon peak memory < {GOALS['memory_mb']:g} MB", f"{run.memory_mb:.0f} MB",
                 run.memory_mb < GOALS["memory_mb"]))
    problems = [p for p in run.points if p.problems]
    rows.append(("every answered spend applied, credits spent = ledger rows, no errors",
                 "yes" if not problems else f"{len(problems)} runs with problems", not problems))
    rows.append(("audit stream caught up: `dbmanager audit verify`", run.verify[1], run.verify[0]))
    return rows


def report(run: Run) -> str:
    command = "python bench/run.py" + "".join(f" {a}" for a in sys.argv[1:])
    lines = [
        "# Benchmark: the daemon's spends beside one-statement pgbench",
        "",
        f"Written by `bench/run.py` on {run.started} ({run.seconds / 60:.1f} min). To reproduce, from the repository root:",
        "",
        "```sh",
        "apt-get install wrk postgresql-client redis-server   # pgbench, psql, wrk, redis-server",
        "pip install -e '.[bench]'",
        command,
        "```",
        "",
        "## The machine",
        "",
        f"- {os.cpu_count()} cores ({cpu_model()}), shared by the load generator, the daemon, PostgreSQL and Redis;",
        f"  load average {fmt_load(run.load_before)} before the run, {fmt_load(run.load_after)} after.",
        f"- {tool_version(['psql', '--version'])}; {tool_version(['wrk', '-v']).split(' [')[0]}; "
        f"Python {platform.python_version()}"
        f"{' with uvloop' if has_uvloop() else ''}.",
        f"- Each point runs {run.args.duration:g} s. {USERS} users with {START_BALANCE} credits each; every spend"
        f" is 1 credit on a random user, with no transaction_key (the daemon makes one, pgbench an md5).",
        f"- The daemon: `{' '.join(['dbmanager serve', *run.args.daemon_args])}`, {log_setting(run)},"
        f" its stderr to a file; a private redis-server"
        f" ({tool_version(['redis-server', '--version']).split(' sha')[0]}; appendonly yes, fsync every second).",
        f"- PostgreSQL as found: synchronous_commit {pg_setting(run, 'synchronous_commit')}, fsync"
        f" {pg_setting(run, 'fsync')}, autovacuum {pg_setting(run, 'autovacuum')}, shared_buffers"
        f" {pg_setting(run, 'shared_buffers')}. pgbench cannot go past {max(run.args.pgbench_clients)} clients here:"
        f" max_connections is {pg_setting(run, 'max_connections')} and other developers' tests share the server."
        f" The daemon holds a pool of 10.",
        "",
        "## Goals",
        "",
        f"Ratios are taken in this one run: pgbench at {HEADLINE_PGBENCH_CLIENTS} clients, the daemon at"
        f" {HEADLINE_CONNECTIONS} connections.",
        "",
        "| goal | measured | met |",
        "|---|---|---|",
        *[f"| {goal} | {measured} | {'yes' if met else '**no**'} |" for goal, measured, met in goals(run)],
        "",
        "## Every point",
        "",
        "Calls/s counts JSON-RPC calls answered (for batches: 100 per request); latency is per HTTP request"
        " (per transaction for pgbench). *Applied* is the ledger rows the point added; *drain* is how long the"
        " audit outbox took to empty after the load stopped. *CPU µs/call* is the server process's own CPU"
        " time (user + system) per call answered, the audit relay's drain included: on a machine whose cores"
        " the load generator and PostgreSQL share, it moves far less between runs than calls/s.",
        "",
        "| series | connections | calls/s | requests/s | p50 ms | p99 ms | answered | applied | drain s | CPU µs/call"
        " | problems |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *[point_row(p) for p in run.points],
        "",
        f"![throughput and p99 latency against connections]({CHART.name})",
        "",
    ]
    return "\n".join(lines)


def point_row(p: Point) -> str:
    return (f"| {p.series} | {p.connections} | {p.calls_per_s:,.0f} | {p.requests_per_s:,.0f} | {p.p50_ms:.2f} | "
            f"{p.p99_ms:.2f} | {p.calls_answered:,} | {'' if p.applied is None else f'{p.applied:,}'} | "
            f"{'' if p.drain_s is None else f'{p.drain_s:.1f}'} | "
            f"{'' if p.cpu_us_per_call is None else f'{p.cpu_us_per_call:.0f}'} | {'; '.join(p.problems)} |")


def chart(run: Run) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (tput, p99) = plt.subplots(1, 2, figsize=(12, 4.5))
    for series, style in (("pgbench", "s-"), ("spend", "o-"), (f"spend x{BATCH}", "^-")):
        points = sorted((p for p in run.points if p.series == series), key=lambda p: p.connections)
        label = {"pgbench": "pgbench, one statement (clients)", "spend": "daemon, one spend per request",
                 f"spend x{BATCH}": f"daemon, batches of {BATCH}"}[series]
        x = [p.connections for p in points]
        tput.plot(x, [p.calls_per_s for p in points], style, label=label)
        p99.plot(x, [p.p99_ms for p in points], style, label=label)
    ticks = sorted({p.connections for p in run.points})
    for ax, title, unit in ((tput, "throughput", "spends per second"), (p99, "p99 latency (per request)", "ms")):
        ax.set_xscale("log", base=2)
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.set_xlabel("connections")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
    p99.set_yscale("log")
    p99.axhline(GOALS["p99_ms"], color="grey", linestyle=":", label=f"{GOALS['p99_ms']:g} ms goal")
    tput.legend()
    p99.legend()
    fig.suptitle(f"dbmanager spends vs one-statement pgbench — {os.cpu_count()} shared cores, {run.started}")
    fig.tight_layout()
    fig.savefig(CHART, dpi=110)


def write_results(run: Run) -> None:
    notes = ""
    if RESULTS.exists() and NOTES_MARKER in RESULTS.read_text():
        notes = RESULTS.read_text().split(NOTES_MARKER, 1)[1]
    RESULTS.write_text(report(run) + "\n" + NOTES_MARKER + (notes or "\n"))
    chart(run)


def cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def tool_version(argv: list[str]) -> str:
    with contextlib.suppress(OSError, IndexError):  # wrk prints its version and exits 1
        done = subprocess.run(argv, capture_output=True, text=True)
        return (done.stdout.strip() or done.stderr.strip()).splitlines()[0]
    return f"{argv[0]} (version unknown)"


def has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
        return True
    except ImportError:
        return False


def pg_setting(run: Run, name: str) -> str:
    with contextlib.suppress(Exception):
        return Pg(run.args.pg_host, run.args.pg_port, run.args.pg_user).sql("postgres", f"SHOW {name}")
    return "unknown"


def log_setting(run: Run) -> str:
    if run.args.log_level is None:
        return "default settings (DBM_LOG_LEVEL info: one JSON line per call)"
    return f"default settings but DBM_LOG_LEVEL={run.args.log_level}"


def fmt_load(load: tuple[float, float, float]) -> str:
    return " / ".join(f"{x:.2f}" for x in load)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds per point (default 10)")
    parser.add_argument("--connections", type=_ints, default=[1, 8, 16, 64, 128, 256],
                        help="daemon connections to sweep (default 1,8,16,64,128,256; must include 64)")
    parser.add_argument("--pgbench-clients", type=_ints, default=[1, 8, 16, 64],
                        help="pgbench clients to sweep (default 1,8,16,64; must include 8)")
    parser.add_argument("--log-level", default=None,
                        help="the daemon's DBM_LOG_LEVEL (default: unset, so the daemon's own default, info)")
    parser.add_argument("--also-log-level", default=None,
                        help="also measure the headline points of a daemon at this level (e.g. warning), beside")
    parser.add_argument("--daemon-args", type=str.split, default=[], help="extra args for dbmanager serve, e.g. '--workers 2'")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--pg-user", default="postgres")
    parser.add_argument("--daemon-root", type=Path, default=ROOT,
                        help="run the daemon (serve, migrate, audit verify) from this source tree, e.g. an older"
                             " checkout for a before/after comparison (default: this repository)")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases afterwards")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md and the chart alone")
    return parser.parse_args()


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",")]


def main() -> int:
    args = parse_args()
    require_tools()
    run = measure(args)
    table = goals(run)
    print()
    for goal, measured, met in table:
        print(f"  {'ok  ' if met else 'MISS'}  {goal}: {measured}")
    if not args.no_write:
        write_results(run)
        print(f"\nwrote {RESULTS.relative_to(ROOT)} and {CHART.relative_to(ROOT)}")
    return 0 if all(met for _, _, met in table) else 1


if __name__ == "__main__":
    sys.exit(main())
