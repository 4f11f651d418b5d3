"""Do a programme's matching settings change the proposal as the admin expects?"""

from portal.models import ProgramStatus, Role
from portal.services.matching import MatchingSettings, Mode, propose
from tests.factories import make_participant, make_program, mentee_profile, mentor_profile


def test_a_minimum_score_leaves_poor_fits_unmatched_with_the_reason(app):
    program = make_program(status=ProgramStatus.enrolling, matching={"min_score": 95})
    make_participant(program, Role.mentor, profile=mentor_profile(strengths=["hiring"]))
    mentee = make_participant(program, Role.mentee, profile=mentee_profile())
    proposal = propose(program)
    assert proposal.pairs == []
    (left,) = proposal.unmatched
    assert left.mentee.user_id == mentee.user_id
    assert "minimum score of 95" in left.reason


def test_self_selection_picks_tip_the_balance(app):
    settings = MatchingSettings(self_selection=True).to_json()
    program = make_program(status=ProgramStatus.enrolling, matching=settings)
    a = make_participant(program, Role.mentor, profile=mentor_profile())
    b = make_participant(program, Role.mentor, profile=mentor_profile())
    # Both mentors are identical; the mentee's first pick decides.
    make_participant(program, Role.mentee, profile=mentee_profile(picks=[b.user_id, a.user_id]))
    (pair,) = propose(program).pairs
    assert pair.mentor.user_id == b.user_id
    assert "Mentee's own pick" in [f.label for f in pair.factors]


def test_settings_round_trip_and_ignore_bad_values():
    settings = MatchingSettings.from_json({"mode": "nonsense", "weights": {"goals": 7}})
    assert settings.mode is Mode.best_total
    assert settings.weights["goals"] == 7
    again = MatchingSettings.from_json(settings.to_json())
    assert again == settings
    assert again.effective_weights()["picks"] == 0  # self-selection is off
