"""Holds with two daemons on one database: their spends, holds, captures, releases and sweeps
interleave, and still `available` never goes below zero and the ledger explains the balance."""

from __future__ import annotations

import concurrent.futures
import random
import threading
import time

from tests.process.test_audit_processes import wait_verified
from tests.support import REDIS_URL


def test_two_daemons_on_one_postgresql_keep_available_at_or_above_zero(spawn_daemon, pg_url, stream_key):
    settings = dict(database_url=pg_url, redis_url=REDIS_URL, audit_stream=stream_key)
    daemons = spawn_daemon(**settings), spawn_daemon(**settings)
    daemons[0].call("create_user", {"email": "hp@x.io", "user_id": "hp"})
    daemons[0].call("top_up_credits", ["hp", 1000])
    hold_ids: list[str] = []
    lock = threading.Lock()
    lowest = []

    def one(i: int) -> None:
        rng = random.Random(i)
        daemon = daemons[i % 2]
        kind = rng.choice(["reserve", "reserve-short", "spend", "capture", "release"])
        if kind.startswith("reserve"):
            answer = daemon.call("reserve_credits", {"user_id": "hp", "amount": rng.randint(1, 60),
                                                     "ttl_s": 1 if kind == "reserve-short" else 60})
            if "result" in answer:
                with lock:
                    hold_ids.append(answer["result"]["hold_id"])
        elif kind == "spend":
            daemon.call("spend_credits", ["hp", rng.randint(1, 40)])
        elif hold_ids:
            with lock:
                hold_id = rng.choice(hold_ids)
            daemon.call("capture_hold" if kind == "capture" else "release_hold", ["hp", hold_id])
        lowest.append(daemon.call("get_balance", ["hp"])["result"]["available"])

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(300)))
    assert min(lowest) >= 0
    time.sleep(1.2)  # every 1 s hold has lapsed: the reads below agree on which holds still count
    summary = daemons[1].call("get_balance", ["hp"])["result"]
    history = daemons[0].call("get_transaction_history", {"user_id": "hp", "limit": 1000})["result"]["transactions"]
    assert summary["balance"] == sum(t["amount"] for t in history) and summary["available"] >= 0
    holds = [daemons[0].call("get_hold", ["hp", h])["result"] for h in set(hold_ids)]
    assert summary["held"] == sum(h["amount"] for h in holds if h["status"] == "HELD")
    captured = [t for t in history if "hold_id" in t["metadata"]]
    assert sorted(t["metadata"]["hold_id"] for t in captured) == sorted(h["hold_id"] for h in holds
                                                                       if h["status"] == "CAPTURED")
    assert wait_verified(settings).returncode == 0  # captures are audited like any spend, once each
