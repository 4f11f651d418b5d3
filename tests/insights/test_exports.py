"""Can an exported CSV cell ever run as a spreadsheet formula?"""

import csv
import io

import pytest

from portal.services.insights.exports import suppress, to_csv
from portal.services.platform.csv_files import neutralise

pytestmark = pytest.mark.pure  # no database: runs without an app


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_is_a_cell_starting_a_formula_neutralised(start):
    value = f'{start}HYPERLINK("http://evil")'
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Ana", "12", "3.5", "", "a =not-after-a-separator", "50%", None])
def test_are_ordinary_cells_left_alone(value):
    assert neutralise(value) == ("" if value is None else value)


def test_does_a_negative_number_stay_readable_as_text():
    assert neutralise(-3) == "'-3"


def test_is_every_cell_of_a_document_neutralised_and_parsable():
    text = to_csv(["=head"], [["@SUM(A1)"], ["ok"], ["\r\n=x"]])
    rows = list(csv.reader(io.StringIO(text)))
    # A line end is a separator too: the formula after it is neutralised as well.
    assert rows == [["'=head"], ["'@SUM(A1)"], ["ok"], ["'\r\n'=x"]]


@pytest.mark.parametrize(
    ("count", "shown"), [(0, 0), (1, "fewer than 5"), (4, "fewer than 5"), (5, 5), (120, 120)]
)
def test_is_a_group_under_five_suppressed(count, shown):
    assert suppress(count) == shown
