"""Does every bar of a chart name its category (a department, a goal state)?"""

import re

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
