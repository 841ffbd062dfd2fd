"""The streak rule on its own: local calendar days, across midnights that UTC does not share."""

from datetime import UTC, datetime

from daemon.domains.onboarding.streak import next_streak, reached, user_zone

NEW_YORK, TOKYO = user_zone("America/New_York"), user_zone("Asia/Tokyo")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_first_run_is_day_one():
    assert next_streak(None, 0, _at("2026-03-02T04:30:00Z"), NEW_YORK) == 1


def test_the_next_local_day_adds_one_though_utc_sees_the_same_day():
    # 23:30 and 00:30 New York time: two local days, one UTC day
    assert next_streak(_at("2026-03-02T04:30:00Z"), 1, _at("2026-03-02T05:30:00Z"), NEW_YORK) == 2
    assert next_streak(_at("2026-03-02T04:30:00Z"), 1, _at("2026-03-02T05:30:00Z"), UTC) == 1


def test_the_same_local_day_keeps_the_streak_though_utc_sees_the_next_day():
    # 14:00 and 23:00 New York time on March 2: UTC puts the second on March 3
    assert next_streak(_at("2026-03-02T19:00:00Z"), 4, _at("2026-03-03T04:00:00Z"), NEW_YORK) == 4
    assert next_streak(_at("2026-03-02T19:00:00Z"), 4, _at("2026-03-03T04:00:00Z"), UTC) == 5


def test_a_skipped_local_day_starts_again():
    # Tokyo: 08:00 on March 1, then 00:30 on March 3 (March 2 in UTC, the day after the first run's)
    assert next_streak(_at("2026-02-28T23:00:00Z"), 6, _at("2026-03-02T15:30:00Z"), TOKYO) == 1
    assert next_streak(_at("2026-02-28T23:00:00Z"), 6, _at("2026-03-01T15:30:00Z"), UTC) == 7


def test_daylight_saving_days_are_still_one_day_each():
    # New York springs forward on 2026-03-08: a 23-hour day
    assert next_streak(_at("2026-03-08T04:59:00Z"), 2, _at("2026-03-09T03:59:00Z"), NEW_YORK) == 3


def test_unknown_or_unset_zones_are_utc():
    assert user_zone("not-set") is UTC and user_zone("Mars/Olympus_Mons") is UTC


def test_milestones_in_the_seeds_order():
    assert reached(9, 2) == [] and reached(10, 3) == ["RUN_AGENTS", "RUN_3_DAYS"]
    assert reached(100, 14) == ["RUN_AGENTS", "RUN_AGENTS_100", "RUN_3_DAYS", "RUN_14_DAYS"]
