"""The way through the grid of periods on a summary page (a centre's, and the hub's national one).

From any summary, every closed period is at most two clicks away: the periods of the year shown
are all on the page (the year, its quarters, four-week blocks and weeks), and each other year is
one click, whose page shows that year's. Beside them: earlier and later, and the same moment at
another level. A period that has not closed is never a link.
"""

from dataclasses import dataclass

from babel.dates import format_time
from flask_babel import format_date, get_locale, gettext as _

from . import periods
from .formatting import period_label


@dataclass(frozen=True)
class Choice:
    period: periods.Period
    closed: bool
    current: bool


@dataclass(frozen=True)
class Picker:
    period: periods.Period
    previous: periods.Period | None  # None before the first year there are figures for
    next: periods.Period | None  # None while it is open
    levels: list  # (level, the period to go to, or None where none has closed since the first year)
    years: list  # (year, the period its link opens, or None while nothing of it has closed)
    year: Choice
    quarters: list  # [(Choice, [(Choice, [Choice of each week])] of its blocks)]
    url: object  # period -> address of its summary


def build(period, now, first_year, url):
    """The picker for a summary of `period`; `first_year` is the earliest year with figures
    (nothing earlier is offered), `url` gives a period's address."""
    def choice(p):
        return Choice(p, periods.is_closed(p, now), p == period)

    newest = periods.latest_closed("week", now)
    first_year = min(first_year, newest.year, period.year)
    previous = period.previous()
    later = period.next()
    years = []
    for year in range(first_year, newest.year + 1):
        whole = periods.Period(year, "year", 0)
        years.append((year, whole if periods.is_closed(whole, now) else newest if newest.year == year else None))
    year = periods.Period(period.year, "year", 0)
    quarters = [(choice(quarter), [(choice(block), [choice(week) for week in block.children()])
                                   for block in quarter.children()])
                for quarter in year.children()]
    return Picker(period=period, previous=previous if previous.year >= first_year else None,
                  next=later if periods.is_closed(later, now) else None,
                  levels=[(level, target if target.year >= first_year else None)
                          for level, target in ((level, periods.finer_or_coarser(period, level, now))
                                                for level in periods.LEVELS)],
                  years=years, year=choice(year), quarters=quarters, url=url)


def short_label(period):
    """A period named within its year, as the picker lists it."""
    if period.level == "block":
        return _("weeks %(first)s–%(last)s", first=period.weeks[0], last=period.weeks[-1])
    if period.level == "quarter":
        return _("Quarter %(quarter)s", quarter=period.number)
    return period_label(period)


def day_label(day):
    """A day as people say it: "søndag den 6. december 2026"."""
    return format_date(day, "full")


def opens_label(period):
    """When a period's numbers are shown: the day and hour it closes, in the app's own time."""
    return _("%(day)s at %(time)s", day=day_label(period.closes_at.date()),
             time=format_time(period.closes_at.time(), "short", locale=get_locale()))


def register(app):
    app.jinja_env.globals.update(short_period_label=short_label, day_label=day_label, opens_label=opens_label)
