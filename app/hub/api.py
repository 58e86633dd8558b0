"""The hub's API for centres (/api/v1): signed pushes of aggregates, national figures back.

Answers are JSON, errors too ({"error": "..."}): the caller is a program, whose operator
reads the message in a log.
"""

import time

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from .. import db, periods, questions
from . import aggregates, national, signing

bp = Blueprint("api", __name__, url_prefix="/api/v1")


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
    # What the centre called: behind a path prefix the server says it in SCRIPT_NAME.
    path = request.script_root + request.full_path.rstrip("?")
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


@bp.post("/status")
def push_status():
    body = request.get_data(cache=False)
    centre_id = _signed_centre(body)
    status = aggregates.parse_status(body)
    db.set_hub_centre_status(db.get_db(), centre_id, publishes_replies=status["publishes_replies"])
    return jsonify(publishes_replies=status["publishes_replies"])


@bp.get("/national/<period_key>")
def national_of_period(period_key):
    _signed_centre()
    try:
        period = periods.parse(period_key)
    except ValueError:
        raise aggregates.Invalid(f"period: {period_key!r} is not a week, block, quarter or year of the grid") from None
    version = request.args.get("question_set", str(questions.load().version))
    if not (version.isdigit() and len(version) <= 4):
        raise aggregates.Invalid("question_set: must be a whole number from 1 to 1000")
    return jsonify(national.figures(db.get_db(), period, int(version)))
