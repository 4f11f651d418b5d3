"""Who may see what: the foundation's rules in services/access.py."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Pairing, PairingStatus
from portal.models.journal import EntryStatus, Visibility
from portal.services import access
from tests.factories import make_admin, make_notification, make_pairing, make_user


def _ids(query) -> set[int]:
    return {obj.id for obj in db.session.scalars(query)}


@pytest.fixture
def cast():
    """A mentor and mentee paired, plus outsiders and an admin."""
    pairing = make_pairing()
    return {
        "pairing": pairing,
        "mentor": pairing.mentor,
        "mentee": pairing.mentee,
        "other_mentor": make_pairing().mentor,
        "other_mentee": make_user(),
        "admin": make_admin(),
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("mentor", True),
        ("mentee", True),
        ("other_mentor", False),
        ("other_mentee", False),
        ("admin", True),
    ],
)
def test_who_can_see_a_pairing(cast, who, sees):
    pairing = cast["pairing"]
    assert (pairing.id in _ids(access.visible_pairings(cast[who]))) is sees
    assert access.can_view_pairing(cast[who], pairing) is sees


@pytest.mark.parametrize("who", ["mentor", "mentee"])
def test_is_a_proposed_pairing_hidden_from_its_participants(who):
    pairing = make_pairing(status=PairingStatus.proposed, approved_at=None)
    person = getattr(pairing, who)
    assert pairing.id not in _ids(access.visible_pairings(person))
    assert not access.can_view_pairing(person, pairing)
    assert not access.is_partner(pairing.mentor, pairing.mentee.id)


@pytest.mark.parametrize(
    ("status", "shares"),
    [
        (PairingStatus.active, True),
        (PairingStatus.completed, True),
        (PairingStatus.ended, True),  # read-only, but what was shared in it stays readable
        (PairingStatus.proposed, False),
    ],
)
def test_are_partners_those_of_an_approved_open_pairing(status, shares):
    pairing = make_pairing(status=status)
    assert access.is_partner(pairing.mentor, pairing.mentee.id) is shares
    assert access.is_partner(pairing.mentee, pairing.mentor.id) is shares
    partners = set(db.session.scalars(access.partner_ids(pairing.mentor)))
    assert (pairing.mentee.id in partners) is shares


def test_is_nobody_their_own_partner():
    user = make_user()
    assert not access.is_partner(user, user.id)


def _entry(author, visibility=Visibility.private, status=EntryStatus.published, **kw):
    """An entry; a shared one is shared in the author's current pairing (the factory)."""
    from tests.factories import make_entry

    return make_entry(
        author=author,
        title=kw.get("title", "t"),
        body=kw.get("body", "b"),
        visibility=visibility,
        status=status,
    )


ENTRY_MATRIX = [
    # (entry kind, who, may read)
    ("private", "mentee", True),
    ("private", "mentor", False),
    ("private", "other_mentor", False),
    ("private", "other_mentee", False),
    ("private", "admin", False),
    ("shared", "mentee", True),
    ("shared", "mentor", True),
    ("shared", "other_mentor", False),
    ("shared", "other_mentee", False),
    ("shared", "admin", False),
    ("shared draft", "mentee", True),
    ("shared draft", "mentor", False),
]


@pytest.mark.parametrize(("kind", "who", "may_read"), ENTRY_MATRIX)
def test_who_may_read_a_mentees_entry(cast, kind, who, may_read):
    visibility = Visibility.private if kind == "private" else Visibility.shared
    status = EntryStatus.draft if "draft" in kind else EntryStatus.published
    entry = _entry(cast["mentee"], visibility, status)
    reader = cast[who]
    assert (entry.id in _ids(access.visible_entries(reader))) is may_read
    assert access.can_read_entry(reader, entry) is may_read
    assert access.can_edit_entry(reader, entry) is (who == "mentee")


def test_does_shared_with_list_only_partners_shared_entries(cast):
    shared = _entry(cast["mentee"], Visibility.shared)
    _entry(cast["mentee"], Visibility.private)
    _entry(cast["mentor"], Visibility.shared)  # the mentor's own: not "shared with" them
    assert _ids(access.shared_with(cast["mentor"])) == {shared.id}


def test_does_a_comment_stay_with_its_author_after_unsharing(cast):
    entry = _entry(cast["mentee"], Visibility.shared)
    from tests.factories import make_comment

    comment = make_comment(entry=entry, author=cast["mentor"], body="Well noticed.")
    assert comment.pairing_id == cast["pairing"].id
    assert comment.id in _ids(access.visible_comments(cast["mentee"]))
    assert comment.id in _ids(access.visible_comments(cast["mentor"]))

    from portal.services import journal

    journal.unshare_entry(entry)
    db.session.commit()
    assert comment.id in _ids(access.visible_comments(cast["mentor"]))
    assert comment.id not in _ids(access.visible_comments(cast["mentee"]))
    assert not access.can_read_entry(cast["mentor"], entry)
    for outsider in ("other_mentor", "other_mentee", "admin"):
        assert comment.id not in _ids(access.visible_comments(cast[outsider]))


def test_are_notifications_for_their_addressee_only(cast):
    note = make_notification(user=cast["mentee"])
    assert note.id in _ids(access.visible_notifications(cast["mentee"]))
    for who in ("mentor", "admin", "other_mentee"):
        assert note.id not in _ids(access.visible_notifications(cast[who]))


def test_does_a_denied_read_answer_404(client, auth, cast):
    note = make_notification(user=cast["mentee"], link="/dashboard/")
    auth.login(cast["mentor"])
    assert client.post(f"/notifications/{note.id}/open").status_code == 404
    assert client.post("/notifications/999999/open").status_code == 404
    auth.logout()
    auth.login(cast["mentee"])
    response = client.post(f"/notifications/{note.id}/open")
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard/"


@pytest.mark.parametrize(
    "link", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_does_opening_a_notification_never_leave_the_site(client, auth, link):
    user = make_user()
    note = make_notification(user=user, link=link)
    auth.login(user)
    response = client.post(f"/notifications/{note.id}/open")
    assert response.headers["Location"] == "/notifications/"


def test_are_drafts_programs_hidden_from_participants():
    from portal.models import ProgramStatus
    from tests.factories import make_program

    draft = make_program(status=ProgramStatus.draft)
    live = make_program()
    user, admin = make_user(), make_admin()
    assert _ids(access.visible_programs(user)) == {live.id}
    assert _ids(access.visible_programs(None)) == {live.id}
    assert _ids(access.visible_programs(admin)) == {live.id, draft.id}


def test_does_the_database_refuse_two_active_mentors_for_one_mentee():
    from sqlalchemy.exc import IntegrityError

    pairing = make_pairing()
    db.session.add(
        Pairing(
            program=pairing.program,
            mentor=make_user(),
            mentee=pairing.mentee,
            status=PairingStatus.active,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert len(db.session.scalars(select(Pairing)).all()) == 1


# --- statements built once (access.prebuilt) ----------------------------------------------


def test_a_prebuilt_statement_may_not_depend_on_more_than_the_viewers_id():
    def by_role(viewer):
        return access.visible_memberships(viewer)  # asks viewer.is_portal_admin

    with pytest.raises(TypeError, match="is_portal_admin"):
        access.prebuilt("test.undeclared_attribute", by_role)
    admins = access.prebuilt("test.declared", by_role, is_portal_admin=True)
    others = access.prebuilt("test.declared", by_role, is_portal_admin=False)
    assert admins is not others  # one statement for each value of what it depends on


def test_a_prebuilt_statement_shows_each_viewer_their_own_rows_at_the_moment_it_runs():
    from datetime import timedelta

    from portal.models import utcnow
    from portal.services.platform.notifications import latest

    first, second = make_user(), make_user()
    mine = make_notification(user=first)
    theirs = make_notification(user=second)
    assert [n.id for n in latest(first)] == [mine.id]  # builds the statement
    assert [n.id for n in latest(second)] == [theirs.id]  # the same statement, another viewer
    # Held until a moment that passed after the statement was built: the moment is a
    # parameter of each run, not the time the statement was built.
    released = make_notification(user=first, deliver_after=utcnow() - timedelta(microseconds=1))
    held = make_notification(user=first, deliver_after=utcnow() + timedelta(hours=1))
    shown = {n.id for n in latest(first)}
    assert released.id in shown
    assert held.id not in shown


def test_a_prebuilt_statement_may_not_carry_the_moment_it_was_built():
    from portal.models import utcnow
    from portal.models.notifications import Notification

    def frozen(viewer):  # utcnow() where the rules use access._now(): a moment fixed forever
        return select(Notification).where(
            Notification.user_id == viewer.id, Notification.created_at <= utcnow()
        )

    with pytest.raises(TypeError, match="fixed moment"):
        access.prebuilt("test.frozen_moment", frozen)


def test_a_prebuilt_statement_may_not_compare_the_viewer_in_python():
    from portal.models.notifications import Notification

    owner = make_user()

    def decided_at_build_time(viewer):  # a Python `if` would pick one branch for everyone
        mine = owner.id == viewer.id
        return select(Notification).where(Notification.user_id == (owner.id if mine else 0))

    with pytest.raises(TypeError, match="compare user.id in Python"):
        access.prebuilt("test.python_comparison", decided_at_build_time)
