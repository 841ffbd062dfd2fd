"""Issue 13: a node's lifecycle through the daemon beside pgbench running the same SQL, in one run.

    python bench/lifecycle.py                          # 8, 32 and 64 workers, 2 rounds of 6 s points
    python bench/lifecycle.py --workers 32 --rounds 3  # one worker count
    python bench/lifecycle.py --daemon-root /tmp/old   # an older checkout's daemon (before/after)

Same machine set-up as bench/run.py (PostgreSQL on 127.0.0.1:5432, pgbench, psql, redis-server;
its private Redis). Each worker loops, on a graph execution of its own:

    upsert_execution_input (a new INCOMPLETE node execution) → update_node_execution_status
    QUEUED (with execution_data) → RUNNING → upsert_execution_output → COMPLETED

against `dbmanager serve` at its default settings (DBM_LOG_LEVEL=info included) through
bench/lifecycle_client.py (aiohttp, keep-alive, a process of its own whose CPU it reports), and
pgbench runs bench/lifecycle.sql (the statements the daemon sends per lifecycle, transaction for
transaction, -M prepared) with as many clients, on a copy of the same database. The two alternate
point by point, round after round; the medians and their ratio are printed. At the end it checks
that each node execution made reached the execution event stream as exactly its four events
(INCOMPLETE, QUEUED, RUNNING, COMPLETED), each once. Prints a Markdown table; writes nothing.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402  (bench/run.py, beside this file; not a package)

DB = "dbm_bench_lifecycle"  # the daemon's
PGBENCH_DB = "dbm_bench_lifecycle_pgbench"  # a copy of it, set up once, for pgbench
BEFORE_DB = "dbm_bench_lifecycle_before"  # another, for --before-root's daemon
CLIENT = bench.BENCH / "lifecycle_client.py"
SCRIPT = bench.BENCH / "lifecycle.sql"
STREAMS = {DB: "dbm-bench:events", BEFORE_DB: "dbm-bench:events-before"}
EVENTS = ["INCOMPLETE", "QUEUED", "RUNNING", "COMPLETED"]
CALLS_PER_LIFECYCLE = 5
# pgbench cannot send the daemon's uuids nor its clock: fixed stand-ins, passed as parameters
PGBENCH_VARS = {"now": "2026-12-01T00:00:00.000000Z", "since": "2026-11-30T00:00:00.000000Z",
                "input_data": '{"n":1}', "execution_data": '{"value":{"n":1}}', "output_data": "1"}


def daemon_env(redis_url: str, db: str = DB) -> dict[str, str]:
    env = {**os.environ, "DBM_DATABASE_URL": bench.Pg("127.0.0.1", 5432, "postgres").url(db),
           "DBM_REDIS_URL": redis_url, "DBM_PORT": "0", "DBM_EVENTS_STREAM": STREAMS[db],
           "DBM_AUDIT_STREAM": "dbm-bench:audit", "DBM_STATE_DIR": tempfile.gettempdir()}
    env.pop("DBM_LOG_LEVEL", None)  # the default users run (info: a JSON line per call)
    return env


def client(*argv: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(CLIENT), *argv], capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout))


# ---------- set-up ----------

def require_tools() -> None:
    missing = [t for t in ("pgbench", "psql", "redis-server") if shutil.which(t) is None]
    if missing:
        sys.exit(f"bench/lifecycle.py needs {', '.join(missing)} (Debian postgresql-client, redis-server)")


def prepare(pg: bench.Pg, redis_url: str, executions: int, daemon_root: Path, setup_file: Path, before: bool
            ) -> None:
    """The daemon's database (migrated, with users, graphs and graph executions made through the
    daemon), a copy for the daemon before (when asked), then PGBENCH_DB as a copy whose graph
    executions and nodes are renamed ge-N and node-K, names a pgbench script can compute from
    its client id."""
    pg.recreate(DB)
    env = daemon_env(redis_url)
    subprocess.run([sys.executable, "-m", "daemon", "migrate"], env={**env, "DBM_LOG_LEVEL": "warning"},
                   cwd=daemon_root, check=True, stdout=subprocess.DEVNULL)
    argv = [sys.executable, "-m", "daemon", "serve"]
    with bench.server(argv, env, bench.BENCH / "lifecycle-daemon.log", daemon_root) as (url, _):
        setup_file.write_text(json.dumps(client("setup", url, str(executions))))
    for copy in (PGBENCH_DB, BEFORE_DB) if before else (PGBENCH_DB,):
        pg.drop(copy)
        pg.sql("postgres", f'CREATE DATABASE "{copy}" TEMPLATE "{DB}"')
    users = len({run["node_id"] for run in json.loads(setup_file.read_text())["executions"]})
    pg.sql(PGBENCH_DB, f"""
        UPDATE graph_nodes n SET id = 'node-' || k.k
            FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM graph_nodes) k WHERE n.id = k.id;
        UPDATE graph_executions x SET id = 'ge-' || (e.k * {users} + substr(n.id, 6)::int)
            FROM (SELECT id, graph_id, row_number() OVER (PARTITION BY graph_id ORDER BY id) - 1 AS k
                  FROM graph_executions) e JOIN graph_nodes n ON n.graph_id = e.graph_id
            WHERE x.id = e.id;
        DELETE FROM events_outbox""")
    for db in (DB, PGBENCH_DB, BEFORE_DB) if before else (DB, PGBENCH_DB):
        pg.sql(db, "ANALYZE")


# ---------- the two series ----------

def pgbench_point(pg: bench.Pg, workers: int, duration_s: float, users: int) -> dict[str, Any]:
    before = completed(pg, PGBENCH_DB)
    defines = [arg for name, value in {**PGBENCH_VARS, "users": str(users)}.items() for arg in ("-D", f"{name}={value}")]
    with tempfile.TemporaryDirectory(prefix="dbm-bench-lifecycle-") as logs:
        done = subprocess.run(
            ["pgbench", *pg.conninfo(), "-n", "-M", "prepared", "-c", str(workers), "-j", str(min(2, workers)),
             "-T", str(round(duration_s)), "-f", str(SCRIPT), *defines, "-l", "--log-prefix", f"{logs}/tx",
             PGBENCH_DB], capture_output=True, text=True, check=True)
        latencies_us = sorted(int(line.split()[2]) for f in Path(logs).iterdir() for line in f.read_text().splitlines())
    processed = int(re.search(r"actually processed: (\d+)", done.stdout).group(1))  # type: ignore[union-attr]
    tps = float(re.search(r"tps = ([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    point = {"lifecycles_per_s": tps, "p50_ms": bench.percentile(latencies_us, 50) / 1000,
             "p99_ms": bench.percentile(latencies_us, 99) / 1000, "problems": []}
    if completed(pg, PGBENCH_DB) - before != processed:
        point["problems"].append(f"pgbench processed {processed} lifecycles but {completed(pg, PGBENCH_DB) - before}"
                                 " node executions were completed")
    return point


def daemon_point(pg: bench.Pg, db: str, url: str, workers: int, duration_s: float, setup_file: Path,
                 ids_file: Path) -> dict[str, Any]:
    point = client("load", url, str(workers), str(duration_s), str(setup_file), str(ids_file))
    start = time.monotonic()
    drain(pg, db)
    point["drain_s"] = time.monotonic() - start
    point["problems"] = [f"{point['errors']} failed lifecycles: {point['first_errors']}"] if point["errors"] else []
    return point


def completed(pg: bench.Pg, db: str) -> int:
    return int(pg.sql(db, "SELECT count(*) FROM node_executions WHERE status = 'COMPLETED'"))


def drain(pg: bench.Pg, db: str, timeout_s: float = 120) -> None:
    """Waits for the daemon's relay to empty the events outbox."""
    deadline = time.monotonic() + timeout_s
    while int(pg.sql(db, "SELECT count(*) FROM events_outbox")):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the events outbox did not drain in {timeout_s} s")
        time.sleep(0.1)


# ---------- the event check ----------

def check_stream(redis_url: str, stream: str, ids_files: list[Path]) -> str:
    """Each node execution the workers made has exactly its four events in the stream, in order,
    each once; and the stream holds no other node events."""
    import redis
    made = [line for f in ids_files for line in f.read_text().split()]
    seen: dict[str, list[str]] = collections.defaultdict(list)
    event_ids: set[str] = set()
    node_entries = 0
    with contextlib.closing(redis.Redis.from_url(redis_url, decode_responses=True)) as r:
        start = "-"
        while entries := r.xrange(stream, min=start, count=10_000):
            for _, fields in entries:
                if fields["kind"] == "node":
                    node_entries += 1
                    event_ids.add(fields["event_id"])
                    seen[fields["node_exec_id"]].append(fields["status"])
            start = "(" + entries[-1][0]
    wrong = [i for i in made if seen.get(i) != EVENTS]
    verdict = (f"{len(made)} lifecycles, {4 * len(made)} events expected; {node_entries} node events in the stream, "
               f"{len(event_ids)} distinct event ids; {len(wrong)} lifecycles without exactly their 4 events")
    ok = not wrong and node_entries == len(event_ids) == 4 * len(made)
    return ("OK: " if ok else "PROBLEM: ") + verdict


# ---------- the run ----------

def wait_for_quiet(max_load: float, max_wait_s: float) -> float:
    """Waits (up to max_wait_s) for the 1-minute load average to fall to max_load; returns it."""
    deadline = time.monotonic() + max_wait_s
    while os.getloadavg()[0] > max_load and time.monotonic() < deadline:
        print(f"  load {os.getloadavg()[0]:.2f} > {max_load}: waiting", flush=True)
        time.sleep(min(30.0, max(1.0, deadline - time.monotonic())))
    return os.getloadavg()[0]


def measure(args: argparse.Namespace, pg: bench.Pg) -> tuple[dict[tuple[str, int], list[dict[str, Any]]], list[str]]:
    points: dict[tuple[str, int], list[dict[str, Any]]] = collections.defaultdict(list)
    daemons = {"daemon": (DB, args.daemon_root), **({"before": (BEFORE_DB, args.before_root)} if args.before_root else {})}
    with bench.private_redis() as redis_url, tempfile.TemporaryDirectory(prefix="dbm-bench-lifecycle-") as tmp, \
            contextlib.ExitStack() as servers:
        setup_file = Path(tmp) / "setup.json"
        prepare(pg, redis_url, max(args.workers), args.daemon_root, setup_file, "before" in daemons)
        users = len({run["node_id"] for run in json.loads(setup_file.read_text())["executions"]})
        ids_files: dict[str, list[Path]] = {series: [] for series in daemons}
        urls = {}
        for series, (db, root) in daemons.items():
            argv = [sys.executable, "-m", "daemon", "serve"]
            urls[series] = servers.enter_context(bench.server(argv, daemon_env(redis_url, db),
                                                              bench.BENCH / f"lifecycle-{series}.log", root))[0]
            ids_files[series].append(Path(tmp) / f"{series}-warm-up.ids")
            client("load", urls[series], str(max(args.workers)), "2", str(setup_file), str(ids_files[series][-1]))
        pgbench_point(pg, max(args.workers), 2, users)  # warm-up
        for round_no in range(args.rounds):
            for workers in args.workers:
                for series in ("pgbench", *daemons):
                    load = wait_for_quiet(args.max_load, args.max_wait_s)
                    if series == "pgbench":
                        point = pgbench_point(pg, workers, args.duration, users)
                    else:
                        ids_files[series].append(Path(tmp) / f"{series}-{round_no}-{workers}.ids")
                        point = daemon_point(pg, daemons[series][0], urls[series], workers, args.duration, setup_file,
                                             ids_files[series][-1])
                    point["load"] = load
                    points[(series, workers)].append(point)
                    show(series, workers, point)
        verdicts = []
        for series, (db, _) in daemons.items():
            drain(pg, db)
            verdicts.append(f"{series}: {check_stream(redis_url, STREAMS[db], ids_files[series])}")
    return points, verdicts


def show(series: str, workers: int, point: dict[str, Any]) -> None:
    extra = f"  client CPU {point['client_cpu']:.0%}  drain {point['drain_s']:.1f} s" if series != "pgbench" else ""
    flag = "   PROBLEM: " + "; ".join(point["problems"]) if point["problems"] else ""
    print(f"  {series:8} {workers:3} workers  {point['lifecycles_per_s']:8.0f} lifecycles/s  "
          f"p50 {point['p50_ms']:6.2f} ms  p99 {point['p99_ms']:7.2f} ms  load {point['load']:.2f}{extra}{flag}",
          flush=True)


def table(points: dict[tuple[str, int], list[dict[str, Any]]], workers: list[int]) -> list[str]:
    before = any(series == "before" for series, _ in points)
    lines = ["| workers | pgbench lifecycles/s | p50 / p99 ms | daemon lifecycles/s (calls/s) | p50 / p99 ms "
             "| daemon ÷ pgbench | client CPU |" + (" daemon before | p50 / p99 ms | before ÷ pgbench |" if before else ""),
             "|---|---|---|---|---|---|---|" + ("---|---|---|" if before else "")]
    for w in workers:
        p, d = points[("pgbench", w)], points[("daemon", w)]
        pm, dm = _median(p), _median(d)
        line = (f"| {w} | {pm:,.0f} | {_ms(p)} | {dm:,.0f} ({dm * CALLS_PER_LIFECYCLE:,.0f}) | {_ms(d)} | {dm / pm:.2f}× "
                f"| {statistics.median(x['client_cpu'] for x in d):.0%} of a core |")
        if before:
            b = points[("before", w)]
            line += f" {_median(b):,.0f} | {_ms(b)} | {_median(b) / pm:.2f}× |"
        lines.append(line)
    return lines


def _median(series: list[dict[str, Any]]) -> float:
    return statistics.median(x["lifecycles_per_s"] for x in series)


def _ms(series: list[dict[str, Any]]) -> str:
    return f"{statistics.median(x['p50_ms'] for x in series):.1f} / {statistics.median(x['p99_ms'] for x in series):.1f}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=lambda t: [int(x) for x in t.split(",")], default=[8, 32, 64],
                        help="worker counts (daemon workers = pgbench clients; default 8,32,64)")
    parser.add_argument("--duration", type=float, default=6, help="seconds per point (default 6)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    parser.add_argument("--max-load", type=float, default=1.5, help="wait before a point while the load is above")
    parser.add_argument("--max-wait-s", type=float, default=60, help="… but at most this long per point")
    parser.add_argument("--daemon-root", type=Path, default=bench.ROOT,
                        help="serve the daemon from this source tree (default: this repository)")
    parser.add_argument("--before-root", type=Path,
                        help="also serve a daemon from this source tree (e.g. an older checkout), as a third series")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    require_tools()
    pg = bench.Pg("127.0.0.1", 5432, "postgres")
    print(f"{os.cpu_count()} cores, load {bench.fmt_load(os.getloadavg())}; daemon from {args.daemon_root}", flush=True)
    try:
        points, verdicts = measure(args, pg)
    finally:
        for db in (DB, PGBENCH_DB, BEFORE_DB):
            with contextlib.suppress(Exception):
                pg.drop(db)
    print("\n" + "\n".join(table(points, args.workers)))
    print("\nevents, " + "\nevents, ".join(verdicts))
    problems = [p for series in points.values() for p in series if p["problems"]]
    return 0 if all(": OK" in v for v in verdicts) and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
