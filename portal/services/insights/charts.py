"""Server-rendered SVG charts (pygal), drawn from a figure's own table."""

from __future__ import annotations

import re

import pygal
from pygal.style import Style

from portal.services.insights.figures import SUPPRESSED, Figure

STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2a37",
    foreground_strong="#111827",
    foreground_subtle="#6b7280",
    font_family="system-ui, -apple-system, 'Segoe UI', sans-serif",
    # Colour-blind-safe (Okabe-Ito) series colours.
    colors=("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"),
    # Sized for print: the 880-unit-wide chart prints 18 cm wide (horizon.css), so a unit is
    # about 0.58 pt and 15 units read as 8.7 pt on paper.
    label_font_size=15,
    major_label_font_size=15,
    legend_font_size=15,
    title_font_size=17,
    value_font_size=14,
)
SCRIPT = re.compile(rb"<script\b.*?</script>", re.DOTALL)
KINDS = {"bar": pygal.Bar, "line": pygal.Line, "hbar": pygal.HorizontalBar}


def svg(figure: Figure) -> bytes:
    """The figure as a standalone SVG document without scripts."""
    chart_class = KINDS.get(figure.chart, pygal.Bar)
    chart = chart_class(
        style=STYLE,
        width=880,
        height=380,
        js=[],
        show_legend=len(figure.series) > 1,
        legend_at_bottom=True,
        x_label_rotation=-40 if figure.chart == "line" else 0,
        # Every category of a bar chart is named (a department, a goal state); only a long
        # time line shows every fourth label.
        show_minor_x_labels=figure.chart != "line",
        x_labels_major_every=4 if figure.chart == "line" and len(figure.rows) > 16 else None,
        truncate_label=28,
        # One series of bars: the number on each bar, for print and for reading exact values.
        print_values=figure.chart != "line" and len(figure.series) == 1,
        margin=16,
        no_data_text=figure.empty,
        allow_interruptions=True,
    )
    values = {column: figure.chart_values(column) for column in figure.series}
    # A category whose every value is withheld (fewer than 5 people) says so, so the empty
    # slot is explained rather than looking like zero.
    labels = [
        str(row[0])
        + (" (fewer than 5)" if values and all(row[c] == SUPPRESSED for c in values) else "")
        for row in figure.rows
    ]
    chart.x_labels = labels
    for column in figure.series:
        chart.add(figure.columns[column], values[column])
    # pygal always writes its config as a <script>; an image needs none of it.
    return SCRIPT.sub(b"", chart.render())
