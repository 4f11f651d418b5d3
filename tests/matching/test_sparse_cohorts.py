"""Does matching accept every cohort that enrollment accepts? Sparse, odd and tiny cohorts."""

import csv
import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.models import ProgramStatus, Role
from portal.services.matching.cohort import Person, build_cohort
from portal.services.matching.explain import explain
from portal.services.matching.proposals import proposed_pairings
from portal.services.matching.scoring import score_cohort
from portal.services.matching.solver import Mode, solve, solve_slots
from portal.services.programmes.enrollment import check_csv
from tests.factories import make_admin, make_participant, make_program, mentee_profile

# Text a person might type: accents, emoji, quotes, separators and formula-looking cells.
odd_text = st.text(
    alphabet=st.sampled_from(list("abcé ñ'\"=+-@;,ü🙂")), min_size=0, max_size=12
).map(str.strip)
maybe = lambda strategy: st.one_of(st.just(""), strategy)  # noqa: E731


@st.composite
def csv_rows(draw, role: str, index: int) -> dict:
    row = {
        "email": f"{role}{index}@example.org",
        "name": draw(odd_text.filter(bool)) or f"{role} {index}",
        "role": role,
        "department": draw(maybe(odd_text)),
        "seniority": draw(maybe(st.integers(1, 6).map(str))),
        "location": draw(maybe(odd_text)),
        "timezone": draw(maybe(st.sampled_from(["Europe/Berlin", "Asia/Tokyo", "UTC"]))),
        "format": draw(maybe(st.sampled_from(["in_person", "in person", "Remote", "either"]))),
        "values": draw(maybe(st.sampled_from(["growth", "growth;calm", "ünïcode"]))),
        "directness": draw(maybe(st.sampled_from(["direct", "gentle"]))),
        "goals": draw(maybe(odd_text)) if role == "mentee" else "",
        "develop": draw(maybe(odd_text)) if role == "mentee" else "",
        "strengths": draw(maybe(odd_text)) if role == "mentor" else "",
        "capacity": draw(maybe(st.integers(1, 5).map(str))) if role == "mentor" else "",
    }
    return row


@st.composite
def sparse_cohorts(draw):
    """A CSV file enrollment accepts: any side may be empty, answers may be blank."""
    n = draw(st.integers(0, 8))
    m = draw(st.integers(0, 3))
    rows = [draw(csv_rows("mentee", i)) for i in range(n)]
    rows += [draw(csv_rows("mentor", i)) for i in range(m)]
    taken = [draw(st.integers(0, 5)) for _ in range(m)]  # places already used elsewhere
    return rows, taken, draw(st.sampled_from(list(Mode)))


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(sparse_cohorts())
def test_every_cohort_the_csv_import_accepts_can_be_matched(app, case):
    rows, taken, mode = case
    if not rows:
        return
    program = make_program(status=ProgramStatus.enrolling)
    checked = check_csv(program, _csv(rows))
    assert checked.ok, checked.errors
    people = {"mentee": [], "mentor": []}
    for uid, row in enumerate(checked.rows, start=1):
        capacity = row["profile"].get("capacity", 1)
        person = Person(uid, row["name"], row["profile"], row["email"], capacity)
        people[row["role"]].append(person)
    for person, used in zip(people["mentor"], taken, strict=True):
        person.capacity = max(person.capacity - used, 0)  # a mentor may have no free place
    cohort = build_cohort(people["mentee"], people["mentor"])
    matrix = score_cohort(cohort)
    assert matrix.score.shape == (len(people["mentee"]), len(people["mentor"]))
    assert np.all((matrix.score >= 0) & (matrix.score <= 1.0001))
    capacity = cohort.mentors.capacity
    for solution in (solve(matrix, capacity, mode), solve_slots(matrix, capacity, mode)):
        load = np.bincount(solution.mentor_of[solution.mentor_of >= 0], minlength=len(capacity))
        assert np.all(load <= capacity)
        pairs, unmatched = explain(cohort, matrix, solution, capacity, mode, 0.0, {})
        assert len(pairs) + len(unmatched) == len(people["mentee"])
        assert all(u.reason for u in unmatched)


def test_a_mentee_without_values_or_goals_beside_a_full_one_is_matched():
    full = Person(1, "Ana", mentee_profile())
    sparse = Person(2, "Ben", {"values": [], "goals": [], "develop": [], "timezone": "UTC"})
    mentor = Person(3, "Cy", {"strengths": ["leadership"], "values": ["growth"]}, capacity=2)
    cohort = build_cohort([full, sparse], [mentor])
    solution = solve(score_cohort(cohort), cohort.mentors.capacity)
    assert solution.mentor_of.tolist() == [0, 0]


def _propose(client, auth, program):
    auth.login(make_admin(email="lead@example.org"))
    return client.post(f"/admin/matching/{program.slug}/propose", data={"mode": "best_total"})


def test_propose_with_empty_optional_answers_answers_a_page_not_500(client, auth):
    program = make_program(status=ProgramStatus.running)
    make_participant(program, Role.mentee)
    make_participant(program, Role.mentee, profile={"values": [], "goals": [], "develop": []})
    make_participant(program, Role.mentor, profile={"values": [], "strengths": []})
    response = _propose(client, auth, program)
    assert response.status_code == 303
    assert len(proposed_pairings(program)) == 1


def test_propose_with_no_mentor_at_all_says_why_nobody_is_matched(client, auth):
    program = make_program(status=ProgramStatus.running)
    make_participant(program, Role.mentee, profile={})
    response = _propose(client, auth, program)
    assert response.status_code == 303
    page = client.get(f"/admin/matching/{program.slug}").get_data(as_text=True)
    assert "Unmatched: " in page
