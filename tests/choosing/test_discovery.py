"""Can a mentee see the right mentors, in a fair order, with the reasons, in fixed queries?"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from portal.extensions import db
from portal.models import Role
from portal.models.choosing import ChoosingSettings, MatchingMode, MentorAbsence
from portal.models.leads import ProgramLead
from portal.services.choosing import discovery
from tests.factories import (
    make_admin,
    make_pairing,
    make_participant,
    make_program,
    mentee_profile,
    mentor_profile,
)

TODAY = date(2027, 3, 1)


@pytest.fixture
def program():
    program = make_program()
    db.session.add(ChoosingSettings(program_id=program.id, mode=MatchingMode.self_service))
    db.session.commit()
    return program


def _page(program, mentee, **filters):
    settings = db.session.get(ChoosingSettings, program.id)
    db.session.refresh(settings)  # the trigger bumped listing_version in the database
    return discovery.discover(
        program, settings, mentee, discovery.Filters(**filters), filters.pop("page", 1), TODAY
    )


def _ids(page) -> set[int]:
    return {s.user_id for s in page.suggestions}


def test_a_mentor_at_capacity_is_not_shown(program):
    mentee = make_participant(program, Role.mentee)
    full = make_participant(program, Role.mentor, profile=mentor_profile(capacity=1))
    free = make_participant(program, Role.mentor, profile=mentor_profile(capacity=2))
    make_pairing(program=program, mentor=full.user)
    make_pairing(program=program, mentor=free.user)

    assert _ids(_page(program, mentee)) == {free.user_id}


def test_staff_and_absent_mentors_are_never_listed(program):
    mentee = make_participant(program, Role.mentee)
    shown = make_participant(program, Role.mentor)
    lead = make_participant(program, Role.mentor)
    db.session.add(ProgramLead(program_id=program.id, user_id=lead.user_id))
    make_participant(program, Role.mentor, user=make_admin())
    away = make_participant(program, Role.mentor)
    db.session.add(
        MentorAbsence(membership_id=away.id, away_from=TODAY, away_until=TODAY + timedelta(9))
    )
    db.session.commit()

    assert _ids(_page(program, mentee)) == {shown.user_id}


def test_avoid_lists_and_an_ended_pairing_hide_a_mentor(program):
    avoided = make_participant(program, Role.mentor)
    ended = make_participant(program, Role.mentor)
    fine = make_participant(program, Role.mentor)
    mentee = make_participant(
        program, Role.mentee, profile=mentee_profile(avoid=[avoided.user.email])
    )
    make_pairing(program=program, mentor=ended.user, mentee=mentee.user, status="ended")

    assert _ids(_page(program, mentee)) == {fine.user_id}


def test_each_suggestion_says_why_with_the_matchers_factors(program):
    mentee = make_participant(program, Role.mentee)
    make_participant(program, Role.mentor)

    suggestion = _page(program, mentee).suggestions[0]

    assert 0 < suggestion.score <= 100
    assert [f.label for f in suggestion.factors][0] in {
        "Goals meet strengths",
        "Shared values",
        "Communication style",
        "Time-zone overlap",
    }
    assert suggestion.matched_skills == ["leadership", "negotiation"]


def test_filters_narrow_the_list(program):
    mentee = make_participant(program, Role.mentee)
    remote = make_participant(program, Role.mentor, profile=mentor_profile(format="remote"))
    make_participant(program, Role.mentor, profile=mentor_profile(format="in_person"))

    assert _ids(_page(program, mentee, format="remote")) == {remote.user_id}
    assert _ids(_page(program, mentee, q="nobody has this")) == set()


def test_rotation_is_stable_for_a_day_and_differs_between_mentees_and_days():
    mentors = np.arange(1, 2001, dtype=np.int64)
    today = discovery.rotation(7, mentors, TODAY)

    assert (today == discovery.rotation(7, mentors, TODAY)).all()
    assert np.argmin(today) != np.argmin(discovery.rotation(8, mentors, TODAY))
    assert np.argmin(today) != np.argmin(discovery.rotation(7, mentors, TODAY + timedelta(1)))


def test_the_page_costs_the_same_queries_with_five_or_fifty_mentors(program, count_queries):
    mentee = make_participant(program, Role.mentee)
    counts = []
    for n in (5, 45):
        for _ in range(n):
            make_participant(program, Role.mentor)
        _page(program, mentee)  # the cache fills once per listing version
        settings = db.session.get(ChoosingSettings, program.id)
        with count_queries() as counter:
            discovery.discover(program, settings, mentee, discovery.Filters(), 1, TODAY)
        counts.append(counter.count)
    assert counts[0] == counts[1] == 3


def test_a_pairing_nobody_was_told_of_is_never_named(program):
    """A proposal (or a pairing in its undo window) is invisible: the page says "paused"."""
    mentee = make_participant(program, Role.mentee)
    make_participant(program, Role.mentor)
    make_pairing(program=program, mentee=mentee.user, status="proposed", approved_at=None)
    assert _page(program, mentee).blocked == "Requests are paused in this programme for the moment."


def test_a_told_pairing_is_named(program):
    mentee = make_participant(program, Role.mentee)
    make_pairing(program=program, mentee=mentee.user)
    assert _page(program, mentee).blocked == "You already have a mentor in this programme."
