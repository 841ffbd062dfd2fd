"""The integrations domain: each user's integrations (credentials, OAuth states), encrypted at rest."""

from sqlalchemy import select

from daemon.context import Context
from daemon.domains.integrations.keys import Keyring, load_keyring
from daemon.domains.integrations.methods import get_user_integrations, update_user_integrations
from daemon.domains.integrations.state import KEYRING
from daemon.domains.integrations.tables import encryption_keys
from daemon.errors import ConfigError
from daemon.rpc.registry import Domain
from daemon.settings import Settings


async def start(ctx: Context) -> None:
    """Loads the key file (a bad one is a ConfigError: exit 2) and refuses a database whose rows
    other keys wrote when none of them is in the file: that daemon could read none of those rows,
    and the rows it wrote no other daemon could read."""
    keyring = load_keyring(ctx.settings)
    async with ctx.db.session() as conn:
        recorded = {row[0] for row in await conn.fetch_all(select(encryption_keys.c.fingerprint))}
    _check_known(keyring, recorded)
    keyring.current_recorded = keyring.current in recorded
    ctx.state.set(KEYRING, keyring)


def _check_known(keyring: Keyring, recorded: set[str]) -> None:
    if recorded and recorded.isdisjoint(keyring.fingerprints):
        raise ConfigError("DBM_ENCRYPTION_KEY_FILE: none of its keys is one this database's integrations were "
                          "encrypted with; daemons sharing a database share the key file (see docs/INTEGRATIONS.md)")


def check(settings: Settings) -> None:
    """The key file is readable and holds valid keys (the default one is made if missing)."""
    load_keyring(settings)


async def stop(ctx: Context) -> None:
    ctx.state.pop(KEYRING)


DOMAIN = Domain("integrations", "a user's integrations: credentials and OAuth states, encrypted at rest",
                methods=(get_user_integrations, update_user_integrations), tables=(encryption_keys,),
                start=start, stop=stop, check=check)
