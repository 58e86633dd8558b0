"""How long what is stored is kept and who may read it, and the purge that ends it
(`brugerstemmen purge`).

Free-text messages are kept for the centre's message retention (3 months unless staff choose
otherwise), counted in whole ISO weeks, since a message keeps no finer time.
"""

import calendar
from dataclasses import dataclass

from flask import current_app

from . import db, figures, periods

MIN_MESSAGE_MONTHS, MAX_MESSAGE_MONTHS = 1, 24


@dataclass(frozen=True)
class Purge:
    slug: str
    messages: int
    before_week: str  # messages from weeks before this one go
    answers: int = 0  # raw answers folded into their year's published counts and deleted
    answers_before: str = ""


def messages_shown_from(centre):
    """Staff read a week's messages only from this many answers: never below k."""
    return max(current_app.config["TEXT_MIN_ANSWERS"], centre["min_cell_size"])


def first_kept_week(months, today):
    """The oldest week whose messages are still kept: the week holding the day `months` ago."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    day = today.replace(year=year, month=month + 1, day=min(today.day, calendar.monthrange(year, month + 1)[1]))
    return periods.week_of(day).key


MIN_ANSWER_MONTHS, MAX_ANSWER_MONTHS = 3, 120


def answers_kept_from(centre, now):
    """The oldest week whose raw answers are kept: the centre's retention, but never into a year
    that has not closed, since an open year's figures still need its answers."""
    week = first_kept_week(centre["retention_months"], now.date())
    year = periods.parse(week).year
    if periods.Period(year, "year", 0).closes_at > now:
        week = f"{year}-W01"
    return week


def plan(database, now):
    """What a purge would delete, per centre, by `now` (the app's calendar)."""
    found = []
    for centre in db.list_centres(database):
        week = first_kept_week(centre["message_retention_months"], now.date())
        answers_from = answers_kept_from(centre, now)
        answers = db.count_before(database, centre["id"], answers_from)
        found.append(Purge(centre["slug"], db.messages_before(database, centre["id"], week), week,
                           answers, answers_from))
    return found


def purge(database, path, now):
    """Delete what has outlived its keeping, then rebuild the file so its bytes do not linger.

    Raw answers go only after their year is folded: its published counts are stored, and every
    summary, download, trend and sync of that year reads them instead (figures.StoredTable).
    """
    done = []
    for item in plan(database, now):
        centre = db.centre_by_slug(database, item.slug)
        messages = db.delete_messages_before(database, centre["id"], item.before_week) if item.messages else 0
        answers = 0
        for year in sorted({periods.parse(w).year for w in db.raw_weeks(database, centre["id"], item.answers_before)}):
            fold(database, centre, year, now)
            last = min(periods.Period(year, "year", 0).week_keys[-1], periods.parse(item.answers_before).previous().key)
            answers += db.delete_responses(database, centre["id"], f"{year}-W01", last)
        if messages or answers:
            done.append(Purge(item.slug, messages, item.before_week, answers, item.answers_before))
    if done:
        db.compact(path)
    return done


def fold(database, centre, year, now):
    """Store a closed year's published counts, once, so that its answers can go."""
    if db.folded_counts(database, centre["id"], year):
        return
    db.save_folded(database, centre["id"], figures.published_counts(database, centre, year, now))
