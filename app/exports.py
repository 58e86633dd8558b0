"""Downloads of a period's summary: CSV for Danish Excel and XLSX with a sheet per question.

Only what figures.py lets through reaches a file: suppressed counts are written as the page
shows them ("< 5", "–"), never as numbers.
"""

import csv
import io
import re

from flask_babel import format_decimal, gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .formatting import count_label, period_label

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def filename(centre, period, extension):
    return f"brugerstemmen-{centre['slug']}-{period.key}.{extension}"


def _rows(result):
    """(question, answer, count or label, share or None) for every answer of every question."""
    for item in result["fields"]:
        field = item["field"]
        question = f"{_(field.group)} – {_(field.text)}" if field.group else _(field.text)
        for row in item["rows"]:
            option = row["option"]
            answer = option.text if field.kind == "scale" else _(option.text)
            count = row["count"]
            yield question, answer, count.value if count.shown else count_label(count), row["share"]


def _heading(centre, result):
    total = result["total"]
    return [[_("Centre"), centre["name"]], [_("Period"), period_label(result["period"])],
            [_("Answers"), total.value if total.shown else count_label(total)]]


def to_csv(centre, result):
    """Semicolons, decimal commas and a byte-order mark: what Danish Excel opens as columns."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(_heading(centre, result))
    writer.writerow([])
    writer.writerow([_("Question"), _("Answer"), _("Count"), _("Share (%)")])
    for question, answer, count, share in _rows(result):
        writer.writerow([question, answer, count,
                         "" if share is None else format_decimal(share * 100, format="0.0")])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(text, taken):
    title = re.sub(r"[\[\]:*?/\\]", "", text)[:28].strip() or "Sheet"
    candidate, n = title, 2
    while candidate in taken:
        candidate, n = f"{title[:25]} {n}", n + 1
    taken.add(candidate)
    return candidate


def to_xlsx(centre, result):
    book = Workbook()
    overview = book.active
    overview.title = _sheet_title(_("Summary"), set())
    for row in _heading(centre, result):
        overview.append(row)
    overview["A1"].font = overview["A2"].font = overview["A3"].font = Font(bold=True)
    taken = {overview.title}
    sheets = {}
    for question, answer, count, share in _rows(result):
        if question not in sheets:
            sheet = book.create_sheet(_sheet_title(question, taken))
            sheet.append([question])
            sheet["A1"].font = Font(bold=True)
            sheet.append([_("Answer"), _("Count"), _("Share")])
            sheets[question] = sheet
        sheets[question].append([answer, count, share])
        if share is not None:
            sheets[question].cell(row=sheets[question].max_row, column=3).number_format = "0.0%"
    for sheet in book.worksheets:
        sheet.column_dimensions["A"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
