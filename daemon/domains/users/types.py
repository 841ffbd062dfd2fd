"""The users domain's params and results."""

from typing import Annotated, TypedDict

from daemon.domains.types import JsonObject, Timestamp
from daemon.rpc.schema import Doc, Len

Email = Annotated[str, Len(3, 320), Doc("unique across users")]


class User(TypedDict):
    id: str
    email: str
    name: str | None
    metadata: JsonObject
    created_at: Timestamp
