"""Column charts as inline SVG, drawn on the server: no chart library and no JavaScript.

A chart only repeats what the table beside it says in words and numbers (the table is the text
equivalent), so it is hidden from screen readers. A withheld count gets no column, only its
label ("< 5" or "–") where the column would stand.

A small template of our own rather than pygal: pygal's charts lean on JavaScript for tooltips
and inline styles, which our Content-Security-Policy forbids, and ten rectangles need no
library.
"""

from dataclasses import dataclass

from flask_babel import format_percent
from markupsafe import Markup, escape

from .formatting import count_label

WIDTH, PLOT, LABELS = 40, 100, 28  # one column's slot, the plot's height, the room for labels


@dataclass
class Column:
    label: str  # under the column: "7", "uge 48"
    fraction: float | None  # of the tallest possible column; None when the count is withheld
    text: str  # above the column: "12", "< 5", "52,3 %"


def column_chart(columns, css_class="columns"):
    width = WIDTH * len(columns)
    height = PLOT + LABELS
    parts = [f'<svg class="{css_class}" viewBox="0 0 {width} {height}" role="presentation" '
             f'aria-hidden="true" focusable="false">',
             f'<line class="axis" x1="0" y1="{PLOT + 0.5}" x2="{width}" y2="{PLOT + 0.5}"/>']
    for i, column in enumerate(columns):
        x = i * WIDTH
        middle = x + WIDTH / 2
        if column.fraction is None:
            parts.append(f'<rect class="withheld" x="{x + 6}" y="{PLOT - 12}" width="{WIDTH - 12}" height="12"/>')
            top = PLOT - 12
        else:
            bar = max(PLOT * 0.82 * column.fraction, 0.8 if column.fraction else 0)
            top = PLOT - bar
            parts.append(f'<rect x="{x + 6}" y="{top:.1f}" width="{WIDTH - 12}" height="{bar:.1f}"/>')
        parts.append(f'<text class="value" x="{middle}" y="{top - 4:.1f}">{escape(column.text)}</text>')
        parts.append(f'<text class="label" x="{middle}" y="{PLOT + 18}">{escape(column.label)}</text>')
    parts.append("</svg>")
    # Not an injection: numbers we computed and texts passed through escape().
    return Markup("".join(parts))  # nosec B704


def bar(share):
    """A horizontal bar for a share (0-1), for a table row; nothing when the share is withheld."""
    if share is None:
        return ""
    # Not an injection: a number we computed.
    return Markup(f'<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" '  # nosec B704
                  f'focusable="false"><rect width="{share * 100:.1f}" height="10"/></svg>')


def compare_bar(share, before=None):
    """A share (0-1) as a bar, with last year's share as a mark across it: the yearly report."""
    if share is None and before is None:
        return ""
    parts = ['<svg class="bar compare" viewBox="0 0 100 12" preserveAspectRatio="none" aria-hidden="true" '
             'focusable="false">']
    if share is not None:
        parts.append(f'<rect y="1" width="{share * 100:.1f}" height="10"/>')
    if before is not None:
        parts.append(f'<line class="before" x1="{before * 100:.1f}" y1="0" x2="{before * 100:.1f}" y2="12"/>')
    parts.append("</svg>")
    # Not an injection: numbers we computed.
    return Markup("".join(parts))  # nosec B704


def share_columns(rows):
    """Columns of shares (rows of (label, share or None)), scaled to the largest shown."""
    most = max((share for _label, share in rows if share is not None), default=0) or 1
    return column_chart([Column(label, None if share is None else share / most,
                                "–" if share is None else format_percent(share, format="#,##0 %"))
                         for label, share in rows])


def importance_chart(item):
    """Importance 1-10 as columns of the count giving each score, scaled to the largest shown."""
    shown = [row["count"].value for row in item["rows"] if row["count"].shown]
    most = max(shown, default=0) or 1
    return column_chart([Column(row["option"].text, row["count"].value / most if row["count"].shown else None,
                                count_label(row["count"])) for row in item["rows"]])


def trend_charts(trend):
    """Answers, and the share giving 9 or 10, for the periods of the trend (weeks, or longer)."""
    shown = [row["total"].value for row in trend if row["total"].shown]
    most = max(shown, default=0) or 1
    answers = column_chart([Column(str(row["period"].number), row["total"].value / most if row["total"].shown else None,
                                   count_label(row["total"])) for row in trend], "columns trend")
    top = column_chart([Column(str(row["period"].number), 0.0 if _nobody(row) else row["share_top"], _share_text(row))
                        for row in trend], "columns trend")
    return answers, top


def _nobody(row):
    return row["total"].shown and not row["total"].value  # no share, and nothing withheld


def _share_text(row):
    if row["share_top"] is not None:
        return format_percent(row["share_top"], format="#,##0 %")
    return "" if _nobody(row) else "–"


def register(app):
    app.jinja_env.globals.update(bar=bar, compare_bar=compare_bar, share_columns=share_columns,
                                 importance_chart=importance_chart, trend_charts=trend_charts)
