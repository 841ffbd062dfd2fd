"""The users domain: who holds a balance, their profile and their notification preferences."""

from daemon.domains.users.communication import (
    get_active_user_ids_in_timerange,
    get_user_email_by_id,
    get_user_email_verification,
)
from daemon.domains.users.methods import create_user, get_user_by_id, update_user
from daemon.domains.users.preferences import get_user_notification_preference, update_user_notification_preference
from daemon.domains.users.tables import users
from daemon.rpc.registry import Domain

DOMAIN = Domain(
    "users", "users: create, read and change one; their email and notification preferences; who was active",
    methods=(create_user, get_user_by_id, update_user, get_user_email_by_id, get_user_email_verification,
             get_active_user_ids_in_timerange, get_user_notification_preference,
             update_user_notification_preference),
    tables=(users,),
)
