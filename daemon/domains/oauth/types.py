"""The oauth domain's params and results."""

from __future__ import annotations

from typing import Annotated, TypedDict

from daemon.domains.types import Timestamp
from daemon.rpc.schema import Doc, Len

ApplicationId = Annotated[str, Len(1, 255), Doc("the client application's id, kept as given")]
Scope = Annotated[str, Len(1, 255)]
Secret = Annotated[str, Len(1, 2048), Doc("the plaintext: only its SHA-256 digest is stored, and it is never returned")]


class Grant(TypedDict):
    id: str
    expires_at: Timestamp


class CleanupCounts(TypedDict):
    authorization_codes: int
    access_tokens: int
    refresh_tokens: int
