"""The integrations domain: each user's integrations (credentials, OAuth states), encrypted at rest."""

from daemon.domains.integrations.tables import encryption_keys
from daemon.rpc.registry import Domain

DOMAIN = Domain("integrations", "a user's integrations: credentials and OAuth states, encrypted at rest",
                methods=(), tables=(encryption_keys,))
