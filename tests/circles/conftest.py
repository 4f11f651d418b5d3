"""Circle test fixtures: a circles programme's circle of a facilitator and three members."""

from __future__ import annotations

import pytest

from portal.models.programs import ProgramFormat
from tests.factories import make_circle, make_program, make_user


@pytest.fixture
def circle():
    """A circle led by Fran, with Mia, Noor and Ola as members."""
    program = make_program(format=ProgramFormat.circles)
    return make_circle(
        program,
        facilitator=make_user(name="Fran"),
        members=[make_user(name="Mia"), make_user(name="Noor"), make_user(name="Ola")],
    )


@pytest.fixture
def people(circle):
    """The circle's facilitator then its members: (Fran, Mia, Noor, Ola)."""
    return circle.facilitator, *[s.user for s in circle.stints]
