"""The two DBM_REDIS_URL forms that name more than one server, which redis-py's `from_url` does
not read: `redis+cluster://[USER:PASSWORD@]HOST:PORT[,HOST:PORT…]` (a Redis Cluster: any of its
nodes; the client learns the rest) and `redis+sentinel://[USER:PASSWORD@]HOST:PORT[,HOST:PORT…]/SERVICE`
(the Sentinels watching the master named SERVICE). The user and password are the Redis servers'
(for a cluster's nodes, or a Sentinel service's master and replicas), never the Sentinels'.

No daemon imports here: the settings check these URLs at start, before anything else exists.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import unquote

CLUSTER_SCHEME = "redis+cluster"
SENTINEL_SCHEME = "redis+sentinel"


@dataclasses.dataclass(frozen=True)
class MultiHostUrl:
    scheme: str
    hosts: tuple[tuple[str, int], ...]
    service: str  # the Sentinel service (the master's name); "" for a cluster
    username: str | None
    password: str | None

    def __repr__(self) -> str:  # the password stays out of logs and tracebacks
        return f"MultiHostUrl({self.scheme}, {len(self.hosts)} hosts, service={self.service!r})"


def is_multi_host(url: str) -> bool:
    return url.startswith((CLUSTER_SCHEME + "://", SENTINEL_SCHEME + "://"))


def parse(url: str) -> MultiHostUrl:
    """The URL's parts; ValueError (naming what is wrong, never the password) when malformed."""
    scheme, _, rest = url.partition("://")
    if scheme not in (CLUSTER_SCHEME, SENTINEL_SCHEME):
        raise ValueError(f"must be {CLUSTER_SCHEME}:// or {SENTINEL_SCHEME}://")
    netloc, _, path = rest.partition("/")
    userinfo, _, hostlist = netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    service = unquote(path.split("?", 1)[0].strip("/"))
    if scheme == SENTINEL_SCHEME and not service:
        raise ValueError(f"{SENTINEL_SCHEME}:// needs the service after the hosts: …/SERVICE")
    if scheme == CLUSTER_SCHEME and service:
        raise ValueError(f"{CLUSTER_SCHEME}:// takes no path (a cluster has one database)")
    return MultiHostUrl(scheme, tuple(_host(item) for item in hostlist.split(",")), service,
                        unquote(username) or None, unquote(password) or None)


def _host(item: str) -> tuple[str, int]:
    host, colon, port = item.strip().rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) <= 65535:
        raise ValueError("each host is HOST:PORT, separated by commas")
    return host.strip("[]"), int(port)
