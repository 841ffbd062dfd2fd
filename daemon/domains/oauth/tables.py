"""OAuth grants: authorization codes, access tokens and refresh tokens (SEED_MODEL.md §8).

Codes and tokens are kept as the SHA-256 hex digest of their plaintext (`digest`), never the
plaintext: a leaked table hands out nothing usable. Each table is indexed on `expires_at`, which
is what the cleanup deletes by. There is no applications table here: `application_id` is the
caller's name for the client application, kept as given."""

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text

from daemon.storage.metadata import Name, Timestamp, metadata


def _grant_table(name: str, closed_column: str) -> Table:
    """One of the three tables; `closed_column` is when it stopped being usable (used or revoked)."""
    return Table(
        name, metadata,
        Column("id", Name, primary_key=True),
        Column("digest", String(64), nullable=False, unique=True),  # SHA-256 hex of the code or token
        Column("application_id", Name, nullable=False),
        Column("user_id", Name, ForeignKey("users.id"), nullable=False),
        Column("scopes", Text, nullable=False),  # JSON list of strings
        Column("expires_at", Timestamp, nullable=False),
        Column(closed_column, Timestamp, nullable=True),
        Column("created_at", Timestamp, nullable=False),
        Index(f"ix_{name}_expires_at", "expires_at"),
    )


oauth_authorization_codes = _grant_table("oauth_authorization_codes", "used_at")
oauth_access_tokens = _grant_table("oauth_access_tokens", "revoked_at")
oauth_refresh_tokens = _grant_table("oauth_refresh_tokens", "revoked_at")
