"""Deleting expired OAuth codes and tokens: on call (cleanup_expired_oauth_tokens) and every
DBM_OAUTH_CLEANUP_INTERVAL_S seconds in the background.

A row goes once its expires_at has passed; used and revoked rows stay until then, as in the seed.
Several daemons may sweep at once: each DELETE removes what is expired and still there, so the
second finds nothing left, and each counts only the rows it removed itself."""

from __future__ import annotations

import logging

from daemon.clock import now_rfc3339
from daemon.context import StateKey
from daemon.domains.oauth.tables import oauth_access_tokens, oauth_authorization_codes, oauth_refresh_tokens
from daemon.domains.oauth.types import CleanupCounts
from daemon.periodic import Periodic
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


def sweeper(db: Database, interval_s: float) -> Periodic:
    """delete_expired every `interval_s` seconds, logging what it removed."""
    async def sweep() -> None:
        counts = await delete_expired(db)
        if any(counts.values()):
            log.info("oauth cleanup removed expired grants: %s", counts)
    return Periodic("oauth cleanup", interval_s, sweep, at_start=False)


SWEEPER = StateKey[Periodic]("oauth.sweeper")
