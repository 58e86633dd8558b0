"""The national figures: the centres' shown counts summed per period, for all centres and per
group of centres, each with the base it rests on, and suppressed by hub/disclosure.py.

Each level of the grid is summed on its own (a quarter from the centres' quarters, never from
their weeks), so nothing is counted twice, and a small centre whose weeks are all withheld still
counts through its quarters. A share rests on one base per question: the answers of the centres
that showed that whole question. A centre that withheld part of it is left out of all of that
question's figures (and said to be), so a share never mixes centres that showed different
answers. Every figure says how many centres it rests on, their answers, and how many centres
withheld; a figure that is withheld says so, never 0.
"""

import hashlib
import json

from .. import db, questions
from ..figures import ANSWERED, BANDS, TOP_BAND, UNANSWERED, Count
from ..suppression import HIDDEN, SHOWN
from . import disclosure, kinds
from .disclosure import BASE, MIN_CENTRES, WITHHELD, FigureSet

ANSWERS = "answers"  # the figure set of the answers themselves: every centre that showed its N
BANDS_SET, TOP_SET = "importance.bands", "importance.top"


def figure_sets(question_set):
    """{name: (question, FigureSet)}: each question; the importance bands; the 9-10 headline."""
    sets = {ANSWERS: (None, FigureSet(ANSWERS, (), ()))}
    for field in question_set.fields():
        if field.kind == "text":
            continue
        options = tuple(o.id for o in field.options)
        if field.multiple:
            groups = ((ANSWERED, UNANSWERED),) + tuple((o, "not:" + o) for o in options)
            sets[field.name] = (field.name, FigureSet(field.name, (ANSWERED, *options), groups))
        else:
            sets[field.name] = (field.name, FigureSet(field.name, options, (options + (UNANSWERED,),)))
        if field.kind == "scale" and field.name == "importance":
            bands = tuple(band for band, _label, _scores in BANDS)
            sets[BANDS_SET] = (field.name, FigureSet(BANDS_SET, bands, (bands + (UNANSWERED,),)))
            sets[TOP_SET] = (field.name, FigureSet(TOP_SET, (TOP_BAND,), ((TOP_BAND, "rest"),)))
    return sets


def _contribution(centre_id, aggregate, question, figure_set):
    """What a centre adds to a set of figures: None unless it showed its answers and every
    count the set prints."""
    base = aggregate["answers"]
    if base is None:
        return None
    counts = {}
    for category in figure_set.published:
        counts[category] = aggregate["cells"].get((question, category))
        if counts[category] is None:
            return None
    for group in figure_set.groups:  # what nobody prints: the base less the printed ones
        printed = [c for c in group if c in counts]
        for category in group:
            if category not in counts:
                counts[category] = base - sum(counts[c] for c in printed)
                if counts[category] < 0:
                    return None  # counts that do not add up (no installation sends such): left out
    where = (("org-form", aggregate["org_form"]), ("municipality-type", aggregate["municipality_type"]))
    return disclosure.Centre(centre_id, where, base, counts, aggregate["k"])


def decided(database, period, version):
    """The national figures of a period, for all centres and every group, decided once for the
    aggregates as they stand (and again when a centre pushes the period anew)."""
    aggregates = db.period_aggregates(database, period.key, version)
    digest = hashlib.sha256(json.dumps(sorted((c, a["org_form"], a["municipality_type"], a["k"], a["answers"],
                                                sorted(a["cells"].items())) for c, a in aggregates.items()),
                                       default=str).encode()).hexdigest()
    found = db.decided_national(database, period.key, version, digest)
    if found is None:
        found = _decide(aggregates, period, version)
        db.save_decided_national(database, period.key, version, digest, found)
    return found


def _decide(aggregates, period, version):
    groups = [("org-form", a["org_form"]) for a in aggregates.values()] + \
        [("municipality-type", a["municipality_type"]) for a in aggregates.values()]
    groups = sorted(set(groups))
    reported = {"all": len(aggregates)}
    for grouping, name in groups:
        column = kinds.GROUPINGS[grouping][0]
        reported[(grouping, name)] = sum(1 for a in aggregates.values() if a[column] == name)
    sets = {}
    for name, (question, figure_set) in figure_sets(questions.load()).items():
        centres = [c for c in (_contribution(i, a, question, figure_set) for i, a in sorted(aggregates.items())) if c]
        statuses = disclosure.decide(figure_set, centres, groups)
        sets[name] = (question, figure_set, centres, statuses)
    result = {"all": _group("all", sets, reported["all"], period, version)}
    for grouping in kinds.GROUPINGS:
        result[grouping] = {name: _group((g, name), sets, reported[(g, name)], period, version)
                            for g, name in groups if g == grouping}
    return result


def _group(group, sets, reported, period, version):
    """One group's figures in the wire form (openapi.yaml, National)."""
    def base(name):
        _, _, centres, statuses = sets[name]
        within = [c for c in centres if group == "all" or group in c.groups]
        status, value = statuses[(group, BASE)] if within else (WITHHELD, None)  # no centre: no base
        return {"centres": len(within), "withheld": reported - len(within), "status": status,
                "answers": value if status == SHOWN else None}

    answers = base(ANSWERS)
    result = {"period": period.key, "question_set": version, "centres": reported,
              "answers": answers["answers"], "answers_status": answers["status"],
              "answers_centres": answers["centres"], "answers_withheld": answers["withheld"], "questions": []}
    for name, (question, figure_set, _, statuses) in sets.items():
        if name == ANSWERS:
            continue
        item = {"question": question, **base(name), "cells": []}
        for category in figure_set.published:
            status, value = statuses[(group, category)] if item["centres"] else (WITHHELD, None)
            item["cells"].append({"answer": category, "status": status, "count": value if status == SHOWN else None})
        if name == BANDS_SET:
            result["bands"] = item
        elif name == TOP_SET:
            result["top"] = item
        else:
            result["questions"].append(item)
    # The form centres before this version read: only shown counts, each with its base.
    result["cells"] = [{"question": q["question"], "answer": c["answer"], "count": c["count"],
                        "centres": q["centres"], "base": q["answers"]}
                       for q in result["questions"] + [result["bands"]] if q["status"] == SHOWN
                       for c in q["cells"] if c["status"] == SHOWN]
    return result


def figures(database, period, version, by=None):
    """For all centres, or {group name: ...} when `by` names a grouping."""
    found = decided(database, period, version)
    return found["all"] if by is None else found[by]


def by_question(national, question_set=None):
    """The figures arranged like a centre's summary: per question its base, and a row per
    answer with the count and its share of the base."""
    question_set = question_set or questions.load()
    items = {item["question"]: item for item in national.get("questions", [])}
    fields = []
    for field in question_set.fields():
        if field.kind == "text" or field.name not in items:
            continue
        item = items[field.name]
        cells = {c["answer"]: c for c in item["cells"]}
        rows = [_row(option, cells[option.id], item) for option in field.options]
        fields.append({"field": field, "base": item, "rows": rows,
                       "bands": _bands(national["bands"]) if field.name == "importance" and "bands" in national
                       else None})
    return fields


def _row(option, cell, base):
    count = Count(SHOWN, cell["count"], MIN_CENTRES) if cell["status"] == SHOWN else Count(HIDDEN, None, MIN_CENTRES)
    share = cell["count"] / base["answers"] if count.shown and base["status"] == SHOWN and base["answers"] else None
    return {"option": option, "count": count, "share": share}


def _bands(item):
    labels = {band: label for band, label, _scores in BANDS}
    return {"base": item, "rows": [dict(_row(None, cell, item), label=labels[cell["answer"]], id=cell["answer"])
                                   for cell in item["cells"]]}


def share_top(national):
    """The share giving 9 or 10, of the answers of the centres that showed it, or None."""
    top = national.get("top")
    if not top or top["status"] != SHOWN or not top["answers"] or top["cells"][0]["status"] != SHOWN:
        return None
    return top["cells"][0]["count"] / top["answers"]
