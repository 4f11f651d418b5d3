"""Is weekly progress counted right, in the user's own time zone, even around midnight?"""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.core.time import local_today
from portal.models.practice import CheckIn, Practice
from portal.services.practice import check_in, weekly_progress
from tests.factories import make_check_in, make_practice, make_user


def _practice(start=date(2026, 3, 2), days=21, per_week=3) -> Practice:
    return Practice(starts_on=start, ends_on=start + timedelta(days=days - 1), per_week=per_week)


def test_three_full_weeks_count_check_ins_per_week():
    practice = _practice()
    days = [date(2026, 3, 2), date(2026, 3, 8), date(2026, 3, 9), date(2026, 3, 22)]
    progress = weekly_progress(practice, days)
    assert [w.count for w in progress.weeks] == [2, 1, 1]
    assert [w.target for w in progress.weeks] == [3, 3, 3]
    assert progress.count == 4 and progress.target == 9
    assert progress.weeks_met == 0


def test_two_check_ins_on_one_day_are_one_day_practised():
    """A note check-in and "Practised today" on the same day: "1 of 1", not "2 of 1"."""
    practice = _practice(per_week=1)
    progress = weekly_progress(practice, [date(2026, 3, 3), date(2026, 3, 3)])
    assert [w.count for w in progress.weeks] == [1, 0, 0]
    assert progress.count == 1


def test_a_busy_week_counts_fully_but_only_fills_its_own_target():
    practice = _practice(per_week=2)
    days = [date(2026, 3, 2 + n) for n in range(5)] + [date(2026, 3, 10)]
    progress = weekly_progress(practice, days)
    assert [w.count for w in progress.weeks] == [5, 1, 0]
    assert progress.done == 3  # 2 (capped) + 1
    assert progress.percent == round(100 * 3 / 6)
    assert progress.weeks[0].met and not progress.weeks[1].met


def test_a_short_last_week_gets_a_prorated_target():
    practice = _practice(days=17, per_week=3)  # two weeks and three days
    progress = weekly_progress(practice, [])
    assert [w.target for w in progress.weeks] == [3, 3, 2]  # ceil(3 * 3 / 7)
    assert progress.weeks[-1].ends_on == practice.ends_on


def test_check_ins_outside_the_window_are_not_counted():
    practice = _practice()
    progress = weekly_progress(practice, [date(2026, 3, 1), date(2026, 3, 23), date(2026, 3, 3)])
    assert progress.count == 1 and progress.outside == 2


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(st.dates(date(2026, 2, 1), date(2026, 4, 30)), max_size=40),
    length=st.integers(7, 42),
    per_week=st.integers(1, 7),
)
def test_every_check_in_day_lands_in_exactly_one_week_or_outside(days, length, per_week):
    practice = _practice(days=length, per_week=per_week)
    progress = weekly_progress(practice, days)
    assert progress.count + progress.outside == len(set(days))
    assert sum(w.ends_on.toordinal() - w.starts_on.toordinal() + 1 for w in progress.weeks) == (
        length
    )
    for week in progress.weeks:
        inside = {d for d in days if week.starts_on <= d <= week.ends_on}
        assert week.count == len(inside)


@pytest.mark.parametrize(
    ("zone", "utc_now", "local_day"),
    [
        # 23:30 on Sunday 8 March in Los Angeles is already Monday in UTC.
        ("America/Los_Angeles", datetime(2026, 3, 9, 6, 30), date(2026, 3, 8)),
        # 00:30 on Monday 9 March in Auckland is still Sunday in UTC.
        ("Pacific/Auckland", datetime(2026, 3, 8, 11, 30), date(2026, 3, 9)),
        ("UTC", datetime(2026, 3, 8, 23, 59), date(2026, 3, 8)),
        ("Europe/Berlin", datetime(2026, 3, 8, 23, 0), date(2026, 3, 9)),
    ],
)
def test_today_is_the_users_local_date(zone, utc_now, local_day):
    assert local_today(make_user(timezone=zone), utc_now) == local_day


@pytest.mark.parametrize(
    ("zone", "utc_now", "week_with_the_check_in"),
    [
        ("America/Los_Angeles", datetime(2026, 3, 9, 6, 30), 1),  # Sunday night: week 1
        ("Pacific/Auckland", datetime(2026, 3, 8, 11, 30), 2),  # Monday just after midnight
    ],
)
def test_a_check_in_near_midnight_counts_in_the_users_own_week(
    zone, utc_now, week_with_the_check_in
):
    user = make_user(timezone=zone)
    # Weeks run Monday 2 March to Sunday 8 March, then from Monday 9 March.
    practice = make_practice(owner=user, starts_on=date(2026, 3, 2))
    entry = check_in(practice, user, "late one", now=utc_now)
    progress = weekly_progress(practice, [entry.day])
    counts = [w.count for w in progress.weeks]
    assert counts[week_with_the_check_in - 1] == 1
    assert sum(counts) == 1


def test_the_detail_page_shows_the_weeks_counted_from_stored_local_days(client, auth):
    user = make_user(timezone="Pacific/Auckland")
    practice = make_practice(owner=user, starts_on=date.today() - timedelta(days=7), per_week=2)
    make_check_in(practice, day=practice.starts_on)
    make_check_in(practice, day=practice.starts_on + timedelta(days=7))
    auth.login(user)
    page = client.get(f"/practice/{practice.id}").text
    assert "Week 1: 1 of 2; Week 2: 1 of 2; Week 3: 0 of 2" in page
    assert isinstance(practice.check_ins[0], CheckIn)
