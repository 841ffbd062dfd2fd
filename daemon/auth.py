"""Bearer tokens from DBM_AUTH_TOKENS_FILE: `TOKEN` (every method) or `TOKEN GLOB[,GLOB…]`."""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import hashlib
import hmac
from pathlib import Path

from daemon.constants import MIN_TOKEN_CHARS
from daemon.errors import ConfigError


@dataclasses.dataclass(frozen=True)
class Grant:
    globs: tuple[str, ...]

    def allows(self, method: str) -> bool:
        return _matches(self.globs, method)


@functools.lru_cache(maxsize=4096)  # asked for every call: matching the globs each time was a hot spot
def _matches(globs: tuple[str, ...], method: str) -> bool:
    return any(fnmatch.fnmatchcase(method, g) for g in globs)


EVERYTHING = Grant(("*",))


class Tokens:
    def __init__(self, grants: dict[bytes, Grant]):
        self._grants = grants  # sha256 of each token → its grant

    def __repr__(self) -> str:
        return f"Tokens({len(self._grants)} tokens)"

    @classmethod
    def load(cls, path: Path) -> Tokens:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise ConfigError("DBM_AUTH_TOKENS_FILE cannot be read") from None
        grants = {}
        for number, line in enumerate(text.splitlines(), 1):
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            if len(parts) > 2:  # e.g. "TOKEN get_*, ping": a silently dropped glob would surprise
                raise ConfigError(f"DBM_AUTH_TOKENS_FILE line {number}: "
                                  "expected TOKEN or TOKEN GLOB[,GLOB…] (no spaces in the list)")
            if len(parts[0]) < MIN_TOKEN_CHARS:  # a short token can be guessed; its text is never shown
                raise ConfigError(f"DBM_AUTH_TOKENS_FILE line {number}: a token is at least {MIN_TOKEN_CHARS} characters")
            globs = tuple(g for g in parts[1].split(",") if g) if len(parts) > 1 else ("*",)
            grants[_digest(parts[0])] = Grant(globs)
        if not grants:
            raise ConfigError("DBM_AUTH_TOKENS_FILE holds no token")
        return cls(grants)

    def grant_for(self, authorization: str | None) -> Grant | None:
        """The grant of a valid `Bearer TOKEN` header, or None. Every token is compared, in
        constant time, so the answer's timing does not tell how much of a token was right."""
        scheme, _, presented = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":  # the scheme is case-insensitive (RFC 7235)
            return None
        presented_digest = _digest(presented.strip())
        found = None
        for token_digest, grant in self._grants.items():
            if hmac.compare_digest(token_digest, presented_digest):
                found = grant
        return found


def _digest(token: str) -> bytes:
    """Tokens are compared as digests, which also hides their length from the timing. aiohttp
    keeps a header's bytes that are not UTF-8 as surrogates: surrogateescape turns them back
    into bytes, where a strict encode would raise (an HTTP 500)."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()
