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

from .figure_notes import protection_notes
from .formatting import count_label, period_label, share_label
from .plain_text import without_control_characters
from .pdfdoc import Document

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "pdf": "application/pdf"}


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV Injection"):
# a centre named '=HYPERLINK(...)' would become a link, or worse, in the staff's Excel. The
# full-width forms are read as formulas too by East Asian Excel.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\0", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A number written as text ("-3", "12,5") is a number to the reader, not a formula to neutralise.
_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)*")


def as_text(value):
    """A cell of text as it may go into a CSV file: never read as a formula.

    OWASP's rule: a cell that starts with = + - @ tab or CR gets a leading apostrophe, which
    Excel and LibreOffice hide and which makes the rest plain text. Numbers pass unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_row(values):
    return [as_text(without_control_characters(value) if isinstance(value, str) else value) for value in values]


def append_row(sheet, values):
    """Append a row to an XLSX sheet with every text as a string cell, never a formula:
    openpyxl makes a formula of any text starting with '=' (and an error of '#N/A'). A control
    character (which XLSX cannot hold) is left out."""
    sheet.append([without_control_characters(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.startswith(FORMULA_STARTS):
                cell.quotePrefix = True  # and stays text when someone edits the cell in Excel


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
    rows = [[_("Centre"), centre["name"]], [_("Period"), period_label(result["period"])],
            [_("Answers"), total.value if total.shown else count_label(total)]]
    if result.get("folded"):
        rows.append([_("Note"), folded_note()])
    rows += [[_("Note"), line] for line in protection_notes(result)]
    return rows


def folded_note():
    return _("The answers of this period are no longer kept (the centre's retention). These are the figures it "
             "published when it closed; nothing more can be worked out from it.")


def to_csv(centre, result):
    """Semicolons, decimal commas and a byte-order mark: what Danish Excel opens as columns."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(map(csv_row, _heading(centre, result)))
    writer.writerow([])
    writer.writerow([_("Question"), _("Answer option"), _("Count"), _("Share (%)")])
    for question, answer, count, share in _rows(result):
        writer.writerow(csv_row([question, answer, count,
                                 "" if share is None else format_decimal(share * 100, format="0.0")]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


SHEET_NAME_MAX = 31  # Excel's limit


def sheet_name(field):
    """A question's tab in the workbook: its short name (questions.toml), a matrix statement's
    after its question's, e.g. "Betydning – Fællesskab"."""
    if field.group_short:
        return f"{_(field.group_short)} – {_(field.short)}"
    return _(field.short) if field.short else _(field.text)


def _sheet_title(text, taken):
    """Excel refuses []:*?/\\ in a tab's name and more than 31 characters; two tabs must differ.
    The short names fit (a test keeps them so); cutting and numbering are only a last resort."""
    title = re.sub(r"[\[\]:*?/\\]", "", text).strip()[:SHEET_NAME_MAX].strip() or "Sheet"
    candidate, n = title, 2
    while candidate.casefold() in {t.casefold() for t in taken}:  # Excel compares tab names without case
        candidate, n = f"{title[:SHEET_NAME_MAX - 3]} {n}", n + 1
    taken.add(candidate)
    return candidate


def to_xlsx(centre, result):
    book = Workbook()
    overview = book.active
    overview.title = _sheet_title(_("Summary"), set())
    for row in _heading(centre, result):
        append_row(overview, row)
    overview["A1"].font = overview["A2"].font = overview["A3"].font = Font(bold=True)
    taken = {overview.title}
    for item in result["fields"]:
        field = item["field"]
        question = f"{_(field.group)} – {_(field.text)}" if field.group else _(field.text)
        sheet = book.create_sheet(_sheet_title(sheet_name(field), taken))
        append_row(sheet, [question])
        sheet["A1"].font = Font(bold=True)
        append_row(sheet, [_("Answer option"), _("Count"), _("Share")])
        for row in item["rows"]:
            count = row["count"]
            append_row(sheet, [_option_text(field, row), count.value if count.shown else count_label(count),
                               row["share"]])
            if row["share"] is not None:
                sheet.cell(row=sheet.max_row, column=3).number_format = "0.0%"
    for sheet in book.worksheets:
        sheet.column_dimensions["A"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(centre, result):
    """An A4 page a municipality can read: the counts with bars, matrix statements on a line
    each. Every text wraps in its column; what does not fit goes on a second page."""
    from .figures import importance_extras

    pdf = Document(f"Brugerstemmen · {centre['name']} · {period_label(result['period'])}")
    pdf.paragraph(f"{centre['name']} · {period_label(result['period'])}", size=16, height=8, bold=True)
    total = result["total"]
    if result.get("folded"):
        pdf.paragraph(folded_note())
    if not total.shown:
        pdf.paragraph(_("Too few answers in this period to show anything: fewer than %(k)s. Look at a longer "
                        "period.", k=result["k"]), height=6)
        return pdf.bytes()
    if not result["breakdown"]:
        pdf.paragraph(f"{format_decimal(total.value)} {_('answers')}", height=6)
        for line in protection_notes(result):
            pdf.paragraph(line, size=7.5, height=4)
        return pdf.bytes()
    summary = f"{format_decimal(total.value)} {_('answers')}"
    importance = next((f for f in result["fields"] if f["field"].name == "importance"), None)
    share_top, median = importance_extras(importance, total) if importance else (None, None)
    if share_top is not None:
        summary += f" · {_('Gave the place 9 or 10 out of 10:')} {share_label(share_top)}"
    if median is not None:
        summary += f" · {_('median')} {format_decimal(median)}"
    pdf.paragraph(summary, height=6)
    for line in protection_notes(result):  # how the numbers are protected, only what applies here
        pdf.paragraph(line, size=7.5, height=4)
    shown_group = None
    for item in result["fields"]:
        field = item["field"]
        if field.group:  # a matrix statement: its answers on one line
            if shown_group != field.group:
                pdf.heading(_(field.group))
                shown_group = field.group
            answers = " · ".join(f"{_option_text(field, row)} {count_label(row['count'])}" for row in item["rows"])
            pdf.row([(95, _(field.text), "L"), (pdf.epw - 95, answers, "L")])
            continue
        pdf.heading(_(field.text), keep_with=30 if field.kind == "scale" else 12)
        if field.kind == "scale":
            _columns(pdf, item["rows"])
            continue
        for row in item["rows"]:
            pdf.row([(95, _option_text(field, row), "L"), (18, count_label(row["count"]), "R"),
                     (18, share_label(row["share"]), "R")], bar=row["share"])
    return pdf.bytes()


def _columns(pdf, rows):
    """A scale's answers as columns of their counts, as on the page; a withheld one as a dashed box."""
    most = max((row["count"].value for row in rows if row["count"].shown), default=0) or 1
    pdf.columns([(_option_text(None, row), count_label(row["count"]),
                  row["count"].value / most if row["count"].shown else None) for row in rows])


def _option_text(field, row):
    text = row["option"].text
    return text if field is None or field.kind == "scale" else _(text)
