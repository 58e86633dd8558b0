"""The national figures as files for LVS's reports: CSV for Danish Excel, XLSX, and JSON.

Every count and share stands beside its base: how many centres it rests on, their answers,
and how many centres withheld. A withheld figure is written as the word, never as 0 or empty.
"""

import csv
import io
import json

from flask_babel import format_decimal, gettext as _

from ..exports import append_row, csv_row
from ..figure_notes import national_note
from ..formatting import period_label
from . import kinds, national

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "json": "application/json"}


def build(database, period, version, by=None):
    """{group label: national figures}; the single group "" when not broken down."""
    result = national.figures(database, period, version, by)
    return {"": result} if by is None else result


def filename(period, by, extension):
    return f"brugerstemmen-lvs-{period.key}{'-' + by if by else ''}.{extension}"


def group_label(by, name):
    return kinds.label(by, name) if by else _("All centres")


def withheld_label():
    return _("withheld")


def _rows(report, by):
    """One row per answer: group, its centres and answers, the question, the answer, the count,
    its share, and the base it rests on (centres, answers, centres withheld)."""
    for name, figures in report.items():
        answers = figures["answers"] if figures["answers_status"] == "shown" else None
        for item in national.by_question(figures):
            field, base = item["field"], item["base"]
            question = f"{_(field.group)} – {_(field.text)}" if field.group else _(field.text)
            rows = [(row["option"].text if field.kind == "scale" else _(row["option"].text), row) for row in item["rows"]]
            if item["bands"]:
                rows += [(_("Gave %(band)s", band=row["label"]), row) for row in item["bands"]["rows"]]
            for answer, row in rows:
                base_of = item["bands"]["base"] if row.get("id") else base
                yield (group_label(by, name), figures["centres"], answers, question, answer, row["count"].value,
                       row["share"], base_of["centres"], base_of["answers"], base_of["withheld"])


def _header():
    return [_("Group"), _("Centres in the group"), _("Answers in the group"), _("Question"), _("Answer option"),
            _("Count"), _("Share (%)"), _("Centres in the base"), _("Answers in the base"), _("Centres that withheld")]


def _text(value):
    return withheld_label() if value is None else value


def to_csv(period, report, by):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(csv_row([_("Period"), period_label(period)]))
    writer.writerow(csv_row([_("Note"), national_note()]))
    writer.writerow([])
    writer.writerow(csv_row(_header()))
    for group, centres, answers, question, answer, count, share, base_centres, base_answers, withheld in _rows(report, by):
        writer.writerow(csv_row([group, centres, _text(answers), question, answer, _text(count),
                                 "" if share is None else format_decimal(share * 100, format="0.0"),
                                 base_centres, _text(base_answers), withheld]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(period, report, by):
    from openpyxl import Workbook  # here, not at the top: see exports.to_xlsx
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("National figures")[:31]
    append_row(sheet, [_("Period"), period_label(period)])
    append_row(sheet, [_("Note"), national_note()])
    append_row(sheet, [])
    append_row(sheet, _header())
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for row in _rows(report, by):
        values = list(row)
        for i in (2, 5, 8):  # answers, count, answers in the base: the word where withheld
            values[i] = _text(values[i])
        append_row(sheet, values)
        if row[6] is not None:
            sheet.cell(row=sheet.max_row, column=7).number_format = "0.0%"
    sheet.column_dimensions["D"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_json(period, report, by):
    return json.dumps({"period": period.key, "by": by, "note": national_note(), "groups": report}, ensure_ascii=False,
                      indent=2).encode()


WRITERS = {"csv": to_csv, "xlsx": to_xlsx, "json": to_json}
