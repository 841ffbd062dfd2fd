"""Issue 15: spends with holds present on the users, beside spends without, in one run.

    python bench/holds.py                 # about 2 minutes; prints the figures
    python bench/holds.py --duration 5    # quicker, noisier

Same setup as bench/run.py (PostgreSQL on 127.0.0.1:5432, `wrk`, `redis-server`, its private
Redis and bench database), at the daemon's default settings (DBM_LOG_LEVEL=info included). One
daemon, 64 connections, spend_credits one per request and in batches of 100, measured in
alternating rounds: without holds, then with two live holds on every user (and `held` raised
to match, as reserve_credits leaves it), then without, then with. Spends still draw on
`available`, which stays far above a spend of 1, so every spend succeeds. It reports the median
of each series and the ratio; the goal is that holds cost at most 10%.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402  (bench/run.py, beside this file; not a package)

DB = "dbm_bench_holds"
HOLDS_PER_USER = 2
HOLD_AMOUNT = 10**6
GOAL = 0.9


def add_holds(pg: bench.Pg) -> None:
    pg.sql(DB, f"""
        INSERT INTO holds (id, user_id, amount, status, captured, expires_at, created_at, transaction_key,
                           request_hash, metadata)
            SELECT md5(u.id || '-' || n), u.id, {HOLD_AMOUNT}, 'HELD', 0, '2099-01-01T00:00:00.000000Z',
                   '2026-01-01T00:00:00.000000Z', 'bench-hold-' || n, '', '{{}}'
            FROM users u, generate_series(1, {HOLDS_PER_USER}) n;
        UPDATE balances SET held = {HOLDS_PER_USER * HOLD_AMOUNT}""")
    pg.sql(DB, "ANALYZE holds")


def drop_holds(pg: bench.Pg) -> None:
    pg.sql(DB, "DELETE FROM holds; UPDATE balances SET held = 0")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per point (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each series (default 2)")
    args = parser.parse_args()
    bench.require_tools()
    pg = bench.Pg("127.0.0.1", 5432, "postgres")
    bench.prepare_ledger(pg, DB, bench.ROOT)
    figures: dict[tuple[str, bool], list[float]] = {}
    p99: dict[tuple[str, bool], list[float]] = {}
    try:
        with bench.private_redis() as redis_url:
            env = {**os.environ, "DBM_DATABASE_URL": pg.url(DB), "DBM_REDIS_URL": redis_url, "DBM_PORT": "0",
                   "DBM_AUDIT_STREAM": "dbm-bench:audit", "DBM_STATE_DIR": tempfile.gettempdir()}
            env.pop("DBM_LOG_LEVEL", None)  # the default users run
            with bench.server([sys.executable, "-m", "daemon", "serve"], env, bench.BENCH / "daemon.log") as (url, pid):
                bench.run_wrk(url, "spend", 1, bench.HEADLINE_CONNECTIONS, 3)  # warm-up
                for _ in range(args.rounds):
                    for with_holds in (False, True):
                        (add_holds if with_holds else drop_holds)(pg)
                        for series, batch in (("spend", 1), (f"spend x{bench.BATCH}", bench.BATCH)):
                            point = bench.daemon_spend_point(pg, DB, url, pid, series, batch, bench.HEADLINE_CONNECTIONS,
                                                             args.duration)
                            if point.problems or point.errors:
                                print(f"PROBLEM {series} holds={with_holds}: {point.problems} {point.errors} errors")
                                return 1
                            figures.setdefault((series, with_holds), []).append(point.calls_per_s)
                            p99.setdefault((series, with_holds), []).append(point.p99_ms)
                            print(f"{series:10s} holds={'yes' if with_holds else 'no ':3s} {point.calls_per_s:9.0f} "
                                  f"calls/s  p99 {point.p99_ms:6.2f} ms", flush=True)
    finally:
        pg.drop(DB)
    ok = True
    print("\n| series (64 connections, default settings) | without holds | with 2 holds per user | ratio |")
    print("|---|---|---|---|")
    for series in ("spend", f"spend x{bench.BATCH}"):
        without, with_ = statistics.median(figures[(series, False)]), statistics.median(figures[(series, True)])
        ratio = with_ / without
        ok &= ratio >= GOAL
        print(f"| {series} | {without:,.0f} calls/s, p99 {statistics.median(p99[(series, False)]):.1f} ms "
              f"| {with_:,.0f} calls/s, p99 {statistics.median(p99[(series, True)]):.1f} ms | {ratio:.2f}× |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
