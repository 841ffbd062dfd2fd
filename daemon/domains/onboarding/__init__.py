"""The onboarding domain: a user's agent runs, their streak of days, and the milestone rewards."""

from daemon.domains.onboarding.methods import increment_onboarding_runs
from daemon.domains.onboarding.tables import user_onboarding
from daemon.rpc.registry import Domain

DOMAIN = Domain("onboarding", "onboarding: agent runs, run streaks in the user's timezone, milestone rewards",
                methods=(increment_onboarding_runs,), tables=(user_onboarding,))
