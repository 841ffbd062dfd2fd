"""Issue 17: store search latency over 10,000 listings, on PostgreSQL and SQLite.

    python bench/search.py                 # 10,000 listings, 300 calls per series; prints the figures
    python bench/search.py --listings 2000 --calls 100

Builds a store of N approved listings straight in the daemon's schema (`dbmanager migrate`):
texts are the 30 listings of tests/domains/store/catalogue.py, numbered; their vectors are those
listings' real all-MiniLM-L6-v2 vectors with noise added (embedding 10,000 texts with the model on
this CPU would take longer than the bench; a vector's values do not change what ranking it costs).
Then `dbmanager serve` (default settings, DBM_LOG_LEVEL=warning, a private Redis) answers calls
one at a time over one keep-alive connection, after one warm-up search that loads the model:

  search     get_store_agents with search_query: the catalogue's queries by meaning (each call
             embeds its query with the real model, then ranks: full-text + cosine over 10,000 vectors)
  search+cat the same with a category filter
  list       get_store_agents sorted by rating, no query (the StoreAgent query, its runs and ratings)

Latency is the client's wall time per call (HTTP included). Needs PostgreSQL on 127.0.0.1:5432
(trust, user postgres) and `redis-server`, as bench/run.py does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import asyncpg
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import run as bench  # noqa: E402  (bench/run.py, beside this file; not a package)

from daemon.domains.store.embedding.minilm import MODEL_NAME, MiniLM, model_dir  # noqa: E402
from daemon.domains.store.text import searchable_text  # noqa: E402
from tests.domains.store.catalogue import LISTINGS, QUERIES  # noqa: E402

DB = "dbm_bench_search"
NOW = "2026-12-01T00:00:00.000000Z"
NOISE = 0.03  # per dimension, before normalising: neighbours of a catalogue vector, not copies


def rows(count: int, seed: int = 17) -> dict[str, list[tuple]]:
    """The store's rows: one creator, N listings with one APPROVED version each, and their vectors."""
    model = MiniLM(model_dir())
    texts = [searchable_text(name, sub, desc, cats) for _, name, sub, desc, cats in LISTINGS]
    base = model.encode(texts)
    rng = np.random.default_rng(seed)
    listings, versions, vectors = [], [], []
    for n in range(count):
        slug, name, sub, desc, cats = LISTINGS[n % len(LISTINGS)]
        lid, vid = str(uuid.uuid4()), str(uuid.uuid4())
        title = f"{name} {n}"
        listings.append((lid, "creator", f"graph-{n}", 1, f"{slug}-{n}", vid, True, NOW, NOW))
        versions.append((vid, lid, 1, f"graph-{n}", 1, title, sub, desc, json.dumps(cats), "[]", "APPROVED", NOW,
                         NOW, NOW, searchable_text(title, sub, desc, cats)))
        vector = base[n % len(LISTINGS)] + rng.normal(0, NOISE, base.shape[1]).astype(np.float32)
        vector /= np.linalg.norm(vector)
        vectors.append((str(uuid.uuid4()), "STORE_AGENT", vid, "", vector.astype(np.float32).tobytes(),
                        int(vector.shape[0]), MODEL_NAME, versions[-1][-1], "{}", NOW, NOW))
    return {"listings": listings, "versions": versions, "vectors": vectors}


LISTING_SQL = ("INSERT INTO store_listings (id, owning_user_id, graph_id, graph_version, slug, active_version_id, "
               "has_approved_version, created_at, updated_at) VALUES ({})")
VERSION_SQL = ("INSERT INTO store_listing_versions (id, store_listing_id, version, graph_id, graph_version, name, "
               "sub_heading, description, categories, image_urls, submission_status, submitted_at, created_at, "
               "updated_at, search_text) VALUES ({})")
VECTOR_SQL = ("INSERT INTO content_embeddings (id, content_type, content_id, user_id, embedding, dimensions, model, "
              "searchable_text, metadata, created_at, updated_at) VALUES ({})")
CREATOR = [("INSERT INTO users (id, email, metadata, created_at) VALUES ('creator', 'c@bench.invalid', '{}', "
            f"'{NOW}')"),
           ("INSERT INTO profiles (id, user_id, username, name, description, links, created_at, updated_at) "
            f"VALUES ('p', 'creator', 'creator', 'Creator', '', '[]', '{NOW}', '{NOW}')")]


async def fill_postgresql(url: str, data: dict[str, list[tuple]]) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in CREATOR:
            await conn.execute(statement)
        for sql, key, width in ((LISTING_SQL, "listings", 9), (VERSION_SQL, "versions", 15),
                                (VECTOR_SQL, "vectors", 11)):
            await conn.executemany(sql.format(", ".join(f"${i + 1}" for i in range(width))), data[key])
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def fill_sqlite(path: Path, data: dict[str, list[tuple]]) -> None:
    with sqlite3.connect(path) as conn:
        for statement in CREATOR:
            conn.execute(statement)
        for sql, key, width in ((LISTING_SQL, "listings", 9), (VERSION_SQL, "versions", 15),
                                (VECTOR_SQL, "vectors", 11)):
            conn.executemany(sql.format(", ".join("?" * width)), data[key])
        conn.execute("ANALYZE")


async def measure(url: str, calls: int) -> dict[str, list[float]]:
    series = {
        "search": [{"search_query": QUERIES[n % len(QUERIES)][0]} for n in range(calls)],
        "search+cat": [{"search_query": QUERIES[n % len(QUERIES)][0], "category": "finance"} for n in range(calls)],
        "list": [{"sorted_by": "rating", "page": 1 + n % 5} for n in range(calls)],
    }
    timings: dict[str, list[float]] = {}
    async with aiohttp.ClientSession() as session:
        async def call(params: dict) -> float:
            start = time.perf_counter()
            async with session.post(url + "/rpc", json={"jsonrpc": "2.0", "id": 1, "method": "get_store_agents",
                                                        "params": params}) as response:
                answer = await response.json()
            if "error" in answer:
                raise RuntimeError(f"get_store_agents {params}: {answer['error']}")
            return (time.perf_counter() - start) * 1000

        warm = await call(series["search"][0])
        print(f"  warm-up search (loads the model): {warm:.0f} ms")
        for name, params in series.items():
            timings[name] = sorted([await call(p) for p in params])
    return timings


def daemon(database_url: str, redis_url: str, state_dir: str, calls: int) -> dict[str, list[float]]:
    Path(state_dir).mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "DBM_DATABASE_URL": database_url, "DBM_REDIS_URL": redis_url, "DBM_STATE_DIR": state_dir,
           "DBM_PORT": str(bench.free_port()), "DBM_LOG_LEVEL": "warning"}
    with bench.server([sys.executable, "-m", "daemon", "serve"], env, Path(state_dir) / "daemon.log") as (url, _):
        return asyncio.run(measure(url, calls))


def report(kind: str, count: int, timings: dict[str, list[float]]) -> list[str]:
    lines = []
    for name, values in timings.items():
        p50, p99 = statistics.median(values), bench.percentile([int(v * 1000) for v in values], 99) / 1000
        lines.append(f"| {kind} | {count:,} | {name} | {len(values)} | {p50:.1f} | {p99:.1f} |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=300, help="calls per series (default 300)")
    args = parser.parse_args()
    data = rows(args.listings)
    lines = ["| database | listings | series | calls | p50 ms | p99 ms |", "|---|---|---|---|---|---|"]
    pg = bench.Pg("127.0.0.1", 5432, "postgres")
    load = os.getloadavg()
    with bench.private_redis() as redis_url, tempfile.TemporaryDirectory(prefix="dbm-bench-search-") as state:
        pg.recreate(DB)
        try:
            env = {**os.environ, "DBM_DATABASE_URL": pg.url(DB), "DBM_LOG_LEVEL": "warning"}
            subprocess.run([sys.executable, "-m", "daemon", "migrate"], env=env, cwd=bench.ROOT, check=True,
                           stdout=subprocess.DEVNULL)
            asyncio.run(fill_postgresql(pg.url(DB), data))
            print("PostgreSQL")
            lines += report("PostgreSQL", args.listings, daemon(pg.url(DB), redis_url, state + "/pg", args.calls))
        finally:
            pg.drop(DB)
        path = Path(state) / "search.sqlite3"
        env = {**os.environ, "DBM_DATABASE_URL": f"sqlite:///{path}", "DBM_LOG_LEVEL": "warning"}
        subprocess.run([sys.executable, "-m", "daemon", "migrate"], env=env, cwd=bench.ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        fill_sqlite(path, data)
        print("SQLite")
        lines += report("SQLite", args.listings, daemon(f"sqlite:///{path}", redis_url, state + "/sqlite", args.calls))
    print(f"load average before: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; after: "
          f"{' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
