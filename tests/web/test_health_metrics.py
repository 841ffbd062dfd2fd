"""/healthz answers from real checks; /metrics is Prometheus text."""

import asyncio

from prometheus_client.parser import text_string_to_metric_families

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
