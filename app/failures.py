"""Answers that could not be stored: counted, never logged one by one.

A log line per failed answer would stamp that answer's moment in the journal to the microsecond
(and the person's next press, stored, follows it). So a failure only counts one, in db.counters'
file on a tmpfs: for the centre's staff, shown on its home page for about a week (forgotten on a
whole-day grid, like the answers turned away), and for the operator, one line in the log an hour
at most, written by a request that is never an answer (a staff page, a tablet's quarter-hourly
"I am on"). The line says how many, and why, since the line before.
"""

import time

from flask import current_app

from . import db
from .stuffing import DAY, NOTICE_DAYS, counters

HOUR = 3600
UNREPORTED = "not-stored-unreported:"  # + why, for the operator's next line

def count(centre, error, now=None):
    """One answer of `centre` could not be stored, because of `error` (a StorageError)."""
    now = time.time() if now is None else now
    try:
        conn = counters()
        db.counters.add(conn, f"not-stored:{centre['id']}", (now // DAY + 1 + NOTICE_DAYS) * DAY, now)
        db.counters.add(conn, UNREPORTED + _why(error), (now // DAY + 1 + NOTICE_DAYS) * DAY, now)
    except db.StorageError:
        pass  # the counters' own file is out of reach too: the person is told all the same


def not_stored(centre, now=None):
    """How many answers of this centre could not be stored in about the last week (for staff)."""
    try:
        return db.counters.count(counters(), f"not-stored:{centre['id']}", time.time() if now is None else now)
    except db.StorageError:
        return 0


def report(now=None):
    """The operator's line, at most one an hour: how many answers could not be stored since the
    line before, and why."""
    now = time.time() if now is None else now
    try:
        conn = counters()
        pending = db.counters.take_all(conn, UNREPORTED, now, peek=True)
        if not pending or db.counters.take_one_per_window(conn, "not-stored-reported", HOUR, now) is None:
            return
        for why, number in sorted(db.counters.take_all(conn, UNREPORTED, now).items()):
            current_app.logger.error("%d answer%s could not be stored since the last report: %s",
                                     number, "" if number == 1 else "s", why)
    except db.StorageError:
        pass


def _why(error):
    # The cause, never anything of the answer: StorageError texts name a file or a lock.
    return str(error)[:200]
