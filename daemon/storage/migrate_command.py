"""`dbmanager migrate`."""

from daemon.settings import Settings
from daemon.storage.database import Database
from daemon.storage.migrations import migrate


async def migrate_command(settings: Settings) -> list[int]:
    db = Database(settings.database_url, 1)
    await db.connect()
    try:
        return await migrate(db)
    finally:
        await db.disconnect()
