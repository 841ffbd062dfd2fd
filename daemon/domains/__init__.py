"""The domains the daemon serves, listed explicitly: the app is these, combined by
`daemon.rpc.registry.Registry`. A new domain is a package here (see docs/ARCHITECTURE.md) and
one entry in DOMAINS."""

from typing import Any

from sqlalchemy import MetaData, Table

from daemon.domains import (
    analytics,
    credits,
    executions,
    graphs,
    integrations,
    library,
    notifications,
    oauth,
    onboarding,
    reviews,
    store,
    system,
    users,
)
from daemon.rpc.registry import Domain
from daemon.storage.metadata import metadata
from daemon.streams.tables import audit_outbox

DOMAINS: tuple[Domain, ...] = (system.DOMAIN, users.DOMAIN, credits.DOMAIN, graphs.DOMAIN, executions.DOMAIN,
                               integrations.DOMAIN, notifications.DOMAIN, reviews.DOMAIN, store.DOMAIN,
                               library.DOMAIN, onboarding.DOMAIN, oauth.DOMAIN, analytics.DOMAIN)

# Tables no one domain owns: the outbox that feeds the streams
SHARED_TABLES: tuple[Table, ...] = (audit_outbox,)


def schema() -> MetaData:
    """The metadata holding every table of the daemon (what Alembic compares the database with).
    Importing this module imported every domain, so each one's tables have joined it."""
    return metadata


def declared_tables() -> list[Table]:
    """Every table some domain (or SHARED_TABLES) declares: a test holds this equal to `schema()`."""
    return [*SHARED_TABLES, *(table for domain in DOMAINS for table in domain.tables)]


def compared(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's include_object: everything but the SQL objects a domain declares unmodelled
    (an FTS5 table's own tables carry its name and an underscore)."""
    unmodelled = {n for domain in DOMAINS for n in domain.unmodelled}
    return name is None or not any(name == n or name.startswith(n + "_") for n in unmodelled)
