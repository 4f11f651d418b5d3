"""Can any CSV export carry a formula to a spreadsheet, whatever its list separator?"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership
from portal.services.platform.csv_files import neutralise
from tests.factories import make_admin, make_pairing, make_program, make_user

# Each would run in a spreadsheet: at the start, or after a list separator (",", ";", tab,
# a line end, "|"), with or without spaces after it.
HOSTILE = [
    "=1+1",
    "Sales;=1+1",
    "Ops, +SUM(A1)",
    "HR|@cmd",
    "Legal\t-2+3",
    'Audit\n=HYPERLINK("http://x.test")',
    "\r=2",
    "R&D;  @A1",
]
FORMULA_STARTS = "=+-@\t\r"
SEPARATORS = re.compile(r"[,;\t\r\n|]")


def _unsafe_parts(cell: str) -> list[str]:
    """The pieces a spreadsheet could split the cell into that start a formula."""
    parts = [cell] + SEPARATORS.split(cell)[1:]
    # After a separator a formula start may be the separator's own neighbour (tab, CR).
    pieces = [cell] + [cell[m.end() :] for m in SEPARATORS.finditer(cell)]
    return [
        piece for piece in pieces + parts if piece.lstrip(" \u00a0")[:1] in tuple(FORMULA_STARTS)
    ]


@pytest.mark.parametrize("value", HOSTILE)
def test_does_neutralise_leave_no_formula_start_after_any_separator(value):
    cell = neutralise(value)
    assert _unsafe_parts(cell) == []
    # Nothing is lost: removing the apostrophes gives the text back.
    assert cell.replace("'", "") == value


def _world():
    program = make_program()
    for value in HOSTILE:
        pairing = make_pairing(program=program, mentee=make_user(name=value))
        membership = db.session.scalar(
            select(Membership).where(
                Membership.user_id == pairing.mentee_id, Membership.program_id == program.id
            )
        )
        membership.profile = {"department": value}
    db.session.commit()
    return program


ROUTES = [
    "/admin/programs/{slug}/export/participants.csv",
    "/admin/programs/{slug}/export/pairs.csv",
    "/admin/programs/{slug}/pairs.csv",
    "/admin/programs/{slug}/analytics/departments.csv",
    "/admin/analytics/departments.csv",
    "/admin/programs/{slug}/roi.csv",
]


@pytest.mark.parametrize("route", ROUTES)
def test_is_every_hostile_cell_neutralised_in_every_export(client, auth, route):
    program = _world()
    auth.login(make_admin())
    response = client.get(route.format(slug=program.slug))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    cells = [
        cell for row in csv.reader(io.StringIO(response.get_data(as_text=True))) for cell in row
    ]
    assert cells
    for cell in cells:
        assert _unsafe_parts(cell) == [], (route, cell)
    if "roi" not in route:
        # The hostile text did reach the file (neutralised), so the check above meant something.
        assert any("Sales;'=1+1" in cell for cell in cells), route
