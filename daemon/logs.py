"""Structured logs through structlog: one JSON object per line on stderr, which journald keeps
as is, or, when stderr is a terminal (DBM_LOG_FORMAT=auto) or asked for, aligned lines a person
can read, with the same fields. Records from the standard library's logging (aiohttp, our modules) go the same way.
Params are never logged, so neither are tokens or secrets inside them, and tracebacks keep
each exception's type and frames but not its message (see `traceback_without_messages`).

The daemon writes a line per call, so a line must cost microseconds, not the ~150 µs of the
standard library's path (a LogRecord, its formatter, a lock and a write per line). structlog's
own loggers (`structlog.get_logger`) are filtered by level when configured, render with orjson
and hand bytes to `_Sink`, which buffers them for up to LOG_FLUSH_INTERVAL_S and writes them to
stderr in one write; the per-call line in JSON is made by `log_call` in one orjson.dumps, the
line structlog would make. The standard library's records take their own path into the same
sink, so lines keep their order.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import sys
import threading
import time
import traceback
from types import TracebackType
from typing import Any

import orjson
import structlog
from structlog.typing import EventDict, Processor

from daemon.constants import LOG_FLUSH_BYTES, LOG_FLUSH_INTERVAL_S, LOG_RATE_INTERVAL_S

_LEVEL_OF_METHOD = {"exception": "error", "warn": "warning", "msg": "info"}


def configure(level: str = "info", format: str = "auto") -> None:
    global _calls_logged, _calls_as_json
    renderer = _renderer(format)
    _configure_structlog(level, renderer)
    _calls_logged = logging.getLevelNamesMapping()[level.upper()] <= logging.INFO
    _calls_as_json = isinstance(renderer, structlog.processors.JSONRenderer)
    handler = _SinkHandler()
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_log_level, structlog.stdlib.add_logger_name, _add_timestamp],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, _RENDER_EXCEPTION, _as_text(renderer)],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # one line per call is ours
    logging.getLogger("alembic").setLevel(logging.WARNING)  # we log each migration applied ourselves
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, _AiohttpErrors) for f in server_log.filters):
        server_log.addFilter(_AiohttpErrors())
    for name in ("aiosqlite", "asyncpg"):  # their debug lines show SQL arguments: param values
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    # its info lines name the database's URL (host, user, database): stores are logged by kind only
    logging.getLogger("databases").setLevel(max(logging.WARNING, root.level))


_calls_logged = False  # until configure() (a test's own process), as structlog: warnings and up
_calls_as_json = False
_CALLS = structlog.get_logger("daemon.calls")


def calls_logged() -> bool:
    """Whether calls are logged at the configured level (info and below): if not, a call need
    not even make the line's fields."""
    return _calls_logged


def log_call(request_id: str, method: str, code: int, duration_ms: float) -> None:
    """The line every call writes. In JSON it is made here, the very line structlog would make
    (tests/test_logs.py compares them), in one orjson.dumps: through structlog's bound logger
    and processors it cost three times as much (41k instructions against 12k), and at a hundred
    calls per request that was a third of a spend's cost. Other formats, and every other line,
    go through structlog."""
    if _calls_as_json:
        _SINK.write(orjson.dumps({"request_id": request_id, "method": method, "code": code, "duration_ms": duration_ms,
                                  "event": "call", "level": "info", "logger": "daemon.calls",
                                  "timestamp": utc_timestamp()}))
    else:
        _CALLS.info("call", request_id=request_id, method=method, code=code, duration_ms=duration_ms)


def _configure_structlog(level: str, renderer: Processor) -> None:
    structlog.configure(
        processors=[_standard_fields, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=_Writer,
        cache_logger_on_first_use=True,
    )


def _standard_fields(logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
    """What structlog's add_log_level, add_logger_name, TimeStamper and ExceptionRenderer add, in
    one step instead of four: it runs for every call's line."""
    event_dict["level"] = _LEVEL_OF_METHOD.get(method_name, method_name)
    event_dict["logger"] = logger.name
    event_dict["timestamp"] = utc_timestamp()
    if "exc_info" in event_dict:
        return _RENDER_EXCEPTION(logger, method_name, event_dict)
    return event_dict


def _add_timestamp(logger: Any, method_name: str, event_dict: EventDict) -> EventDict:
    event_dict["timestamp"] = utc_timestamp()
    return event_dict


_second: tuple[int, str] = (-1, "")


def utc_timestamp() -> str:
    """Now, as RFC 3339 in UTC to the microsecond (2026-12-01T12:00:00.123456Z), as structlog's
    TimeStamper(fmt="iso", utc=True) writes it, at a fraction of its cost: the date and time of
    day are formatted once per second, not for every line."""
    global _second
    now = time.time()
    second = int(now)
    if _second[0] != second:
        _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{_second[1]}.{int((now - second) * 1e6):06d}Z"


def _renderer(format: str) -> Processor:
    console = format == "console" or (format == "auto" and sys.stderr.isatty())
    if not console:
        return structlog.processors.JSONRenderer(serializer=orjson.dumps)
    # the traceback is already text without messages (ExceptionRenderer above): print it as is
    return structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback)


def _as_text(renderer: Processor) -> Processor:
    """The renderer for the standard library's records, whose formatter must return text."""
    def render(logger: Any, name: str, event_dict: EventDict) -> str:
        line = renderer(logger, name, event_dict)
        return line.decode() if isinstance(line, bytes) else str(line)
    return render


class _Sink:
    """Log lines on their way to stderr, buffered: inside an event loop a line waits at most
    LOG_FLUSH_INTERVAL_S, or until LOG_FLUSH_BYTES of lines wait, and they go out in one write.
    A write per line, or even per loop turn, was a system call per call or two under load: a
    third of the spends' throughput at info against warning. Outside a loop (start-up, the CLI's
    other commands) a line is written at once, and at exit whatever waits is written."""

    def __init__(self) -> None:
        self._lines: list[bytes] = []
        self._size = 0
        self._lock = threading.Lock()  # a test may run a daemon in a thread of its own
        # the loop a flush is due on: a loop that ended before its flush came (a CLI command's, a
        # test's) must not keep later lines from scheduling theirs
        self._flush_on: asyncio.AbstractEventLoop | None = None

    def write(self, line: bytes) -> None:
        with self._lock:
            self._lines.append(line)
            self._size += len(line) + 1
            if self._size < LOG_FLUSH_BYTES:
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:
                    loop = None
                if loop is not None:
                    if self._flush_on is not loop:
                        self._flush_on = loop
                        loop.call_later(LOG_FLUSH_INTERVAL_S, self.flush)
                    return
        self.flush()

    def flush(self) -> None:
        with self._lock:
            lines, self._lines, self._size, self._flush_on = self._lines, [], 0, None
            if lines:
                _write_stderr(b"\n".join(lines) + b"\n")


def _write_stderr(data: bytes) -> None:
    stream = sys.stderr  # looked up each time: tests replace it
    with contextlib.suppress(OSError, ValueError):  # a closed or broken stderr must not stop the daemon
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            stream.write(data.decode())
        else:
            stream.flush()  # whatever was printed as text goes first
            buffer.write(data)
            buffer.flush()
        stream.flush()


_SINK = _Sink()
atexit.register(_SINK.flush)


def flush() -> None:
    """Writes the lines still waiting (at exit, or before a process hands over its stderr)."""
    _SINK.flush()


class _Writer:
    """What structlog's bound loggers write their rendered line to: the sink. Its `name` is the
    logger's, for `add_logger_name`."""
    __slots__ = ("name",)

    def __init__(self, name: str = "", *args: Any):
        self.name = name

    def msg(self, line: bytes | str) -> None:
        _SINK.write(line if isinstance(line, bytes) else line.encode())

    debug = info = warning = error = critical = exception = msg


class _SinkHandler(logging.Handler):
    """The standard library's records, formatted by structlog, into the same sink."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _SINK.write(self.format(record).encode())
        except Exception:  # logging's own convention: a bad record is reported, never raised
            self.handleError(record)


def traceback_without_messages(exc_info: tuple[type[BaseException], BaseException, TracebackType | None]) -> str:
    """Where each exception of the chain was raised, and its type, but not its message: a
    message can quote a param, a database row or a raw request header (aiohttp's 400 for a bad
    header quotes the line, token and all), and none of those may reach the log."""
    chain: list[BaseException] = []
    exc: BaseException | None = exc_info[1]
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    lines = ["Traceback (most recent call last; exception messages are not logged):\n"]
    for exc in reversed(chain):  # the first cause first, as Python prints them
        lines += traceback.format_list(traceback.extract_tb(exc.__traceback__))
        lines.append(f"{type(exc).__module__}.{type(exc).__qualname__}\n")
    return "".join(lines)


_RENDER_EXCEPTION = structlog.processors.ExceptionRenderer(traceback_without_messages)


class RateLimitedLog:
    """One warning line per LOG_RATE_INTERVAL_S at most for a kind of event anyone can cause (a
    wrong token, a malformed request), with how many there were: enough to alert on, never a
    flood, and never the request's content."""

    def __init__(self, logger: str, what: str):
        self._log = logging.getLogger(logger)
        self._what = what
        self._count = 0
        self._next = 0.0

    def hit(self) -> None:
        self._count += 1
        now = time.monotonic()
        if now >= self._next:
            self._log.warning("%d %s in the last %.0f s", self._count, self._what, LOG_RATE_INTERVAL_S)
            self._count, self._next = 0, now + LOG_RATE_INTERVAL_S


class _AiohttpErrors(logging.Filter):
    """aiohttp logs each malformed request as an ERROR with its traceback, whose message can quote
    the raw request (token included): counted into one rate-limited line instead."""

    def __init__(self) -> None:
        super().__init__()
        self._rate = RateLimitedLog("daemon.http", "malformed or failed HTTP requests")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Error handling request"):
            self._rate.hit()
            return False
        return True


# Until configure() runs (a daemon inside a test's own process), structlog's loggers keep to what
# the standard library would show there: warnings and errors.
_configure_structlog("warning", structlog.processors.JSONRenderer(serializer=orjson.dumps))
