"""Deleting expired OAuth codes and tokens: on call (cleanup_expired_oauth_tokens) and every
DBM_OAUTH_CLEANUP_INTERVAL_S seconds in the background.

A row goes once its expires_at has passed; used and revoked rows stay until then, as in the seed.
Several daemons may sweep at once: each DELETE removes what is expired and still there, so the
second finds nothing left, and each counts only the rows it removed itself."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from daemon.clock import now_rfc3339
from daemon.context import StateKey
from daemon.domains.oauth.tables import oauth_access_tokens, oauth_authorization_codes, oauth_refresh_tokens
from daemon.domains.oauth.types import CleanupCounts
from daemon.storage.database import Database

log = logging.getLogger(__name__)

_TABLES = (("authorization_codes", oauth_authorization_codes), ("access_tokens", oauth_access_tokens),
           ("refresh_tokens", oauth_refresh_tokens))


async def delete_expired(db: Database) -> CleanupCounts:
    """Deletes every row whose expires_at has passed, in one transaction; how many from each table."""
    now = now_rfc3339()
    counts: dict[str, int] = {}
    async with db.write() as conn:
        for name, table in _TABLES:
            gone = await conn.fetch_all(table.delete().where(table.c.expires_at < now).returning(table.c.id))
            counts[name] = len(gone)
    return {"authorization_codes": counts["authorization_codes"], "access_tokens": counts["access_tokens"],
            "refresh_tokens": counts["refresh_tokens"]}


class OAuthSweeper:
    """Runs delete_expired every `interval_s` seconds until stopped."""

    def __init__(self, db: Database, interval_s: float):
        self._db, self._interval_s = db, interval_s
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="oauth-sweeper")

    async def stop(self) -> None:
        """Asks the loop to end (a cancel inside a pooled call could strand its connection)."""
        self._stopping.set()
        if self._task is not None:
            done, _ = await asyncio.wait({self._task}, timeout=5)
            if not done:
                self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval_s):
                    await self._stopping.wait()
            if self._stopping.is_set():
                return
            try:
                counts = await delete_expired(self._db)
            except Exception as exc:  # a store that is down: try again next time
                log.warning("oauth cleanup paused: %s; retrying", type(exc).__name__)
            else:
                if any(counts.values()):
                    log.info("oauth cleanup removed expired grants: %s", counts)


SWEEPER = StateKey[OAuthSweeper]("oauth.sweeper")
