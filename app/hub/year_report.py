"""The yearly report as files: CSV for Danish Excel, JSON, a standalone HTML page and an A4 PDF.

Every share stands beside its base (centres, their answers, the centres that withheld) and
last year's share; a withheld figure is written as the word, never as 0 or a blank.
"""

import csv
import io
import json

from flask import render_template
from flask_babel import format_decimal, gettext as _, ngettext

from ..exports import csv_row
from ..disclosure import MIN_CENTRES
from ..figure_notes import national_note
from ..formatting import share_label
from . import yearly

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json", "html": "text/html; charset=utf-8",
           "pdf": "application/pdf"}
SETS = ("top", "bands", "importance", "often", "frequency", "reasons")  # in the order they are read


def filename(report, extension):
    return f"brugerstemmen-lvs-aarsrapport-{report['year']}.{extension}"


def change_label(change):
    if change is None:
        return ""
    return _("%(points)s percentage points", points=format_decimal(change * 100, format="+#,##0.0;-#,##0.0"))


def withheld():
    return _("withheld")


def _percent(share):
    return "" if share is None else format_decimal(share * 100, format="0.0")


def _number(value):
    return withheld() if value is None else value


def _count_text(value):
    return withheld() if value is None else format_decimal(value)


def _rows(report):
    for group in report["groups"]:
        for set_name in SETS:
            found = group["sets"].get(set_name)
            if not found:
                continue
            base = found["base"]
            for row in found["rows"]:
                yield group, set_name, row, base


def to_csv(report):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(csv_row([_("Yearly report"), report["year"]]))
    writer.writerow(csv_row([_("Compared with"), report["previous"]]))
    writer.writerow(csv_row([_("Note"), national_note()]))
    everyone = yearly.overall(report)
    writer.writerow(csv_row([_("Answers"), _number(everyone["answers"])]))
    if everyone["answers_before"] is not None:  # as the page says it: "2025: 420 answers"
        writer.writerow(csv_row([_("%(year)s: %(answers)s answers", year=report["previous"],
                                   answers=format_decimal(everyone["answers_before"]))]))
    writer.writerow([])
    writer.writerow(csv_row([
        _("Group"), _("Centres in the group"), _("Answers in the group"), _("Question"), _("Answer option"),
        _("Count"), _("Share (%)"), _("Share last year (%)"), _("Change (points)"), _("Centres in the base"),
        _("Answers in the base"), _("Centres that withheld")]))
    for group, set_name, row, base in _rows(report):
        writer.writerow(csv_row([
            yearly.group_label(group), group["centres"], _number(group["answers"]), yearly.question_label(set_name),
            yearly.answer_label(set_name, row["answer"]), _number(row["count"]), _percent(row["share"]),
            _percent(row["share_before"]),
            "" if row["change"] is None else format_decimal(row["change"] * 100, format="+0.0;-0.0"),
            base["centres"], _number(base["answers"]), base["withheld"]]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_json(report):
    """The figures with their ids, and each group's and answer's label in the report's language."""
    body = {**report, "note": national_note(), "groups": [{**group, "label": yearly.group_label(group),
                                  "sets": {name: {**found, "question": yearly.question_label(name),
                                                  "rows": [{**row, "label": yearly.answer_label(name, row["answer"])}
                                                           for row in found["rows"]]}
                                           for name, found in group["sets"].items()}}
                                 for group in report["groups"]]}
    return json.dumps(body, ensure_ascii=False, indent=2).encode()


def to_html(report):
    """A page that stands alone (its styles in the file): to mail or put on a website."""
    return render_template("hub/year_document.html", **context(report)).encode("utf-8")


def context(report):
    """What the yearly report's templates read."""
    return {"report": report, "yearly": yearly, "change_label": change_label, "base_text": base_text,
            "base_cell": _base_cell}


def base_text(base):
    if base["answers"] is None:
        text = ngettext("Only %(num)s centre sent it, fewer than %(min)s",
                        "Only %(num)s centres sent it, fewer than %(min)s", base["centres"],
                        min=MIN_CENTRES) if base["centres"] else _("No centre showed all of it: withheld")
    else:
        text = ngettext("Rests on %(answers)s answers at %(num)s centre", "Rests on %(answers)s answers at %(num)s centres",
                        base["centres"], answers=format_decimal(base["answers"]))
    if base["withheld"]:
        text += " · " + ngettext("%(num)s centre did not send it", "%(num)s centres did not send it", base["withheld"])
    return text


def _base_cell(base):
    """A group's base in a breakdown: its answers, or, where its figures are withheld, why."""
    return _count_text(base["answers"]) if base["answers"] is not None else base_text(base)


def _value(row):
    return withheld() if row is None or row["share"] is None else share_label(row["share"])


def to_pdf(report):
    """A4: the national picture with charts, then the breakdowns, each share beside last year's."""
    from ..pdfdoc import Document  # here, not at the top: see exports.to_pdf

    year, previous = report["year"], report["previous"]
    pdf = Document(f"Brugerstemmen · {_('Yearly report')} {year}")
    pdf.paragraph(_("The users' voice %(year)s: the national picture", year=year), size=16, height=8, bold=True)
    everyone = yearly.overall(report)
    answers = format_decimal(everyone["answers"]) if everyone["answers"] is not None else withheld()
    compared = _("Compared with %(year)s where both years' figures are shown.", year=previous) \
        if report["previous_reported"] else _("No centre reported %(year)s, so there is no change to show.", year=previous)
    before = "" if everyone["answers_before"] is None else " (" + _(
        "%(year)s: %(answers)s answers", year=previous, answers=format_decimal(everyone["answers_before"])) + ")"
    pdf.paragraph(ngettext("%(answers)s answers from %(num)s centre.", "%(answers)s answers from %(num)s centres.",
                           everyone["centres"], answers=answers) + before + " " + compared, height=6)
    pdf.paragraph(national_note(), size=7.5, height=4)
    pdf.heading(_("At a glance"))
    _table_head(pdf, year, previous)
    for label, row, _base in yearly.headlines(everyone):
        _share_row(pdf, label, row)
    importance = everyone["sets"].get("importance")
    if importance:
        pdf.heading(yearly.question_label("importance"), keep_with=34)
        pdf.paragraph(base_text(importance["base"]), size=7.5, height=4)
        most = max((r["share"] for r in importance["rows"] if r["share"] is not None), default=0) or 1
        rows = importance["rows"]
        pdf.columns([(yearly.answer_label("importance", r["answer"]), _value(r),
                      None if r["share"] is None else r["share"] / most) for r in rows], width=pdf.epw / len(rows))
        # The whole scale beside last year, as the page's table has it.
        _table_head(pdf, year, previous)
        for row in rows:
            _share_row(pdf, yearly.answer_label("importance", row["answer"]), row)
    for set_name in ("bands", "frequency", "reasons"):
        found = everyone["sets"].get(set_name)
        if not found:
            continue
        pdf.heading(yearly.question_label(set_name) + (" – " + _("in bands") if set_name == "bands" else ""),
                    keep_with=16)
        pdf.paragraph(base_text(found["base"]), size=7.5, height=4)
        _table_head(pdf, year, previous)
        for row in found["rows"]:
            _share_row(pdf, yearly.answer_label(set_name, row["answer"]), row)
    for grouping, groups in yearly.groupings(report):
        if not groups:
            continue
        pdf.add_page()
        pdf.paragraph(yearly.grouping_label(grouping), size=13, height=7, bold=True)
        for set_name in ("top", "often", "frequency", "reasons"):
            _breakdown(pdf, groups, set_name)
    return pdf.bytes()


def _table_head(pdf, year, previous):
    pdf.row([(72, "", "L"), (20, str(year), "R"), (20, str(previous), "R"), (30, _("Change"), "R")], size=7.5)


def _share_row(pdf, label, row):
    pdf.row([(72, label, "L"), (20, _value(row), "R"),
             (20, "" if row["share_before"] is None else share_label(row["share_before"]), "R"),
             (30, change_label(row["change"]), "R")], bar=row["share"] * 0.8 if row["share"] is not None else None)


LABEL = 44  # mm: a breakdown's answer column; the groups share the rest


def _breakdown(pdf, groups, set_name):
    """A question's shares with a column per group; a row per answer."""
    first = next((g["sets"][set_name] for g in groups if set_name in g["sets"]), None)
    if first is None:
        return
    width = (pdf.epw - LABEL) / len(groups)
    pdf.heading(yearly.question_label(set_name) if set_name not in ("top", "often")
                else yearly.answer_label(set_name, first["rows"][0]["answer"]), keep_with=20)
    pdf.row([(LABEL, "", "L")] + [(width, yearly.group_label(g), "R") for g in groups], size=7)
    for i, row in enumerate(first["rows"]):
        cells = []
        for group in groups:
            found = group["sets"].get(set_name)
            mine = found["rows"][i] if found else None
            text = _value(mine)
            if mine and mine["change"] is not None:
                text += "\n" + change_label(mine["change"])
            cells.append((width, text, "R"))
        pdf.row([(LABEL, yearly.answer_label(set_name, row["answer"]), "L")] + cells, size=7)
    pdf.row([(LABEL, _("Answers in the base"), "L")] +
            [(width, _base_cell(g["sets"][set_name]["base"]) if set_name in g["sets"] else withheld(), "R")
             for g in groups], size=7)
    pdf.row([(LABEL, _("Centres in the base"), "L")] +
            [(width, str(g["sets"][set_name]["base"]["centres"]) if set_name in g["sets"] else "0", "R")
             for g in groups], size=7)


WRITERS = {"csv": to_csv, "json": to_json, "html": to_html, "pdf": to_pdf}
