"""The aggregate a centre sends for one period, and the hub's reading of one.

A centre's aggregate is built from figures.period_figures, the same numbers its staff see: the
period's number of answers, and the counts the summary shows (perturbed, or, in periods decided
by cell suppression, exact, with statuses for the ones withheld), and never a message. The hub
checks every push against the schema in openapi.yaml (the one description of the wire
format) and then against what the schema cannot say.
"""

import functools
import hashlib
import json
from pathlib import Path

import jsonschema
import jsonschema_rs
import yaml

from .. import figures, periods, questions

SPEC = Path(__file__).with_name("openapi.yaml")
FIRST_YEAR, LAST_YEAR = 2020, 2200  # Brugerstemmen did not exist before; a year beyond is a typo


def build(table, period, question_set):
    """What this centre may tell the hub about `period`; None while the period is open."""
    result = figures.period_figures(table, period, question_set)
    if result is None:
        return None
    cells = []
    for item in result["fields"]:
        field = item["field"]
        if field.multiple:
            cells.append({"question": field.name, "answer": figures.ANSWERED, **_count(item["answered"])})
        cells += [{"question": field.name, "answer": row["option"].id, **_count(row["count"])} for row in item["rows"]]
        cells += [{"question": field.name, "answer": band["id"], **_count(band["count"])} for band in item["bands"] or []]
    return {"question_set": question_set.version, "period": period.key, "k": table.k,
            "answers": _count(result["total"]), "cells": cells}


def _count(count):
    return {"status": count.status, "count": count.value} if count.shown else {"status": count.status}


def encode(aggregate):
    """The bytes on the wire: the same aggregate always gives the same bytes, and so the same digest."""
    return json.dumps(aggregate, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(aggregate):
    return hashlib.sha256(encode(aggregate)).hexdigest()


@functools.cache
def spec():
    return yaml.safe_load(SPEC.read_text())


def _schema(name):
    return {"$ref": f"#/components/schemas/{name}", "components": spec()["components"]}


@functools.cache
def _validator(name="Aggregate"):
    return jsonschema.Draft202012Validator(_schema(name))


@functools.cache
def _fast_validator(name="Aggregate"):
    return jsonschema_rs.Draft202012Validator(_schema(name))


def _schema_error(document, name="Aggregate"):
    """What is wrong with a document by the schema, as "where: what", or None. The same schema
    read twice: a compiled validator says in microseconds that a push is fine (jsonschema takes
    milliseconds for an aggregate's cells, the most of a push's cost at the hub: docs/performance.md),
    and only a push it refuses is read again by jsonschema, whose best match says what is wrong."""
    try:
        if _fast_validator(name).is_valid(document):
            return None
    except ValueError:  # a number beyond what it reads: let jsonschema say
        pass
    error = jsonschema.exceptions.best_match(_validator(name).iter_errors(document))
    if error is None:
        return None
    return f"{'/'.join(str(part) for part in error.absolute_path) or 'the body'}: {error.message}"


def parse_status(body):
    """A centre's status push, checked against the schema; Invalid otherwise."""
    try:
        status = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Invalid("the body is not JSON (or nests too deep)") from None
    error = _schema_error(status, "Status")
    if error is not None:
        raise Invalid(error)
    return status


class Invalid(ValueError):
    """A push the hub cannot take; the message says what is wrong."""


def parse(body):
    """The aggregate in a push's body, checked; Invalid otherwise."""
    try:
        aggregate = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Invalid("the body is not JSON (or nests too deep)") from None
    error = _schema_error(aggregate)
    if error is not None:
        raise Invalid(error)
    try:
        period = periods.parse(aggregate["period"])
    except ValueError:
        raise Invalid(f"period: {aggregate['period']!r} is not a week, block, quarter or year of the grid") from None
    if period.key != aggregate["period"] or not FIRST_YEAR <= period.year <= LAST_YEAR:
        raise Invalid(f"period: {aggregate['period']!r} is not a period this hub takes")
    question_set = questions.load()
    if aggregate["question_set"] != question_set.version:
        raise Invalid(f"question_set: this hub knows version {question_set.version}, not {aggregate['question_set']}")
    known = _known_cells()
    k = aggregate["k"]
    seen = set()
    for i, cell in enumerate([aggregate["answers"], *aggregate["cells"]]):
        where = "answers" if i == 0 else f"cells/{i - 1}"
        if i and cell["status"] == "shown" and 0 < cell["count"] < k:
            raise Invalid(f"{where}/count: an exact count from 1 to k-1 ({k - 1}) is never sent")
        if i:
            key = (cell["question"], cell["answer"])
            if key not in known:
                raise Invalid(f"{where}: no answer {cell['answer']!r} to a question {cell['question']!r}")
            if key in seen:
                raise Invalid(f"{where}: {cell['question']}/{cell['answer']} appears twice")
            seen.add(key)
    if aggregate["answers"]["status"] != "shown" and aggregate["cells"]:
        raise Invalid("cells: a period whose answers are withheld sends no cells")
    perturbed = [cell for cell in aggregate["cells"] if cell["status"] == "perturbed"]
    if perturbed and aggregate["answers"]["count"] < k:
        raise Invalid(f"cells: a period with fewer than k ({k}) answers sends its number of answers alone")
    if any(cell["status"] == "perturbed" and cell["count"] > aggregate["answers"]["count"] for cell in perturbed):
        raise Invalid("cells: a count is never more than the period's answers")
    return period, aggregate


@functools.cache
def _known_cells():
    known = set()
    for field in questions.load().fields():
        if field.kind == "text":
            continue
        known |= {(field.name, option.id) for option in field.options}
        if field.multiple:
            known.add((field.name, figures.ANSWERED))
        if field.kind == "scale":
            known |= {(field.name, band) for band, _label, _scores in figures.BANDS}
    return frozenset(known)
