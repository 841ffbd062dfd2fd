"""The log (daemon/logs.py): one JSON object per line, structlog's lines and the standard library's
in the order they were made, written together at the end of an event-loop turn, and nothing
built below the level."""

import asyncio
import contextlib
import datetime
import logging
import re
from collections.abc import Iterator

import orjson
import structlog

from daemon import logs


@contextlib.contextmanager
def configured(level: str) -> Iterator[None]:
    """logs.configure for one test; the process's logging as it was afterwards."""
    root = logging.getLogger()
    handlers, root_level, config = root.handlers[:], root.level, structlog.get_config()
    logs.configure(level, "json")
    try:
        yield
    finally:
        logs.flush()
        root.handlers[:] = handlers
        root.setLevel(root_level)
        structlog.configure(**config)


def test_the_lines_of_one_loop_turn_are_written_together_at_its_end_in_order(capsysbinary):
    async def one_turn() -> tuple[bytes, bytes]:
        structlog.get_logger("daemon.calls").info("call", request_id="r1", method="ping", code=0, duration_ms=0.1)
        logging.getLogger("daemon.test").warning("from the standard library")
        during = capsysbinary.readouterr().err
        await asyncio.sleep(0)
        return during, capsysbinary.readouterr().err
    with configured("info"):
        during, after = asyncio.run(one_turn())
    assert during == b""
    lines = [orjson.loads(line) for line in after.splitlines()]
    assert [(line["event"], line["level"], line["logger"]) for line in lines] == [
        ("call", "info", "daemon.calls"), ("from the standard library", "warning", "daemon.test")]
    assert lines[0] | {"timestamp": None} == {"request_id": "r1", "method": "ping", "code": 0, "duration_ms": 0.1,
                                              "event": "call", "level": "info", "logger": "daemon.calls",
                                              "timestamp": None}


def test_outside_an_event_loop_a_line_is_written_at_once(capsysbinary):
    with configured("info"):
        structlog.get_logger("daemon.test").info("starting")
        assert orjson.loads(capsysbinary.readouterr().err)["event"] == "starting"


def test_below_the_level_nothing_is_written(capsysbinary):
    with configured("warning"):
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
    with configured("info"):
        logs.log_call("r7", "spend_credits", 1001, 2.5)
        structlog.get_logger("daemon.calls").info("call", request_id="r7", method="spend_credits", code=1001,
                                                  duration_ms=2.5)
    ours, structlogs = capsysbinary.readouterr().err.splitlines()
    assert ours[:ours.index(b'"timestamp"')] == structlogs[:structlogs.index(b'"timestamp"')]  # same fields, order
    assert orjson.loads(ours).keys() == orjson.loads(structlogs).keys()


def test_below_info_no_call_line_is_made_or_written(capsysbinary):
    with configured("warning"):
        assert not logs.calls_logged()
    with configured("info"):
        assert logs.calls_logged()
    assert capsysbinary.readouterr().err == b""
