"""The users domain: who holds a balance."""

from daemon.domains.users.methods import create_user, get_user_by_id
from daemon.domains.users.tables import users
from daemon.rpc.registry import Domain

DOMAIN = Domain("users", "users: create one, read one", methods=(create_user, get_user_by_id), tables=(users,))
