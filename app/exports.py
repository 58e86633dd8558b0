"""Downloads of a period's summary: CSV for Danish Excel and XLSX with a sheet per question.

Only what figures.py lets through reaches a file: suppressed counts are written as the page
shows them ("< 5", "–"), never as numbers.
"""

import csv
import io
import re

from flask_babel import format_decimal, gettext as _
from fpdf import FPDF, XPos, YPos
from openpyxl import Workbook
from openpyxl.styles import Font

from .formatting import count_label, period_label, share_label
from .posters import FONTS

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
    return [as_text(value) for value in values]


def append_row(sheet, values):
    """Append a row to an XLSX sheet with every text as a string cell, never a formula:
    openpyxl makes a formula of any text starting with '=' (and an error of '#N/A')."""
    sheet.append(values)
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
        append_row(overview, row)
    overview["A1"].font = overview["A2"].font = overview["A3"].font = Font(bold=True)
    taken = {overview.title}
    sheets = {}
    for question, answer, count, share in _rows(result):
        if question not in sheets:
            sheet = book.create_sheet(_sheet_title(question, taken))
            append_row(sheet, [question])
            sheet["A1"].font = Font(bold=True)
            append_row(sheet, [_("Answer option"), _("Count"), _("Share")])
            sheets[question] = sheet
        append_row(sheets[question], [answer, count, share])
        if share is not None:
            sheets[question].cell(row=sheets[question].max_row, column=3).number_format = "0.0%"
    for sheet in book.worksheets:
        sheet.column_dimensions["A"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(centre, result):
    """One A4 page a municipality can read: the counts with bars, matrix statements on a line each."""
    from .figures import importance_extras

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(f"Brugerstemmen · {centre['name']} · {period_label(result['period'])}")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(15, 12, 15)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    text = dict(new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("DejaVu", "B", 16)
    pdf.cell(0, 8, f"{centre['name']} · {period_label(result['period'])}", **text)
    total = result["total"]
    pdf.set_font("DejaVu", "", 10)
    if result.get("folded"):
        pdf.multi_cell(0, 5, folded_note(), **text)
    if not total.shown:
        pdf.multi_cell(0, 6, _("Too few answers in this period to show anything: fewer than %(k)s. Look at a longer "
                               "period.", k=result["k"]), **text)
        return bytes(pdf.output())
    summary = f"{format_decimal(total.value)} {_('answers')}"
    importance = next((f for f in result["fields"] if f["field"].name == "importance"), None)
    share_top, median = importance_extras(importance, total) if importance else (None, None)
    if share_top is not None:
        summary += f" · {_('Gave the place 9 or 10 out of 10:')} {share_label(share_top)}"
    if median is not None:
        summary += f" · {_('median')} {format_decimal(median)}"
    pdf.cell(0, 6, summary, **text)
    pdf.set_font("DejaVu", "", 7.5)
    pdf.multi_cell(0, 4, _("Shares are of everyone who answered in the period. Counts below %(k)s are shown as "
                           "“< %(k)s”, and a dash hides a number that would let someone work out a small one.",
                           k=result["k"]), **text)
    shown_group = None
    for item in result["fields"]:
        field = item["field"]
        if field.group:  # a matrix statement: its answers on one line
            if shown_group != field.group:
                _heading_line(pdf, _(field.group))
                shown_group = field.group
            answers = " · ".join(f"{_option_text(field, row)} {count_label(row['count'])}" for row in item["rows"])
            pdf.set_font("DejaVu", "", 8)
            pdf.cell(95, 4.2, _fit(pdf, _(field.text), 93))
            pdf.cell(0, 4.2, answers, **text)
            continue
        _heading_line(pdf, _(field.text))
        if field.kind == "scale":
            _columns(pdf, item["rows"])
            continue
        for row in item["rows"]:
            pdf.set_font("DejaVu", "", 8)
            pdf.cell(95, 4.2, _fit(pdf, _option_text(field, row), 93))
            pdf.cell(18, 4.2, count_label(row["count"]), align="R")
            pdf.cell(18, 4.2, share_label(row["share"]), align="R")
            if row["share"] is not None:
                pdf.set_fill_color(11, 93, 80)
                pdf.rect(pdf.get_x() + 3, pdf.get_y() + 1, 45 * row["share"], 2.4, style="F")
            pdf.ln(4.2)
    return bytes(pdf.output())


def _columns(pdf, rows, height=20, width=14):
    """A scale's answers as columns of their counts, as on the page; a withheld one as a dashed box."""
    shown = [row["count"].value for row in rows if row["count"].shown]
    most = max(shown, default=0) or 1
    left, base = pdf.l_margin, pdf.get_y() + height + 4
    pdf.set_font("DejaVu", "", 7.5)
    pdf.set_draw_color(138, 138, 138)
    for i, row in enumerate(rows):
        x = left + i * width
        count = row["count"]
        bar = height * count.value / most if count.shown else 3
        if count.shown:
            pdf.set_fill_color(11, 93, 80)
            pdf.rect(x + 2, base - bar, width - 4, bar, style="F")
        else:
            with pdf.local_context(dash_pattern=dict(dash=0.8, gap=0.6)):
                pdf.rect(x + 2, base - bar, width - 4, bar)
        pdf.set_xy(x, base - bar - 3.6)
        pdf.cell(width, 3.4, count_label(count), align="C")
        pdf.set_xy(x, base + 0.6)
        pdf.cell(width, 3.4, _option_text(None, row), align="C")
    pdf.line(left, base, left + width * len(rows), base)
    pdf.set_xy(left, base + 4.5)


def _fit(pdf, text, width):
    """Shorten text with an ellipsis until it fits the column."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _option_text(field, row):
    text = row["option"].text
    return text if field is None or field.kind == "scale" else _(text)


def _heading_line(pdf, title):
    pdf.set_font("DejaVu", "B", 9.5)
    pdf.set_y(pdf.get_y() + 1.5)
    pdf.cell(0, 5.5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
