"""How long what is stored is kept and who may read it, and the purge that ends it
(`brugerstemmen purge`).

Free-text messages are kept for the centre's message retention (3 months unless staff choose
otherwise), counted in whole ISO weeks, since a message keeps no finer time.
"""

import calendar
from dataclasses import dataclass

from flask import current_app

from . import clock, db, periods

MIN_MESSAGE_MONTHS, MAX_MESSAGE_MONTHS = 1, 24


@dataclass(frozen=True)
class Purge:
    slug: str
    messages: int
    before_week: str  # messages from weeks before this one go


def messages_shown_from(centre):
    """Staff read a week's messages only from this many answers: never below k."""
    return max(current_app.config["TEXT_MIN_ANSWERS"], centre["min_cell_size"])


def first_kept_week(months, today=None):
    """The oldest week whose messages are still kept: the week holding the day `months` ago."""
    today = today or clock.today()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = today.replace(year=year, month=month + 1, day=min(today.day, calendar.monthrange(year, month + 1)[1]))
    return periods.week_of(day).key


def plan(database, today=None):
    """What a purge would delete, per centre."""
    found = []
    for centre in db.list_centres(database):
        week = first_kept_week(centre["message_retention_months"], today)
        found.append(Purge(centre["slug"], db.messages_before(database, centre["id"], week), week))
    return found


def purge(database, path, today=None):
    """Delete what has outlived its keeping, then rebuild the file so its bytes do not linger."""
    done = []
    for item in plan(database, today):
        if item.messages:
            centre = db.centre_by_slug(database, item.slug)
            done.append(Purge(item.slug, db.delete_messages_before(database, centre["id"], item.before_week),
                              item.before_week))
    if done:
        db.compact(path)
    return done
