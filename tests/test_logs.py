"""The log (daemon/logs.py): one JSON object per line, structlog's lines and the standard library's
in the order they were made, written together at the end of an event-loop turn, and nothing
built below the level."""

import asyncio
import contextlib
import datetime
import logging
import re
import sys
from collections.abc import Iterator

import orjson
import pytest
import structlog

from daemon import logs
from daemon.constants import LOG_FLUSH_BYTES, LOG_FLUSH_INTERVAL_S


@contextlib.contextmanager
def configured(level: str, capture: pytest.CaptureFixture[bytes]) -> Iterator[None]:
    """logs.configure for one test; the process's logging as it was afterwards. Lines an earlier
    test left waiting in the sink (its loop ended first) go out now and are dropped from this
    test's capture, so the test sees only its own."""
    root = logging.getLogger()
    handlers, root_level, config = root.handlers[:], root.level, structlog.get_config()
    logs.flush()
    sys.stderr.flush()
    capture.readouterr()
    logs.configure(level, "json")
    try:
        yield
    finally:
        logs.flush()
        logs.configure("warning", "json")  # what an unconfigured process logs: no call lines
        root.handlers[:] = handlers
        root.setLevel(root_level)
        structlog.configure(**config)


def test_lines_wait_for_the_flush_interval_then_go_out_together_in_order(capsysbinary):
    async def log_and_wait() -> tuple[bytes, bytes]:
        structlog.get_logger("daemon.calls").info("call", request_id="r1", method="ping", code=0, duration_ms=0.1)
        logging.getLogger("daemon.test").warning("from the standard library")
        await asyncio.sleep(0)
        during = capsysbinary.readouterr().err
        await asyncio.sleep(LOG_FLUSH_INTERVAL_S * 3)
        return during, capsysbinary.readouterr().err
    with configured("info", capsysbinary):
        during, after = asyncio.run(log_and_wait())
    assert during == b""
    lines = [orjson.loads(line) for line in after.splitlines()]
    assert [(line["event"], line["level"], line["logger"]) for line in lines] == [
        ("call", "info", "daemon.calls"), ("from the standard library", "warning", "daemon.test")]
    assert lines[0] | {"timestamp": None} == {"request_id": "r1", "method": "ping", "code": 0, "duration_ms": 0.1,
                                              "event": "call", "level": "info", "logger": "daemon.calls",
                                              "timestamp": None}


def test_lines_past_the_flush_size_go_out_at_once(capsysbinary):
    async def log_a_lot() -> bytes:
        for number in range(LOG_FLUSH_BYTES // 100 + 1):  # each line well over 100 bytes
            logs.log_call(f"{number:032x}", "spend_credits", 0, 1.0)
        return capsysbinary.readouterr().err  # before any wait
    with configured("info", capsysbinary):
        written = asyncio.run(log_a_lot())
    assert len(written) >= LOG_FLUSH_BYTES and all(orjson.loads(line)["event"] == "call" for line in written.splitlines())


def test_outside_an_event_loop_a_line_is_written_at_once(capsysbinary):
    with configured("info", capsysbinary):
        structlog.get_logger("daemon.test").info("starting")
        assert orjson.loads(capsysbinary.readouterr().err)["event"] == "starting"


def test_below_the_level_nothing_is_written(capsysbinary):
    with configured("warning", capsysbinary):
        structlog.get_logger("daemon.calls").info("call", method="ping")
        logging.getLogger("daemon.test").info("not this either")
    assert capsysbinary.readouterr().err == b""


def test_the_timestamp_is_rfc3339_utc_to_the_microsecond_and_now():
    before = datetime.datetime.now(datetime.UTC)
    stamp = logs.utc_timestamp()
    after = datetime.datetime.now(datetime.UTC)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", stamp)
    at = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert before - datetime.timedelta(microseconds=1) <= at <= after


def test_the_call_line_is_the_line_structlog_makes(capsysbinary):
    with configured("info", capsysbinary):
        logs.log_call("r7", "spend_credits", 1001, 2.5)
        structlog.get_logger("daemon.calls").info("call", request_id="r7", method="spend_credits", code=1001,
                                                  duration_ms=2.5)
    ours, structlogs = [line for line in capsysbinary.readouterr().err.splitlines() if b'"r7"' in line]
    assert ours[:ours.index(b'"timestamp"')] == structlogs[:structlogs.index(b'"timestamp"')]  # same fields, order
    assert orjson.loads(ours).keys() == orjson.loads(structlogs).keys()


def test_below_info_no_call_line_is_made_or_written(capsysbinary):
    with configured("warning", capsysbinary):
        assert not logs.calls_logged()
    with configured("info", capsysbinary):
        assert logs.calls_logged()
    assert capsysbinary.readouterr().err == b""


def test_a_loop_that_ended_before_its_flush_keeps_no_later_line_waiting(capsysbinary):
    async def log_and_end() -> None:
        structlog.get_logger("daemon.test").warning("left behind")  # its flush is due on this loop …
    with configured("info", capsysbinary):
        asyncio.run(log_and_end())  # … which ends first
        capsysbinary.readouterr()

        async def log_and_wait() -> bytes:
            structlog.get_logger("daemon.test").warning("in a new loop")
            await asyncio.sleep(LOG_FLUSH_INTERVAL_S * 3)
            return capsysbinary.readouterr().err
        written = asyncio.run(log_and_wait())
    assert [orjson.loads(line)["event"] for line in written.splitlines()] == ["left behind", "in a new loop"]
