"""Attacks on the daemon as an outsider on loopback would make them, with the figures to compare before/after a fix.

    .venv/bin/python bench/attack.py                          # this checkout (about a minute)
    .venv/bin/python bench/attack.py --daemon-root /tmp/old   # the same attacks on another checkout's daemon

A by-hand script, not a test: nothing in CI runs it. It needs PostgreSQL on 127.0.0.1:5432 (user postgres,
trust) with `psql`, Redis on 127.0.0.1:6379 with `redis-cli`, and this venv (the standard library and
aiohttp). All its traffic goes to 127.0.0.1.

It starts its own daemons (`python -m daemon serve`, cwd the daemon root, DBM_PORT=0) on SQLite in a
temporary directory and the machine's Redis under a stream key of its own (its keys are deleted at the
end), plus one on a PostgreSQL database of its own (created and dropped) for the call-slot attack, with a
tokens file holding a full token and a read-only one (`get_*,ping`). Each daemon starts with a soft limit
of 1024 open files, the usual default of shells and of systemd services, whatever this shell's is.

Each attack prints one line as it ends; at the end comes a Markdown table `| attack | figure | verdict |`.
A verdict is `ok` when the figures are what the fix should give, `OPEN: …` when not, and `error: Type`
when the attack itself failed (the others still run). Every daemon started is stopped on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import dataclasses
import http.client
import json
import os
import re
import resource
import secrets
import select
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REDIS_PORT, PG_PORT = 6379, 5432
DAEMON_NOFILE = 1024
START_TIMEOUT_S = 60
MIB = 1 << 20
MAX_RESPONSE_BYTES = 8 * MIB  # DBM_MAX_RESPONSE_BYTES's default
ENVELOPE_SLACK = 64 * 1024
HEAVY_TRANSACTIONS, METADATA_PAD = 200, 15_000  # ~15 KiB of metadata each (the limit is 16 KiB serialized)
BIG_CURSOR = "9999999999999999999"
BIG_ID = "18446744073709551616"
AUTH_MENTION = re.compile(r"(?<![\w.])401(?![\w.])|unauthori[sz]ed", re.IGNORECASE)
ESTABLISHED = 1  # TCP state, in TCP_INFO and /proc/net/tcp

Figures = dict[str, Any]
Outcome = tuple[Figures, str]


# ---------- the daemons ----------

@dataclasses.dataclass
class Daemon:
    name: str
    url: str
    process: subprocess.Popen[str]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


class Lab:
    """What the attacks share: the daemon root, a temporary directory, the tokens, the stream key, and
    the main SQLite daemon (started on first use, again if it died)."""

    def __init__(self, root: Path, tmp: Path):
        self.root, self.tmp = root, tmp
        self.key = f"dbm-attack:{secrets.token_hex(6)}"
        self.full, self.read_only = secrets.token_hex(20), secrets.token_hex(20)
        self.tokens = tmp / "tokens"
        self.tokens.write_text(f"{self.full}\n{self.read_only} get_*,ping\n")
        self.heavy: tuple[int, str] | None = None  # (pid of the daemon that has it, user id)
        self._main: Daemon | None = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._stack.close()
        finally:
            delete_redis_keys(self.key)

    def env(self, name: str, **settings: str | None) -> dict[str, str]:
        state = self.tmp / name
        env = {k: v for k, v in os.environ.items() if not k.startswith("DBM_")}
        env.update({"DBM_HOST": HOST, "DBM_PORT": "0", "DBM_STATE_DIR": str(state),
                    "DBM_DATABASE_URL": f"sqlite:///{state}/dbmanager.sqlite3",
                    "DBM_REDIS_URL": f"redis://{HOST}:{REDIS_PORT}/0", "DBM_AUDIT_STREAM": self.key,
                    "DBM_EVENTS_STREAM": f"{self.key}:events", "DBM_AUTH_TOKENS_FILE": str(self.tokens),
                    "DBM_START_TIMEOUT_S": "10", "DBM_LOG_LEVEL": "info"})
        for variable, value in settings.items():
            if value is None:
                env.pop(variable, None)
            else:
                env[variable] = value
        return env

    def daemon(self, name: str, **settings: str | None) -> contextlib.AbstractContextManager[Daemon]:
        (self.tmp / name).mkdir(exist_ok=True)
        return running_daemon(self.root, name, self.env(name, **settings), self.tmp / f"{name}.log")

    def main(self) -> Daemon:
        if self._main is None or self._main.process.poll() is not None:
            name = "main" if self._main is None else f"main-{time.monotonic_ns()}"
            self._main = self._stack.enter_context(self.daemon(name))
        return self._main


@contextlib.contextmanager
def soft_nofile(limit: int) -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(limit, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def launch(root: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[str], str]:
    """Starts `python -m daemon serve`; returns it and its first stdout line ('' if none came in time)."""
    with open(log, "ab") as log_file, soft_nofile(DAEMON_NOFILE):
        process = subprocess.Popen([sys.executable, "-m", "daemon", "serve"], cwd=root, env=env,
                                   stdout=subprocess.PIPE, stderr=log_file, text=True)
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_S)
    return process, process.stdout.readline().strip() if ready else ""


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_daemon(root: Path, name: str, env: dict[str, str], log: Path) -> Iterator[Daemon]:
    process, line = launch(root, env, log)
    try:
        if "listening on" not in line:
            raise RuntimeError(f"daemon {name!r} did not start: {line!r}; {last_line(log)}")
        assert process.stdout is not None
        threading.Thread(target=process.stdout.read, daemon=True).start()  # a pipe nobody reads could stall it
        yield Daemon(name, line.split()[-1], process, log)
    finally:
        stop(process)


def last_line(path: Path) -> str:
    lines = path.read_text(errors="replace").strip().splitlines()
    return lines[-1][:200] if lines else "(empty log)"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def settled_cpu_seconds(pid: int, limit_s: float = 10) -> float:
    """CPU seconds once the process has stopped burning them (work may go on after its answer)."""
    deadline, last = time.monotonic() + limit_s, cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - last < 0.02:
            return now
        last = now
    return last


def memory_mb(pid: int, field: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident) of the process, in MiB."""
    match = re.search(rf"^{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.MULTILINE)
    return int(match.group(1)) / 1024 if match else float("nan")


def nofile_limit(pid: int) -> str:
    match = re.search(r"^Max open files\s+(\S+)", Path(f"/proc/{pid}/limits").read_text(), re.MULTILINE)
    return match.group(1) if match else "?"


# ---------- the stores ----------

def psql(sql: str) -> None:
    subprocess.run(["psql", "-h", HOST, "-p", str(PG_PORT), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                    "-Atqc", sql], check=True, capture_output=True, timeout=60)


def delete_redis_keys(key: str) -> None:
    cli = ["redis-cli", "-h", HOST, "-p", str(REDIS_PORT)]
    found = subprocess.run([*cli, "--scan", "--pattern", f"{key}*"], capture_output=True, text=True, timeout=60)
    keys = found.stdout.split()
    for start in range(0, len(keys), 500):
        subprocess.run([*cli, "DEL", *keys[start:start + 500]], capture_output=True, timeout=60)


# ---------- talking to a daemon ----------

def member(method: str, params: Any, id_: int | None = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": method, "params": params, "id": id_}


def post(d: Daemon, token: str | None, payload: Any, timeout: float = 30) -> tuple[int, bytes]:
    """POST /rpc; (HTTP status, body)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection(HOST, d.port, timeout=timeout)
    try:
        conn.request("POST", "/rpc", json.dumps(payload).encode(), headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def call(d: Daemon, token: str, method: str, params: Any) -> Any:
    """One call that must succeed: its result."""
    status, body = post(d, token, member(method, params))
    answer = json.loads(body) if status == 200 else {}
    if "result" not in answer:
        raise RuntimeError(f"{method}: HTTP {status} {body[:200]!r}")
    return answer["result"]


def get(d: Daemon, path: str, token: str | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, d.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"} if token else {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def raw_http(d: Daemon, request: bytes, timeout: float = 30, max_bytes: int = MIB) -> tuple[int | None, bytes, str]:
    """Sends bytes as they are on a new connection, reads until the daemon closes it (or the time or the
    size runs out); returns (status or None, the raw response, the socket error's name or '')."""
    response, error = b"", ""
    deadline = time.monotonic() + timeout
    with socket.create_connection((HOST, d.port), timeout=timeout) as sock:
        try:
            sock.sendall(request)
            while len(response) < max_bytes and time.monotonic() < deadline:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                response += chunk
        except OSError as exc:
            error = type(exc).__name__
    match = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return (int(match.group(1)) if match else None), response, error


def http_request(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {HOST}", "Connection: close", f"Content-Length: {len(body)}",
             *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def error_code(answer: Any) -> int | None:
    return answer.get("error", {}).get("code") if isinstance(answer, dict) else None


class Caller(threading.Thread):
    """Sends one call every `interval_s` on a keep-alive connection until finished (bounded by count
    and time); records each call's latency and outcome: 'ok', the error code, 'http N' or the exception."""

    def __init__(self, d: Daemon, token: str, payload: Any, interval_s: float, count: int = 600, limit_s: float = 90):
        super().__init__(daemon=True)
        self.port, self.body = d.port, json.dumps(payload).encode()
        self.interval_s, self.count, self.limit_s = interval_s, count, limit_s
        self.headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        self.latencies_ms: list[float] = []
        self.outcomes: collections.Counter[str] = collections.Counter()
        self.halt = threading.Event()

    def run(self) -> None:
        deadline, conn = time.monotonic() + self.limit_s, None
        while len(self.latencies_ms) < self.count and time.monotonic() < deadline and not self.halt.is_set():
            started = time.monotonic()
            try:
                conn = conn or http.client.HTTPConnection(HOST, self.port, timeout=10)
                conn.request("POST", "/rpc", self.body, self.headers)
                response = conn.getresponse()
                self.outcomes[self.outcome(response.status, response.read())] += 1
            except (OSError, http.client.HTTPException, ValueError) as exc:
                self.outcomes[type(exc).__name__] += 1
                if conn is not None:
                    conn.close()
                conn = None
            self.latencies_ms.append((time.monotonic() - started) * 1000)
            self.halt.wait(max(0.0, self.interval_s - (time.monotonic() - started)))

    @staticmethod
    def outcome(status: int, body: bytes) -> str:
        if status != 200:
            return f"http {status}"
        answer = json.loads(body)
        return "ok" if "result" in answer else str(error_code(answer))

    def finish(self, at_least: int = 0, limit_s: float = 30) -> Caller:
        deadline = time.monotonic() + limit_s
        while len(self.latencies_ms) < at_least and self.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.halt.set()
        self.join(15)
        return self

    def figures(self, prefix: str) -> Figures:
        lat = self.latencies_ms or [float("nan")]
        failed = sum(n for outcome, n in self.outcomes.items() if outcome != "ok")
        return {f"{prefix}s": len(self.latencies_ms), f"{prefix}_p50_ms": statistics.median(lat),
                f"{prefix}_max_ms": max(lat), f"{prefix}_failed": failed}


def pinger(d: Daemon, token: str, interval_s: float) -> Caller:
    return Caller(d, token, member("ping", []), interval_s)


def wait_answering(d: Daemon, token: str, limit_s: float = 15) -> None:
    """Until the daemon answers a ping again (after an attack that may have left it busy)."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, http.client.HTTPException):
            if post(d, token, member("ping", []), timeout=2)[0] == 200:
                return
        time.sleep(0.2)


def tcp_state(sock: socket.socket) -> int:
    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]


def daemon_side_states(daemon_port: int) -> dict[int, int]:
    """TCP state of the daemon's end of each loopback connection, by the client's port (from /proc/net/tcp)."""
    states = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, remote, state = line.split()[1:4]
        if local == f"0100007F:{daemon_port:04X}" and remote.startswith("0100007F:"):
            states[int(remote.split(":")[1], 16)] = int(state, 16)
    return states


def closed_by_daemon(sock: socket.socket, daemon_port: int, daemon_states: dict[int, int]) -> bool:
    """The daemon closed or reset it: our end is no longer established, or its end is gone or closing
    (a close with unsent data moves its end to FIN_WAIT1 at once; the FIN itself waits behind the data)."""
    return tcp_state(sock) != ESTABLISHED or daemon_states.get(sock.getsockname()[1]) != ESTABLISHED


# ---------- shared set-up ----------

def gzip_bomb(inflated_mib: int = 1000) -> bytes:
    """~1 MB of gzip that inflates to `inflated_mib` MiB of zeros, compressed a MiB at a time."""
    compressor, zeros = zlib.compressobj(9, zlib.DEFLATED, 31), bytes(MIB)
    parts = [compressor.compress(zeros) for _ in range(inflated_mib)]
    return b"".join([*parts, compressor.flush()])


def new_user(lab: Lab, d: Daemon, prefix: str) -> str:
    user = f"{prefix}-{secrets.token_hex(4)}"
    call(d, lab.full, "create_user", {"email": f"{user}@attack.invalid", "user_id": user})
    return user


def heavy_user(lab: Lab, d: Daemon) -> str:
    """A user with HEAVY_TRANSACTIONS transactions of ~15 KiB metadata each, on this daemon."""
    if lab.heavy and lab.heavy[0] == d.pid:
        return lab.heavy[1]
    user, pad = new_user(lab, d, "heavy"), "x" * METADATA_PAD
    for start in range(0, HEAVY_TRANSACTIONS, 50):  # 50 of them fit in a 1 MiB request body
        batch = [member("top_up_credits", {"user_id": user, "amount": 1, "metadata": {"pad": pad, "n": i}}, i)
                 for i in range(start, start + 50)]
        status, body = post(d, lab.full, batch, timeout=60)
        if status != 200 or any("error" in a for a in json.loads(body)):
            raise RuntimeError(f"top_up_credits with metadata: HTTP {status} {body[:200]!r}")
    lab.heavy = (d.pid, user)
    return user


def history_batch(user: str, n: int = 20) -> list[dict[str, Any]]:
    return [member("get_transaction_history", {"user_id": user, "limit": 1000}, i) for i in range(n)]


# ---------- the attacks ----------

def attack_gzip_bomb(lab: Lab) -> Outcome:
    """Three gzip bombs (1 MB → ~1 GB) without a token, while an authenticated client pings."""
    bomb = gzip_bomb()
    request = http_request("/rpc", bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    with lab.daemon("bomb") as d:
        cpu_before, pings = cpu_seconds(d.pid), pinger(d, lab.full, 0.05)
        pings.start()
        started = time.monotonic()
        answers = [raw_http(d, request, timeout=30) for _ in range(3)]
        bombs_s = time.monotonic() - started
        pings.finish(at_least=20)
        cpu = settled_cpu_seconds(d.pid) - cpu_before
        statuses = [str(status) if status else error or "none" for status, _, error in answers]
        figures = {"body_kb": len(bomb) / 1024, "statuses": "/".join(statuses), "daemon_cpu_s": cpu,
                   "bombs_s": bombs_s, **pings.figures("ping"), "peak_rss_mb": memory_mb(d.pid, "VmHWM")}
    fixed = set(statuses) == {"415"} and cpu < 0.5
    return figures, "ok" if fixed else f"OPEN: HTTP {'/'.join(sorted(set(statuses)))}, {cpu:.1f} CPU s inflating"


def attack_response_size(lab: Lab) -> Outcome:
    """20 × get_transaction_history(limit 1000) of a user with 200 × 15 KiB transactions, read-only token."""
    d = lab.main()
    user = heavy_user(lab, d)
    peak_before = memory_mb(d.pid, "VmHWM")
    started = time.monotonic()
    status, body = post(d, lab.read_only, history_batch(user), timeout=90)
    seconds = time.monotonic() - started
    answers = json.loads(body) if status == 200 else []
    too_large = sum(1 for a in answers if error_code(a) == -32005)
    figures = {"status": status, "response_mb": len(body) / MIB, "members_32005": too_large, "seconds": seconds,
               "peak_rss_before_mb": peak_before, "peak_rss_after_mb": memory_mb(d.pid, "VmHWM")}
    fixed = len(body) <= MAX_RESPONSE_BYTES + ENVELOPE_SLACK and too_large > 0
    return figures, "ok" if fixed else f"OPEN: {len(body) / MIB:.0f} MiB answered, {too_large} members -32005"


SLOW_READER_TIMEOUT_S = 3  # the daemon's DBM_CALL_TIMEOUT_S for this attack: less than hold_s, so a cut can show


def attack_slow_reader(lab: Lab, readers: int = 4, hold_s: float = 10) -> Outcome:
    """Connections that ask for the history batch (several MB) and never read a byte of the answer, held
    for longer than the daemon's call timeout (its own daemon, with DBM_CALL_TIMEOUT_S=3): an answer
    not taken in that time should be dropped and its connection cut."""
    with lab.daemon("slow-reader", DBM_CALL_TIMEOUT_S=str(SLOW_READER_TIMEOUT_S)) as d:
        return _slow_readers(lab, d, readers, hold_s)


def _slow_readers(lab: Lab, d: Daemon, readers: int, hold_s: float) -> Outcome:
    request = http_request("/rpc", json.dumps(history_batch(heavy_user(lab, d))).encode(),
                           {"Content-Type": "application/json", "Authorization": f"Bearer {lab.read_only}"})
    rss_before, socks = memory_mb(d.pid, "VmRSS"), []
    try:
        for _ in range(readers):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: a small window
            sock.settimeout(5)
            sock.connect((HOST, d.port))
            sock.sendall(request)
            socks.append(sock)
        rss_peak, closed = hold_unread(d, socks, hold_s)
    finally:
        for sock in socks:
            sock.close()
    wait_answering(d, lab.full)
    figures = {"readers": readers, "rss_before_mb": rss_before, "rss_peak_mb": rss_peak,
               "rss_growth_mb": rss_peak - rss_before, "closed_by_daemon": f"{len(closed)}/{readers}",
               "first_close_s": min(closed.values(), default=None)}
    # until the cut, each reader's answer (at most DBM_MAX_RESPONSE_BYTES, 8 MiB) is held, in a copy or two
    fixed = len(closed) == readers and rss_peak - rss_before < readers * 8 * 3
    return figures, "ok" if fixed else f"OPEN: {len(closed)}/{readers} closed in {hold_s:.0f} s, " \
                                       f"+{rss_peak - rss_before:.0f} MiB resident"


def hold_unread(d: Daemon, socks: list[socket.socket], hold_s: float) -> tuple[float, dict[int, float]]:
    """Watches the daemon's resident memory and which connections it closed; (peak MiB, {index: seconds})."""
    started, rss_peak, closed = time.monotonic(), 0.0, {}
    while time.monotonic() - started < hold_s and len(closed) < len(socks):
        rss_peak = max(rss_peak, memory_mb(d.pid, "VmRSS"))
        states = daemon_side_states(d.port)
        for i, sock in enumerate(socks):
            if i not in closed and closed_by_daemon(sock, d.port, states):
                closed[i] = time.monotonic() - started
        time.sleep(0.25)
    return rss_peak, closed


def attack_call_slots(lab: Lab) -> Outcome:
    """PostgreSQL: two 1000-call batches of top_up_credits, while others ping and top up one call at a time."""
    database = f"dbm_attack_{secrets.token_hex(4)}"
    psql(f'CREATE DATABASE "{database}"')
    try:
        with lab.daemon("pg", DBM_DATABASE_URL=f"postgresql://postgres@{HOST}:{PG_PORT}/{database}") as d:
            return starve_call_slots(lab, d)
    finally:
        psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def starve_call_slots(lab: Lab, d: Daemon) -> Outcome:
    hog, victim = new_user(lab, d, "hog"), new_user(lab, d, "victim")
    batch = [member("top_up_credits", [hog, 1], i) for i in range(1000)]
    hogs: dict[int, tuple[float, Any]] = {}

    def flood(n: int) -> None:
        started = time.monotonic()
        status, body = post(d, lab.full, batch, timeout=120)
        hogs[n] = (time.monotonic() - started, json.loads(body) if status == 200 else status)

    pings = pinger(d, lab.full, 0.05)
    victims = Caller(d, lab.full, member("top_up_credits", [victim, 1]), 0.1)
    threads = [threading.Thread(target=flood, args=(n,), daemon=True) for n in range(2)]
    for thread in [pings, victims, *threads]:
        thread.start()
    deadline = time.monotonic() + 130
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    pings.finish()
    victims.finish()
    hog_errors = sum(1 for _, answers in hogs.values() if isinstance(answers, list) for a in answers if "error" in a)
    starved = victims.outcomes["-32002"] + victims.outcomes["-32003"]
    figures = {"batches_s": max((s for s, _ in hogs.values()), default=None), "batch_errors": hog_errors,
               **pings.figures("ping"), **victims.figures("victim"), "victim_32002_32003": starved}
    problems = [p for p, bad in ((f"{starved} single top-ups -32002/-32003", starved),
                                 (f"ping max {figures['ping_max_ms']:.0f} ms", figures["ping_max_ms"] >= 1000),
                                 (f"single top-up max {figures['victim_max_ms']:.0f} ms", figures["victim_max_ms"] >= 1000),
                                 (f"{2 - len(hogs)} batches unanswered", len(hogs) < 2)) if bad]
    return figures, "ok" if not problems else "OPEN: " + ", ".join(problems)


def attack_idle_connections(lab: Lab, count: int = 1100, limit_s: float = 20) -> Outcome:
    """`count` idle TCP connections without a token, then one authenticated ping on a new connection."""
    d = lab.main()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    socks: list[socket.socket] = []
    try:
        deadline, failed = time.monotonic() + limit_s, 0
        while len(socks) + failed < count and time.monotonic() < deadline:
            try:
                socks.append(socket.create_connection((HOST, d.port), timeout=2))
            except OSError:
                failed += 1
        time.sleep(0.5)  # for the daemon to accept them
        ping, ping_ms = timed_ping(d, lab.full)
        states = daemon_side_states(d.port)
        still_open = sum(1 for s in socks if not closed_by_daemon(s, d.port, states))
        daemon_fds = len(os.listdir(f"/proc/{d.pid}/fd"))  # how many of them it accepted, give or take its own files
    finally:
        for sock in socks:
            sock.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    wait_answering(d, lab.full)
    figures = {"opened": len(socks), "connect_failed": failed, "daemon_nofile": nofile_limit(d.pid),
               "daemon_fds": daemon_fds, "idle_still_open": still_open, "ping": ping, "ping_ms": ping_ms}
    fixed = ping == "ok" and ping_ms < 1000
    return figures, "ok" if fixed else f"OPEN: a new ping: {ping} after {ping_ms:.0f} ms"


def timed_ping(d: Daemon, token: str, timeout: float = 10) -> tuple[str, float]:
    """('ok', 'http N' or the exception's name; milliseconds) of one ping on a new connection."""
    started = time.monotonic()
    try:
        status, body = post(d, token, member("ping", []), timeout=timeout)
        outcome = "ok" if status == 200 and b"pong" in body else f"http {status}"
    except (OSError, http.client.HTTPException) as exc:
        outcome = type(exc).__name__
    return outcome, (time.monotonic() - started) * 1000


def attack_healthz_flood(lab: Lab, seconds: float = 5, connections: int = 200) -> Outcome:
    """200 connections on GET /healthz for 5 s (from a process of its own), while a client pings."""
    d = lab.main()
    pings = pinger(d, lab.full, 0.05)
    pings.start()
    flood = subprocess.run([sys.executable, __file__, "--healthz-flood", d.url, str(seconds), str(connections)],
                           capture_output=True, text=True, timeout=seconds + 60)
    pings.finish()
    counts = json.loads(flood.stdout) if flood.returncode == 0 else {"flood failed": 1}
    unavailable = counts.get("503", 0)
    figures = {"healthz": sum(counts.values()), "healthz_503": unavailable,
               "healthz_other": sum(n for k, n in counts.items() if k not in ("200", "503")), **pings.figures("ping")}
    fixed = unavailable == 0 and figures["ping_p50_ms"] < 250
    return figures, "ok" if fixed else f"OPEN: {unavailable} × 503, ping p50 {figures['ping_p50_ms']:.0f} ms"


async def healthz_flood(url: str, seconds: float, connections: int) -> dict[str, int]:
    """The flood itself, run by `attack.py --healthz-flood URL SECONDS CONNECTIONS`: counts of answers by status."""
    counts: collections.Counter[str] = collections.Counter()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as session:
        async def hammer() -> None:
            while loop.time() < deadline:
                try:
                    async with session.get(f"{url}/healthz") as response:
                        await response.read()
                        counts[str(response.status)] += 1
                except (aiohttp.ClientError, TimeoutError) as exc:
                    counts[type(exc).__name__] += 1
        await asyncio.gather(*(hammer() for _ in range(connections)))
    return dict(counts)


def attack_cursor_overflow(lab: Lab, batch_size: int = 1000) -> Outcome:
    """get_transaction_history with a cursor past 2^63 − 1, once and in a batch of 1000 (read-only token)."""
    d = lab.main()
    params = {"user_id": new_user(lab, d, "cursor"), "cursor": BIG_CURSOR}
    status, body = post(d, lab.read_only, member("get_transaction_history", params))
    code = error_code(json.loads(body)) if status == 200 else f"http {status}"
    log_before = d.log.stat().st_size
    status, body = post(d, lab.read_only, [member("get_transaction_history", params, i) for i in range(batch_size)],
                        timeout=60)
    time.sleep(0.5)  # for the log lines to be written
    codes = collections.Counter(error_code(a) for a in json.loads(body)) if status == 200 else {f"http {status}": 1}
    log_kb = (d.log.stat().st_size - log_before) / 1024
    figures = {"code": code, "batch_codes": " ".join(f"{k}×{n}" for k, n in codes.items()), "log_kb": log_kb}
    fixed = code == -32602 and log_kb < batch_size  # under 1 KiB of log a call: no tracebacks
    return figures, "ok" if fixed else f"OPEN: code {code}, {log_kb:.0f} KiB of log for {batch_size} calls"


def attack_banner_and_echo(lab: Lab) -> Outcome:
    """The Server header; a header line with a control character after a token: is the token echoed back?"""
    d = lab.main()
    server = get(d, "/healthz")[1].get("Server", "(none)")
    request = http_request("/rpc", b"{}", {"Content-Type": "application/json", "Authorization": f"Bearer {lab.full}\x01"})
    status, response, error = raw_http(d, request, timeout=10)
    echoed = lab.full.encode() in response
    figures = {"server": server, "bad_header_status": status or error, "token_echoed": echoed}
    versioned = bool(re.search(r"/\d", server))
    problems = [p for p, bad in (("versions in Server", versioned), ("token echoed", echoed)) if bad]
    return figures, "ok" if not problems else "OPEN: " + ", ".join(problems)


def attack_auth_trail(lab: Lab, attempts: int = 50) -> Outcome:
    """A 1-character token in the tokens file; then 50 wrong tokens: do /metrics and the log show them?"""
    short = lab.tmp / "tokens-short"
    short.write_text(f"{lab.full}\nk\n")
    one_char = start_outcome(lab, "short-token", DBM_AUTH_TOKENS_FILE=str(short))
    d = lab.main()
    log_before = d.log.stat().st_size
    statuses = collections.Counter(post(d, secrets.token_hex(20), member("ping", []))[0] for _ in range(attempts))
    time.sleep(0.5)  # for the log lines to be written
    with open(d.log, "rb") as log:
        log.seek(log_before)
        log_lines = sum(1 for line in log.read().decode(errors="replace").splitlines() if AUTH_MENTION.search(line))
    metrics = get(d, "/metrics", lab.full)[2].decode(errors="replace")
    metric_lines = [line for line in metrics.splitlines() if not line.startswith("#") and AUTH_MENTION.search(line)]
    figures = {"one_char_token": one_char, "wrong_token_answers": " ".join(f"{k}×{n}" for k, n in statuses.items()),
               "metrics_lines": len(metric_lines), "log_lines": log_lines}
    problems = [p for p, bad in (("1-char token accepted", one_char != "exit 2"),
                                 ("no 401 counter in /metrics", not metric_lines),
                                 ("401s not logged", not log_lines)) if bad]
    return figures, "ok" if not problems else "OPEN: " + ", ".join(problems)


def start_outcome(lab: Lab, name: str, **settings: str | None) -> str:
    """'started' (then stopped at once) or 'exit N' for a daemon started with these settings."""
    (lab.tmp / name).mkdir()
    process, line = launch(lab.root, lab.env(name, **settings), lab.tmp / f"{name}.log")
    try:
        return "started" if "listening on" in line else f"exit {process.wait(START_TIMEOUT_S)}"
    finally:
        stop(process)


def attack_file_modes(lab: Lab) -> Outcome:
    """With umask 022, a fresh state dir with SQLite and the embedded Redis: the modes of what it writes."""
    state = lab.tmp / "modes" / "state"  # not created here: the daemon makes it
    umask = os.umask(0o022)
    try:
        with lab.daemon("modes", DBM_STATE_DIR=str(state), DBM_DATABASE_URL=None, DBM_REDIS_URL=None) as d:
            new_user(lab, d, "modes")
            paths = [state, state / "dbmanager.sqlite3", state / "redis",
                     *sorted(p for p in (state / "redis").rglob("*") if "appendonly" in p.name or p.suffix == ".aof")]
            modes = {str(p.relative_to(state.parent)): oct(p.stat().st_mode & 0o777)[2:] for p in paths if p.exists()}
    finally:
        os.umask(umask)
    readable = [p for p, mode in modes.items() if int(mode, 8) & 0o077]
    return modes, "ok" if not readable else f"OPEN: {len(readable)} of {len(modes)} open to group or others"


def attack_big_id(lab: Lab) -> Outcome:
    """A request id of 2^64: is it echoed exactly?"""
    d = lab.main()
    body = b'{"jsonrpc":"2.0","method":"ping","id":' + BIG_ID.encode() + b"}"
    request = http_request("/rpc", body, {"Content-Type": "application/json", "Authorization": f"Bearer {lab.full}"})
    status, response, error = raw_http(d, request, timeout=10)
    answer = response.partition(b"\r\n\r\n")[2]
    match = re.search(rb'"id"\s*:\s*(-?[0-9.eE+]+|null|"[^"]*")', answer)
    id_text = match.group(1).decode() if match else None
    figures = {"status": status or error, "id": id_text, "answer": answer[:80].decode(errors="replace")}
    return figures, "ok" if id_text == BIG_ID else f"OPEN: id answered as {id_text}"


ATTACKS: list[tuple[str, Callable[[Lab], Outcome]]] = [
    ("1 gzip bomb", attack_gzip_bomb),
    ("2 response size", attack_response_size),
    ("3 slow reader", attack_slow_reader),
    ("4 call-slot starvation", attack_call_slots),
    ("5 idle connections", attack_idle_connections),
    ("6 /healthz flood", attack_healthz_flood),
    ("7 cursor overflow", attack_cursor_overflow),
    ("8 banner and echo", attack_banner_and_echo),
    ("9 auth trail", attack_auth_trail),
    ("10 file modes", attack_file_modes),
    ("11 big id", attack_big_id),
]


# ---------- the run ----------

def show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def figure_text(figures: Figures) -> str:
    return ", ".join(f"{k}={show(v)}" for k, v in figures.items())


def run_attack(lab: Lab, name: str, attack: Callable[[Lab], Outcome]) -> tuple[str, str, str]:
    started = time.monotonic()
    try:
        figures, verdict = attack(lab)
    except Exception as exc:  # one attack failing must not stop the others
        figures, verdict = {"error": str(exc)[:160]}, f"error: {type(exc).__name__}"
    figures["took_s"] = time.monotonic() - started
    print(f"{name:<24} {figure_text(figures)}  → {verdict}", flush=True)
    return name, figure_text(figures), verdict


def table(rows: list[tuple[str, str, str]]) -> str:
    lines = ["| attack | figure | verdict |", "|---|---|---|"]
    lines += [f"| {name} | {figures.replace('|', '/')} | {verdict.replace('|', '/')} |" for name, figures, verdict in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--daemon-root", type=Path, default=ROOT,
                        help="the checkout whose daemon to attack (its `python -m daemon serve`); default: this one")
    parser.add_argument("--healthz-flood", nargs=3, metavar=("URL", "SECONDS", "CONNECTIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.healthz_flood:
        url, seconds, connections = args.healthz_flood
        print(json.dumps(asyncio.run(healthz_flood(url, float(seconds), int(connections)))))
        return
    started = time.monotonic()
    print(f"attacking the daemon of {args.daemon_root.resolve()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="dbm-attack-") as tmp, Lab(args.daemon_root.resolve(), Path(tmp)) as lab:
        rows = [run_attack(lab, name, attack) for name, attack in ATTACKS]
    print(f"\n{table(rows)}\n\n{len(rows)} attacks in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
