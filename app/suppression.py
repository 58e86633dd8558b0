"""Which numbers may be shown: primary and secondary cell suppression over the grid of periods.

Every number staff see, download or sync passes through the statuses decided here:

    shown   the count itself
    small   a count below k: shown as "< k" (the attacker knows it lies in 0..k-1)
    hidden  a count of k or more, withheld so that a small one cannot be worked out
            (the attacker knows it is at least k)

A period's cells are its answer count N and, for every group of categories (one question's
options plus "not answered", or one multiple-choice option's "chosen" / "not chosen"), the
count of each category; a group's counts add up to N. A period's counts are the sums of its
children's (weeks in blocks, blocks in quarters, quarters in the year).

Decisions are taken once, when a period closes, and never revised: what was shown stays
shown, so a later total can only be withheld, never used to take an earlier secret apart.
When a week closes, so may its block, quarter and year; those decide together. Each linear
relation between published numbers (a group adding up to N, a parent adding up to its
children) must then leave every withheld number in it with at least two possible values,
given what is shown and the bounds above. Where it would not, one more number is withheld:
in a relation of a period's own groups, the smallest shown count; in a parent's relation,
the cell of the child that closes now, or else the parent's own. When a period's N is
withheld, the whole period is.

Relations can also give a number away together (a small week pinned by its block, the
block by its quarter). So after those repairs an audit solves, for every withheld cell of
the closing periods' subtree, the program of everything published there in whole numbers,
and while any cell has no room, the lowest closing period that holds such a cell is withheld
whole. A period whose N is withheld prints nothing else (not even "< k"), and the audit
knows only that. The property tests attack the result with exact integer programming.
"""

import math
import os
import sys
import threading
from dataclasses import dataclass, field

import highspy
import numpy as np

SHOWN, SMALL, HIDDEN = "shown", "small", "hidden"
N = "N"
CEILING = 10_000_000  # more answers than any centre gets in a year: "no upper bound" to the audit


@dataclass
class Table:
    """The counts of one centre and one year, and the statuses decided so far.

    `groups` maps a group name to its categories; `weeks` maps a week key to its counts,
    {N: n, (group, category): count}. `statuses` maps (period key, cell) to a status, where
    a cell is N or (group, category).
    """

    k: int
    groups: dict
    weeks: dict
    statuses: dict = field(default_factory=dict)

    def cells(self):
        return [N] + [(g, c) for g, categories in self.groups.items() for c in categories]

    def value(self, period, cell):
        return sum(self.weeks.get(week, {}).get(cell, 0) for week in period.week_keys)

    def status(self, period, cell):
        return self.statuses[(period.key, cell)]

    def bounds(self, period, cell):
        """What a reader knows about a cell: its value if shown, else its status's range.

        A period whose N is withheld prints nothing else, not even "< k", so its other cells
        are known only to be whole numbers.
        """
        if cell != N and self.status(period, N) != SHOWN:
            return 0, math.inf
        status = self.status(period, cell)
        if status == SHOWN:
            value = self.value(period, cell)
            return value, value
        if status == SMALL:
            return 0, self.k - 1
        return self.k, math.inf


def closing_order(weeks):
    """The periods that close with each of these weeks, week first, then block, quarter, year."""
    for week in weeks:
        closing = [week]
        while closing[-1].parent() is not None and closing[-1].parent().weeks[-1] == closing[-1].weeks[-1]:
            closing.append(closing[-1].parent())
        yield closing


def decide(table, closing):
    """Decide the statuses of the periods in `closing` (which close together); earlier ones stay."""
    cells = table.cells()
    for period in closing:
        for cell in cells:
            table.statuses[(period.key, cell)] = SMALL if table.value(period, cell) < table.k else SHOWN
    while True:
        while _repair_one(table, closing, cells):
            pass
        if len(closing) == 1:
            return  # a week alone: its groups are single relations, which the repairs settle exactly
        pinned = audit(table, closing[-1])
        if not pinned:
            return
        holders = [p for p in closing
                   if table.status(p, N) == SHOWN and any(key in p.subtree_keys for key, _ in pinned)]
        if not holders:
            return  # nothing closing now can still be withheld
        table.statuses[(holders[0].key, N)] = HIDDEN


def audit(table, top):
    """A withheld cell under `top` that what is published there pins to a single value, if any.

    One integer program per group, over the weeks of `top`: the group's counts and N for every
    week as unknowns, every published cell of every period under `top` as a constraint.
    """
    week_keys = top.week_keys
    periods = [p for p in top.subtree() if (p.key, N) in table.statuses]
    pinned = set()
    for group, categories in table.groups.items():
        cells = [N] + [(group, c) for c in categories]
        column = {(cell, w): i for i, (cell, w) in enumerate((cell, w) for cell in cells for w in week_keys)}
        size = len(column)
        eq_rows, eq_values, ub_rows, ub_values, targets = [], [], [], [], []
        for w in week_keys:
            row = np.zeros(size)
            row[column[(N, w)]] = -1
            for c in categories:
                row[column[((group, c), w)]] = 1
            eq_rows.append(row)
            eq_values.append(0)
        for period in periods:
            for cell in cells:
                row = np.zeros(size)
                for w in period.week_keys:
                    row[column[(cell, w)]] = 1
                low, high = table.bounds(period, cell)
                if low == high:
                    eq_rows.append(row)
                    eq_values.append(low)
                    continue
                if high < math.inf:
                    ub_rows.append(row)
                    ub_values.append(high)
                if low > 0:
                    ub_rows.append(-row)
                    ub_values.append(-low)
                targets.append((period, cell, row))
        program = _Program(size, eq_rows, eq_values, ub_rows, ub_values)
        pinned |= _pinned_targets(table, targets, program)
        if pinned:
            return pinned  # one is enough to act on; the next audit looks again
    return pinned


_solvers = threading.local()  # solvers per thread: gunicorn's threads must not share one


def _solver(kind):
    if not hasattr(_solvers, kind):
        # HiGHS greets stdout from C when it starts; a server's log and a command's output
        # have no use for that, so the greeting goes to /dev/null.
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as devnull:
                os.dup2(devnull.fileno(), 1)
                highs = highspy.Highs()
                highs.setOptionValue("output_flag", False)
                setattr(_solvers, kind, highs)
        finally:
            os.dup2(saved, 1)
            os.close(saved)
    return getattr(_solvers, kind)


class _Program:
    """The counts of one audit as unknowns, loaded twice in HiGHS: as a linear program, which
    is fast and starts each solve from the last one's basis, and as an integer program, for when
    the linear one's answer is not in whole numbers. Only the objective changes between solves."""

    def __init__(self, size, eq_rows, eq_values, ub_rows, ub_values):
        self.size = size
        self.columns = np.arange(size, dtype=np.int32)
        infinity = highspy.kHighsInf
        rows = np.array(eq_rows + ub_rows)
        lower = np.array(eq_values + [-infinity] * len(ub_rows), dtype=float)
        upper = np.array(eq_values + ub_values, dtype=float)
        starts, indices, values = [], [], []
        for row in rows:
            starts.append(len(indices))
            nonzero = np.flatnonzero(row)
            indices.extend(nonzero.tolist())
            values.extend(row[nonzero].tolist())
        self.linear, self.integer = _solver("linear"), _solver("integer")
        for highs in (self.linear, self.integer):
            highs.clearModel()
            # A finite ceiling keeps every maximum finite; no centre gets that many answers.
            highs.addVars(size, np.zeros(size), np.full(size, CEILING))
            highs.addRows(len(rows), lower, upper, len(indices), np.array(starts, dtype=np.int32),
                          np.array(indices, dtype=np.int32), np.array(values, dtype=float))
            highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.integer.changeColsIntegrality(size, self.columns, np.full(size, highspy.HighsVarType.kInteger))

    @staticmethod
    def _solve(highs, objective):
        highs.changeColsCost(len(objective), np.arange(len(objective), dtype=np.int32), objective)
        highs.run()
        status = highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"suppression audit: {highs.modelStatusToString(status)}")
        return np.array(highs.getSolution().col_value)

    def maximum(self, objective):
        """A whole-number point where objective·x is greatest.

        When the linear optimum's point is whole it is the whole-number optimum too, and the
        integer program is not needed.
        """
        objective = np.asarray(objective, dtype=float)
        point = self._solve(self.linear, objective)
        if np.abs(point - np.round(point)).max(initial=0) > 1e-6:
            point = self._solve(self.integer, objective)
        return np.round(point)


def _pinned_targets(table, targets, program):
    """A target with no room at all in whole numbers, if there is one.

    Any whole-number solution that gives a target a value other than its real one proves it
    has room. Solves that push each open target up or down at random settle most of them
    together; the few left get their own greatest and least value.
    """
    if not targets:
        return set()
    real = np.array([table.value(period, cell) for period, cell, _ in targets], dtype=float)
    forms = np.array([row for _, _, row in targets])
    open_ = np.ones(len(targets), dtype=bool)
    rng = np.random.default_rng(len(targets))  # deterministic: the same data gives the same decisions
    stale = 0
    while open_.any() and stale < 2:
        before = open_.sum()
        point = program.maximum(rng.choice([-1.0, 1.0], size=len(targets)) * open_ @ forms)
        open_ &= forms @ point == real
        stale = stale + 1 if open_.sum() == before else 0
    while open_.any():
        i = int(np.flatnonzero(open_)[0])
        period, cell, row = targets[i]
        for sign in (1, -1):
            point = program.maximum(sign * row)
            open_ &= forms @ point == real  # this solution settles others too
            if not open_[i]:
                break
        if open_[i]:
            return {(period.key, cell)}
    return set()


def _withhold(table, period, cell):
    if table.status(period, cell) == SHOWN:
        table.statuses[(period.key, cell)] = HIDDEN
        return True
    return False


def _repair_one(table, closing, cells):
    """Find one relation that gives a withheld number away and withhold one more; False if none."""
    for period in closing:
        if table.status(period, N) != SHOWN:
            # A period without its N shows nothing: its parts would add up to it.
            if any(_withhold(table, period, cell) for cell in cells):
                return True
            continue
        for group, categories in table.groups.items():
            members = [(period, (group, c), 1) for c in categories]
            if not _safe(table, members, table.value(period, N)):
                shown = [m for m in members if table.status(m[0], m[1]) == SHOWN]
                if shown:
                    _, cell, _ = min(shown, key=lambda m: table.value(m[0], m[1]))
                    return _withhold(table, period, cell)
                return _withhold(table, period, N)
    for parent in closing[1:]:
        children = parent.children()
        for cell in cells:
            members = [(parent, cell, -1)] + [(child, cell, 1) for child in children]
            if _safe(table, members, 0):
                continue
            last = children[-1]
            if last.key == closing[closing.index(parent) - 1].key and _withhold(table, last, cell):
                return True
            if _withhold(table, parent, cell) or _withhold(table, parent, N):
                return True
            # Everything that may still change is withheld: the bounds alone pin nothing more.
    return False


def _safe(table, members, total):
    """Whether sum(sign * cell) == total leaves each withheld cell at least two possible values."""
    known = 0
    unknown = []
    for period, cell, sign in members:
        low, high = table.bounds(period, cell)
        if table.status(period, cell) == SHOWN:
            known += sign * low
        else:
            unknown.append((sign, low, high))
    if not unknown:
        return True
    if len(unknown) == 1:
        return False
    rest = total - known
    # Each term sign * x lies in [low, high]; the others' terms then leave this one a range.
    terms = [(min(s * lo, s * hi), max(s * lo, s * hi)) for s, lo, hi in unknown]
    for i, (sign, low, high) in enumerate(unknown):
        others_low = sum(t[0] for j, t in enumerate(terms) if j != i)  # finite or -inf, never nan
        others_high = sum(t[1] for j, t in enumerate(terms) if j != i)
        value_low, value_high = sorted((sign * (rest - others_high), sign * (rest - others_low)))
        if min(high, value_high) - max(low, value_low) < 1:
            return False
    return True
