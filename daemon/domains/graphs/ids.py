"""Ids that sort in the order they were made.

Nodes and links have no column that records their order, so their ids carry it: a batch made
by one call is UUIDs in the version-7 layout (the millisecond first) whose random tail counts
up, and so sorts, as text, in the order asked for. A graph's nodes and links are all made by the
call that creates its version, which is why ordering by id reads them back in the order given.
"""

from __future__ import annotations

import secrets
import time
import uuid


def sortable_ids(count: int) -> list[str]:
    """`count` new ids, in ascending order."""
    millis = time.time_ns() // 1_000_000
    shared = (millis << 80) | (0x7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62)
    start = secrets.randbits(61)  # plus count stays below 2**62: the tail never wraps
    return [str(uuid.UUID(int=shared | (start + i))) for i in range(count)]
