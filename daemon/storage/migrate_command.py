"""`dbmanager migrate`."""

from daemon.settings import Settings
from daemon.storage.database import Database
from daemon.storage.migrate import upgrade


async def migrate_command(settings: Settings) -> list[str]:
    db = Database(settings.database_url, 1, settings.call_timeout_s)
    await db.connect()  # the same reachability check and errors as serve (a SQLite file's folder is made)
    try:
        return await upgrade(settings.database_url)
    finally:
        await db.disconnect()
