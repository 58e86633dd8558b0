"""The way through the grid of periods on a summary page (a centre's, and the hub's national one).

From any summary, every closed period is at most two clicks away: the periods of the year shown
are all on the page (the year, its quarters, four-week blocks and weeks), and each other year is
one click, whose page shows that year's. Beside them: earlier and later, and the same moment at
another level. A period that has not closed is never a link.

On the page the grid sits folded in a <details> under the steps and levels (a phone showed 65 links
above the figures): it opens without JavaScript, so every period stays two clicks and a tap away.
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


def build(period, now, first_year, url, first_day=None):
    """The picker for a summary of `period`; `first_year` is the earliest year with figures
    (nothing earlier is offered), `url` gives a period's address. `first_day`, where known, is
    the first day with figures: a period that ended before it is not offered either (the hub's
    first report may come in the middle of a year: weeks before it would only say "nothing")."""
    def choice(p):
        return Choice(p, periods.is_closed(p, now), p == period)

    def offered(p):
        return p.year >= first_year and (first_day is None or p.last_day >= first_day or p == period)

    newest = periods.latest_closed("week", now)
    first_year = min(first_year, newest.year, period.year)
    previous = period.previous()
    later = period.next()
    years = []
    for year in range(first_year, newest.year + 1):
        whole = periods.Period(year, "year", 0)
        years.append((year, whole if periods.is_closed(whole, now) else newest if newest.year == year else None))
    year = periods.Period(period.year, "year", 0)
    quarters = [(choice(quarter), [(choice(block), [choice(week) for week in block.children() if offered(week)])
                                   for block in quarter.children() if offered(block)])
                for quarter in year.children() if offered(quarter)]
    return Picker(period=period, previous=previous if offered(previous) else None,
                  next=later if periods.is_closed(later, now) else None,
                  levels=[(level, target if offered(target) else None)
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
