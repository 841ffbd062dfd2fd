"""Call slots (daemon/rpc/slots.py): at most N calls hold one, the rest get theirs in arrival
order, and a waiter cancelled before or after its turn never keeps a slot."""

import asyncio

from daemon.rpc.slots import Slots


async def test_at_most_count_hold_a_slot_and_waiters_get_theirs_in_arrival_order():
    slots, holding, most, order = Slots(3), 0, 0, []

    async def call(number: int) -> None:
        nonlocal holding, most
        async with slots:
            order.append(number)
            holding += 1
            most = max(most, holding)
            await asyncio.sleep(0.001)
            holding -= 1
    await asyncio.gather(*(call(n) for n in range(20)))
    assert most == 3 and order == list(range(20)) and slots.free == 3


async def test_a_waiter_cancelled_in_the_queue_takes_no_slot():
    slots = Slots(1)
    release = asyncio.Event()

    async def hold() -> None:
        async with slots:
            await release.wait()

    async def wait_then_record(log: list[str], name: str) -> None:
        async with slots:
            log.append(name)
    log: list[str] = []
    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(wait_then_record(log, "cancelled"))
    later = asyncio.create_task(wait_then_record(log, "later"))
    await asyncio.sleep(0)
    cancelled.cancel()
    release.set()
    await asyncio.gather(holder, later, cancelled, return_exceptions=True)
    assert log == ["later"] and cancelled.cancelled() and slots.free == 1


async def test_a_waiter_cancelled_after_its_slot_was_handed_over_passes_it_on():
    slots = Slots(1)
    log: list[str] = []

    async def wait_then_record(name: str) -> None:
        async with slots:
            log.append(name)
    await slots.__aenter__()
    first = asyncio.create_task(wait_then_record("first"))
    second = asyncio.create_task(wait_then_record("second"))
    await asyncio.sleep(0)
    await slots.__aexit__(None, None, None)  # the slot is handed to first, which has not run yet …
    first.cancel()  # … and is cancelled before it does
    await asyncio.gather(first, second, return_exceptions=True)
    assert log == ["second"] and first.cancelled() and slots.free == 1
