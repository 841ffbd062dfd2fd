"""Two users, alice and bob, and what a new user is."""

import pytest

from daemon.domains.users.tables import NOTIFY_FLAGS

# every field of a new user but id, email and the two times
NEW_USER_DEFAULTS = {"email_verified": True, "name": None, "metadata": {}, "stripe_customer_id": None,
                     "top_up_config": None, "max_emails_per_day": 3, "timezone": "not-set",
                     **dict.fromkeys(NOTIFY_FLAGS, True)}


@pytest.fixture
async def people(rpc):
    """alice and bob, as create_user made them: {user id: User}."""
    return {user: await rpc.result("create_user", {"email": f"{user}@x.io", "user_id": user})
            for user in ("alice", "bob")}
