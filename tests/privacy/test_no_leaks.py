"""Does private text ever reach anyone it was not written for, through any page or fragment?

This sweep plants two kinds of marker text:
- PRIVATE, in material only its author may read (private and draft entries, a private tag,
  a private practice with its check-ins, the author's own notes on them);
- PAIR, in material the two partners share (a shared entry and its comment, a shared
  practice's check-in, the meeting log and an agenda point).
Then it requests every GET route of the app, for every id and slug that exists, as a page
and as an htmx fragment, as each other role. New routes are swept automatically.

This module plants the world and declares who must never see which marker (FORBIDDEN) and
who must find which (READ_BY); test_leak_sweep.py walks it, split per viewer and per share
of the URLs so that parallel workers share the sweep.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from datetime import date

from flask import url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Program, User
from portal.models.journal import EntryStatus, Visibility
from tests.conftest import hx_headers
from tests.factories import (
    make_admin,
    make_agenda_point,
    make_agreement,
    make_check_in,
    make_comment,
    make_entry,
    make_goal,
    make_lead,
    make_meeting,
    make_pairing,
    make_planned_meeting,
    make_practice,
    make_practice_comment,
    make_program,
    make_user,
)

PRIVATE = "zebra-private-7731"
PAIR = "okapi-pair-5512"
# Mentees choose: a request's note (the two of them and the programme team), the mentor's
# reply (the two of them), an office-hour question (the booker and the mentor).
NOTE = "quokka-note-3391"
REPLY = "gecko-reply-4420"
QUESTION = "ibis-question-6608"
# Circles: what a member shared with their circle (its facilitator and members read it), and
# a former member's leave note (the programme team only, never the circle).
CIRCLE = "tapir-circle-2284"
LEAVE = "lemur-leave-9051"
# Circles, shared with one person (the programme allows it): ONE with the facilitator alone
# (an entry, a practice and its check-in, a goal), ONE_MATE with another member alone: the
# facilitator must not read that one, nor anyone but its author and that member.
ONE = "narwhal-one-6120"
ONE_MATE = "axolotl-mate-4471"
MATE_EMAIL = "circle-mate@example.test"
SKIPPED_ENDPOINTS = {"static", "auth.logout"}


def plant(pairing) -> None:
    mentee, mentor = pairing.mentee, pairing.mentor
    private = make_entry(author=mentee, title=f"Title {PRIVATE}", body=f"Body {PRIVATE}")
    make_entry(
        author=mentee,
        title=f"Draft {PRIVATE}",
        body=f"Draft {PRIVATE}",
        visibility=Visibility.shared,
        status=EntryStatus.draft,
        published_at=None,
    )
    make_comment(entry=private, author=mentee, body=f"Own note {PRIVATE}")
    from portal.models.journal import EntryTag

    db.session.add(EntryTag(entry_id=private.id, name=PRIVATE))
    shared = make_entry(
        author=mentee, title="A shared story", body=f"Shared {PAIR}", visibility=Visibility.shared
    )
    make_comment(entry=shared, author=mentor, body=f"Mentor says {PAIR}")
    # Shared once, private now: the mentor's comment stays with the mentor.
    unshared = make_entry(
        author=mentee, title="Unshared", body="Plain", visibility=Visibility.private
    )
    make_comment(entry=unshared, author=mentee, body=f"Reply {PRIVATE}")

    secret_practice = make_practice(
        owner=mentee,
        title=f"Practice {PRIVATE}",
        action=f"Action {PRIVATE}",
        idea=f"Idea {PRIVATE}",
        visibility=Visibility.private,
    )
    make_check_in(secret_practice, note=f"Noticed {PRIVATE}")
    make_practice_comment(secret_practice, mentee, body=f"Self {PRIVATE}")
    open_practice = make_practice(owner=mentee, title="Listening", visibility=Visibility.shared)
    make_check_in(open_practice, note=f"Shared check-in {PAIR}")
    make_meeting(pairing, notes=f"Meeting notes {PAIR}")
    make_agenda_point(pairing, mentor, text=f"Agenda {PAIR}")
    plant_kickoff(pairing)
    plant_guide(pairing)
    # The mentor's story is shared with every mentee; one mentee's comment on it is not.
    story = make_entry(
        author=mentor, title="A story for all", body="Plain", visibility=Visibility.shared
    )
    make_comment(entry=story, author=mentee, body=f"On your story {PAIR}")
    # An e-mail quoting shared text waits in the outbox: admins see its subject, not its body.
    from portal.models.outbox import OutboxMessage, OutboxStatus

    db.session.add(
        OutboxMessage(
            key="leak-sweep",
            to=[mentor.email],
            subject="A new comment",
            body=f"Your mentee wrote: {PAIR}",
            status=OutboxStatus.failed,
            attempts=6,
        )
    )
    plant_insights(pairing)
    plant_choosing(pairing)
    plant_circles(pairing)
    db.session.commit()


def plant_circles(pairing) -> None:
    """A circle the mentor facilitates with the mentee in it: a shared entry, practice and
    check-in, a private entry, a member who left with a note for the programme team, and
    the circle's agreement, a goal shared with the circle, a member's shared closing reflection
    and the mentee's private one (the facilitator, their mentor, must not read it)."""
    from portal.models.programs import ProgramFormat
    from tests.factories import leave_circle, make_circle, share_with_circle

    pairing.program.format = ProgramFormat.both
    leaver = make_user()
    circle = make_circle(
        pairing.program,
        facilitator=pairing.mentor,
        members=[pairing.mentee, mate := make_user(email=MATE_EMAIL), leaver],
        theme="Circle theme",
    )
    entry = make_entry(
        author=pairing.mentee, title="For the circle", body=f"Circle {CIRCLE}", audience=[]
    )
    entry.visibility = Visibility.shared
    share_with_circle(entry, circle)
    practice = make_practice(owner=pairing.mentee, title="Circle practice", audience=[])
    share_with_circle(practice, circle)
    make_check_in(practice, note=f"Circle check-in {CIRCLE}")
    make_entry(author=leaver, title="Mine", body=f"Leaver {PRIVATE}")
    leave_circle(circle, leaver, note=f"Leaving {LEAVE}")
    from portal.services.circles import agreement as agreements

    agreements.save(pairing.mentee, circle.id, f"Agreement {CIRCLE}", 1)
    goal = make_goal(pairing, pairing.mentee, title=f"Circle goal {CIRCLE}")
    share_with_circle(goal, circle)
    from portal.services.circles import review

    review.save_reflection(mate, circle.id, f"Reflection {CIRCLE}", True)
    review.save_reflection(pairing.mentee, circle.id, f"Mine alone {PRIVATE}", False)
    # The mentee's survey answer (its comment is private) is about this circle: the circle
    # figures, the board and the analytics page count it, never quote it.
    from portal.models.guide import SurveyCircleAnswer, SurveyResponse

    response = db.session.scalar(
        select(SurveyResponse).where(SurveyResponse.user_id == pairing.mentee_id)
    )
    db.session.add(SurveyCircleAnswer(response_id=response.id, circle_id=circle.id, usefulness=1))
    plant_circle_talk(pairing, circle, entry, practice, mate)


def plant_circle_talk(pairing, circle, entry, practice, mate) -> None:
    """The circle's agenda for the next meeting, comments written in the circle on the shared
    entry and practice, and introductions: circle material (CIRCLE) for its people only."""
    from portal.services.circles import prep, talk

    prep.add_point(pairing.mentee, circle.id, f"Agenda {CIRCLE}")
    talk.add_comment(mate, circle.id, "entries", entry.id, f"Circle comment {CIRCLE}")
    talk.add_comment(pairing.mentor, circle.id, "practices", practice.id, f"Cheer {CIRCLE}")
    talk.save_introduction(pairing.mentee, circle.id, f"Intro {CIRCLE}")
    plant_one_person(pairing, circle, mate)


def plant_one_person(pairing, circle, mate) -> None:
    """What the mentee shared with one person of the circle, through the sharing service."""
    from portal.services import journal, practice, sharing
    from tests.factories import allow_private_sharing

    allow_private_sharing(pairing.program)
    mentee, facilitator = pairing.mentee, pairing.mentor
    to_facilitator = sharing.resolve_audience(mentee, f"only-{circle.id}-{facilitator.id}")
    entry = make_entry(author=mentee, title=f"Alone {ONE}", body=f"Only you {ONE}", audience=[])
    journal.share_entry(entry, to_facilitator)
    alone = make_practice(owner=mentee, title=f"Practice {ONE}", audience=[])
    practice.share_practice(alone, to_facilitator)
    make_check_in(alone, note=f"Check-in {ONE}")
    goal = make_goal(pairing, mentee, title=f"Goal {ONE}", visibility=Visibility.private)
    goal.visibility = Visibility.shared
    sharing.set_private_share(goal, mentee, (circle.id, facilitator.id))
    to_mate = sharing.resolve_audience(mentee, f"only-{circle.id}-{mate.id}")
    entry = make_entry(
        author=mentee, title=f"For mate {ONE_MATE}", body=f"Mate {ONE_MATE}", audience=[]
    )
    journal.share_entry(entry, to_mate)
    db.session.commit()


def plant_choosing(pairing) -> None:
    """A request (note and reply) between the pair, and an office-hour booking's question."""
    from portal.models.choosing import MentorRequestStatus
    from portal.models.office_hours import BookingStatus
    from tests.factories import make_booking, make_choosing_settings, make_mentor_request, make_slot

    make_choosing_settings(pairing.program, mode="both")
    make_mentor_request(
        pairing.program,
        pairing.mentee,
        pairing.mentor,
        note=f"Note {NOTE}",
        reply=f"Reply {REPLY}",
        status=MentorRequestStatus.declined,
        decided_at=pairing.approved_at,
    )
    slot = make_slot(pairing.program, pairing.mentor)
    make_booking(slot, pairing.mentee, question=f"Q {QUESTION}", status=BookingStatus.booked)


def plant_insights(pairing) -> None:
    """Numbers for the insight pages: a survey answer, a meeting rating, a request, HR outcomes."""
    from tests.factories import (
        make_meeting_rating,
        make_outcome,
        make_pairing_request,
        make_survey_response,
    )

    make_survey_response(pairing.program, pairing.mentor, satisfaction=2)
    make_meeting_rating(make_meeting(pairing), pairing.mentor, rating=2)
    make_pairing_request(pairing, pairing.mentee)
    make_outcome(pairing.program, email=pairing.mentee.email, group="participant")


def plant_kickoff(pairing) -> None:
    """The kick-off: agreement text, goals and their history, a planned meeting, a profile."""
    from portal.models.kickoff import PartnerProfile
    from portal.services.pairings.goals import rate_goal

    mentee, mentor = pairing.mentee, pairing.mentor
    make_agreement(pairing, sharing=f"Agreement {PAIR}")
    shared_goal = make_goal(pairing, title=f"Goal {PAIR}", measure=f"Measure {PAIR}")
    rate_goal(shared_goal, "started", f"Rating {PAIR}", date.today())
    secret_goal = make_goal(
        pairing,
        mentee,
        title=f"Goal {PRIVATE}",
        why=f"Why {PRIVATE}",
        visibility=Visibility.private,
    )
    rate_goal(secret_goal, "halfway", f"Rating {PRIVATE}", date.today())
    make_planned_meeting(pairing, place=f"Place {PAIR}")
    # A profile text the person chose not to show is theirs alone; what the mentee shows is
    # for their partner. (A mentor's shown profile is for every mentee of theirs, so it
    # carries no marker here.)
    db.session.add(
        PartnerProfile(
            user_id=mentee.id, bio=f"Bio {PRIVATE}", show_bio=False, hopes=f"Hopes {PAIR}"
        )
    )
    db.session.add(PartnerProfile(user_id=mentor.id, hopes="I hope to learn from you"))


def plant_guide(pairing) -> None:
    """Guide material: a survey comment (the team reads totals only), a private reflection."""
    from portal.models.guide import ClosingReflection, MeetingRating, SurveyResponse

    mentee = pairing.mentee
    db.session.add(
        SurveyResponse(
            program_id=pairing.program_id,
            user_id=mentee.id,
            round="midpoint",
            satisfaction=2,
            recommend=3,
            progress=2,
            comment=f"Survey comment {PRIVATE}",
            questions={},
        )
    )
    reflection = make_entry(
        author=mentee, title=f"Closing {PRIVATE}", body=f"Path forward {PRIVATE}"
    )
    db.session.add(
        ClosingReflection(pairing_id=pairing.id, user_id=mentee.id, entry_id=reflection.id)
    )
    meeting = make_meeting(pairing, notes=f"Last meeting {PAIR}")
    db.session.add(MeetingRating(meeting_id=meeting.id, user_id=mentee.id, rating=1))


def _candidate_values(converter: str, argument: str = "") -> list:
    if argument == "key":
        from portal.services.insights.analytics import ALL_FIGURES

        return list(ALL_FIGURES)
    if "Integer" in converter:
        ids: set[int] = set()
        for table in db.metadata.sorted_tables:
            if "id" in table.c:
                ids.update(db.session.scalars(select(table.c.id)).all())
        return sorted(ids)
    # Slugs, survey rounds, and the names of the admin exports (participants.csv, pairs.csv).
    return [
        *db.session.scalars(select(Program.slug)).all(),
        "sample",
        "midpoint",
        "close",
        "participants",
        "pairs",
    ]


def get_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        arguments = sorted(rule.arguments)
        choices = [_candidate_values(rule._converters[a].__class__.__name__, a) for a in arguments]
        for values in itertools.product(*choices):
            urls.append(url_for(rule.endpoint, **dict(zip(arguments, values, strict=True))))
    return urls


def readable_text(response) -> str:
    """The response as text; a zip export is opened and every file in it is read."""
    body = response.get_data()
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return body.decode("utf-8")


def texts_seen(client, urls: list[str]):
    for url in urls:
        for headers in ({}, hx_headers()):
            yield url, readable_text(client.get(url, headers=headers))


FORBIDDEN = {
    "mentee": [LEAVE],
    "mentor": [PRIVATE, LEAVE, ONE_MATE],
    # The circle member the mentee shared one entry with alone: not the facilitator's one.
    "mate": [PRIVATE, LEAVE, ONE],
    "other_mentor": [PRIVATE, PAIR, NOTE, REPLY, QUESTION, CIRCLE, LEAVE, ONE, ONE_MATE],
    "other_mentee": [PRIVATE, PAIR, NOTE, REPLY, QUESTION, CIRCLE, LEAVE, ONE, ONE_MATE],
    "sibling_mentee": [PRIVATE, PAIR, NOTE, REPLY, QUESTION, CIRCLE, LEAVE, ONE, ONE_MATE],
    "admin": [PRIVATE, PAIR, REPLY, QUESTION, CIRCLE, ONE, ONE_MATE],
    "lead": [PRIVATE, PAIR, REPLY, QUESTION, CIRCLE, ONE, ONE_MATE],
    "other_lead": [PRIVATE, PAIR, NOTE, REPLY, QUESTION, CIRCLE, LEAVE, ONE, ONE_MATE],
}
# What the rightful readers must find somewhere in the sweep (so it does reach their pages).
READ_BY = {
    "mentee": [PRIVATE],
    "mentor": [
        PAIR,
        NOTE,
        REPLY,
        QUESTION,
        CIRCLE,
        ONE,
        f"Check-in {ONE}",  # the check-in of the practice shared with him alone
        # The facilitator reads the circle's agenda, comments and introductions where they live.
        f"Agenda {CIRCLE}",
        f"Circle comment {CIRCLE}",
        f"Cheer {CIRCLE}",
        f"Intro {CIRCLE}",
    ],
    "mate": [ONE_MATE],  # the entry shared with this member alone
    # The team reads notes, and a former circle member's leave note.
    "admin": [NOTE, LEAVE],
}


def _sweep_world():
    """The pair whose text is planted, and every other kind of viewer around it."""
    pairing = make_pairing()
    cast = {
        "mentee": pairing.mentee,
        "mentor": pairing.mentor,
        "other_mentor": make_pairing(program=pairing.program).mentor,
        "other_mentee": make_user(),
        "sibling_mentee": make_pairing(program=pairing.program, mentor=pairing.mentor).mentee,
        "admin": make_admin(),
        "lead": make_lead(pairing.program),
        "other_lead": make_lead(make_program()),
    }
    plant(pairing)
    cast["mate"] = db.session.scalar(select(User).where(User.email == MATE_EMAIL))
    # "Download my data" zips for both partners: each holds its owner's text only, and
    # answers 404 to everyone else (the sweep opens every zip it is given).
    from portal.services.accounts import data_rights

    data_rights.request_export(pairing.mentee)
    data_rights.request_export(pairing.mentor)
    return pairing, cast


def test_does_the_sweep_reach_the_pages_where_the_rightful_readers_see_the_text(app):
    """The sweep's URLs include these pages; test_leak_sweep.py checks who finds what there."""
    pairing, _ = _sweep_world()
    urls = get_urls(app)
    swept = {url.removeprefix("http://localhost") for url in urls}
    assert {"/metrics", "/admin/workers", "/admin/people/erase"} <= swept
    # The circle figures (the programme has circles) and the team's circles board.
    slug = pairing.program.slug
    assert {
        f"/admin/programs/{slug}/analytics/{key}.csv"
        for key in ("circle_funnel", "circle_engagement", "circle_surveys")
    } | {f"/admin/programs/{slug}/circles"} <= swept
    # The admin's erase page of each partner: counts only, never their text (FORBIDDEN).
    assert {f"/admin/people/{p.id}/erase" for p in (pairing.mentee, pairing.mentor)} <= swept


def test_does_each_export_hold_its_owners_circle_text_and_no_other_members(app):
    """The facilitator (the mentor) reads the whole circle, so the sweep cannot tell their
    zip apart from their pages: here each zip is read for whose circle text it holds."""
    from portal.services.accounts import data_rights

    pairing, _ = _sweep_world()

    def zipped(user) -> str:
        data, _ = data_rights.build_zip(user)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode() for name in archive.namelist())

    mentee, facilitator = zipped(pairing.mentee), zipped(pairing.mentor)
    for own in ("Agenda", "Intro", "Agreement", "Circle"):
        assert f"{own} {CIRCLE}" in mentee, own
    assert "Circle theme" in mentee and "Circle theme" in facilitator
    assert f"Cheer {CIRCLE}" in facilitator
    others = ("Circle comment", "Reflection")  # the third member's comment and reflection
    for marker in (*others, "Cheer"):
        assert f"{marker} {CIRCLE}" not in mentee, marker
    for marker in (*others, "Agenda", "Intro", "Agreement", "Circle check-in", "Circle goal"):
        assert f"{marker} {CIRCLE}" not in facilitator, marker
    assert LEAVE not in mentee and LEAVE not in facilitator
    assert PRIVATE not in facilitator


def test_do_kickoff_emails_carry_only_the_pairs_text_and_reach_only_the_pair(app, client, auth):
    from datetime import time

    from portal.models import utcnow
    from portal.services.pairings import schedule as calendar
    from portal.services.pairings.agreement import start_agreement

    pairing = make_pairing()
    plant(pairing)
    start_agreement(pairing)
    meeting = calendar.propose(
        pairing,
        pairing.mentee,
        calendar.MeetingTerms(date(2090, 1, 9), time(10), 60, "Room"),
        utcnow(),
    )
    calendar.accept(meeting, pairing.mentor, date.today())
    calendar.cancel(meeting, pairing.mentee)
    db.session.commit()
    sent = getattr(app.extensions["mailman"], "outbox", [])
    assert len(sent) == 6
    pair = {pairing.mentor.email, pairing.mentee.email}
    for message in sent:
        assert set(message.to) <= pair
        text = message.message().as_string()
        assert PRIVATE not in text
        assert "Agreement" not in text and "Goal" not in text


def test_do_guide_emails_carry_titles_and_counts_never_private_or_shared_text(app):
    """Every reminder, nudge, digest and survey e-mail: the outbox as the worker sends it."""
    from datetime import datetime, timedelta

    from portal.models.outbox import OutboxMessage
    from portal.services.reminders import preferences
    from portal.services.reminders.tasks import send_due_reminders

    today = date.today()
    program = make_program(
        starts_on=today - timedelta(days=180), ends_on=today + timedelta(days=20)
    )
    pairing = make_pairing(program=program)
    plant(pairing)
    for person in (pairing.mentor, pairing.mentee):
        preferences.set_channels(person, "quiet_practice", in_app=True, email=True)
    db.session.commit()
    # A Monday morning in UTC this week: the digest, nudges, survey and closing are all due.
    monday = today - timedelta(days=today.weekday())
    send_due_reminders(at=datetime.combine(monday, datetime.min.time()).replace(hour=9).isoformat())
    db.session.expire_all()
    bodies = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.key.like("guide:%"))
    ).all()
    kinds = {row.key.split(":")[1] for row in bodies}
    assert {"weekly_digest", "closing"} <= kinds
    sent = getattr(app.extensions["mailman"], "outbox", [])
    assert sent, "the worker delivered nothing"
    for message in sent:
        text = message.message().as_string()
        assert PRIVATE not in text and PAIR not in text, message.subject
    digest = next(m for m in sent if m.subject.startswith("This week from your partner"))
    assert "A shared story" in digest.body  # titles, behind a sign-in link


def test_do_news_emails_carry_no_participant_text_and_reach_only_the_person_concerned(app):
    """Paired, ended, request answered, application decided, invitation: what the worker sends."""
    from datetime import timedelta

    from flask import current_app

    from portal.models import MembershipStatus, PairingStatus, Role, utcnow
    from portal.services import accounts
    from portal.services.choosing import requests as choosing
    from portal.services.matching.proposals import approve, end_pairing
    from portal.services.programmes import enrollment
    from portal.services.programmes import messages as team_messages
    from portal.services.programmes.holds import release_due_notifications
    from tests.factories import make_participant

    program = make_program()
    done = make_pairing(program=program)
    plant(done)  # (its programme lets mentees choose too)
    proposed = make_pairing(program=program, status=PairingStatus.proposed, approved_at=None)
    admin = make_admin()
    approve(proposed, admin)
    end_pairing(done, f"Reason {PRIVATE}", admin)
    applicant = make_participant(program, Role.mentee, status=MembershipStatus.applied)
    enrollment.decide(applicant, False, admin, reason=f"Reason {PRIVATE}")
    mentee = make_participant(program, Role.mentee)
    mentor = make_participant(program, Role.mentor)
    ask = choosing.send(program, mentee.user, mentor.user_id, f"N {NOTE}", utcnow(), date.today())
    choosing.decline(ask, mentor.user, f"R {REPLY}", utcnow())
    accounts.send_invitations([make_user()], program)
    team_messages.send(program, admin, "everyone", "See you at the gathering.", date.today())
    db.session.commit()
    later = utcnow() + timedelta(seconds=current_app.config["UNDO_WINDOW_SECONDS"] + 1)
    release_due_notifications(now=later)
    sent = getattr(app.extensions["mailman"], "outbox", [])
    subjects = {m.subject for m in sent}
    kinds = {
        "You have a mentoring partner in",
        "Your pairing in",
        "Your application to",
        "Your mentoring request in",
        "You are invited to",
        "A message from the",
    }
    assert {k for k in kinds if any(s.startswith(k) for s in subjects)} == kinds, subjects
    names = [p.name for p in (done.mentee, done.mentor, proposed.mentee, proposed.mentor)]
    for message in sent:
        assert len(message.to) == 1
        text = message.message().as_string()
        for marker in (PRIVATE, PAIR, NOTE, REPLY):
            assert marker not in text, message.subject
        assert not any(name in message.subject for name in names), message.subject
