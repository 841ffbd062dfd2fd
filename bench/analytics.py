"""Issue 16: how the analytics queries scale, at 10^5 and 10^6 graph executions on PostgreSQL.

    python bench/analytics.py                       # 10^5 then 10^6 executions (a few minutes)
    python bench/analytics.py --sizes 100000        # one size

By hand, not a test. For each size it makes a scratch database (dropped at the end), migrates it
with the daemon's own revisions, generates the data set in SQL with generate_series (1000 users
and graphs, 100 of them listed in the store with an approved version; per graph execution one node
execution; creation times spread over 60 days; stats with cost, walltime and, for most,
correctness_score), ANALYZEs it, then runs each analytics query as the daemon builds it: the median
of 5 timed runs, and its EXPLAIN (ANALYZE, BUFFERS) plan. Needs PostgreSQL on 127.0.0.1:5432
(trust; DBM_BENCH_PG_URL overrides the admin URL). One graph (g0, user u0) has a tenth of all
executions, as a popular agent would: the per-graph and per-user reports are measured on it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.dialects import postgresql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from daemon.domains.analytics.reports import (  # noqa: E402  (after the path is set)
    block_error_query,
    frequent_query,
    marketplace_query,
    since,
    trend_query,
)
from daemon.domains.analytics.summary import per_graph_query  # noqa: E402
from daemon.storage.migrate import upgrade  # noqa: E402

ADMIN_URL = os.environ.get("DBM_BENCH_PG_URL", "postgresql://root@127.0.0.1:5432/test")
GRAPHS, LISTED, RUNS = 1000, 100, 5

GENERATE = """
INSERT INTO users (id, email, metadata, created_at, updated_at)
  SELECT 'u' || i, 'u' || i || '@x.io', '{{}}', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
  FROM generate_series(0, {graphs} - 1) i;
INSERT INTO graphs (id, version, user_id, is_active, name, created_at)
  SELECT 'g' || i, 1, 'u' || i, true, 'Graph ' || i, '2026-01-01T00:00:00.000000Z' FROM generate_series(0, {graphs} - 1) i;
INSERT INTO graph_nodes (id, graph_id, graph_version, block_id, input_default, metadata)
  SELECT 'n' || i || '-' || k, 'g' || i, 1, 'block-' || ((i * 3 + k) % 50), '{{}}', '{{}}'
  FROM generate_series(0, {graphs} - 1) i, generate_series(0, 2) k;
INSERT INTO graph_executions (id, user_id, graph_id, graph_version, status, created_at, is_deleted, is_shared, stats)
  SELECT 'e' || i, 'u' || (CASE WHEN i % 10 = 0 THEN 0 ELSE i % {graphs} END),
         'g' || (CASE WHEN i % 10 = 0 THEN 0 ELSE i % {graphs} END), 1,
         (ARRAY['COMPLETED','COMPLETED','COMPLETED','FAILED','TERMINATED','RUNNING','QUEUED'])[1 + i % 7],
         to_char((now() - ((i::bigint * 7919) % {n}) * (5184.0 / {n}) * interval '1000 seconds') AT TIME ZONE 'UTC',
                 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
         i % 50 = 0, false,
         CASE WHEN i % 10 = 5 THEN NULL
              WHEN i % 3 = 0 THEN json_build_object('cost', i % 97, 'walltime', (i % 13) * 0.5)::text
              ELSE json_build_object('cost', i % 97, 'walltime', (i % 13) * 0.5,
                                     'correctness_score', ((i * 37) % 100) / 100.0)::text END
  FROM generate_series(0, {n} - 1) i;
INSERT INTO node_executions (id, graph_exec_id, node_id, status, added_time)
  SELECT 'ne' || i, 'e' || i, 'n' || substr(e.graph_id, 2) || '-' || (i % 3),
         CASE WHEN i % 9 = 0 THEN 'FAILED' ELSE 'COMPLETED' END, e.created_at
  FROM generate_series(0, {n} - 1) i JOIN graph_executions e ON e.id = 'e' || i;
INSERT INTO profiles (id, user_id, username, name, description, links, created_at, updated_at)
  SELECT 'p' || i, 'u' || i, 'maker' || i, 'Maker ' || i, '', '[]', '2026-01-01T00:00:00.000000Z',
         '2026-01-01T00:00:00.000000Z' FROM generate_series(0, {listed} - 1) i;
INSERT INTO store_listings (id, owning_user_id, graph_id, graph_version, slug, active_version_id, has_approved_version,
                            created_at, updated_at)
  SELECT 'l' || i, 'u' || i, 'g' || i, 1, 'agent-' || i, 'lv' || i, true, '2026-01-01T00:00:00.000000Z',
         '2026-01-01T00:00:00.000000Z' FROM generate_series(0, {listed} - 1) i;
INSERT INTO store_listing_versions (id, store_listing_id, version, graph_id, graph_version, name, sub_heading,
                                    description, categories, image_urls, submission_status, created_at, updated_at)
  SELECT 'lv' || i, 'l' || i, 1, 'g' || i, 1, 'Agent ' || i, 'h', 'd', '[]', '[]', 'APPROVED',
         '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'
  FROM generate_series(0, {listed} - 1) i;
ANALYZE;
"""


def queries() -> dict[str, Any]:
    """Each analytics query as the daemon builds it, with the defaults its method uses."""
    return {
        "get_block_error_stats (last 7 days)": block_error_query(since(7), since(0)),
        "get_block_error_stats (today, UTC)": block_error_query(since(0)[:11] + "00:00:00.000000Z", since(0)),
        "get_frequently_executed_graphs (30 days, min 10)": frequent_query(30, 10),
        "get_accuracy_trends_and_alerts (one graph, 30 days, historical)": trend_query(
            "postgresql", "g0", 30, None, True),
        "get_marketplace_graphs_for_monitoring (30 days, min 10)": marketplace_query(30, 10),
        "get_user_execution_summary_data (the busiest user, 30 days)": per_graph_query("postgresql", "u0", since(30),
                                                                                      since(0)),
    }


def sql_of(query: Any) -> str:
    return str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


async def measure(url: str, n: int) -> None:
    conn = await asyncpg.connect(url)
    try:
        started = time.monotonic()
        await conn.execute(GENERATE.format(n=n, graphs=GRAPHS, listed=LISTED))
        print(f"\n## {n:,} graph executions ({n:,} node executions): generated in {time.monotonic() - started:.0f} s")
        for name, query in queries().items():
            sql = sql_of(query)
            times = []
            for _ in range(RUNS):
                t = time.perf_counter()
                rows = await conn.fetch(sql)
                times.append((time.perf_counter() - t) * 1000)
            print(f"\n### {name}: median {statistics.median(times):.1f} ms (min {min(times):.1f}, "
                  f"max {max(times):.1f}), {len(rows)} rows")
            plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY OFF) " + sql)
            print("```\n" + "\n".join(r[0] for r in plan) + "\n```")
    finally:
        await conn.close()


async def main(sizes: list[int]) -> None:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        for n in sizes:
            name = f"dbm_bench_analytics_{uuid.uuid4().hex[:8]}"
            await admin.execute(f'CREATE DATABASE "{name}"')
            url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
            try:
                await upgrade(url)
                await measure(url, n)
            finally:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    asyncio.run(main(parser.parse_args().sizes))
