"""The `dbmanager` command (also `python -m daemon`): thin; the work lives in the modules it calls."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Coroutine, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from daemon import logs
from daemon.constants import TAIL_RECLAIM_IDLE_MS
from daemon.errors import ConfigError, StartupError
from daemon.settings import SETTINGS, Settings

if TYPE_CHECKING:
    from daemon.streams.source import Source

T = TypeVar("T")

# The settings each command reads besides serve (which reads them all), so that its --help and
# flags offer only those
_LOGS = ("log_level", "log_format")
_READS: dict[str, tuple[str, ...]] = {
    "migrate": ("state_dir", "database_url", "pgbouncer", "call_timeout_s", *_LOGS),
    "check": ("host", "port"),
    "audit tail": ("state_dir", "redis_url", "audit_stream", "call_timeout_s", *_LOGS),
    "audit verify": ("state_dir", "database_url", "pgbouncer", "redis_url", "audit_stream", "call_timeout_s", *_LOGS),
    "audit repair": ("state_dir", "database_url", "pgbouncer", "redis_url", "audit_stream", "call_timeout_s", *_LOGS),
    "events tail": ("state_dir", "redis_url", "events_stream", "call_timeout_s", *_LOGS),
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.umask(0o077)  # the ledger and the audit stream are nobody else's: state dirs 0700, files 0600
    try:
        settings = Settings.load({s.field: getattr(args, s.field, None) for s in SETTINGS})
        logs.configure(settings.log_level, settings.log_format)
        return _run(args, settings)
    except ConfigError as exc:
        print(f"dbmanager: configuration error: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"dbmanager: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        from daemon.serve import serve
        _run_loop(serve(settings))
        return 0
    if args.command == "migrate":
        from daemon.storage.migrate_command import migrate_command
        applied = _run_loop(migrate_command(settings))
        if args.json:
            print(orjson.dumps({"applied": applied}).decode())
        else:
            print("\n".join(f"applied migration {a}" for a in applied) if applied else "no migrations pending")
        return 0
    if args.command == "openrpc":
        from daemon.domains import DOMAINS
        from daemon.rpc.discover import openrpc_document, rpc_url
        from daemon.rpc.registry import Registry
        document = openrpc_document(Registry(DOMAINS), rpc_url(settings.host, settings.port))
        print(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
        return 0
    if args.command == "check":
        from daemon.check import check
        return 0 if _run_loop(check(settings, args.json)) else 1
    from daemon.streams import commands
    if args.stream_command == "tail":
        source = _source(args.command)
        _run_loop(commands.tail(settings, source, args.follow, args.group, args.consumer, args.min_idle_ms))
        return 0
    if args.stream_command == "repair":
        return 0 if _run_loop(commands.repair(settings)) else 1
    return 0 if _run_loop(commands.verify(settings)) else 1


def _source(command: str) -> Source:
    from daemon.streams.audit import AUDIT
    from daemon.streams.events import EVENTS
    return {"audit": AUDIT, "events": EVENTS}[command]


def _run_loop(coro: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dbmanager", description="The database daemon: JSON-RPC 2.0 over HTTP, "
                                     "a credit ledger and an exactly-once audit stream.")
    parser.add_argument("--version", action="version", version=f"dbmanager {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _with_settings(commands.add_parser("serve", help="run the daemon in the foreground (applies migrations first)"))
    migrate_parser = _with_settings(commands.add_parser("migrate", help="apply pending schema migrations and exit"),
                                    _READS["migrate"])
    migrate_parser.add_argument("--json", action="store_true", help='print {"applied": [...]} instead of lines')
    check_parser = _with_settings(commands.add_parser("check", help="exit 0 when the daemon's stores answer, 1 otherwise"),
                                  _READS["check"])
    check_parser.add_argument("--json", action="store_true", help="print one JSON object instead of a line of words")
    openrpc_parser = commands.add_parser("openrpc", help="print the OpenRPC document (rpc.discover's answer, "
                                         "GET /openrpc.json) and exit; its server is DBM_HOST and DBM_PORT")
    _with_settings(openrpc_parser, ("host", "port"))
    audit = commands.add_parser("audit", help="read and check the audit stream")
    audit_commands = audit.add_subparsers(dest="stream_command", required=True, metavar="AUDIT_COMMAND")
    _tail_parser(audit_commands, "audit", "print audit entries as JSON lines")
    _with_settings(audit_commands.add_parser("verify", help="compare the ledger with the audit stream; exit 1 on any "
                                             "difference"), _READS["audit verify"])
    _with_settings(audit_commands.add_parser("repair", help="append from the ledger every transaction the audit stream "
                                             "lost (what verify reports missing), once; then verify"),
                   _READS["audit repair"])
    events = commands.add_parser("events", help="read the execution event stream")
    events_commands = events.add_subparsers(dest="stream_command", required=True, metavar="EVENTS_COMMAND")
    _tail_parser(events_commands, "events", "print execution events as JSON lines")
    return parser


def _tail_parser(subcommands: Any, stream: str, summary: str) -> None:
    """`<stream> tail`: the same flags for every stream."""
    tail = _with_settings(subcommands.add_parser("tail", help=summary), _READS[f"{stream} tail"])
    tail.add_argument("--follow", action="store_true", help="keep printing new entries")
    tail.add_argument("--group", help="read as this consumer group: acknowledge, and reclaim stuck entries")
    tail.add_argument("--consumer", help="consumer name within --group (default dbmanager-cli)")
    tail.add_argument("--min-idle-ms", type=int, default=TAIL_RECLAIM_IDLE_MS,
                      help="with --group: reclaim entries another consumer left unacknowledged this long "
                           f"(default {TAIL_RECLAIM_IDLE_MS})")


def _version() -> str:
    try:
        return version("dbmanager")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def _with_settings(parser: argparse.ArgumentParser, fields: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Adds a flag for each setting the command reads (every one when `fields` is None)."""
    group = parser.add_argument_group("settings (each also read from its environment variable)")
    for s in SETTINGS:
        if fields is not None and s.field not in fields:
            continue
        default = f" (default: {s.default})" if s.default else ""
        group.add_argument(s.flag, dest=s.field, metavar=s.env, help=f"{s.help}{default}")
    return parser
