"""Where the integrations domain keeps its keyring between calls."""

from daemon.context import StateKey
from daemon.domains.integrations.keys import Keyring

KEYRING = StateKey[Keyring]("integrations.keyring")
