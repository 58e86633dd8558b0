"""Downloads of a period's summary: CSV for Danish Excel and XLSX with a sheet per question.

Only what figures.py lets through reaches a file: suppressed counts are written as the page
shows them ("< 5", "–"), never as numbers.
"""

import csv
import io
import re

from flask_babel import format_decimal, gettext as _

from .disclosure import SMALL
from .figure_notes import protection_notes
from .figures import importance_extras
from .formatting import WITHHELD, count_label, period_label, share_cell, share_label
from .plain_text import without_control_characters

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


def page_extras(result, trend=None, national=None):
    """What the summary page shows beside the period's tables, for a download to carry too: the
    share giving 9 or 10 and the median, the national shares ("All centres"), a week's trend of
    the last 12 periods (level, rows), and the notes on how all of it is protected."""
    importance = next((f for f in result["fields"] if f["field"].name == "importance"), None)
    share_top, median = importance_extras(importance, result["total"]) if importance else (None, None)
    return {"share_top": share_top, "median": median, "national": national or {}, "trend": trend,
            "notes": protection_notes(result, trend[1] if trend else ())}


def _question(field):
    return f"{_(field.group)} – {_(field.text)}" if field.group else _(field.text)


def _rows(result, national):
    """(question, answer, count or label, share or None, national share or None) for every answer
    of every question, and a scale's bands after its scores, as the page has them."""
    for item in result["fields"]:
        field = item["field"]
        question = _question(field)
        for row in item["rows"]:
            yield (question, _option_text(field, row), _count_cell(row["count"]), row["share"],
                   national.get((field.name, row["option"].id)))
        for band in item.get("bands") or []:
            yield (f"{question} – {_('In bands')}", band["label"], _count_cell(band["count"]), band["share"],
                   national.get((field.name, band["id"])))


def _count_cell(count):
    return count.value if count.shown else count_label(count)


def _percent(share):
    """A share as the page has it: a withheld one is the dash, as on the page, never a blank."""
    return WITHHELD if share is None else format_decimal(share * 100, format="0.0")


def _nobody(row):
    """A trend's period nobody answered in: its share is left empty, as on the page and its chart
    (a withheld one is the dash)."""
    return row["total"].shown and not row["total"].value


def trend_title(level):
    return {"week": _("The last 12 weeks"), "block": _("The last 12 four-week periods"),
            "quarter": _("The last 12 quarters")}[level]


def trend_hint(level):
    if level == "block":
        return _("Some weeks do not show the share giving 9 or 10 (too few answers), so the trend shows four-week "
                 "periods instead.")
    if level == "quarter":
        return _("Some weeks and four-week periods do not show the share giving 9 or 10 (too few answers), so the "
                 "trend shows quarters instead.")
    return None


def _trend_head(level):
    return [_("Week") if level == "week" else _("Period"), _("Answers"), _("9 or 10")]


TEXT, NUMBER, SHARE = "text", "number", "share"


def _heading(centre, result, extras):
    """The summary's first lines, (label, value, kind): a share is written as a share."""
    total = result["total"]
    rows = [(_("Centre"), centre["name"], TEXT), (_("Period"), period_label(result["period"]), TEXT),
            (_("Answers"), _count_cell(total), NUMBER)]
    if not total.shown:
        rows.append((_("Note"), _withheld_note(result), TEXT))
    if extras["share_top"] is not None:
        rows.append((_("Gave the place 9 or 10 out of 10:").rstrip(": "), extras["share_top"], SHARE))
    if extras["median"] is not None:
        rows.append((_("median").capitalize(), extras["median"], NUMBER))
    if result.get("folded"):
        rows.append((_("Note"), folded_note(), TEXT))
    rows += [(_("Note"), line, TEXT) for line in extras["notes"]]
    if extras["national"]:
        rows.append((_("Note"), _("“All centres” is the share among everyone who answered at the centres reporting "
                                  "to LVS, where at least three centres' numbers make it up."), TEXT))
    return rows


def _withheld_note(result):
    """What the page says of a period whose number of answers is not shown."""
    if result["total"].status == SMALL:
        return _("Too few answers in this period to show anything: fewer than %(k)s. Look at a longer period.",
                 k=result["k"])
    return _("This period is not shown, so that a smaller period next to it stays anonymous. Look at a longer period.")


def folded_note():
    return _("The answers of this period are no longer kept (the centre's retention). These are the figures it "
             "published when it closed; nothing more can be worked out from it.")


def to_csv(centre, result, extras=None):
    """Semicolons, decimal commas and a byte-order mark: what Danish Excel opens as columns."""
    extras = extras or page_extras(result)
    national = extras["national"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows(csv_row([label, share_label(value) if kind == SHARE else format_decimal(value)
                              if kind == NUMBER and isinstance(value, float) else value])  # a median of 8,5
                     for label, value, kind in _heading(centre, result, extras))
    writer.writerow([])
    writer.writerow([_("Question"), _("Answer option"), _("Count"), _("Share (%)")]
                    + ([_("All centres") + " (%)"] if national else []))
    for question, answer, count, share, everyone in _rows(result, national):
        writer.writerow(csv_row([question, answer, count, _percent(share)] + ([_percent(everyone)] if national else [])))
    if extras["trend"]:
        level, rows = extras["trend"]
        writer.writerow([])
        writer.writerow(csv_row([trend_title(level)]))
        if trend_hint(level):
            writer.writerow(csv_row([_("Note"), trend_hint(level)]))
        writer.writerow(csv_row(_trend_head(level)))
        for row in rows:
            writer.writerow(csv_row([period_label(row["period"]), _count_cell(row["total"]),
                                     "" if _nobody(row) else _percent(row["share_top"])]))
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


def _matrix_shares(field, row, national):
    """A statement's answer's share in brackets, and all centres' beside it when LVS sent them,
    as the page has them."""
    if not national:
        return [f"({share_cell(row['share'])})"] if row["share"] is not None else []
    everyone = national.get((field.name, row["option"].id))
    return [f"({share_cell(row['share'])}; {_('All centres')} {share_cell(everyone)})"]


def _xlsx_share(share):
    return WITHHELD if share is None else share


def _share_cells(sheet, *columns):
    for column in columns:
        cell = sheet.cell(row=sheet.max_row, column=column)
        if isinstance(cell.value, float):
            cell.number_format = "0.0%"


def to_xlsx(centre, result, extras=None):
    from openpyxl import Workbook  # here, not at the top: every CLI run and server worker would load it
    from openpyxl.styles import Font

    extras = extras or page_extras(result)
    national = extras["national"]
    book = Workbook()
    overview = book.active
    overview.title = _sheet_title(_("Summary"), set())
    for label, value, kind in _heading(centre, result, extras):
        append_row(overview, [label, value])
        if kind == SHARE:
            _share_cells(overview, 2)
    overview["A1"].font = overview["A2"].font = overview["A3"].font = Font(bold=True)
    taken = {overview.title}
    head = [_("Answer option"), _("Count"), _("Share")] + ([_("All centres")] if national else [])
    for item in result["fields"]:
        field = item["field"]
        sheet = book.create_sheet(_sheet_title(sheet_name(field), taken))
        append_row(sheet, [_question(field)])
        sheet["A1"].font = Font(bold=True)
        append_row(sheet, head)
        for row in item["rows"]:
            append_row(sheet, [_option_text(field, row), _count_cell(row["count"]), _xlsx_share(row["share"])]
                       + ([_xlsx_share(national.get((field.name, row["option"].id)))] if national else []))
            _share_cells(sheet, 3, 4)
        if item.get("bands"):
            append_row(sheet, [])
            append_row(sheet, [_("In bands")])
            sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
            append_row(sheet, head)
            for band in item["bands"]:
                append_row(sheet, [band["label"], _count_cell(band["count"]), _xlsx_share(band["share"])]
                           + ([_xlsx_share(national.get((field.name, band["id"])))] if national else []))
                _share_cells(sheet, 3, 4)
    if extras["trend"]:
        level, rows = extras["trend"]
        sheet = book.create_sheet(_sheet_title(_("Trend"), taken))
        append_row(sheet, [trend_title(level)])
        sheet["A1"].font = Font(bold=True)
        if trend_hint(level):
            append_row(sheet, [trend_hint(level)])
        append_row(sheet, _trend_head(level))
        for row in rows:
            append_row(sheet, [period_label(row["period"]), _count_cell(row["total"]),
                               None if _nobody(row) else _xlsx_share(row["share_top"])])
            _share_cells(sheet, 3)
    for sheet in book.worksheets:
        sheet.column_dimensions["A"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_pdf(centre, result, extras=None):
    """An A4 page a municipality can read: the counts with bars, matrix statements on a line
    each, a scale's bands and a week's trend as on the page. Every text wraps in its column;
    what does not fit goes on a second page."""
    from .pdfdoc import Document  # here, not at the top: fpdf2 takes a third of a second to load

    extras = extras or page_extras(result)
    national = extras["national"]
    pdf = Document(f"Brugerstemmen · {centre['name']} · {period_label(result['period'])}")
    pdf.paragraph(f"{centre['name']} · {period_label(result['period'])}", size=16, height=8, bold=True)
    total = result["total"]
    if result.get("folded"):
        pdf.paragraph(folded_note())
    if not total.shown:
        pdf.paragraph(_withheld_note(result), height=6)
        _trend(pdf, extras["trend"])
        return pdf.bytes()
    if not result["breakdown"] or not total.value:
        pdf.paragraph(f"{format_decimal(total.value)} {_('answers')}", height=6)
        if not total.value:
            pdf.paragraph(_("Nobody answered in this period."), height=6)
        for line in extras["notes"]:
            pdf.paragraph(line, size=7.5, height=4)
        _trend(pdf, extras["trend"])
        return pdf.bytes()
    summary = f"{format_decimal(total.value)} {_('answers')}"
    if extras["share_top"] is not None:
        summary += f" · {_('Gave the place 9 or 10 out of 10:')} {share_label(extras['share_top'])}"
        if extras["median"] is not None:
            summary += f" · {_('median')} {format_decimal(extras['median'])}"
    pdf.paragraph(summary, height=6)
    notes = extras["notes"] + ([_("“All centres” is the share among everyone who answered at the centres reporting "
                                  "to LVS, where at least three centres' numbers make it up.")] if national else [])
    for line in notes:  # how the numbers are protected, only what applies here
        pdf.paragraph(line, size=7.5, height=4)
    shown_group = None
    for item in result["fields"]:
        field = item["field"]
        if field.group:  # a matrix statement: its answers on one line
            if shown_group != field.group:
                pdf.heading(_(field.group))
                shown_group = field.group
            # Each answer with its count and share, broken only between answers.
            answers = " · ".join("\u00a0".join([_option_text(field, row).replace(" ", "\u00a0"), count_label(row["count"])]
                                               + _matrix_shares(field, row, national))
                                 for row in item["rows"]).replace(" %", "\u00a0%")
            pdf.row([(95, _(field.text), "L"), (pdf.epw - 95, answers, "L")])
            continue
        pdf.heading(_(field.text), keep_with=30 if field.kind == "scale" else 12)
        if field.kind == "scale" and any(row["count"].value for row in item["rows"] if row["count"].shown):
            _columns(pdf, item["rows"])  # no chart of nothing: the table says it
        if national:
            _table_head(pdf)
        for row in item["rows"]:
            _pdf_row(pdf, _option_text(field, row), row["count"], row["share"],
                     national.get((field.name, row["option"].id)), national)
        if item.get("bands"):
            pdf.paragraph(_("In bands"), size=8, height=4.5, bold=True, keep_with=13)
            for band in item["bands"]:
                _pdf_row(pdf, band["label"], band["count"], band["share"], national.get((field.name, band["id"])),
                         national)
    _trend(pdf, extras["trend"])
    return pdf.bytes()


def _table_head(pdf):
    pdf.row([(95, "", "L"), (18, _("Count"), "R"), (18, _("Share"), "R"), (22, _("All centres"), "R")], size=7)


def _pdf_row(pdf, label, count, share, everyone, national):
    columns = [(95, label, "L"), (18, count_label(count), "R"), (18, share_cell(share), "R")]
    pdf.row(columns + ([(22, share_cell(everyone), "R")] if national else []), bar=share,
            bar_width=40 if national else 45)


def _trend(pdf, trend):
    """A week's trend, as its page has it: answers and the share giving 9 or 10 per period."""
    if not trend:
        return
    level, rows = trend
    pdf.heading(trend_title(level), keep_with=20)
    if trend_hint(level):
        pdf.paragraph(trend_hint(level), size=7.5, height=4)
    head = zip(TREND, _trend_head(level), strict=True)
    pdf.row([(width, text, "L" if i == 0 else "R") for i, (width, text) in enumerate(head)], size=7.5)
    for row in rows:
        pdf.row([(TREND[0], period_label(row["period"]), "L"), (TREND[1], count_label(row["total"]), "R"),
                 (TREND[2], "" if _nobody(row) else share_cell(row["share_top"]), "R")], size=7.5, height=3.8)


TREND = (50, 18, 22)  # the trend table's columns, mm


def _columns(pdf, rows):
    """A scale's answers as columns of their counts, as on the page; a withheld one as a dashed box."""
    most = max((row["count"].value for row in rows if row["count"].shown), default=0) or 1
    pdf.columns([(_option_text(None, row), count_label(row["count"]),
                  row["count"].value / most if row["count"].shown else None) for row in rows])


def _option_text(field, row):
    text = row["option"].text
    return text if field is None or field.kind == "scale" else _(text)
