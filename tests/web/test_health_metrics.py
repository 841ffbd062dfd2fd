"""/healthz answers from real checks; /metrics is Prometheus text."""

import asyncio

from prometheus_client.parser import text_string_to_metric_families

from daemon.web.metrics import Metrics
from tests.support import make_settings, running


async def test_healthz_ok_shape(rpc):
    response = await rpc.client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_healthz_503_while_redis_is_down_then_200_by_itself(private_redis, stream_key, tmp_path):
    settings = make_settings(database_url=f"sqlite:///{tmp_path / 'h.sqlite3'}", redis_url=private_redis.url,
                             audit_stream=stream_key, state_dir=tmp_path)
    async with running(settings) as rpc:
        private_redis.stop()
        response = await rpc.client.get("/healthz")
        body = await response.text()
        assert response.status == 503
        assert await response.json() == {"status": "unavailable", "database": "ok", "redis": "unavailable"}
        assert "127.0.0.1" not in body and str(private_redis.port) not in body
        assert await rpc.result("ping") == "pong"  # what needs no store keeps working
        private_redis.start()
        for _ in range(50):
            if (await rpc.client.get("/healthz")).status == 200:
                break
            await asyncio.sleep(0.1)
        assert (await rpc.client.get("/healthz")).status == 200


async def test_metrics_count_calls_errors_and_latency_by_method(sqlite_rpc):
    await sqlite_rpc.result("ping")
    await sqlite_rpc.result("ping")
    await sqlite_rpc.error("get_user_by_id", ["nobody"])
    response = await sqlite_rpc.client.get("/metrics")
    assert response.status == 200 and response.content_type == "text/plain"
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(await response.text()) for s in family.samples}
    assert samples[("dbmanager_calls_total", (("method", "ping"),))] == 2
    assert samples[("dbmanager_call_errors_total", (("code", "1002"), ("method", "get_user_by_id")))] == 1
    assert samples[("dbmanager_call_seconds_count", (("method", "ping"),))] == 2
    assert ("dbmanager_audit_backlog", ()) in samples
    assert samples[("dbmanager_db_pool_size", ())] == 10
    assert ("dbmanager_db_pool_in_use", ()) in samples



def test_call_latency_is_counted_in_cumulative_buckets_with_its_sum_and_errors_by_code():
    metrics = Metrics()
    for seconds, code in ((0.0003, 0), (0.002, 0), (0.0025, 1002), (40.0, -32603)):
        metrics.observe_call("get_user_by_id", code, seconds)
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(metrics.render().decode()) for s in family.samples}

    def bucket(le: str) -> float:
        return samples[("dbmanager_call_seconds_bucket", (("le", le), ("method", "get_user_by_id")))]
    assert (bucket("0.0005"), bucket("0.001"), bucket("0.0025"), bucket("30.0"), bucket("+Inf")) == (1, 1, 3, 3, 4)
    assert samples[("dbmanager_call_seconds_count", (("method", "get_user_by_id"),))] == 4
    assert abs(samples[("dbmanager_call_seconds_sum", (("method", "get_user_by_id"),))] - 40.0048) < 1e-9
    assert samples[("dbmanager_calls_total", (("method", "get_user_by_id"),))] == 4
    assert samples[("dbmanager_call_errors_total", (("code", "1002"), ("method", "get_user_by_id")))] == 1
    assert samples[("dbmanager_call_errors_total", (("code", "-32603"), ("method", "get_user_by_id")))] == 1
