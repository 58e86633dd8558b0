"""The fixed grid of periods numbers are ever shown for: ISO weeks, four-week blocks, quarters, years.

Never arbitrary date ranges: one range minus a slightly shorter one would single out a week.
The grid nests, so that every period is the sum of the periods one level below it:

    year    2026       = 2026-Q1 + 2026-Q2 + 2026-Q3 + 2026-Q4
    quarter 2026-Q1    = weeks 1-13, 14-26, 27-39, 40-52 (and 53, in a year that has one)
    block   2026-B01   = weeks 1-4; three blocks a quarter, the third one taking the rest
                         of the quarter (weeks 9-13: five weeks; six in Q4 of a 53-week year)
    week    2026-W48
"""

import datetime
import functools
import re
from dataclasses import dataclass

LEVELS = ("week", "block", "quarter", "year")
_PATTERNS = {
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "block": re.compile(r"^(\d{4})-B(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "year": re.compile(r"^(\d{4})()$"),
}
QUARTER_FIRST_WEEKS = (1, 14, 27, 40)
# The years the grid covers: a period, the one before it and the one after it (a trend, a
# closing time, last year's report) all fall within what dates can hold.
FIRST_YEAR, LAST_YEAR = 2000, 2999
# A period counts as closed an hour after it ends, so an answer sent at Sunday midnight is in.
CLOSING_GRACE = datetime.timedelta(hours=1)


def weeks_in_year(year):
    return datetime.date(year, 12, 28).isocalendar()[1]  # 28 December is always in the last week


@dataclass(frozen=True, order=True)
class Period:
    year: int
    level: str
    number: int  # week 1-53, block 1-12, quarter 1-4; 0 for a year

    # Kept once computed: deciding a year asks each period for its key and weeks a million times.
    @functools.cached_property
    def key(self):
        if self.level == "week":
            return f"{self.year}-W{self.number:02d}"
        if self.level == "block":
            return f"{self.year}-B{self.number:02d}"
        if self.level == "quarter":
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    def __str__(self):
        return self.key

    @functools.cached_property
    def weeks(self):
        """The ISO week numbers of this period, first to last."""
        if self.level == "week":
            return [self.number]
        if self.level == "year":
            return list(range(1, weeks_in_year(self.year) + 1))
        if self.level == "quarter":
            first = QUARTER_FIRST_WEEKS[self.number - 1]
            last = weeks_in_year(self.year) if self.number == 4 else QUARTER_FIRST_WEEKS[self.number] - 1
            return list(range(first, last + 1))
        quarter, index = divmod(self.number - 1, 3)
        quarter_weeks = Period(self.year, "quarter", quarter + 1).weeks
        start = quarter_weeks[0] + 4 * index
        return list(range(start, start + 4)) if index < 2 else list(range(start, quarter_weeks[-1] + 1))

    @functools.cached_property
    def week_keys(self):
        return [f"{self.year}-W{week:02d}" for week in self.weeks]

    @property
    def first_day(self):
        return datetime.date.fromisocalendar(self.year, self.weeks[0], 1)

    @property
    def last_day(self):
        return datetime.date.fromisocalendar(self.year, self.weeks[-1], 7)

    @property
    def closes_at(self):
        """When its numbers are decided for good: nothing may be added to it after that."""
        return datetime.datetime.combine(self.last_day + datetime.timedelta(days=1), datetime.time()) + CLOSING_GRACE

    def parent(self):
        if self.level == "year":
            return None
        week = self.weeks[0]
        quarter = next(q for q in range(4, 0, -1) if week >= QUARTER_FIRST_WEEKS[q - 1])
        if self.level == "quarter":
            return Period(self.year, "year", 0)
        if self.level == "block":
            return Period(self.year, "quarter", quarter)
        block = next(b for b in range(quarter * 3, quarter * 3 - 3, -1)
                     if week >= Period(self.year, "block", b).weeks[0])
        return Period(self.year, "block", block)

    def children(self):
        if self.level == "week":
            return []
        if self.level == "year":
            return [Period(self.year, "quarter", q) for q in range(1, 5)]
        if self.level == "quarter":
            return [Period(self.year, "block", b) for b in range(3 * self.number - 2, 3 * self.number + 1)]
        return [Period(self.year, "week", w) for w in self.weeks]

    def subtree(self):
        """This period and every period inside it."""
        return [self] + [p for child in self.children() for p in child.subtree()]

    @functools.cached_property
    def subtree_keys(self):
        return {p.key for p in self.subtree()}

    def previous(self):
        return _step(self, -1)

    def next(self):
        return _step(self, +1)


def _step(period, direction):
    count = {"week": weeks_in_year(period.year), "block": 12, "quarter": 4, "year": 0}[period.level]
    number = period.number + direction
    year = period.year
    if period.level == "year":
        return Period(year + direction, "year", 0)
    if number < 1:
        year -= 1
        number = {"week": weeks_in_year(year), "block": 12, "quarter": 4}[period.level]
    elif number > count:
        year, number = year + 1, 1
    return Period(year, period.level, number)


def parse(text):
    """A period from its key ('2026-W48', '2026-B12', '2026-Q4', '2026'); ValueError if not one."""
    text = text.strip().upper()
    for level, pattern in _PATTERNS.items():
        match = pattern.match(text)
        if match:
            year = int(match.group(1))
            number = int(match.group(2) or 0)
            if not FIRST_YEAR <= year <= LAST_YEAR:
                break
            limit = {"week": weeks_in_year(year), "block": 12, "quarter": 4, "year": 0}[level]
            if level != "year" and not 1 <= number <= limit:
                break
            return Period(year, level, number)
    raise ValueError(f"{text!r} is not a period of the grid: use e.g. 2026-W48, 2026-B12, 2026-Q4 or 2026 "
                     f"(years {FIRST_YEAR}-{LAST_YEAR})")


def week_of(day):
    year, week, _ = day.isocalendar()
    return Period(year, "week", week)


def last_closed_week(now):
    """The newest week whose numbers are decided: last week, once its closing hour has passed."""
    week = week_of(now.date()).previous()
    return week if week.closes_at <= now else week.previous()


def containing(period, level):
    """The period of `level` that holds `period` (its first week, when it is coarser)."""
    found = Period(period.year, "week", period.weeks[0])
    while found.level != level and found.parent() is not None:
        found = found.parent()
    return found


def is_closed(period, now):
    return period.closes_at <= now


def latest_closed(level, now):
    """The newest period of `level` whose numbers are decided by `now`."""
    period = containing(week_of(now.date()), level)
    while not is_closed(period, now):
        period = period.previous()
    return period


def finer_or_coarser(period, level, now):
    """The period of `level` to go to from `period`: the one holding its last week (its most
    recent part, going finer; the whole it belongs to, going coarser), or, while that one is
    still open, the newest of `level` that has closed."""
    found = Period(period.year, "week", period.weeks[-1])
    while found.level != level and found.parent() is not None:
        found = found.parent()
    return found if is_closed(found, now) else latest_closed(level, now)
