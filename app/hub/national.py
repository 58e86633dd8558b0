"""The national figures: the centres' aggregates summed per period, and per group of centres.

Each level of the grid is summed on its own (a quarter from the centres' quarters, never from
their weeks), so nothing is counted twice, and a small centre whose weeks are all withheld
still counts through its quarters. A figure rests on at least MIN_CENTRES centres or is not
given: with two, each centre could take its own numbers away and read the other's.
"""

from .. import db, questions
from ..figures import Count
from ..suppression import HIDDEN, SHOWN
from . import kinds

MIN_CENTRES = 3


def figures(database, period, version, by=None):
    """The wire form (see openapi.yaml, National): for all centres, or {group: ...} when `by`
    names a grouping; groups of fewer than MIN_CENTRES centres are left out."""
    groups = db.national_sums(database, period.key, version, kinds.GROUPINGS[by][0] if by else None)
    result = {}
    for name, group in groups.items():
        enough = group["centres"] >= MIN_CENTRES
        result[name] = {
            "period": period.key, "question_set": version, "centres": group["centres"],
            "answers": group["answers"] if enough else 0,
            "cells": [{"question": q, "answer": a, **sums} for (q, a), sums in sorted(group["cells"].items())
                      if sums["centres"] >= MIN_CENTRES] if enough else []}
    if by is None:
        return result.get("", {"period": period.key, "question_set": version, "centres": 0, "answers": 0, "cells": []})
    return {name: group for name, group in result.items() if group["centres"] >= MIN_CENTRES}


def by_question(national, question_set=None):
    """The figures arranged like a centre's summary: per question, a row per answer with the
    count, its share of the answers it rests on, and how many centres it rests on."""
    question_set = question_set or questions.load()
    cells = {(c["question"], c["answer"]): c for c in national["cells"]}
    fields = []
    for field in question_set.fields():
        if field.kind == "text":
            continue
        rows = []
        for option in field.options:
            cell = cells.get((field.name, option.id))
            # A count not given is shown like a withheld one ("–"), with the page's usual label.
            rows.append({"option": option, "count": Count(SHOWN, cell["count"], MIN_CENTRES) if cell
                         else Count(HIDDEN, None, MIN_CENTRES),
                         "share": cell["count"] / cell["base"] if cell and cell["base"] else None,
                         "centres": cell["centres"] if cell else None})
        fields.append({"field": field, "rows": rows})
    return fields


def share_top(fields, centres):
    """Share giving 9 or 10, when both counts rest on every reporting centre (so on the same answers)."""
    importance = next((f for f in fields if f["field"].name == "importance"), None)
    if importance is None:
        return None
    rows = {r["option"].id: r for r in importance["rows"]}
    if any(rows[score]["share"] is None or rows[score]["centres"] != centres for score in ("9", "10")):
        return None
    return rows["9"]["share"] + rows["10"]["share"]
