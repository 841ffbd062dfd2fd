"""Issue 19: spends through 1, 2 and 3 daemons on one PostgreSQL, to show how throughput scales.

    python bench/scale.py                  # about 3 minutes
    python bench/scale.py --duration 5     # quicker, noisier

Needs what bench/run.py needs (PostgreSQL on 127.0.0.1:5432, psql, wrk, redis-server) and
PgBouncer (Debian `pgbouncer`). Each daemon gets its own wrk, with an equal share of the
connections, as a load balancer would spread them; the daemons share one PostgreSQL (directly,
and through PgBouncer in transaction mode with DBM_PGBOUNCER=on) and one Redis. After each point
it waits for the audit outbox to drain and checks that the ledger moved by the answered spends;
at the end it runs `dbmanager audit verify`. It prints a Markdown table for bench/RESULTS.md
("Scale-out") and changes no file.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.process.servers: the tests' PgBouncer
import run as bench  # noqa: E402  (bench/run.py, beside this file; not a package)
from cryptography.fernet import Fernet  # noqa: E402

from tests.process.servers import PgBouncer  # noqa: E402

DB = "dbm_bench_scale"


def daemons(count: int, env: dict[str, str], root: Path) -> contextlib.ExitStack:
    """`count` daemons with one configuration; the stack's value is their URLs."""
    stack = contextlib.ExitStack()
    urls = []
    for i in range(count):
        state = root / f"daemon{i}"
        state.mkdir(exist_ok=True)
        url, _ = stack.enter_context(bench.server([sys.executable, "-m", "daemon", "serve"],
                                                  {**env, "DBM_STATE_DIR": str(state)}, state / "daemon.log"))
        urls.append(url)
    stack.urls = urls  # type: ignore[attr-defined]
    return stack


def spread_load(urls: list[str], batch: int, connections: int, duration_s: float) -> bench.Point:
    """One wrk per daemon, each with its share of `connections`, at once; their figures summed."""
    with concurrent.futures.ThreadPoolExecutor(len(urls)) as pool:
        results = list(pool.map(lambda url: bench.run_wrk(url, "spend", batch, connections // len(urls), duration_s),
                                urls))
    points = [bench.wrk_point("spend", r, connections // len(urls), batch) for r in results]
    total = bench.Point("spend", connections, sum(p.calls_per_s for p in points), sum(p.requests_per_s for p in points),
                        max(p.p50_ms for p in points), max(p.p99_ms for p in points),
                        calls_answered=sum(p.calls_answered for p in points), errors=sum(p.errors for p in points))
    total.problems = [problem for p in points for problem in p.problems]
    total.results = sum(r["results"] for r in results)  # type: ignore[attr-defined]
    total.unanswered = sum(r["calls_sent"] - r["calls_answered"] for r in results)  # type: ignore[attr-defined]
    return total


def measure(pg: bench.Pg, urls: list[str], batch: int, args: argparse.Namespace) -> bench.Point:
    before = bench.settle(pg, DB)[0]
    point = spread_load(urls, batch, args.connections, args.duration)
    after = bench.settle(pg, DB)[0]
    rows, spent = after[0] - before[0], after[1] - before[1]
    if rows != spent or not point.results <= rows <= point.results + point.unanswered:  # type: ignore[attr-defined]
        point.problems.append(f"{point.results} answered spends but {rows} ledger rows, {spent} credits")  # type: ignore[attr-defined]
    return point


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds per point")
    parser.add_argument("--connections", type=int, default=60, help="client connections in all, split over the daemons")
    parser.add_argument("--daemons", default="1,2,3", help="numbers of daemons to measure")
    args = parser.parse_args()
    bench.require_tools()
    pg = bench.Pg("127.0.0.1", 5432, "postgres")
    rows, ok = [], True
    with tempfile.TemporaryDirectory(prefix="dbm-bench-scale-") as tmp, bench.private_redis() as redis_url:
        root = Path(tmp)
        key_file = root / "encryption.key"  # daemons sharing a database share their key
        key_file.write_text(Fernet.generate_key().decode() + "\n")
        bench.prepare_ledger(pg, DB, bench.ROOT)
        bouncer = PgBouncer(pg.url(DB), pool_size=20)
        bouncer.start()
        try:
            for route, url, pgbouncer in (("direct", pg.url(DB), "off"), ("PgBouncer", bouncer.url(pg.url(DB)), "on")):
                env = {**os.environ, "DBM_DATABASE_URL": url, "DBM_PGBOUNCER": pgbouncer, "DBM_REDIS_URL": redis_url,
                       "DBM_PORT": "0", "DBM_LOG_LEVEL": "warning", "DBM_ENCRYPTION_KEY_FILE": str(key_file)}
                for count in (int(n) for n in args.daemons.split(",")):
                    with daemons(count, env, root) as running:
                        for batch in (1, 100):
                            point = measure(pg, running.urls, batch, args)  # type: ignore[attr-defined]
                            rows.append((route, count, batch, point))
                            ok = ok and not point.problems
                            print(f"{route:9} {count} daemons, batch {batch:3}: {point.calls_per_s:8.0f} calls/s, "
                                  f"p50 {point.p50_ms:.1f} ms, p99 {point.p99_ms:.1f} ms {point.problems or ''}",
                                  flush=True)
            verified, line = bench.audit_verify({**env, "DBM_DATABASE_URL": pg.url(DB), "DBM_PGBOUNCER": "off"},
                                                bench.ROOT)
        finally:
            bouncer.stop()
            pg.drop(DB)
    print(f"\naudit verify: {line}\n")
    print("| route | daemons | calls per request | calls/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|")
    for route, count, batch, point in rows:
        print(f"| {route} | {count} | {batch} | {point.calls_per_s:,.0f} | {point.p50_ms:.1f} | {point.p99_ms:.1f} |")
    return 0 if ok and verified else 1


if __name__ == "__main__":
    sys.exit(main())
