"""Does every bar of a chart name its category (a department, a goal state)?"""

import re

import pytest

from portal.services.insights.charts import svg
from portal.services.insights.figures import SUPPRESSED, Figure


def _labels(document: bytes) -> list[str]:
    text = document.decode()
    axis = text[text.index('class="axis x') :]
    axis = axis[: axis.index('class="axis y')] if 'class="axis y' in axis else axis
    return re.findall(r"<text[^>]*>([^<]+)</text>", axis)


def test_does_every_department_appear_under_its_bar():
    departments = ["Finance", "People", "Sales", "Design", "Legal", "Support", "Engineering"]
    figure = Figure(
        key="departments",
        title="Participants by department",
        columns=["Department", "People"],
        rows=[[name, 5 + n] for n, name in enumerate(departments)],
        chart="bar",
        series=[1],
    )
    labels = _labels(svg(figure))
    for name in departments:
        assert name in labels, (name, labels)


def test_is_a_withheld_bar_explained_and_a_single_series_labelled_with_values():
    figure = Figure(
        key="goals",
        title="Goal progress",
        columns=["State", "Goals"],
        rows=[["Started", 12], ["Reached", SUPPRESSED]],
        chart="bar",
        series=[1],
    )
    document = svg(figure).decode()
    assert "Reached (fewer than 5)" in document
    assert ">12<" in document  # the value printed on its bar


@pytest.mark.pure
def test_do_charts_print_legibly_without_navigation_and_flow_on_the_page():
    """The print rules: a chart prints 18 cm wide, so its smallest text is at least 8 pt on
    paper; navigation is hidden; a figure flows on instead of starting a new page."""
    from pathlib import Path

    from portal.services.insights.charts import STYLE

    css = (Path(__file__).parents[2] / "portal/static/css/horizon.css").read_text()
    blocks = re.findall(r"@media print \{(.*?)\n\}", css, re.DOTALL)
    printed = "\n".join(blocks)
    width_cm = float(re.search(r"\.figure__chart \{[^}]*max-width: ([\d.]+)cm", printed).group(1))
    points_per_unit = width_cm / 2.54 * 72 / 880  # the SVG is 880 units wide
    smallest = min(STYLE.label_font_size, STYLE.major_label_font_size, STYLE.value_font_size)
    assert smallest * points_per_unit >= 8
    assert re.search(r"\.admin-nav, \.breadcrumb[^{]*\{ display: none", printed)
    assert ".site-header" in printed
    assert "avoid-page" not in printed  # every chart on a new page was the bug
    assert re.search(r"\.figure__chart \{[^}]*break-inside: avoid", printed)
