"""Prometheus metrics through prometheus-client, one registry per daemon."""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric

_LATENCY_BUCKETS_S = (.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30)


@dataclasses.dataclass(frozen=True)
class StreamMetrics:
    """One stream's relay: rows waiting in its outbox, entries it appended."""
    backlog: Gauge
    relayed: Counter


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.calls = CallStats()
        self.registry.register(self.calls)
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

    def observe_call(self, method: str, code: int, seconds: float) -> None:
        """One call: its method, its error code (0 for a result) and how long it took."""
        self.calls.observe(method, code, seconds)

    def track_pool(self, in_use: Callable[[], float], size: int) -> None:
        self.pool_in_use.set_function(in_use)
        self.pool_size.set(size)

    def render(self) -> bytes:
        return generate_latest(self.registry)


@dataclasses.dataclass
class _MethodCalls:
    count: int = 0
    seconds: float = 0.0
    in_bucket: list[int] = dataclasses.field(default_factory=lambda: [0] * (len(_LATENCY_BUCKETS_S) + 1))
    errors: dict[int, int] = dataclasses.field(default_factory=dict)  # code → calls


class CallStats:
    """Calls, errors and latency by method, kept as plain numbers that only the event loop's
    thread touches, and made into Prometheus metrics when /metrics is read. prometheus_client's
    own Counter and Histogram take a lock and update a value object on every call: a few
    microseconds per call, for figures read every few seconds."""

    def __init__(self) -> None:
        self._by_method: dict[str, _MethodCalls] = {}

    def observe(self, method: str, code: int, seconds: float) -> None:
        calls = self._by_method.get(method)
        if calls is None:
            calls = self._by_method[method] = _MethodCalls()
        calls.count += 1
        calls.seconds += seconds
        calls.in_bucket[bisect.bisect_left(_LATENCY_BUCKETS_S, seconds)] += 1  # le: at most the bound
        if code != 0:
            calls.errors[code] = calls.errors.get(code, 0) + 1

    def collect(self) -> Iterator[Metric]:
        """prometheus_client's Collector protocol: called by generate_latest."""
        total = CounterMetricFamily("dbmanager_calls", "JSON-RPC calls by method", labels=["method"])
        errors = CounterMetricFamily("dbmanager_call_errors", "JSON-RPC calls that answered an error, by method and code",
                                     labels=["method", "code"])
        latency = HistogramMetricFamily("dbmanager_call_seconds", "JSON-RPC call latency by method", labels=["method"])
        for method, calls in list(self._by_method.items()):
            total.add_metric([method], calls.count)
            for code, count in calls.errors.items():
                errors.add_metric([method, str(code)], count)
            latency.add_metric([method], _cumulative(calls.in_bucket), calls.seconds)
        yield from (total, errors, latency)


def _cumulative(in_bucket: list[int]) -> list[tuple[str, float]]:
    bounds = [*(str(float(b)) for b in _LATENCY_BUCKETS_S), "+Inf"]
    running = 0
    out: list[tuple[str, float]] = []
    for bound, count in zip(bounds, in_bucket, strict=True):
        running += count
        out.append((bound, running))
    return out
