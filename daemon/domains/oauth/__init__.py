"""The oauth domain: authorization codes and tokens kept as digests, and their cleanup, on call
and on a schedule (DBM_OAUTH_CLEANUP_INTERVAL_S)."""

from daemon.context import Context
from daemon.domains.oauth.cleanup import SWEEPER, sweeper
from daemon.domains.oauth.methods import (
    cleanup_expired_oauth_tokens,
    create_oauth_access_token,
    create_oauth_authorization_code,
    create_oauth_refresh_token,
)
from daemon.domains.oauth.tables import oauth_access_tokens, oauth_authorization_codes, oauth_refresh_tokens
from daemon.rpc.registry import Domain


async def start(ctx: Context) -> None:
    """The scheduled cleanup, unless DBM_OAUTH_CLEANUP_INTERVAL_S is 0."""
    if ctx.settings.oauth_cleanup_interval_s > 0:
        job = sweeper(ctx.db, ctx.settings.oauth_cleanup_interval_s)
        job.start()
        ctx.state.set(SWEEPER, job)


async def stop(ctx: Context) -> None:
    job = ctx.state.pop(SWEEPER)
    if job is not None:
        await job.stop()


DOMAIN = Domain(
    "oauth", "OAuth authorization codes, access and refresh tokens (as SHA-256 digests), and their cleanup",
    methods=(create_oauth_authorization_code, create_oauth_access_token, create_oauth_refresh_token,
             cleanup_expired_oauth_tokens),
    tables=(oauth_authorization_codes, oauth_access_tokens, oauth_refresh_tokens), start=start, stop=stop,
)
