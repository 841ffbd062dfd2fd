"""The load generator of bench/lifecycle.py, in a process of its own so that its CPU is its own
(it reports it: a client that saturates would measure itself, not the daemon).

    python bench/lifecycle_client.py setup URL EXECUTIONS > setup.json
    python bench/lifecycle_client.py load URL WORKERS DURATION_S setup.json IDS_FILE > point.json

`setup` makes users, a one-node graph each and EXECUTIONS graph executions spread over them.
`load` runs WORKERS workers for DURATION_S seconds, each on a graph execution of its own, each
looping a node's lifecycle over one keep-alive connection:

    upsert_execution_input → update_node_execution_status QUEUED (with execution_data)
    → RUNNING → upsert_execution_output → COMPLETED

A worker that is mid-lifecycle when time is up finishes it (so every node execution it made
ends COMPLETED, which the event check relies on) but only lifecycles finished in time count.
It writes every node_exec_id it made to IDS_FILE and prints one JSON object of figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import resource
import sys
import time
import uuid
from typing import Any

import aiohttp
import orjson

USERS = 4
BLOCK_ID = "bench-lifecycle-block"
CALLS_PER_LIFECYCLE = 5


class CallFailed(Exception):
    pass


class Client:
    def __init__(self, session: aiohttp.ClientSession, url: str):
        self.session, self.url, self.ids = session, url + "/rpc", itertools.count(1)

    async def call(self, method: str, **params: Any) -> Any:
        body = orjson.dumps({"jsonrpc": "2.0", "method": method, "params": params, "id": next(self.ids)})
        async with self.session.post(self.url, data=body, headers={"Content-Type": "application/json"}) as response:
            answer = orjson.loads(await response.read())
        if "error" in answer:
            raise CallFailed(f"{method}: {answer['error']}")
        return answer["result"]


async def setup(url: str, executions: int) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        client = Client(session, url)
        graphs = []
        for _ in range(USERS):
            user = await client.call("create_user", email=f"bench-{uuid.uuid4()}@bench.invalid")
            node_id = f"node-{uuid.uuid4()}"
            graph = await client.call("create_graph", user_id=user["id"],
                                      graph={"name": "lifecycle", "nodes": [{"id": node_id, "block_id": BLOCK_ID}],
                                             "links": []})
            graphs.append((user["id"], graph["id"], graph["version"], graph["nodes"][0]["id"]))
        runs = []
        for n in range(executions):
            user_id, graph_id, version, node_id = graphs[n % USERS]
            execution = await client.call("create_graph_execution", graph_id=graph_id, graph_version=version,
                                          starting_nodes_input=[], inputs={}, user_id=user_id)
            runs.append({"graph_exec_id": execution["id"], "node_id": node_id})
    return {"executions": runs}


async def lifecycle(client: Client, run: dict[str, str], n: int) -> str:
    """One node's life; returns its node_exec_id."""
    upserted = await client.call("upsert_execution_input", node_id=run["node_id"], graph_exec_id=run["graph_exec_id"],
                                 input_name="value", input_data={"n": n})
    node_exec_id = upserted[0]["node_exec_id"]
    await client.call("update_node_execution_status", node_exec_id=node_exec_id, status="QUEUED",
                      execution_data=upserted[1])
    await client.call("update_node_execution_status", node_exec_id=node_exec_id, status="RUNNING")
    await client.call("upsert_execution_output", node_exec_id=node_exec_id, output_name="result", output_data=n)
    done = await client.call("update_node_execution_status", node_exec_id=node_exec_id, status="COMPLETED")
    if done["status"] != "COMPLETED":
        raise CallFailed(f"node execution {node_exec_id} ended {done['status']}")
    return node_exec_id


async def worker(client: Client, run: dict[str, str], deadline: float, latencies: list[float], made: list[str],
                 errors: list[str]) -> None:
    for n in itertools.count():
        if time.monotonic() >= deadline:
            return
        start = time.monotonic()
        try:
            made.append(await lifecycle(client, run, n))
        except CallFailed as exc:
            errors.append(str(exc))
            continue
        end = time.monotonic()
        if end <= deadline:
            latencies.append(end - start)


async def load(url: str, workers: int, duration_s: float, runs: list[dict[str, str]], ids_file: str) -> dict[str, Any]:
    latencies: list[float] = []
    made: list[str] = []
    errors: list[str] = []
    connector = aiohttp.TCPConnector(limit=workers, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        client = Client(session, url)
        cpu0, start = _cpu_s(), time.monotonic()
        deadline = start + duration_s
        await asyncio.gather(*(worker(client, runs[w % len(runs)], deadline, latencies, made, errors)
                               for w in range(workers)))
        cpu = _cpu_s() - cpu0
    with open(ids_file, "w") as out:
        out.write("\n".join(made))
    latencies.sort()
    return {"workers": workers, "duration_s": duration_s, "lifecycles": len(latencies), "made": len(made),
            "lifecycles_per_s": len(latencies) / duration_s,
            "calls_per_s": len(latencies) * CALLS_PER_LIFECYCLE / duration_s,
            "p50_ms": _percentile(latencies, 50) * 1000, "p99_ms": _percentile(latencies, 99) * 1000,
            "client_cpu": cpu / (time.monotonic() - start), "errors": len(errors), "first_errors": errors[:3]}


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentile(sorted_values: list[float], pct: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * pct / 100))]


def main(argv: list[str]) -> None:
    with contextlib.suppress(ImportError):
        import uvloop
        uvloop.install()
    if argv[0] == "setup":
        result = asyncio.run(setup(argv[1], int(argv[2])))
    else:
        with open(argv[4]) as f:
            runs = json.load(f)["executions"]
        result = asyncio.run(load(argv[1], int(argv[2]), float(argv[3]), runs, argv[5]))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
