"""rpc_client: Client and AsyncClient against a live daemon (`dbmanager serve` as a process).

Every test that takes `connect` runs twice: with Client, and with AsyncClient behind a blocking
face. Two small helpers stand between a client and a daemon where a live daemon cannot be made
to misbehave on demand: `LossyProxy` (a TCP proxy that loses the daemon's answer) and
`ScriptedServer` (an HTTP server answering -32002 or unknown fields, for the retry policy).
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import rpc_client
from rpc_client import (
    AsyncClient,
    Client,
    Conflict,
    InsufficientBalance,
    InvalidParams,
    InvalidRequest,
    MethodNotFound,
    NotFound,
    RPCError,
    Timeout,
    Unauthorized,
    Unavailable,
)
from tests.support import REDIS_URL, DaemonProcess, daemon_env, delete_keys

# ---------- fixtures ----------


class Blocking:
    """An AsyncClient behind Client's synchronous face, on an event loop of its own."""

    def __init__(self, client: AsyncClient):
        self._client, self._loop = client, asyncio.new_event_loop()

    def __getattr__(self, name: str) -> Callable:
        method = getattr(self._client, name)
        return lambda *args, **kwargs: self._loop.run_until_complete(method(*args, **kwargs))

    def close(self) -> None:
        self._loop.run_until_complete(self._client.__aexit__(None, None, None))
        self._loop.close()


@pytest.fixture(params=["Client", "AsyncClient"])
def connect(request: pytest.FixtureRequest):
    """connect(url, **options) → a Client, or an AsyncClient with the same synchronous calls."""
    made: list[Any] = []

    def make(url: str, **options: Any) -> Any:
        options.setdefault("timeout", 10)  # a hang fails the test in seconds, not in a minute
        client = Client(url, **options) if request.param == "Client" else Blocking(AsyncClient(url, **options))
        made.append(client)
        return client
    yield make
    for client in made:
        client.close()


@pytest.fixture
def settings(redis_url: str, stream_key: str, tmp_path: Path) -> dict:
    return {"redis_url": redis_url, "audit_stream": stream_key, "database_url": f"sqlite:///{tmp_path / 'x.sqlite3'}"}


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaemonProcess]:
    """One daemon for the tests that only make calls, each with users of its own: a daemon per
    test was most of this module's time."""
    directory = tmp_path_factory.mktemp("rpc-client")
    prefix = f"dbm-test:{uuid.uuid4().hex[:12]}:"
    process = DaemonProcess(daemon_env(database_url=f"sqlite:///{directory / 'x.sqlite3'}", redis_url=REDIS_URL,
                                       audit_stream=prefix + "audit", events_stream=prefix + "events"), directory)
    yield process.start()
    process.kill()
    delete_keys(prefix + "*")


def unique_email(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:10]}@example.com"


@pytest.fixture
def client(connect, daemon):
    return connect(daemon.url)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_user(client: Any, balance: int = 0) -> str:
    user_id = client.create_user(email=unique_email("user"))["id"]
    if balance:
        client.top_up_credits(user_id, balance)
    return user_id


def history_types(client: Any, user_id: str) -> list[str]:
    return [t["type"] for t in client.get_transaction_history(user_id)["transactions"]]


# ---------- results ----------

def test_calls_by_position_and_by_name_return_results(client):
    email = unique_email("ada")
    user = client.create_user(email=email, name="Ada")
    assert user["email"] == email and user["name"] == "Ada"
    assert client.top_up_credits(user["id"], 100) == 100
    assert client.spend_credits(user_id=user["id"], cost=30) == 70
    assert client.get_credits(user["id"]) == 70
    assert client.get_user_by_id(user_id=user["id"]) == user


def test_call_reaches_methods_with_dots(client):
    assert client.call("rpc.discover")["openrpc"] == "1.3.2"
    assert client.call("ping") == "pong"


def test_batch_returns_results_in_order_with_errors_in_place(client):
    user_id = new_user(client, balance=10)
    results = client.batch([
        ("spend_credits", [user_id, 4]),
        ("get_user_by_id", ["nobody"]),
        "ping",
        ("spend_credits", {"user_id": user_id, "cost": 100}),
        ("get_user_by_id", [user_id]),
    ])  # the daemon may run the members of a batch concurrently: none here depends on another
    assert results[0] == 6 and results[2] == "pong" and results[4]["id"] == user_id
    assert isinstance(results[1], NotFound) and results[1].data == {"kind": "user", "id": "nobody"}
    assert isinstance(results[3], InsufficientBalance)


def test_oversized_batch_gives_invalid_request_for_every_call(spawn_daemon, settings, connect):
    client = connect(spawn_daemon(max_batch=2, **settings).url)
    results = client.batch(["ping", "ping", "ping"])
    assert len(results) == 3 and all(isinstance(r, InvalidRequest) for r in results)


async def test_async_client_is_an_async_context_manager(daemon):
    async with AsyncClient(daemon.url) as client:
        assert await client.ping() == "pong"
        user_id = (await client.create_user(email=unique_email("async")))["id"]
        assert await client.batch([("get_credits", [user_id]), "ping"]) == [0, "pong"]
    assert client._session is None  # closed on exit


def test_one_client_is_shared_by_threads(daemon):
    with Client(daemon.url) as client:
        user_id = new_user(client, balance=1000)
        balances: list[int] = []
        threads = [threading.Thread(target=lambda: balances.extend(client.spend_credits(user_id, 1) for _ in range(25)))
                   for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(balances) == list(range(800, 1000))  # every spend answered, each its own balance
        assert client.get_credits(user_id) == 800


# ---------- errors ----------

@pytest.mark.parametrize("code, cls", [(c.code, c) for c in rpc_client.ERRORS_BY_CODE.values()])
def test_each_error_code_of_the_contract_has_its_class(code, cls):
    error = rpc_client.error_from({"code": code, "message": "m", "data": {"x": 1}, "extra": "ignored"})
    assert type(error) is cls and isinstance(error, RPCError)
    assert (error.code, error.message, error.data) == (code, "m", {"x": 1})


def test_every_code_of_the_contract_is_known():
    assert set(rpc_client.ERRORS_BY_CODE) == {-32700, -32600, -32601, -32602, -32603, -32001, -32002, -32003,
                                              -32005, 1001, 1002, 1003, 1004}


def test_insufficient_balance(client):
    user_id = new_user(client, balance=3)
    with pytest.raises(InsufficientBalance) as raised:
        client.spend_credits(user_id, 5)
    assert raised.value.data == {"user_id": user_id, "balance": 3, "amount": 5, "available": 3}
    assert client.get_credits(user_id) == 3


def test_not_found(client):
    with pytest.raises(NotFound) as raised:
        client.get_credits("nobody")
    assert raised.value.data == {"kind": "user", "id": "nobody"}


def test_conflict_for_a_taken_email(client):
    email = unique_email("taken")
    client.create_user(email=email)
    with pytest.raises(Conflict) as raised:
        client.create_user(email=email)
    assert raised.value.data["field"] == "email"


def test_conflict_for_a_transaction_key_reused_with_other_params(client):
    user_id = new_user(client, balance=10)
    assert client.spend_credits(user_id, 2, None, "key-1") == 8
    assert client.spend_credits(user_id, 2, None, "key-1") == 8  # the same call again: replayed
    with pytest.raises(Conflict):
        client.spend_credits(user_id, 3, None, "key-1")


def test_invalid_params(client):
    with pytest.raises(InvalidParams) as raised:
        client.get_credits(user_id=5)
    assert raised.value.data["param"] == "user_id"


def test_method_not_found(client):
    with pytest.raises(MethodNotFound):
        client.no_such_method()


# ---------- tokens ----------

@pytest.fixture
def token_url(spawn_daemon, settings: dict, tmp_path: Path) -> str:
    tokens = tmp_path / "tokens"
    tokens.write_text("full-secret-5a0c9e1f7b3d2864a6e0\nreader-secret-2f8b6d4a0c9e7135b1 get_*,ping\n")
    return spawn_daemon(auth_tokens_file=tokens, **settings).url


@pytest.mark.parametrize("token", [None, "wrong-secret"])
def test_missing_or_wrong_token_is_unauthorized_for_calls_and_batches(connect, token_url, token):
    client = connect(token_url, token=token)
    with pytest.raises(Unauthorized):
        client.ping()
    with pytest.raises(Unauthorized):
        client.batch(["ping", "ping"])


def test_token_limited_by_globs_is_unauthorized_per_call(connect, token_url):
    user_id = new_user(connect(token_url, token="full-secret-5a0c9e1f7b3d2864a6e0"), balance=10)
    reader = connect(token_url, token="reader-secret-2f8b6d4a0c9e7135b1")
    assert reader.get_credits(user_id) == 10
    with pytest.raises(Unauthorized):
        reader.spend_credits(user_id, 1)
    results = reader.batch([("get_credits", [user_id]), ("spend_credits", [user_id, 1])])
    assert results[0] == 10 and isinstance(results[1], Unauthorized)


def test_token_is_never_in_repr():
    secret = "full-secret-5a0c9e1f7b3d2864a6e0"
    assert secret not in repr(Client("http://127.0.0.1:8005", token=secret))
    assert secret not in repr(AsyncClient("http://127.0.0.1:8005", token=secret))


# ---------- retries against a live daemon ----------

def test_spend_in_flight_across_kill_9_and_restart_charges_once(spawn_daemon, settings, connect):
    daemon = spawn_daemon(port=free_port(), **settings)
    client = connect(daemon.url)
    user_id = new_user(client, balance=100)
    daemon.signal(signal.SIGSTOP)  # the kernel still takes the request in; the daemon never answers it
    outcome: dict[str, Any] = {}
    spend = threading.Thread(target=lambda: outcome.update(balance=client.spend_credits(user_id, 30)))
    spend.start()
    time.sleep(0.5)
    assert spend.is_alive()  # sent, and waiting
    daemon.kill()
    daemon.start()  # the same port and database file
    spend.join(30)
    assert outcome == {"balance": 70}
    assert client.get_credits(user_id) == 70
    assert history_types(client, user_id) == ["USAGE", "TOP_UP"]


class LossyProxy:
    """A TCP proxy to the daemon that drops the next `lose` answers: the daemon did the work,
    the client never hears of it."""

    def __init__(self, upstream_url: str):
        host, port = upstream_url.rsplit("/", 1)[-1].split(":")
        self.upstream, self.lose, self.lost = (host, int(port)), 0, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            threading.Thread(target=self._pump, args=(downstream, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, downstream, True), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, answers: bool) -> None:
        while data := _recv(source):
            if answers and self.lose:
                self.lose, self.lost = self.lose - 1, self.lost + 1
                break  # the answer is gone
            sink.sendall(data)
        _hang_up(source, sink)

    def close(self) -> None:
        self.listener.close()


def _hang_up(*socks: socket.socket) -> None:
    for sock in socks:  # shutdown, not just close: it wakes the other pump, blocked reading
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


@pytest.fixture
def lossy(daemon):
    proxy = LossyProxy(daemon.url)
    yield proxy
    proxy.close()


def test_spend_whose_answer_was_lost_is_retried_and_charges_once(connect, daemon, lossy):
    client = connect(lossy.url)
    user_id = new_user(client, balance=100)
    lossy.lose = 1
    assert client.spend_credits(user_id, 30) == 70  # the retry replays the first, committed call
    assert lossy.lost == 1
    assert client.get_credits(user_id) == 70
    assert history_types(client, user_id) == ["USAGE", "TOP_UP"]


def test_create_user_whose_answer_was_lost_is_not_retried(connect, daemon, lossy):
    client = connect(lossy.url)
    lossy.lose = 1
    email, user_id = unique_email("once"), f"once-{uuid.uuid4().hex[:10]}"
    with pytest.raises(Unavailable) as raised:
        client.create_user(email=email, user_id=user_id)
    assert raised.value.data["request_sent"] is True
    assert client.get_user_by_id(user_id)["email"] == email  # it was applied, once


def test_unreachable_daemon_raises_unavailable_at_the_deadline(connect):
    client = connect(f"http://127.0.0.1:{free_port()}", retry_deadline_s=0.3)
    started = time.monotonic()
    with pytest.raises(Unavailable) as raised:
        client.ping()
    assert 0.3 <= time.monotonic() - started < 5  # retried until the deadline, then no longer
    assert raised.value.data["request_sent"] is False


# ---------- the retry policy, against a scripted server ----------

class ScriptedServer:
    """Answers each POST /rpc with `answer(request) → response`, and keeps every request."""

    def __init__(self, answer: Callable[[dict], dict]):
        self.requests: list[Any] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(request)
                body = json.dumps(answer(request)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass
        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def scripted():
    servers: list[ScriptedServer] = []

    def start(answer: Callable[[dict], dict]) -> ScriptedServer:
        servers.append(ScriptedServer(answer))
        return servers[-1]
    yield start
    for server in servers:
        server.close()


def ok(request: dict, result: Any) -> dict:
    return {"jsonrpc": "2.0", "result": result, "id": request["id"]}


def failed(request: dict, code: int) -> dict:
    return {"jsonrpc": "2.0", "error": {"code": code, "message": "Unavailable or Timeout"}, "id": request["id"]}


def unavailable_then(result: Any, failures: int) -> Callable[[dict], dict]:
    answers = iter(range(failures + 1000))
    return lambda request: failed(request, -32002) if next(answers) < failures else ok(request, result)


def test_unknown_fields_in_results_are_kept_and_ignored(connect, scripted):
    server = scripted(lambda r: {"jsonrpc": "2.0", "result": {"id": "u1", "new_field": [1]}, "id": r["id"],
                                 "x-trace": "abc"})
    assert connect(server.url).get_user_by_id("u1") == {"id": "u1", "new_field": [1]}


def test_unavailable_write_is_retried_with_one_generated_transaction_key(connect, scripted):
    server = scripted(unavailable_then(5, failures=2))
    assert connect(server.url).spend_credits("u1", 5) == 5
    keys = {r["params"]["transaction_key"] for r in server.requests}
    assert len(server.requests) == 3 and len(keys) == 1
    assert uuid.UUID(keys.pop()).version == 4


def test_unavailable_create_user_is_not_retried(connect, scripted):
    server = scripted(unavailable_then({}, failures=1))
    with pytest.raises(Unavailable):
        connect(server.url).create_user(email="a@example.com")
    assert len(server.requests) == 1


def test_only_failed_members_of_a_batch_are_sent_again(connect, scripted):
    def answer(batch: list) -> list:
        first_round = len(server.requests) == 1
        return [failed(m, -32002) if first_round and m["method"] == "get_credits" else ok(m, m["method"])
                for m in batch]
    server = scripted(answer)
    results = connect(server.url).batch([("get_credits", ["u1"]), ("create_user", {"email": "a@example.com"})])
    assert results == ["get_credits", "create_user"]
    assert [m["method"] for m in server.requests[1]] == ["get_credits"]


def test_timeouts_are_retried_until_the_deadline(connect, scripted):
    server = scripted(lambda r: failed(r, -32003))
    with pytest.raises(Timeout):
        connect(server.url, retry_deadline_s=0.3).get_credits("u1")
    assert len(server.requests) > 2


@pytest.mark.parametrize("method, given, expected_names", [
    ("spend_credits", ["u1", 5], ["user_id", "cost", "transaction_key"]),
    ("top_up_credits", ["u1", 5, {"a": 1}], ["user_id", "amount", "metadata", "transaction_key"]),
    ("grant_credits", ["u1", 5, "welcome"], ["user_id", "amount", "reason", "transaction_key"]),
    ("refund_credits", ["u1", "spend-key"], ["user_id", "spend_transaction_key", "transaction_key"]),
])
def test_positional_credit_writes_become_named_with_a_key(connect, scripted, method, given, expected_names):
    server = scripted(lambda r: ok(r, 0))
    connect(server.url).call(method, given)
    sent = server.requests[0]["params"]
    assert list(sent) == expected_names
    assert [sent[n] for n in expected_names[:-1]] == given


def test_a_transaction_key_given_is_sent_as_given(connect, scripted):
    server = scripted(lambda r: ok(r, 0))
    client = connect(server.url)
    client.spend_credits("u1", 5, None, "mine")
    client.spend_credits(user_id="u1", cost=5, transaction_key="mine-too")
    assert [r["params"] for r in server.requests] == [
        ["u1", 5, None, "mine"], {"user_id": "u1", "cost": 5, "transaction_key": "mine-too"}]


# ---------- wait_until_ready ----------

def test_wait_until_ready_returns_once_a_late_daemon_is_up(connect, spawn_daemon, settings):
    port = free_port()
    client = connect(f"http://127.0.0.1:{port}")
    returned: list[float] = []
    waiter = threading.Thread(target=lambda: returned.append(client.wait_until_ready(timeout=30) or time.monotonic()))
    waiter.start()
    time.sleep(0.5)
    assert waiter.is_alive()  # nothing listens yet
    spawn_daemon(port=port, **settings)
    up = time.monotonic()
    waiter.join(30)
    assert returned and returned[0] - up < 5
    assert client.ping() == "pong"


def test_wait_until_ready_times_out_without_a_daemon(connect):
    client = connect(f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        client.wait_until_ready(timeout=0.5)
    assert 0.4 < time.monotonic() - started < 5


def test_a_connection_closed_by_a_daemon_restart_is_not_reused(spawn_daemon, settings, connect):
    daemon = spawn_daemon(port=free_port(), **settings)
    client = connect(daemon.url, retry_deadline_s=0)
    assert client.ping() == "pong"  # leaves a kept-alive connection
    assert daemon.stop() == 0
    daemon.start()
    time.sleep(0.1)
    assert client.create_user(email="after-restart@example.com")["email"] == "after-restart@example.com"
