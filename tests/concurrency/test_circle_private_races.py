"""Sharing with one person of a circle while others act at the same moment (both databases).

Each thread has its own app context, session and connection; all wait on one barrier. After
every race the state is whole: each row of a share with one person opens the item to that
person (nobody is named who cannot read it), and an item has one current such reader.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.models.circles import Circle, PracticePrivateShare
from portal.models.practice import Practice
from portal.models.programs import Program
from portal.services import access, practice, sharing
from portal.services.circles import page
from portal.services.circles import settings as circle_settings
from tests.concurrency.test_choosing_races import _race
from tests.factories import allow_private_sharing, make_circle, make_practice, make_program


def _world():
    program = make_program()
    circle = make_circle(program, theme="Races")
    allow_private_sharing(program)
    owner, mate, other = (s.user for s in circle.stints)
    item = make_practice(owner=owner, title="Raced practice", audience=[])
    db.session.commit()
    return program.id, circle.id, owner.id, mate.id, other.id, item.id


def _share(practice_id: int, circle_id: int, person_id: int):
    def call():
        item = db.session.get(Practice, practice_id)
        owner = db.session.get(User, item.owner_id)
        practice.set_practice_visibility(item, True, f"only-{circle_id}-{person_id}")
        db.session.commit()
        return owner.id

    return call


def _whole(practice_id: int) -> list[tuple[int, int]]:
    """Every (circle, reader) row of the practice; each reader must be able to read it."""
    db.session.expire_all()
    item = db.session.get(Practice, practice_id)
    rows = db.session.execute(
        select(PracticePrivateShare.circle_id, PracticePrivateShare.reader_id).where(
            PracticePrivateShare.practice_id == practice_id
        )
    ).all()
    for _, reader_id in rows:
        assert access.can_read_practice(db.session.get(User, reader_id), item), reader_id
    return [tuple(r) for r in rows]


def test_sharing_with_someone_while_they_leave_is_all_or_nothing():
    for _ in range(3):
        _, circle_id, _, mate_id, _, practice_id = _world()

        def leave(mate_id=mate_id, circle_id=circle_id):
            page.leave(db.session.get(User, mate_id), circle_id, "")

        outcomes = _race(_share(practice_id, circle_id, mate_id), leave)

        rows = _whole(practice_id)
        if isinstance(outcomes[0], Exception):
            assert "not in the circle" in str(outcomes[0]), outcomes
            assert rows == []
        else:
            # Shared first: the leaving was stamped after it, so Mate keeps it.
            assert rows == [(circle_id, mate_id)]
        assert outcomes[1] is None or isinstance(outcomes[1], Exception)


def test_two_saves_of_one_item_at_once_leave_one_current_reader():
    for _ in range(3):
        _, circle_id, _, mate_id, other_id, practice_id = _world()

        outcomes = _race(
            _share(practice_id, circle_id, mate_id), _share(practice_id, circle_id, other_id)
        )

        rows = _whole(practice_id)
        assert len(rows) == 1, (rows, outcomes)
        assert sum(not isinstance(o, Exception) for o in outcomes) >= 1


def test_turning_the_setting_off_while_someone_shares_is_all_or_nothing():
    for _ in range(3):
        program_id, circle_id, _, mate_id, _, practice_id = _world()

        def switch_off(program_id=program_id, circle_id=circle_id):
            program = db.session.get(Program, program_id)
            circle_settings.save(
                program,
                db.session.get(Circle, circle_id).facilitator,
                min_size="2",
                max_size="8",
                max_per_department="0",
                allow_private_sharing=False,
            )
            db.session.commit()

        outcomes = _race(_share(practice_id, circle_id, mate_id), switch_off)

        rows = _whole(practice_id)
        if isinstance(outcomes[0], Exception):
            assert "does not allow" in str(outcomes[0]) or "locked" in str(outcomes[0])
            assert rows == []
        else:
            assert rows == [(circle_id, mate_id)]  # shared before: it stays with Mate
        assert not sharing.private_options(
            db.session.get(User, db.session.get(Practice, practice_id).owner_id)
        ) or isinstance(outcomes[1], Exception)
