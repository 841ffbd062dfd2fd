"""Rules of the ledger that both spend paths (one call, group commit) share."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from daemon.errors import Conflict


def request_hash(tx_type: str, request: dict[str, Any]) -> str:
    """What a write asked for, hashed: a retry with the same transaction_key must ask the same."""
    return hashlib.sha256(orjson.dumps({"type": tx_type, **request}, option=orjson.OPT_SORT_KEYS)).hexdigest()


def reused_key(key: str | None) -> Conflict:
    return Conflict({"transaction_key": key, "reason": "this transaction_key was used with other params"})
