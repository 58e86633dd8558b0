"""The staff home of a centre (/staff/c/SLUG/): how this week is going, the tablets, the sync,
and what needs doing. Of the week that has not closed, only its count is ever shown."""

import datetime
import math
from dataclasses import dataclass

from .. import db, figures, periods, said

QUIET_DAYS = 3  # a tablet not heard from for this many days is worth a look


@dataclass(frozen=True)
class SoFar:
    period: periods.Period
    answers: int | None  # None when it is below k: "fewer than k"
    k: int


def this_week(database, centre, now):
    """This week's answers so far: the count alone, and only from k; never a breakdown."""
    week = periods.week_of(now.date())
    count = db.open_week_counts(database, centre["id"]).get(week.key, 0)
    k = centre["min_cell_size"]
    # A zero points to nobody; 1..k-1 could.
    return SoFar(week, count if count == 0 or count >= k else None, k)


@dataclass(frozen=True)
class Glance:
    week: periods.Period
    total: figures.Count
    share_top: float | None  # giving 9 or 10, where it may be shown
    block: periods.Period  # the four-week block before the week's own
    block_per_week: float | None  # its answers per week, where its total may be shown
    block_share_top: float | None
    block_answers: int | None = None  # its answers, where its total may be shown
    k: int = 5
    bound: int = 0  # how far a published count may be from the true one

    @property
    def change(self):
        """The week's 9-10 share against the block's, in percentage points; None where either is
        withheld or rests on fewer than k answers."""
        if self.share_top is None or self.block_share_top is None or self.block_answers is None:
            return None
        if self.total.value < self.k or self.block_answers < self.k:
            return None
        return (self.share_top - self.block_share_top) * 100

    @property
    def change_is_clear(self):
        """Whether the change is larger than the noise under it. A week of 25 answers against four
        weeks of 98 (issue 28) differs by 15 points by chance alone often enough; and each 9-10
        count is off by up to `bound` (the protection). Only a difference beyond both, at about 95 %,
        is called a change: a reader must not take noise for news."""
        if self.change is None:
            return False
        week, block = self.total.value, self.block_answers
        # A share from a perturbed count can stray just past 0 or 1: the pooled share stays within.
        pooled = min(max((self.share_top * week + self.block_share_top * block) / (week + block), 0.0), 1.0)
        chance = 1.96 * math.sqrt(pooled * (1 - pooled) * (1 / week + 1 / block))
        protection = self.bound / week + self.bound / block
        return abs(self.change) > (chance + protection) * 100


def glance(period_figures, now, first_year):
    """The latest closed week at a glance, beside the four-week block before its own, or None
    before the centre's first answer: `period_figures(period)` gives a closed period's figures
    as they may be shown; `first_year` is the first year with answers (None: none yet)."""
    week = periods.latest_closed("week", now)
    if first_year is None or week.year < first_year:
        return None
    block = periods.containing(week, "block").previous()
    shown = period_figures(week)
    before = period_figures(block) if block.year >= first_year else None  # a year with no answers at all
    answers = before["total"].value if before and before["total"].shown else None
    per_week = answers / len(block.weeks) if answers is not None else None
    # The protection's bound applies to periods decided by perturbation; older rules changed no count.
    bound = shown["bound"] if any(r["rule"] >= figures.PERTURBATION for r in (shown, before) if r) else 0
    return Glance(week, shown["total"], _share_top(shown), block, per_week, _share_top(before) if before else None,
                  answers, shown["k"], bound)


def _share_top(result):
    importance = next((f for f in result["fields"] if f["field"].name == "importance"), None)
    return figures.importance_extras(importance, result["total"])[0] if importance else None


def tablets(database, centre, today):
    """The paired tablets with the day each was paired and last seen, and whether it has gone quiet."""
    found = []
    for kiosk in db.kiosks_of(database, centre["id"]):
        paired = datetime.date.fromisoformat(kiosk["paired_on"]) if kiosk["paired_on"] else None
        seen = datetime.date.fromisoformat(kiosk["last_seen_on"]) if kiosk["last_seen_on"] else None
        since = seen or paired  # one paired before days were kept, and not heard from since: unknown
        found.append({**kiosk, "paired_on": paired, "last_seen_on": seen,
                      "quiet": since is not None and (today - since).days >= QUIET_DAYS})
    return found


def reply_due(database, centre, now):
    """The period people are shown "you said" for, when the staff have not written back about
    it (or anything later) yet; else None."""
    shown = said.last_said(database, centre, now)
    if shown is None:
        return None
    latest = db.latest_reply(database, centre["id"])
    if latest is not None and periods.parse(latest[0]).last_day >= shown.period.last_day:
        return None
    return shown.period
