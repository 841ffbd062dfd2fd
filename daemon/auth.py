"""Bearer tokens from DBM_AUTH_TOKENS_FILE: `TOKEN` (every method) or `TOKEN GLOB[,GLOB…]`."""

from __future__ import annotations

import dataclasses
import fnmatch
import hmac
from pathlib import Path

from daemon.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Grant:
    globs: tuple[str, ...]

    def allows(self, method: str) -> bool:
        return any(fnmatch.fnmatchcase(method, g) for g in self.globs)


EVERYTHING = Grant(("*",))


class Tokens:
    def __init__(self, grants: dict[bytes, Grant]):
        self._grants = grants

    def __repr__(self) -> str:
        return f"Tokens({len(self._grants)} tokens)"

    @classmethod
    def load(cls, path: Path) -> "Tokens":
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise ConfigError("DBM_AUTH_TOKENS_FILE cannot be read") from None
        grants = {}
        for line in text.splitlines():
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            globs = tuple(g for g in parts[1].split(",") if g) if len(parts) > 1 else ("*",)
            grants[parts[0].encode()] = Grant(globs)
        if not grants:
            raise ConfigError("DBM_AUTH_TOKENS_FILE holds no token")
        return cls(grants)

    def grant_for(self, authorization: str | None) -> Grant | None:
        """The grant of a valid `Bearer TOKEN` header, or None. Every token is compared, in
        constant time, so the answer's timing does not tell how much of a token was right."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        presented = authorization[len("Bearer "):].strip().encode()
        found = None
        for token, grant in self._grants.items():
            if hmac.compare_digest(token, presented):
                found = grant
        return found

