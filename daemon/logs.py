"""Structured logs through structlog: one JSON object per line on stderr, which journald keeps
as is. Records from the standard library's logging (aiohttp, our modules) go the same way.
Params are never logged, so neither are tokens or secrets inside them, and tracebacks keep
each exception's type and frames but not its message (see `traceback_without_messages`)."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

import structlog
from structlog.typing import Processor

_SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure(level: str = "info") -> None:
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
            structlog.processors.JSONRenderer(),
        ],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # one line per call is ours
    logging.getLogger("alembic").setLevel(logging.WARNING)  # we log each migration applied ourselves
    for name in ("databases", "aiosqlite", "asyncpg"):  # their debug lines show SQL arguments: param values
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))


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
