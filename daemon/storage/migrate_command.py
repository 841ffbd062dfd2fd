"""`dbmanager migrate`."""

from daemon.errors import ConfigError, StartupError, Unavailable
from daemon.settings import Settings
from daemon.storage.database import Database, is_refused_for_good, is_unreachable
from daemon.storage.migrate import upgrade


async def migrate_command(settings: Settings) -> list[str]:
    """The revisions applied. A database that does not answer is one line (exit 1), as for serve."""
    from daemon.services import prepare_state_dir  # the same check as serve's
    prepare_state_dir(settings)
    db = Database(settings.database_url, 1, settings.call_timeout_s, settings.pgbouncer)
    try:
        await db.connect()  # the same reachability check as serve (a SQLite file's folder is made)
        try:
            return await upgrade(settings.database_url)
        finally:
            await db.disconnect()
    except Exception as exc:
        if is_refused_for_good(exc):
            raise ConfigError(f"the database refused the connection: {exc}") from None
        if isinstance(exc, Unavailable) or is_unreachable(exc):
            cause = exc.__cause__ if isinstance(exc, Unavailable) and exc.__cause__ else exc
            raise StartupError(f"the database did not answer ({type(cause).__name__})") from None
        raise
