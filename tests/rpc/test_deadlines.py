"""Call deadlines without a timer per call (daemon/rpc/deadlines.py): they behave as asyncio.timeout."""

import asyncio
import time

import pytest

from daemon.rpc.deadlines import Deadlines


async def test_a_block_past_its_deadline_raises_timeout_within_a_tick():
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        async with Deadlines(0.2).within():
            await asyncio.sleep(5)
    assert 0.2 <= time.monotonic() - started < 0.3


async def test_a_block_that_ends_in_time_is_never_cancelled_later():
    deadlines = Deadlines(0.1)
    async with deadlines.within():
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # past the deadline: no cancellation arrives


async def test_a_cancel_from_outside_stays_a_cancel():
    async def block():
        async with Deadlines(5).within():
            await asyncio.sleep(5)
    task = asyncio.create_task(block())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_calls_sharing_a_tick_each_get_their_own_outcome():
    deadlines = Deadlines(0.1)

    async def call(seconds: float) -> str:
        try:
            async with deadlines.within():
                await asyncio.sleep(seconds)
            return "done"
        except TimeoutError:
            return "timed out"
    outcomes = await asyncio.gather(*(call(0.01 if i % 2 else 1) for i in range(100)))
    assert outcomes.count("done") == outcomes.count("timed out") == 50


async def test_a_deadline_since_an_earlier_moment_leaves_only_the_rest_of_the_timeout():
    loop = asyncio.get_running_loop()
    deadlines = Deadlines(0.3)
    arrived = loop.time() - 0.2  # a batch member that waited 0.2 s for its turn
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        async with deadlines.within(arrived):
            await asyncio.sleep(5)
    assert 0.1 <= time.monotonic() - started < 0.2


async def test_a_deadline_already_past_raises_before_the_block_runs():
    ran = False
    with pytest.raises(TimeoutError):
        async with Deadlines(0.1).within(asyncio.get_running_loop().time() - 0.5):
            ran = True
    assert not ran
