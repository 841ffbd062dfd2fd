"""Methods, the domains that own them, and the registry the app builds from its domains.

A method is a plain typed async function, `async def get_credits(ctx: Context, user_id: UserId) -> int`,
marked with `@rpc_method(...)`. The mark only describes it; nothing is registered by importing
a module. A `Domain` lists its methods (and its tables and start/stop hooks), and
`Registry(domains)` combines the domains the app serves, explicitly (`daemon.domains.DOMAINS`).
From each signature come the param checks (`daemon.rpc.params`), from its return annotation the
result schema (`daemon.rpc.schema`); both are published by `rpc.discover`.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from daemon.errors import RpcError
from daemon.rpc.params import ParamSpec
from daemon.rpc.schema import schema_of

if TYPE_CHECKING:
    from sqlalchemy import Table

    from daemon.context import Context
    from daemon.settings import Settings

Retry = Literal["safe", "keyed", "unsafe"]
"""Whether a retry after -32002/-32003 or a lost answer is harmless: `safe` (a read, or a write
that gives the same result twice), `keyed` (harmless when the retry carries the same
`transaction_key`), `unsafe` (it may apply twice)."""

Hook = Callable[["Context"], Awaitable[None]]
Check = Callable[["Settings"], None]
Dialect = Literal["sqlite", "postgresql"]
ALL_DIALECTS: frozenset[Dialect] = frozenset({"sqlite", "postgresql"})


@dataclasses.dataclass(frozen=True)
class MethodMark:
    """What `@rpc_method` records on a function."""
    name: str | None
    errors: tuple[type[RpcError], ...]
    retry: Retry
    uses_stores: bool


F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def rpc_method(*, errors: tuple[type[RpcError], ...] = (), retry: Retry, name: str | None = None,
               uses_stores: bool = True) -> Callable[[F], F]:
    """Marks a typed async function as a JSON-RPC method (under `name`, default its own).
    `uses_stores=False` says it answers from memory without awaiting anything: it then runs
    without the call deadline and call slot that bound everything that waits on a store."""
    def mark(func: F) -> F:
        func.__rpc_method__ = MethodMark(name, errors, retry, uses_stores)  # type: ignore[attr-defined]
        return func
    return mark


@dataclasses.dataclass(frozen=True)
class RpcMethod:
    name: str
    domain: str
    func: Callable[..., Awaitable[Any]]
    params: list[ParamSpec]
    summary: str
    result: dict[str, Any]  # JSON Schema of the result, from the return annotation
    errors: tuple[type[RpcError], ...]
    retry: Retry
    uses_stores: bool = True

    @classmethod
    def of(cls, func: Callable[..., Awaitable[Any]], domain: str) -> RpcMethod:
        mark = getattr(func, "__rpc_method__", None)
        if not isinstance(mark, MethodMark):
            raise TypeError(f"{func.__qualname__} is not marked with @rpc_method")
        params = ParamSpec.from_function(func)
        if mark.retry == "keyed" and "transaction_key" not in {p.name for p in params}:
            raise TypeError(f"{func.__qualname__}: a keyed method takes a transaction_key")
        hints = typing.get_type_hints(func, include_extras=True)
        if "return" not in hints:
            raise TypeError(f"{func.__qualname__}: an RPC method's return annotation is its result schema")
        return cls(name=mark.name or func.__name__, domain=domain, func=func, params=params,
                   summary=inspect.getdoc(func) or "", result=schema_of(hints["return"]),
                   errors=mark.errors, retry=mark.retry, uses_stores=mark.uses_stores)


@dataclasses.dataclass(frozen=True)
class Domain:
    """One area of the API: its methods, the tables it owns, and state it starts and stops
    (the spend batcher, say). `dialects` are the databases it runs on. `check` looks at the
    domain's own configuration before any store starts, so that a ConfigError there is the one
    line `serve` prints (exit 2), not a line after the migrations' log. `unmodelled` names SQL
    objects its revisions make that its tables cannot declare (a full-text index, an FTS5 table and
    the tables named after it): Alembic's comparison leaves them out."""
    name: str
    summary: str
    methods: Sequence[Callable[..., Awaitable[Any]]]
    tables: Sequence[Table] = ()
    dialects: frozenset[Dialect] = ALL_DIALECTS
    start: Hook | None = None
    stop: Hook | None = None
    check: Check | None = None
    unmodelled: Sequence[str] = ()


class Registry:
    """The methods of the domains an app serves, by name."""

    def __init__(self, domains: Sequence[Domain]):
        self.domains = tuple(domains)
        self.methods: dict[str, RpcMethod] = {}
        for domain in self.domains:
            for func in domain.methods:
                method = RpcMethod.of(func, domain.name)
                if method.name in self.methods:
                    raise ValueError(f"method {method.name} is declared twice")
                self.methods[method.name] = method

    def __contains__(self, name: str) -> bool:
        return name in self.methods

    def __getitem__(self, name: str) -> RpcMethod:
        return self.methods[name]

    def for_dialect(self, dialect: str) -> Registry:
        """Only the domains that run on this database."""
        return Registry([d for d in self.domains if dialect in d.dialects])
