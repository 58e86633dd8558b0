"""The hub's API for centres (/api/v1): signed pushes of aggregates, national figures back.

Answers are JSON, errors too ({"error": "..."}): the caller is a program, whose operator
reads the message in a log.
"""

import time

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from .. import db, periods, questions
from . import aggregates, signing

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MIN_CENTRES = 3  # a national figure rests on at least this many centres, or it is not given


MESSAGES = {404: "no such address in this API", 405: "method not allowed here", 413: "the body is too large",
            500: "the hub could not take this request; try again later"}


@bp.errorhandler(HTTPException)
def json_error(exception):
    """An HTTP error as JSON; a 405 still says which methods are allowed (RFC 9110)."""
    code = getattr(exception, "code", None) or 500
    response = jsonify(error=MESSAGES.get(code, getattr(exception, "description", "")))
    if getattr(exception, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exception.valid_methods)
    return response, code


@bp.errorhandler(signing.Rejected)
def rejected(exception):
    return jsonify(error=str(exception)), exception.status


@bp.errorhandler(aggregates.Invalid)
def invalid(exception):
    return jsonify(error=str(exception)), 400


def _signed_centre(body=b""):
    """The centre that signed this request, after the nonce is known to be fresh."""
    database = db.get_db()
    path = request.full_path.rstrip("?")
    now = int(time.time())
    centre_id, nonce, timestamp = signing.check(request.headers, lambda c: db.signing_key(database, c),
                                                request.method, path, body, now)
    if not db.remember_nonce(database, centre_id, nonce, timestamp + 2 * signing.MAX_SKEW_SECONDS, now):
        raise signing.Rejected(409, "this nonce was used before: a request is never replayed")
    return centre_id


@bp.get("/openapi.yaml")
def openapi():
    return Response(aggregates.SPEC.read_bytes(), mimetype="application/yaml")


@bp.post("/aggregates")
def push():
    body = request.get_data(cache=False)
    centre_id = _signed_centre(body)
    period, aggregate = aggregates.parse(body)
    db.store_aggregate(db.get_db(), centre_id, period.level, aggregate)
    return jsonify(period=period.key, question_set=aggregate["question_set"], cells=len(aggregate["cells"]))


@bp.get("/national/<period_key>")
def national(period_key):
    _signed_centre()
    try:
        period = periods.parse(period_key)
    except ValueError:
        raise aggregates.Invalid(f"period: {period_key!r} is not a week, block, quarter or year of the grid") from None
    version = request.args.get("question_set", str(questions.load().version))
    if not version.isdigit():
        raise aggregates.Invalid("question_set: must be a whole number")
    return jsonify(national_figures(period, int(version)))


def national_figures(period, version, group_by=None):
    """The national figures of a period (or per group of centres), each resting on enough centres."""
    groups = db.national_sums(db.get_db(), period.key, version, group_by)
    result = {}
    for name, group in groups.items():
        enough = group["centres"] >= MIN_CENTRES
        result[name] = {
            "period": period.key, "question_set": version, "centres": group["centres"],
            "answers": group["answers"] if enough else 0,
            "cells": [{"question": q, "answer": a, **figures} for (q, a), figures in sorted(group["cells"].items())
                      if figures["centres"] >= MIN_CENTRES] if enough else []}
    if group_by is None:
        return result.get("", {"period": period.key, "question_set": version, "centres": 0, "answers": 0, "cells": []})
    return result
