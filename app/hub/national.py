"""The national figures: the centres' published counts summed per period, for all centres and
per group of centres, each with the base it rests on (app/disclosure/combine.py decides).

Each level of the grid is summed on its own (a quarter from the centres' quarters, never from
their weeks), so nothing is counted twice, and a small centre whose weeks show their number of
answers alone still counts through its quarters. A share rests on one base per question: the
answers of the centres that sent a number for each of its answers. A centre that did not is
left out of all of that question's figures (and said to be), so a share never mixes centres that
showed different answers. Every figure says how many centres it rests on, their answers, and how
many centres are left out; a figure that is withheld says so, never 0.
"""

import hashlib
import json

from .. import db, questions
from ..disclosure import ANSWERED, BANDS, MIN_CENTRES, PERTURBED, SHOWN, TOP_BAND, Count, Sent, combine
from ..disclosure.combine import WITHHELD
from . import kinds

ANSWERS = "answers"  # the answers themselves: every centre that sent its number of answers
BANDS_SET, TOP_SET = "importance.bands", "importance.top"


def figure_sets(question_set):
    """{name: (question, the answers it prints)}: each question; the importance bands; the 9-10 headline."""
    sets = {}
    for field in question_set.fields():
        if field.kind == "text":
            continue
        options = tuple(o.id for o in field.options)
        sets[field.name] = (field.name, (ANSWERED, *options) if field.multiple else options)
        if field.kind == "scale" and field.name == "importance":
            sets[BANDS_SET] = (field.name, tuple(band for band, _label, _scores in BANDS))
            sets[TOP_SET] = (field.name, (TOP_BAND,))
    return sets


def _sent(centre_id, aggregate, question, answers):
    """What a centre adds to a set of figures: None unless it sent its answers and a number for
    every answer the set prints."""
    if aggregate["answers"] is None:
        return None
    counts = {answer: aggregate["cells"].get((question, answer)) for answer in answers}
    if None in counts.values():
        return None
    where = (("org-form", aggregate["org_form"]), ("municipality-type", aggregate["municipality_type"]))
    exact = all(aggregate["exact"].get((question, answer)) for answer in answers)
    return Sent(centre_id, where, aggregate["answers"], counts, exact)


def decided(database, period, version):
    """The national figures of a period, for all centres and every group, summed once for the
    aggregates as they stand (and again when a centre pushes the period anew). They are kept under
    a digest of what they rest on, the period's pushes (db.period_pushes): a page reads a few
    hundred short rows and the kept figures, not every centre's cells."""
    pushes = db.period_pushes(database, period.key, version)
    digest = hashlib.sha256(json.dumps(pushes).encode()).hexdigest()
    found = db.decided_national(database, period.key, version, digest)
    if found is None:
        # Read after the pushes: a push in between only makes this digest one no page asks for again.
        found = _decide(db.period_aggregates(database, period.key, version), period, version)
        db.save_decided_national(database, period.key, version, digest, found)
    return found


def _decide(aggregates, period, version):
    groups = sorted({("org-form", a["org_form"]) for a in aggregates.values()} |
                    {("municipality-type", a["municipality_type"]) for a in aggregates.values()})
    sets = {name: (question, answers, [s for s in (_sent(i, a, question, answers)
                                                   for i, a in sorted(aggregates.items())) if s])
            for name, (question, answers) in figure_sets(questions.load()).items()}
    result = {"all": _group("all", aggregates, sets, period, version)}
    for grouping in kinds.GROUPINGS:
        result[grouping] = {name: _group((g, name), aggregates, sets, period, version)
                            for g, name in groups if g == grouping}
    return result


def _group(group, aggregates, sets, period, version):
    """One group's figures in the wire form (openapi.yaml, National)."""
    column = None if group == "all" else kinds.GROUPINGS[group[0]][0]
    reported = [a for a in aggregates.values() if column is None or a[column] == group[1]]
    told = [a["answers"] for a in reported if a["answers"] is not None]
    result = {"period": period.key, "question_set": version, "centres": len(reported),
              "answers": sum(told) if told else None, "answers_status": SHOWN if told else WITHHELD,
              "answers_centres": len(told), "answers_withheld": len(reported) - len(told), "questions": []}
    for name, (question, answers, sent) in sets.items():
        figures_ = combine(sent, answers, group)
        shown = figures_.status == SHOWN
        item = {"question": question, "centres": figures_.centres, "withheld": len(reported) - figures_.centres,
                "status": figures_.status, "answers": figures_.answers if shown else None,
                "cells": [{"answer": answer, "status": (SHOWN if figures_.exact else PERTURBED) if shown else WITHHELD,
                           "count": figures_.counts[answer] if shown else None} for answer in answers]}
        if name == BANDS_SET:
            result["bands"] = item
        elif name == TOP_SET:
            result["top"] = item
        else:
            result["questions"].append(item)
    # The form centres before this version read: only counts given, each with its base.
    result["cells"] = [{"question": q["question"], "answer": c["answer"], "count": c["count"],
                        "centres": q["centres"], "base": q["answers"]}
                       for q in result["questions"] + [result["bands"]] if q["status"] == SHOWN
                       for c in q["cells"]]
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
    given = cell["status"] in (SHOWN, PERTURBED)
    count = Count(cell["status"] if given else WITHHELD, cell["count"] if given else None, MIN_CENTRES)
    share = cell["count"] / base["answers"] if given and base["status"] == SHOWN and base["answers"] else None
    return {"option": option, "count": count, "share": share}


def _bands(item):
    labels = {band: label for band, label, _scores in BANDS}
    return {"base": item, "rows": [dict(_row(None, cell, item), label=labels[cell["answer"]], id=cell["answer"])
                                   for cell in item["cells"]]}


def share_top(national):
    """The share giving 9 or 10, of the answers of the centres that showed it, or None."""
    top = national.get("top")
    if not top or top["status"] != SHOWN or not top["answers"] or top["cells"][0]["status"] not in (SHOWN, PERTURBED):
        return None
    return top["cells"][0]["count"] / top["answers"]
