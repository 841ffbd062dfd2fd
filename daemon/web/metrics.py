"""Prometheus metrics through prometheus-client, one registry per daemon."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


@dataclasses.dataclass(frozen=True)
class StreamMetrics:
    """One stream's relay: rows waiting in its outbox, entries it appended."""
    backlog: Gauge
    relayed: Counter


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter("dbmanager_calls_total", "JSON-RPC calls by method", ["method"], registry=self.registry)
        self.errors = Counter("dbmanager_call_errors_total", "JSON-RPC calls that answered an error, by method and code",
                              ["method", "code"], registry=self.registry)
        self.latency = Histogram("dbmanager_call_seconds", "JSON-RPC call latency by method", ["method"],
                                 registry=self.registry,
                                 buckets=(.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
        self.audit = StreamMetrics(
            Gauge("dbmanager_audit_backlog", "ledger transactions waiting in the outbox for the audit stream",
                  registry=self.registry),
            Counter("dbmanager_audit_relayed_total", "entries appended to the audit stream", registry=self.registry))
        self.events = StreamMetrics(
            Gauge("dbmanager_events_backlog", "execution status changes waiting in the outbox for the event stream",
                  registry=self.registry),
            Counter("dbmanager_events_relayed_total", "entries appended to the execution event stream",
                    registry=self.registry))
        self.unauthorized = Counter("dbmanager_unauthorized_total",
                                    "requests refused with HTTP 401 for a missing or unknown token", registry=self.registry)
        self.pool_in_use = Gauge("dbmanager_db_pool_in_use", "database connections in use", registry=self.registry)
        self.pool_size = Gauge("dbmanager_db_pool_size", "database connections in the pool", registry=self.registry)
        self._by_method: dict[str, tuple[Counter, Histogram]] = {}

    def observe_call(self, method: str, code: int, seconds: float) -> None:
        """One call: its method, its error code (0 for a result) and how long it took."""
        children = self._by_method.get(method)
        if children is None:  # labels() takes a lock and builds a key on every call: once per method
            children = self._by_method[method] = (self.calls.labels(method), self.latency.labels(method))
        children[0].inc()
        children[1].observe(seconds)
        if code != 0:
            self.errors.labels(method, str(code)).inc()

    def track_pool(self, in_use: Callable[[], float], size: int) -> None:
        self.pool_in_use.set_function(in_use)
        self.pool_size.set(size)

    def render(self) -> bytes:
        return generate_latest(self.registry)
