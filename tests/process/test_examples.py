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


def test_the_javascript_example_sends_a_notification_and_reads_a_refusal(spawn_daemon, settings):
    calls = {line["call"]: line for line in lines(run("client.mjs", spawn_daemon(**settings).url))}
    assert calls["ping (notification)"]["result"] is None  # HTTP 204, read as nothing
    assert calls["ping (too large)"]["result"] == {
        "code": -32600, "data": {"reason": "the request body is too large", "limit": 1048576}}


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


# ---------- the README's fetch snippet, as it stands ----------

def readme_snippet() -> str:
    readme = (REPO / "README.md").read_text()
    start = readme.index("```js\n", readme.index("from JavaScript with `fetch`")) + len("```js\n")
    return readme[start:readme.index("```", start)]


def run_snippet(tmp_path: Path, base_url: str, then: str = "") -> subprocess.CompletedProcess:
    """The snippet, pointed at `base_url` instead of the default address, and `then` after it."""
    script = tmp_path / "readme.mjs"  # .mjs: the snippet awaits at the top level
    snippet = readme_snippet()
    assert "http://127.0.0.1:8005" in snippet
    script.write_text(snippet.replace("http://127.0.0.1:8005", base_url) + then)
    return subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60)


@pytest.fixture
def ada(spawn_daemon, settings):
    """A daemon with a 1000-byte body limit, where the README's ada has 100 credits."""
    daemon = spawn_daemon(max_body_bytes=1000, **settings)
    daemon.call("create_user", {"email": "ada@example.com", "user_id": "ada"})
    daemon.call("top_up_credits", ["ada", 100])
    return daemon


def test_the_readme_snippet_reads_a_result_and_a_413(ada, tmp_path):
    then = """
console.log(JSON.stringify(balance));
try {
  await rpc("ping", ["x".repeat(2000)]);
} catch (err) {
  console.log(JSON.stringify({ message: err.message, code: err.code, data: err.data }));
}
"""
    balance, refused = lines(run_snippet(tmp_path, ada.url, then))
    assert balance == 100
    assert refused == {"message": "-32600 Invalid Request", "code": -32600,
                       "data": {"reason": "the request body is too large", "limit": 1000}}


def test_the_readme_snippet_says_what_came_back_when_it_is_not_json_rpc(ada, tmp_path):
    completed = run_snippet(tmp_path, ada.url + "/no-such-prefix")  # a wrong base URL: a plain-text 404
    assert completed.returncode != 0
    assert "HTTP 404 Not Found: not a JSON-RPC answer" in completed.stderr and "SyntaxError" not in completed.stderr


EXECUTED_EVENTS = ["graph INCOMPLETE", "node QUEUED", "graph QUEUED", "graph RUNNING", "node RUNNING", "node COMPLETED",
                   "node INCOMPLETE", "node QUEUED", "node RUNNING", "node COMPLETED", "graph COMPLETED"]


def check_executor_run(completed: subprocess.CompletedProcess) -> None:
    steps = {line["step"]: line["result"] for line in lines(completed)}
    assert steps["get_graph_execution"] == {
        "status": "COMPLETED", "inputs": {"question": "what is dbmanager?"},
        "outputs": {"answer": ["what is dbmanager?"]}, "node_statuses": ["COMPLETED", "COMPLETED"]}
    assert steps["get_credits"] == 6  # 10, less 2 per node
    assert steps["events"] == EXECUTED_EVENTS  # every status change, once, in the order made


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_executor_example_runs_a_two_node_graph_and_reads_its_events(spawn_daemon, settings, pg_url, events_key,
                                                                           database):
    if database == "postgresql":
        settings = {**settings, "database_url": pg_url}
    daemon = spawn_daemon(**settings, events_stream=events_key)
    env = {k: v for k, v in os.environ.items() if k != "DBM_TOKEN"}
    env.update(PYTHONPATH=str(REPO), DBM_EVENTS_STREAM=events_key)
    check_executor_run(subprocess.run([sys.executable, str(EXAMPLES / "executor.py"), daemon.url, settings["redis_url"]],
                                      capture_output=True, text=True, env=env, timeout=60))


def test_the_executor_example_reads_the_events_of_the_quick_start_daemon(spawn_daemon, tmp_path):
    daemon = spawn_daemon()  # the quick start: SQLite and the embedded Redis, in tmp_path
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBM_")}
    env.update(PYTHONPATH=str(REPO), PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}")
    check_executor_run(subprocess.run([sys.executable, str(EXAMPLES / "executor.py"), daemon.url], cwd=tmp_path,
                                      capture_output=True, text=True, env=env, timeout=60))
