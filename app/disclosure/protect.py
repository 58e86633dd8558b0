"""Deciding what a period publishes when it closes: exact totals, perturbed counts, and the
guarantee that no count from 1 to k-1 can be worked out exactly from them.

Every period of the grid publishes its answer count N exactly. A period with at least k answers
publishes every cell besides, each perturbed by the perturbation table (ptable.py); a period with
fewer publishes its N alone. A cell's change is drawn from its key: a hash of the period, the
cell and the sum of the record keys of the answers in it. The same answers always give a cell the
same number (a year decided again, a period sent again); two cells never share a draw, so the
numbers of a week and of the block holding the same answers are two draws, not one, and whether
two cells hold the same answers can never be read off their numbers.

Perturbation alone protects almost always, but not always: a reader who knows the table knows
that a published p lies at most 2 from the truth, that a published 1 or more is at least 1,
and that the cells add up (a group to N, a band to its scores, a period to its weeks). Where the
changes happen to fall at the edge of what the table allows, those facts can corner a small
count. So every decision makes sure that, for every count from 1 to k-1 in the periods it
touches, the answers could have been different in a way that changes that count and fits what
every published number can mean: one person in one week having answered one question
differently (or, under a period published exactly by cell suppression, two people in two of its
weeks, each other's opposite). That other set of answers is a witness: given the published
numbers and what each can mean, the true count and its neighbour are both possible.

A witness stays a witness once found: what was published does not change. When a period
closes, the only numbers not fixed yet are its own, and each count of it can be published as
any number its row of the table allows; where the drawn one would rule a witness out, the
nearest number the row allows that keeps every witness asking of it is published instead (a
count is asked at most for "one more" and "one less", and every row has a number that keeps
both). A period closing over weeks that still has a witness for each of their small counts
gives each of its own small counts one too (through a week where that count is not 0), so a
witness always exists for periods decided this way.

Periods decided before this method (rules 1 and 2: cell suppression) keep what they published.
A period closing over them uses what they published as it is. A small count of theirs that no
witness of one or two changed answers can move (suppression protected it by withholding others)
gets one from a whole-number program (alternative.py): answers changed in several weeks at once,
moving the closing periods' counts by one at most. A count the old periods give away on their
own has nothing left to keep. Only a count with neither keeps its old protection by its question
being withheld in the closing periods that hold it, so nothing new touches it.
"""

import functools
import hashlib
import math

from . import ptable
from .grid import N, Tally
from .rules import HIDDEN, PERTURBED, SHOWN, Published


class Decision:
    """The figures of the periods that close together (a week, and the block, quarter and year
    it ends), decided over the year's weeks and what earlier periods published."""

    def __init__(self, fields, weeks, k, published, closing):
        """`weeks`: {week key: grid.Week}; `published`: what earlier periods published, as
        (period, cell) -> (low, high) (rules.Published); `closing`: the periods, week first."""
        self.fields, self.k, self.published, self.closing = fields, k, published, closing
        self.closing_keys = {p.key for p in closing}
        self.periods = closing[-1].subtree()
        self.counts = {}
        for period in sorted(self.periods, key=lambda p: len(p.weeks)):
            if period.level == "week":
                week = weeks.get(period.key)
                self.counts[period.key] = week.cells(fields) if week is not None else {}
            else:
                self.counts[period.key] = _sum(self.counts[c.key] for c in period.children())
        self.weeks = weeks
        self.result = {}
        self.drawn = {}
        for period in closing:
            n = self.value(period.key, N)
            self.result[(period.key, N)] = (SHOWN, n)
            if n >= k:
                for field in fields:
                    for cell in field.cells:
                        x, tally = self.value(period.key, cell), self.counts[period.key].get(cell)
                        # never more than answered: a reader knows no count is, so nothing is lost
                        published = min(n, x + ptable.change(x, draw(period.key, cell, tally.key))) if x else 0
                        self.drawn[(period.key, cell)] = published
                        self.result[(period.key, cell)] = (PERTURBED, published)

    def value(self, period_key, cell):
        tally = self.counts[period_key].get(cell)
        return tally.count if tally else 0

    def decide(self):
        """{(period key, cell): (status, value)} for every cell the closing periods publish."""
        for field in self.fields:
            _Field(self, field).protect()
        return self.result


def draw(period_key, cell, key):
    """A cell's point in [0, 1) for the perturbation table: from the period, the cell and the sum
    of its answers' record keys, so that no two cells share a draw."""
    name = cell if cell == N else "|".join(cell)
    digest = hashlib.blake2b(f"{period_key}|{name}|{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2 ** 64


def _sum(parts):
    total = {}
    for cells in parts:
        for cell, tally in cells.items():
            found = total.setdefault(cell, Tally())
            found.add(tally.count, tally.key)
    return total


@functools.cache
def chain(week):
    """A week and the periods above it: block, quarter, year. Kept once worked out: a decision
    asks for the same few weeks' chains tens of thousands of times."""
    found = [week]
    while found[-1].parent() is not None:
        found.append(found[-1].parent())
    return tuple(found)


def _in_order(value):
    """An answer's place in a fixed order: a multiple choice by its sorted options, since a
    frozenset's repr follows the process's string hashing, and so would the witness found first."""
    return repr(sorted(value)) if isinstance(value, frozenset) else repr(value)


class _Field:
    """One field's witnesses. A witness is (moves, top): moves are (week, one person's answer,
    the answer they might have given instead); a single move changes its week and every period
    above it; two opposite moves cancel at `top`, the period holding both, and above it."""

    def __init__(self, decision, field):
        self.d, self.field = decision, field
        self._checked = {}

    def protect(self):
        # Loaded only here: HiGHS and numpy take a tenth of a second, and few periods need them.
        from . import alternative

        small = self.small_counts()
        witnesses = {target: self.witness(target) for target in small}
        needs = {}
        cornered = [target for target, found in witnesses.items() if found is None]
        for slack in (0, 1):  # answers changing in several weeks at once, as cell suppression may have relied on
            if cornered:
                moved = alternative.movable(self.d, self.field, cornered, slack)
                for steps in moved.values():
                    for place, step in steps:
                        needs.setdefault(place, set()).add(step)
                cornered = [target for target in cornered if target not in moved]
        if cornered:  # what was published before gives these away whatever comes now: nothing to keep
            unknown = alternative.movable(self.d, self.field, cornered, math.inf)
            cornered = [target for target in cornered if target in unknown]
        if cornered:  # counts only an earlier method protects: nothing new may touch them
            holding = {p for target, _cell in cornered for p in self.d.closing if target.key in p.subtree_keys}
            for period in holding:
                for cell in self.field.cells:
                    if (period.key, cell) in self.d.result:
                        self.d.result[(period.key, cell)] = (HIDDEN, None)
            self._checked.clear()
            witnesses = {target: self.witness(target) for target, found in witnesses.items() if found is not None}
            needs = {place: steps for place, steps in needs.items()
                     if self.d.result.get(place, (HIDDEN,))[0] == PERTURBED}
        for found in filter(None, witnesses.values()):
            for place, step in self.check(found)[1]:
                needs.setdefault(place, set()).add(step)
        for (period_key, cell), steps in needs.items():
            self.d.result[(period_key, cell)] = (PERTURBED, self.keeping(period_key, cell, steps))

    def small_counts(self):
        return [(period, cell) for period in self.d.periods for cell in self.field.cells
                if 0 < self.d.value(period.key, cell) < self.d.k]

    def witness(self, target):
        """A witness for this count that fits everything published before the closing periods
        (whose numbers may still be chosen to fit it), one that fits them as drawn if there is
        one; None if there is none. One changed answer first; two only where none will do."""
        period, cell = target
        found = None
        for move in self._moves(period, cell):
            witness = ((move,), None)
            if self.check(witness)[0]:
                if self.fits_drawn(witness):
                    return witness
                found = found or witness
        if found is not None:
            return found
        for move in self._moves(period, cell):
            for witness in self._pairs(period, move):
                if self.check(witness)[0]:
                    return witness
        return None

    def _moves(self, period, cell):
        """Every changed answer, in a week of `period`, that moves `cell`."""
        for week in (p for p in period.subtree() if p.level == "week"):
            values = self.d.weeks.get(week.key)
            if values is None:
                continue
            for value in sorted(values.values[self.field.name], key=_in_order):
                if not values.values[self.field.name][value].count:
                    continue
                before = self.field.cells_of(value)
                for other in self.field.alternatives(value):
                    if cell in before ^ self.field.cells_of(other):
                        yield week, value, other

    def _pairs(self, period, move):
        """`move` with its opposite in a week outside `period` under each period above it: the
        two cancel from the period holding both up."""
        week, value, other = move
        inside, above = period, chain(week)
        for top in above[above.index(period) + 1:]:
            for second in (p for p in top.subtree() if p.level == "week" and p.key not in inside.subtree_keys):
                values = self.d.weeks.get(second.key)
                tally = values.values[self.field.name].get(other) if values is not None else None
                if tally is not None and tally.count:
                    yield ((move, (second, other, value)), top)
            inside = top

    def check(self, witness):
        """(whether the witness fits what was published before, what it asks of the closing
        periods: [((period key, cell), +1 or -1)])."""
        if witness in self._checked:
            return self._checked[witness]
        moves, top = witness
        fits, needs = True, []
        for week, value, other in moves:
            before, after = self.field.cells_of(value), self.field.cells_of(other)
            steps = [(cell, -1) for cell in before - after] + [(cell, +1) for cell in after - before]
            for period in chain(week):
                if top is not None and period.key == top.key:
                    break
                if period.key in self.d.closing_keys:
                    needs += [((period.key, cell), step) for cell, step in steps
                              if self.d.result.get((period.key, cell), (HIDDEN,))[0] == PERTURBED]
                elif period.key in self.d.counts and not all(
                        self.allows(period, cell, self.d.value(period.key, cell) + step) for cell, step in steps):
                    fits = False
                    break
            if not fits:
                break
        self._checked[witness] = (fits, needs)
        return fits, needs

    def allows(self, period, cell, count):
        low, high = self.d.published(period, cell)
        return low <= count <= high

    def fits_drawn(self, witness):
        for (period_key, cell), step in self.check(witness)[1]:
            low, high = ptable.possible(self.d.drawn[(period_key, cell)])
            if not low <= self.d.value(period_key, cell) + step <= high:
                return False
        return True

    def keeping(self, period_key, cell, steps):
        """The number to publish: the drawn one if it leaves the truth plus each step possible,
        else the nearest one the table allows that does."""
        true, drawn = self.d.value(period_key, cell), self.d.drawn[(period_key, cell)]
        most = self.d.value(period_key, N)

        def keeps(number):
            low, high = ptable.possible(number)
            return all(low <= true + step <= high for step in steps)

        if keeps(drawn):
            return drawn
        return min((n for n in ptable.support(true) if n <= most and keeps(n)),
                   key=lambda n: (abs(n - drawn), abs(n - true)))


def decide(fields, weeks, k, published, closing):
    """Figures in, protected figures out: what the closing periods publish."""
    return Decision(fields, weeks, k, published, closing).decide()



def closing_order(weeks):
    """The periods that close with each of these weeks, week first, then block, quarter, year."""
    for week in weeks:
        closing = [week]
        while closing[-1].parent() is not None and closing[-1].parent().weeks[-1] == closing[-1].weeks[-1]:
            closing.append(closing[-1].parent())
        yield closing


def publish(fields, weeks, k, decisions, rules, closed, stats=None):
    """Decide every period that closed with the weeks in `closed` and is not decided yet, in
    order; `decisions` {(period key, cell): (status, value)} and `rules` {period key: rule} are
    what the year published so far. Returns the new decisions (they are added to `decisions`).
    `stats`, when given, counts the counts drawn ("drawn") and those moved to keep a witness
    ("nudged"), for the loss bench."""
    new = {}
    for closing in closing_order(closed):
        if (closing[0].key, N) in decisions:
            continue
        decision = Decision(fields, weeks, k, Published(decisions, rules, k), closing)
        found = decision.decide()
        decisions.update(found)
        new.update(found)
        if stats is not None:
            stats["drawn"] = stats.get("drawn", 0) + len(decision.drawn)
            stats["nudged"] = stats.get("nudged", 0) + sum(found[key] != (PERTURBED, value)
                                                           for key, value in decision.drawn.items())
    return new
