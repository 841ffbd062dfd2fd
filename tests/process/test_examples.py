"""examples/: the scripts docs/CLIENTS.md shows (curl, Node's fetch, rpc_client) run against a live daemon."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
COMMANDS = {
    "curl.sh": ["bash", str(EXAMPLES / "curl.sh")],
    "client.mjs": ["node", str(EXAMPLES / "client.mjs")],
    "client.py": [sys.executable, str(EXAMPLES / "client.py")],
}


@pytest.fixture
def settings(redis_url: str, stream_key: str, tmp_path: Path) -> dict:
    return {"redis_url": redis_url, "audit_stream": stream_key, "database_url": f"sqlite:///{tmp_path / 'x.sqlite3'}"}


def run(script: str, url: str, token: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DBM_TOKEN"}
    env["PYTHONPATH"] = str(REPO)  # rpc_client, as if copied next to the script
    if token is not None:
        env["DBM_TOKEN"] = token
    return subprocess.run([*COMMANDS[script], url], capture_output=True, text=True, env=env, timeout=60)


def lines(completed: subprocess.CompletedProcess) -> list:
    assert completed.returncode == 0, completed.stderr
    return [json.loads(line) for line in completed.stdout.splitlines()]


def test_curl_example(spawn_daemon, settings):
    ping, user, top_up, spend, retried, batch = lines(run("curl.sh", spawn_daemon(**settings).url))
    assert ping == {"jsonrpc": "2.0", "result": "pong", "id": 1}
    assert user["result"]["name"] == "Ada" and user["result"]["email"] == user["result"]["id"] + "@example.com"
    assert top_up["result"] == 100
    assert spend["result"] == retried["result"] == 95  # the same transaction_key charges once
    assert_batch([r.get("result", r.get("error")) for r in sorted(batch, key=lambda r: r["id"])])


@pytest.mark.parametrize("script", ["client.mjs", "client.py"])
def test_client_example(spawn_daemon, settings, script):
    calls = {line["call"]: line for line in lines(run(script, spawn_daemon(**settings).url))}
    assert calls["ping"]["result"] == "pong"
    user = calls["create_user"]["result"]
    assert user["name"] == "Ada" and user["email"].endswith("@example.com")
    assert calls["top_up_credits"]["result"] == 100
    assert calls["spend_credits"]["result"] == calls["spend_credits (retried)"]["result"] == 95
    assert calls["spend_credits (too much)"]["result"] == {
        "code": 1001, "data": {"user_id": user["id"], "balance": 95, "amount": 1000, "available": 95}}
    assert_batch([r.get("error", r) if isinstance(r, dict) else r for r in calls["batch"]["results"]])


def assert_batch(results: list) -> None:
    """get_credits, get_transaction_history, get_user_by_id("nobody"): in order, the error in place."""
    balance, history, missing = results
    assert balance == 95
    assert [(t["type"], t["amount"]) for t in history["transactions"]] == [("USAGE", -5), ("TOP_UP", 100)]
    assert missing["code"] == 1002 and missing["data"] == {"kind": "user", "id": "nobody"}


@pytest.mark.parametrize("script", sorted(COMMANDS))
def test_examples_send_the_token(spawn_daemon, settings, tmp_path, script):
    tokens = tmp_path / "tokens"
    tokens.write_text("example-secret-4e1b9d7a3c5f08265d\n")
    url = spawn_daemon(auth_tokens_file=tokens, **settings).url
    assert run(script, url, token=None).returncode != 0  # refused: HTTP 401
    assert len(lines(run(script, url, token="example-secret-4e1b9d7a3c5f08265d"))) >= 6


def test_clients_md_shows_every_example():
    text = (REPO / "docs" / "CLIENTS.md").read_text()
    for script in COMMANDS:
        assert f"examples/{script}" in text


def test_clients_md_shows_the_javascript_helper_as_the_script_has_it():
    script = (EXAMPLES / "client.mjs").read_text()
    helper = script[script.index("class RPCError"):script.index("const baseUrl")].strip()
    assert helper in (REPO / "docs" / "CLIENTS.md").read_text()
