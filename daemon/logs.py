"""Structured logs through structlog: one JSON object per line on stderr, which journald keeps
as is, or, when stderr is a terminal (DBM_LOG_FORMAT=auto) or asked for, aligned lines a person
can read, with the same fields. Records from the standard library's logging (aiohttp, our modules) go the same way.
Params are never logged, so neither are tokens or secrets inside them, and tracebacks keep
each exception's type and frames but not its message (see `traceback_without_messages`)."""

from __future__ import annotations

import logging
import sys
import time
import traceback
from types import TracebackType

import structlog
from structlog.typing import Processor

from daemon.constants import LOG_RATE_INTERVAL_S

_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure(level: str = "info", format: str = "auto") -> None:
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.ExceptionRenderer(traceback_without_messages),
            _renderer(format),
        ],
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


def _renderer(format: str) -> Processor:
    console = format == "console" or (format == "auto" and sys.stderr.isatty())
    if not console:
        return structlog.processors.JSONRenderer()
    # the traceback is already text without messages (ExceptionRenderer above): print it as is
    return structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback)


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
