"""The oauth domain's methods: create a code or a token (API.md), and delete expired ones (SEED_MODEL.md §8)."""

from __future__ import annotations

from typing import Annotated

from daemon.context import Context
from daemon.domains.oauth import cleanup, grants
from daemon.domains.oauth.tables import oauth_access_tokens, oauth_authorization_codes, oauth_refresh_tokens
from daemon.domains.oauth.types import ApplicationId, CleanupCounts, Grant, Scope, Secret
from daemon.domains.types import DateTime, UserId
from daemon.errors import Conflict, NotFound
from daemon.rpc.registry import rpc_method
from daemon.rpc.schema import Doc

Scopes = Annotated[list[Scope], Doc("the permissions granted, each 1–255 characters")]


@rpc_method(errors=(NotFound, Conflict), retry="safe")
async def create_oauth_authorization_code(ctx: Context, user_id: UserId, application_id: ApplicationId,
                                          scopes: Scopes, expires_at: DateTime, code: Secret) -> Grant:
    """Records an authorization code, as its SHA-256 digest; the plaintext is never stored or returned.

    A retry of the same call answers the same row; a code taken by another call is 1003 (data.param
    `code`); an unknown user 1002."""
    return await grants.create(ctx.db, oauth_authorization_codes, "code", code, user_id, application_id, scopes,
                               expires_at)


@rpc_method(errors=(NotFound, Conflict), retry="safe")
async def create_oauth_access_token(ctx: Context, user_id: UserId, application_id: ApplicationId,
                                    scopes: Scopes, expires_at: DateTime, token: Secret) -> Grant:
    """Records an access token, as its SHA-256 digest; the plaintext is never stored or returned.

    A retry of the same call answers the same row; a token taken by another call is 1003 (data.param
    `token`); an unknown user 1002."""
    return await grants.create(ctx.db, oauth_access_tokens, "token", token, user_id, application_id, scopes,
                               expires_at)


@rpc_method(errors=(NotFound, Conflict), retry="safe")
async def create_oauth_refresh_token(ctx: Context, user_id: UserId, application_id: ApplicationId,
                                     scopes: Scopes, expires_at: DateTime, token: Secret) -> Grant:
    """Records a refresh token, as its SHA-256 digest; the plaintext is never stored or returned.

    A retry of the same call answers the same row; a token taken by another call is 1003 (data.param
    `token`); an unknown user 1002."""
    return await grants.create(ctx.db, oauth_refresh_tokens, "token", token, user_id, application_id, scopes,
                               expires_at)


@rpc_method(retry="safe")
async def cleanup_expired_oauth_tokens(ctx: Context) -> CleanupCounts:
    """Deletes the codes and tokens whose expires_at has passed (used or revoked ones stay until then); how many of each.

    The daemon also runs it every DBM_OAUTH_CLEANUP_INTERVAL_S seconds."""
    return await cleanup.delete_expired(ctx.db)
