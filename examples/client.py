"""The calls of docs/CLIENTS.md, from Python with rpc_client (copy rpc_client.py next to this file):
ping, create_user, a top-up, a spend with a transaction_key, and a batch.
Prints one JSON line per call, like examples/client.mjs.

    python examples/client.py http://127.0.0.1:8005
    DBM_TOKEN=secret python examples/client.py http://127.0.0.1:8005
"""

import json
import os
import sys
import uuid

from rpc_client import Client, InsufficientBalance, RPCError


def show(call, result):
    print(json.dumps({"call": call, "result": result}))


def main(base_url):
    client = Client(base_url, token=os.environ.get("DBM_TOKEN"))
    client.wait_until_ready(timeout=30)
    show("ping", client.ping())
    user = client.create_user(email=f"ada-{uuid.uuid4()}@example.com", name="Ada")
    show("create_user", user)
    show("top_up_credits", client.top_up_credits(user["id"], 100))  # a transaction_key is generated

    # One key per spend, kept across retries: the daemon replays a key it has seen instead of charging again.
    # rpc_client generates one when none is given; here it is explicit, and the call is made twice.
    spend = {"user_id": user["id"], "cost": 5, "metadata": {"reason": "example"}, "transaction_key": str(uuid.uuid4())}
    show("spend_credits", client.spend_credits(**spend))
    show("spend_credits (retried)", client.spend_credits(**spend))

    try:
        client.spend_credits(user["id"], 1000)
    except InsufficientBalance as exc:
        show("spend_credits (too much)", {"code": exc.code, "data": exc.data})

    results = client.batch([
        ("get_credits", [user["id"]]),
        ("get_transaction_history", {"user_id": user["id"], "limit": 5}),
        ("get_user_by_id", ["nobody"]),
    ])
    print(json.dumps({"call": "batch", "results": [
        {"error": {"code": r.code, "data": r.data}} if isinstance(r, RPCError) else r for r in results]}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python client.py BASE_URL")
    main(sys.argv[1])
