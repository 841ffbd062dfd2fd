"""An agent executor's life on dbmanager alone: a two-node graph (an input node feeding an output
node) is created, run node by node as a worker runs it, billed per node, and read back with the
execution events it made. Prints one JSON line per step.

    python examples/executor.py http://127.0.0.1:8005                          # reads the events with
                                                                               # `dbmanager events tail`
    python examples/executor.py http://127.0.0.1:8005 redis://127.0.0.1:6379/0  # or straight from Redis
    DBM_TOKEN=secret python examples/executor.py …                             # with a token file

Without a Redis URL, run it in the daemon's state directory (the quick start's), where
`dbmanager events tail` finds the daemon's embedded Redis.
"""

import json
import os
import subprocess
import sys
import time
import uuid

from rpc_client import Client

AGENT_INPUT_BLOCK = "c0a8e994-ebf1-4a9c-a4d8-89d09c86741b"
AGENT_OUTPUT_BLOCK = "363ae599-353e-4804-937e-b2ee3cef3da4"
EVENTS_STREAM = os.environ.get("DBM_EVENTS_STREAM", "dbmanager:events:executions")
COST_PER_NODE = 2


def show(step, result):
    print(json.dumps({"step": step, "result": result}), flush=True)


def make_graph(client, user_id):
    """Input node "question" → output node "answer"."""
    graph = {"name": "echo", "nodes": [
        {"id": f"in-{uuid.uuid4()}", "block_id": AGENT_INPUT_BLOCK, "input_default": {"name": "question"}},
        {"id": f"out-{uuid.uuid4()}", "block_id": AGENT_OUTPUT_BLOCK, "input_default": {"name": "answer"}},
    ]}
    graph["links"] = [{"source_id": graph["nodes"][0]["id"], "sink_id": graph["nodes"][1]["id"],
                       "source_name": "result", "sink_name": "value"}]
    return client.create_graph(user_id=user_id, graph=graph)


def run_node(client, user_id, node_exec, output_name, output):
    """What a worker does with one queued node execution: run it, record its output, bill it,
    complete it. The spend's key is the node execution: a retried node is never billed twice."""
    node_exec_id = node_exec["node_exec_id"]
    client.update_node_execution_status(node_exec_id=node_exec_id, status="RUNNING")
    client.upsert_execution_output(node_exec_id=node_exec_id, output_name=output_name, output_data=output)
    balance = client.spend_credits(user_id=user_id, cost=COST_PER_NODE, metadata={"node_exec_id": node_exec_id},
                                   transaction_key=f"node/{node_exec_id}")
    done = client.update_node_execution_status(node_exec_id=node_exec_id, status="COMPLETED")
    show(f"ran node {node_exec['node_id']}", {"status": done["status"], "balance": balance})


def execute(client, user_id, graph, question):
    source, sink = graph["nodes"]
    execution = client.create_graph_execution(
        graph_id=graph["id"], graph_version=graph["version"], user_id=user_id, inputs={"question": question},
        starting_nodes_input=[[source["id"], {"name": "question", "value": question}]])
    exec_id = execution["id"]
    show("create_graph_execution", {"id": exec_id, "status": execution["status"]})
    client.update_graph_execution_stats(graph_exec_id=exec_id, status="QUEUED")
    client.update_graph_execution_start_time(graph_exec_id=exec_id)

    first, = execution["node_executions"]  # QUEUED already, with its input
    run_node(client, user_id, first, "result", question)
    for link, node in client.get_connected_output_nodes(node_id=source["id"]):  # follow each link
        value = client.get_execution_outputs_by_node_exec_id(node_exec_id=first["node_exec_id"])[link["source_name"]]
        client.upsert_execution_input(node_id=node["id"], graph_exec_id=exec_id, input_name="name",
                                      input_data=node["input_default"]["name"])
        upserted = client.upsert_execution_input(node_id=node["id"], graph_exec_id=exec_id,
                                                 input_name=link["sink_name"], input_data=value)
        queued = client.update_node_execution_status(node_exec_id=upserted[0]["node_exec_id"],
                                                     status="QUEUED", execution_data=upserted[1])
        run_node(client, user_id, queued, "output", value)
    client.update_graph_execution_stats(graph_exec_id=exec_id, status="COMPLETED",
                                        stats={"cost": 2 * COST_PER_NODE, "node_count": 2})
    return exec_id


def events_of(exec_id, redis_url):
    """The execution's events from the stream, once the last of them (the graph's COMPLETED) is there."""
    for _ in range(100):
        if redis_url:
            import redis
            client = redis.Redis.from_url(redis_url, decode_responses=True)
            entries = [fields for _, fields in client.xrange(EVENTS_STREAM)]
            client.close()
        else:
            tail = subprocess.run(["dbmanager", "events", "tail"], capture_output=True, text=True, check=True)
            entries = [json.loads(line) for line in tail.stdout.splitlines()]
        mine = [e for e in entries if e["graph_exec_id"] == exec_id]
        if any(e["kind"] == "graph" and e["status"] == "COMPLETED" for e in mine):
            return mine
        time.sleep(0.1)
    return mine


def main(base_url, redis_url=None):
    client = Client(base_url, token=os.environ.get("DBM_TOKEN"))
    client.wait_until_ready(timeout=30)
    user = client.create_user(email=f"runner-{uuid.uuid4()}@example.com")
    client.top_up_credits(user["id"], 10)
    graph = make_graph(client, user["id"])
    show("create_graph", {"id": graph["id"], "version": graph["version"], "nodes": len(graph["nodes"])})
    exec_id = execute(client, user["id"], graph, "what is dbmanager?")
    result = client.get_graph_execution(user_id=user["id"], execution_id=exec_id, include_node_executions=True)
    show("get_graph_execution", {"status": result["status"], "inputs": result["inputs"], "outputs": result["outputs"],
                                 "node_statuses": [n["status"] for n in result["node_executions"]]})
    show("get_credits", client.get_credits(user["id"]))
    show("events", [f"{e['kind']} {e['status']}" for e in events_of(exec_id, redis_url)])


if __name__ == "__main__":
    main(*sys.argv[1:3])
