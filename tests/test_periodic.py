"""The background job runner the sweepers share: it runs its job each interval, a failure is one
log line and a retry at the next turn, and stop ends it between runs."""

import asyncio
import logging

from daemon.periodic import Periodic


async def test_a_job_runs_each_interval_survives_a_failure_and_stops(caplog):
    runs: list[int] = []

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 2:
            raise ConnectionError("the store is down")

    periodic = Periodic("test job", 0.01, job)
    with caplog.at_level(logging.WARNING, logger="daemon.periodic"):
        periodic.start()
        for _ in range(200):
            if len(runs) >= 4:
                break
            await asyncio.sleep(0.01)
        await periodic.stop()
    assert len(runs) >= 4  # the failed second run did not end the loop
    stopped_at = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == stopped_at
    assert [r.getMessage() for r in caplog.records] == ["test job paused: ConnectionError; retrying"]


async def test_a_job_not_at_start_waits_one_interval_first():
    runs: list[float] = []

    async def job() -> None:
        runs.append(asyncio.get_running_loop().time())

    periodic = Periodic("later", 0.2, job, at_start=False)
    started = asyncio.get_running_loop().time()
    periodic.start()
    await asyncio.sleep(0.1)
    assert runs == []
    await periodic.stop()  # stopped during the wait: the job never ran
    assert runs == []
    assert asyncio.get_running_loop().time() - started < 1
