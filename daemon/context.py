"""What a method is handed as `ctx`: the typed face of the running daemon.

Methods see only this Protocol, not `daemon.services.Services`, so a domain depends on the
few things it uses and a type checker holds every domain to them. State that a domain starts
itself (the spend batcher, say) lives in `ctx.state` under a typed `StateKey`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

if TYPE_CHECKING:
    from daemon.rpc.registry import Registry
    from daemon.settings import Settings
    from daemon.storage.database import Database

T = TypeVar("T")


class StateKey(Generic[T]):
    """A typed key into `ctx.state`: `BATCHER = StateKey[SpendBatcher]("credits.batcher")`."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"StateKey({self.name!r})"


class State:
    """Domain state by typed key; a missing key reads as None."""

    def __init__(self) -> None:
        self._values: dict[StateKey[Any], Any] = {}

    def get(self, key: StateKey[T]) -> T | None:
        return self._values.get(key)

    def set(self, key: StateKey[T], value: T) -> None:
        self._values[key] = value

    def pop(self, key: StateKey[T]) -> T | None:
        return cast("T | None", self._values.pop(key, None))


class Context(Protocol):
    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...

    @property
    def registry(self) -> Registry: ...

    @property
    def openrpc(self) -> dict[str, Any]:
        """The OpenRPC document of the methods this daemon serves, naming where it listens."""

    @property
    def state(self) -> State: ...

    def audit_committed(self) -> None:
        """Wakes the audit relay: a transaction with outbox rows has committed."""

    def events_committed(self) -> None:
        """Wakes the execution events relay: a transaction with events_outbox rows has committed."""
