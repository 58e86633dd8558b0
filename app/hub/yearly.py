"""LVS's yearly user-survey report, made at the hub from the synced figures alone.

The national picture the way LVS published its 2020 user survey: how important the centre is
(the whole scale, and the share giving 9 or 10), how often people come, why they come, and
volunteering (the reason "to volunteer and have a role here"), for all centres and broken down
by organisation form and by municipality type, with last year beside it.

Every figure is one the hub shows (national.py; app/disclosure/combine.py): a sum of what the
centres published, or, resting on fewer than 3 centres, withheld: None here and the word
"withheld" in every output, never 0. Each share rests on its question's
base (the answers of the centres that showed the whole question), which is stated beside it.
The change from last year is given only where both years' shares are shown.
"""

import re

from flask_babel import gettext as _

from .. import db, periods, questions
from ..figures import ANSWERED, BANDS, TOP_BAND
from ..disclosure import PERTURBED, SHOWN
from . import kinds, national

QUESTIONS = ("importance", "frequency", "reasons")
OFTEN = ("daily", "few_times_week")  # "at least a few times a week", as LVS's 2020 survey put it
HEADLINES = (("top", TOP_BAND), ("often", "often"), ("reasons", "meet_people"), ("reasons", "meal"),
             ("reasons", "activities"), ("reasons", "volunteering"))
_YEAR = re.compile(r"[0-9]{4}")


class NotReportable(Exception):
    """A year the hub cannot report; the message is one plain line."""


def year_period(text, database, version, now):
    """The year's period, or NotReportable: not a year, not over yet, or nobody reported it."""
    text = str(text).strip()
    if not _YEAR.fullmatch(text):
        raise NotReportable(f"{text!r} is not a year: use four digits, e.g. 2026")
    period = periods.parse(text)
    if not periods.is_closed(period, now):
        latest = periods.latest_closed("year", now)
        raise NotReportable(f"{period.key} is not over yet: its last week ends on {period.last_day:%A} "
                            f"{period.last_day.isoformat()} and the centres report it after that; the newest year "
                            f"that is over is {latest.key}")
    if not db.has_reports(database, period.key, version):
        raise NotReportable(f"no centre has reported {period.key}: there are no figures for it "
                            "(`brugerstemmen hub centre list` shows who may report)")
    return period


def build(database, period, version):
    """The report of a closed year: {"year", "previous", "groups": [...]}, each group with its
    centres, answers and per question a base and rows (count, share, last year's share, change)."""
    this = national.decided(database, period, version)
    before_period = period.previous()
    before = national.decided(database, before_period, version) \
        if db.has_reports(database, before_period.key, version) else None
    groups = [_group("all", None, this["all"], before and before["all"])]
    for grouping, (_column, names) in kinds.GROUPINGS.items():
        found = this[grouping]
        for name in [n for n in names if n in found] + sorted(n for n in found if n not in names):
            groups.append(_group(grouping, name, found[name], before and before[grouping].get(name)))
    return {"year": period.year, "previous": before_period.year, "question_set": version,
            "previous_reported": before is not None, "groups": groups}


def _group(grouping, name, figures, before):
    answers = figures["answers"] if figures["answers_status"] == SHOWN else None
    answers_before = before["answers"] if before and before["answers_status"] == SHOWN else None
    items = {item["question"]: item for item in figures["questions"]}
    items_before = {item["question"]: item for item in before["questions"]} if before else {}
    sets = {q: _set(items[q], items_before.get(q)) for q in QUESTIONS if q in items}
    if "bands" in figures:
        sets["bands"] = _set(figures["bands"], before and before.get("bands"))
        sets["top"] = _set(figures["top"], before and before.get("top"))
    if "frequency" in sets:
        sets["often"] = _often(sets["frequency"])
    return {"grouping": grouping, "name": name, "centres": figures["centres"], "answers": answers,
            "answers_withheld": figures["answers_withheld"], "answers_before": answers_before,
            "centres_before": before["centres"] if before else None, "sets": sets}


def _share(item, cell):
    if item is None or cell is None or cell["status"] not in (SHOWN, PERTURBED) or item["status"] != SHOWN \
            or not item["answers"]:
        return None
    return cell["count"] / item["answers"]


def _change(share, before):
    return None if share is None or before is None else share - before


def _set(item, before):
    """A question's figures in one year beside the year before, on their own bases."""
    cells_before = {c["answer"]: c for c in before["cells"]} if before else {}
    rows = []
    for cell in item["cells"]:
        share, share_before = _share(item, cell), _share(before, cells_before.get(cell["answer"]))
        rows.append({"answer": cell["answer"], "count": cell["count"] if cell["status"] in (SHOWN, PERTURBED) else None,
                     "share": share, "share_before": share_before, "change": _change(share, share_before)})
    return {"base": _base(item), "base_before": _base(before) if before else None, "rows": rows}


def _base(item):
    return {"centres": item["centres"], "withheld": item["withheld"],
            "answers": item["answers"] if item["status"] == SHOWN else None}


def _often(frequency):
    """Every day or a few times a week: a sum of two shown figures, on the same base."""
    rows = {row["answer"]: row for row in frequency["rows"]}
    parts = [rows.get(answer) for answer in OFTEN]

    def total(key):
        values = [part[key] if part else None for part in parts]
        return None if None in values else sum(values)

    share, share_before = total("share"), total("share_before")
    return {"base": frequency["base"], "base_before": frequency["base_before"],
            "rows": [{"answer": "often", "count": total("count"), "share": share, "share_before": share_before,
                      "change": _change(share, share_before)}]}


def row(group, set_name, answer):
    found = group["sets"].get(set_name)
    return next((r for r in found["rows"] if r["answer"] == answer), None) if found else None


def headlines(group):
    """The figures LVS leads with, as (label, row, base) where the group has the set."""
    return [(answer_label(set_name, answer), row(group, set_name, answer), group["sets"][set_name]["base"])
            for set_name, answer in HEADLINES if row(group, set_name, answer)]


# --- texts, in the reader's language (call inside a request or force_locale) ----------------------

def group_label(group):
    return _("All centres") if group["grouping"] == "all" else kinds.label(group["grouping"], group["name"])


def grouping_label(grouping):
    return {"org-form": _("By organisation form"), "municipality-type": _("By municipality type")}[grouping]


def question_label(set_name):
    set_name = {"bands": "importance", "top": "importance", "often": "frequency"}.get(set_name, set_name)
    field = next(f for f in questions.load().fields() if f.name == set_name)
    return _(field.text)


def answer_label(set_name, answer):
    if set_name == "often":
        return _("At least a few times a week")
    if set_name in ("bands", "top"):
        band = {b: label for b, label, _scores in BANDS}[answer]
        return _("Gave %(band)s", band=band)
    if answer == ANSWERED:
        return _("Chose at least one")
    field = next(f for f in questions.load().fields() if f.name == set_name)
    option = next(o for o in field.options if o.id == answer)
    return option.text if field.kind == "scale" else _(option.text)


def importance_columns(group):
    """(score, share or None) for the whole scale: the chart above its table."""
    return [(answer_label("importance", r["answer"]), r["share"]) for r in group["sets"]["importance"]["rows"]]


def groupings(report):
    """[(grouping, [groups])] for the breakdowns, in the order of kinds.GROUPINGS."""
    return [(grouping, [g for g in report["groups"] if g["grouping"] == grouping]) for grouping in kinds.GROUPINGS]


def overall(report):
    return report["groups"][0]
