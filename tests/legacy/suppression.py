"""Which numbers may be shown: primary and complementary cell suppression over the grid of periods.

What is protected is a count from 1 to k-1: it could point to a person. A zero points to nobody
and is shown; a count of k or more is shown unless some attack on a small count needs it
withheld. docs/disclosure-control.md says why, and from whom. Every number staff see, download
or sync passes through the statuses decided here:

    shown   the count itself: 0, or k and more
    small   a count from 1 to k-1: shown as "< k" (the reader knows it lies in 1..k-1)
    hidden  withheld so that a small count cannot be worked out: "–". Usually a count of k or
            more; sometimes a small count whose "< k" would itself give another away (many
            "< k" cells each at least 1 can add up to a parent's "< k"). The reader knows only
            that it is at least 1: a zero is never withheld.

Periods decided before zeros were shown (rule 1) keep what they published: there a zero was
"small" too and "–" always at least k, so their "< k" tells a reader 0..k-1 and their "–" k or
more; the audit knows that.

A period's cells are its answer count N, for every group of categories (one question's options
plus "not answered", or one multiple-choice option's "chosen" / "not chosen") the count of each
category, and the sums a group publishes besides (the importance bands 1-6, 7-8, 9-10). A
group's categories add up to N; a sum adds up its categories. A period's counts are the sums of
its children's (weeks in blocks, blocks in quarters, quarters in the year).

Decisions are taken once, when a period closes, and never revised: what was shown stays
shown, so a later total can only be withheld, never used to take an earlier secret apart.
When a week closes, so may its block, quarter and year; those decide together, in three steps:

1. Primary: every count from 1 to k-1 is small.
2. Complementary: each linear relation between published numbers (a group adding up to N, a sum
   adding up its categories, a parent adding up its children) must leave every small count in
   it at least two possible values, given what is shown and the bounds above. Where it does
   not, the count that alone restores that room at the least cost is withheld (never a zero):
   in a period's own relation, the smallest shown count that does; in a parent's relation, the
   cell of the child that closes now, or else the parent's own. Where no shown count is left,
   a "< k" becomes "–"; where none is left either, the period's N is withheld, and then the
   whole period is. Relations can also give a count away together (a small week pinned by
   its block, the block by its quarter), so an audit then solves, for every small count under
   the closing periods, the program of everything published there in whole numbers; while one
   has no room, the lowest closing period that holds it is withheld whole.
3. Release: every count withheld in step 2 is tried again, periods first and larger counts
   before smaller ones, and shown again (a small one as "< k") when relations and audit stay
   safe with it shown. So no figure is withheld that no attack needs: each one withheld would
   give a small count away.

A period whose N is withheld prints nothing else (not even "< k"), and the audit knows only
that. The property tests attack the result with exact integer programming, both ways.
"""

import functools
import math
import os
import sys
import threading
from dataclasses import dataclass, field

import highspy
import numpy as np

from app.disclosure import closing_order  # noqa: F401  (the same order then as now: the new method's)
from app.periods import LEVELS

SHOWN, SMALL, HIDDEN = "shown", "small", "hidden"
N = "N"
CEILING = 10_000_000  # more answers than any centre gets in a year: "no upper bound" to the audit
ZEROS_SMALL, RULE = 1, 2  # how a period was decided: before zeros were shown, and now


class _Statuses(dict):
    """Statuses that remember which ones changed, so that what a reader knows of a count is
    worked out again only where its status (or its period's N) changed."""

    def __init__(self, *args):
        super().__init__(*args)
        self.log = []

    def __setitem__(self, key, value):
        self.log.append(key)
        super().__setitem__(key, value)

    def update(self, other):
        self.log.extend(other)
        super().update(other)


@dataclass
class Table:
    """The counts of one centre and one year, and the statuses decided so far.

    `groups` maps a group name to its categories; `sums` maps a cell (group, name) to the
    categories of that group it adds up; `weeks` maps a week key to its counts,
    {N: n, (group, category or sum name): count}. `statuses` maps (period key, cell) to a
    status, where a cell is N or (group, name); `rules` maps a period key to the rule it was
    decided under (RULE when not given).
    """

    k: int
    groups: dict
    weeks: dict
    statuses: dict = field(default_factory=dict)
    sums: dict = field(default_factory=dict)
    rules: dict = field(default_factory=dict)
    _values: dict = field(default_factory=dict, repr=False, compare=False)  # the weeks never change
    _relations: dict = field(default_factory=dict, repr=False, compare=False)  # while periods decide

    def __post_init__(self):
        if not isinstance(self.statuses, _Statuses):
            self.statuses = _Statuses(self.statuses)

    def cells(self):
        return [N] + [(g, c) for g, categories in self.groups.items() for c in categories] + list(self.sums)

    def value(self, period, cell):
        key = (period.key, cell)
        if key not in self._values:
            self._values[key] = sum(self.weeks.get(week, {}).get(cell, 0) for week in period.week_keys)
        return self._values[key]

    def status(self, period, cell):
        """The cell's status; None for a cell its period never published (one added since)."""
        return self.statuses.get((period.key, cell))

    def rule(self, period):
        return self.rules.get(period.key, RULE)

    def sensitive(self, period, cell):
        """A count that could point to a person: from 1 to k-1."""
        return 0 < self.value(period, cell) < self.k

    def bounds(self, period, cell):
        """What a reader knows about a cell: its value if shown, else its status's range.

        A period whose N is withheld prints nothing else, not even "< k", so its other cells
        are known only to be whole numbers; so is a cell its period never published.
        """
        status = self.status(period, cell)
        if status is None or (cell != N and self.status(period, N) != SHOWN):
            return 0, math.inf
        if status == SHOWN:
            value = self.value(period, cell)
            return value, value
        if self.rule(period) < RULE:  # zeros were "< k" too, and only counts of k or more "–"
            return (0, self.k - 1) if status == SMALL else (self.k, math.inf)
        # "–" may hide a count from 1 to k-1 too, where its "< k" would give another away.
        return (1, self.k - 1) if status == SMALL else (1, math.inf)


def decide(table, closing):
    """Decide the statuses of the periods in `closing` (which close together); earlier ones stay."""
    cells = table.cells()
    for period in closing:
        table.rules[period.key] = RULE
        for cell in cells:
            table.statuses[(period.key, cell)] = SMALL if table.sensitive(period, cell) else SHOWN
    _protect(table, closing, cells)
    _release(table, closing, cells)
    table._relations.clear()
    table.statuses.log.clear()


def _audited_groups(table, closing):
    """The groups whose relations the repairs alone do not settle exactly.

    A week closing alone has one relation per group, except where a group publishes sums: a
    category is then in two relations. Periods closing together are linked through the grid.
    """
    if len(closing) > 1:
        return list(table.groups)
    return sorted({cell[0] for cell in table.sums})


# Relations fall apart by group: a group's counts meet another group's only in N, which a
# period's own relations take as known. Parents adding up N are a part of their own. And
# withholding more never pins a count, so a part found safe stays safe while more is withheld.

def _protect(table, closing, cells):
    _repair(table, closing, cells)
    _audit(table, closing, cells)


def _repair(table, closing, cells):
    for part in [N, *table.groups]:
        while _repair_one(table, closing, cells, part):
            pass


def _audit(table, closing, cells):
    for group in _audited_groups(table, closing):
        while pinned := audit(table, closing[-1], [group]):
            key, cell = next(iter(pinned))
            holders = [p for p in closing if table.status(p, N) == SHOWN and key in p.subtree_keys]
            if not holders:
                break  # nothing closing now can still be withheld
            if not _withhold_near(table, holders, cell):
                table.statuses[(holders[0].key, N)] = HIDDEN
    for period in closing:
        if table.status(period, N) != SHOWN:  # a period without its N shows nothing
            for cell in cells:
                _withhold(table, period, cell)


def _withhold_near(table, holders, cell):
    """Withhold one more count of the pinned cell's group in the lowest closing period above it:
    the same cell first, then the smallest; False when there is none left to withhold."""
    if cell == N:
        return False  # a period's N pinned: the period closing now above it goes whole
    group = [c for c in table.cells() if c != N and c[0] == cell[0]]
    for holder in holders:
        members = [(holder, c, 1) for c in [cell] + group]
        for period, candidate in _by_size(table, [(holder, cell, 1)]) + _by_size(table, members):
            table.statuses[(period.key, candidate)] = HIDDEN
            return True
    return False


def _release(table, closing, cells):
    """Show again each count withheld without need: periods first, then per group the larger
    counts before the smaller ones. Relations are checked one count at a time; the audit, the
    costly part, once for all counts of a group its relations let go, and only where it finds
    something one count at a time."""
    tried = set()
    while True:  # periods: each one shown brings counts of its own to try
        periods_ = [p for p in closing if table.status(p, N) == HIDDEN and (p.key, N) not in tried]
        if not periods_:
            break
        period = max(periods_, key=lambda p: table.value(p, N))
        tried.add((period.key, N))
        _decide_again(table, closing, cells, period)
    for part in [N, *table.groups]:
        candidates = sorted(((p, c) for p in closing for c in cells if c != N and c[0] == part
                             and table.status(p, c) == HIDDEN and table.status(p, N) == SHOWN),
                            key=lambda pc: -table.value(*pc))
        if part == N:
            candidates = [(p, N) for p in closing if table.status(p, N) == HIDDEN and table.sensitive(p, N)]
        released = [pc for pc in candidates if _try_release(table, closing, cells, [pc], audit_each=False)]
        if part in _audited_groups(table, closing) and _keep_what_the_audit_allows(table, closing, cells, part, released):
            # One went back: those a shown one kept back before may now be shown in its stead.
            for pc in candidates:
                if table.status(*pc) == HIDDEN and pc not in released:
                    _try_release(table, closing, cells, [pc], audit_each=True)


def _keep_what_the_audit_allows(table, closing, cells, part, released):
    """Of counts the relations let show again (larger first), keep what the audit allows too.

    Showing more only ever pins more, so the first count the audit objects to ends the longest
    run of them it allows: found by halving, it goes back, and the rest are tried again.
    Whether any went back."""
    went_back = False
    shown = {pc: table.statuses[(pc[0].key, pc[1])] for pc in released}

    def show(run):
        for period, cell in released:
            table.statuses[(period.key, cell)] = shown[(period, cell)] if (period, cell) in run else HIDDEN

    while released and audit(table, closing[-1], [part]):
        allowed, objected = 0, len(released)  # the first `allowed` pass; the first `objected` do not
        while objected - allowed > 1:
            middle = (allowed + objected) // 2
            show(set(released[:middle]))
            if audit(table, closing[-1], [part]):
                objected = middle
            else:
                allowed = middle
        show(set(released[:allowed]))
        went_back = True
        rest = [pc for pc in released[objected:] if _try_release(table, closing, cells, [pc], audit_each=False)]
        shown.update({pc: table.statuses[(pc[0].key, pc[1])] for pc in rest})
        released = rest
    return went_back


def _decide_again(table, closing, cells, period):
    """Show a withheld period again if it can be, deciding its counts afresh with its N shown;
    nothing else may change for it."""
    keys = {p.key for p in closing}
    saved = {key: status for key, status in table.statuses.items() if key[0] in keys}
    for cell in cells:
        table.statuses[(period.key, cell)] = SMALL if table.sensitive(period, cell) else SHOWN

    def kept():
        return table.status(period, N) == SHOWN and \
            all(table.statuses[key] == status for key, status in saved.items() if key[0] != period.key)

    _repair(table, closing, cells)
    if kept():  # the repairs, quick, mostly say no already; the audit only then
        _audit(table, closing, cells)
    if not kept():  # else as little as it can be shown: its N, its zeros and its "< k"
        table.statuses.update(saved)
        _try_release(table, closing, cells, [(period, N)], audit_each=True)


def _try_release(table, closing, cells, chosen, audit_each):
    """Show these withheld counts again (a small one as "< k"; a period as little as it can be:
    its N, its zeros and its "< k"), and keep them shown if that stays safe."""
    parts = set()
    saved = {}
    for period, cell in chosen:
        saved.update({(period.key, c): table.statuses[(period.key, c)] for c in cells})
        if table.sensitive(period, cell):
            table.statuses[(period.key, cell)] = SMALL
            parts.add(N if cell == N else cell[0])
        elif cell == N:
            for c in cells:
                table.statuses[(period.key, c)] = SHOWN if c == N or table.value(period, c) == 0 \
                    else SMALL if table.sensitive(period, c) else HIDDEN
            parts |= {N, *table.groups}
        else:
            table.statuses[(period.key, cell)] = SHOWN
            parts.add(cell[0])
    if _still_safe(table, closing, cells, sorted(parts, key=str), audit_each):
        return True
    table.statuses.update(saved)
    return False


def _still_safe(table, closing, cells, parts, audited=True):
    """Whether the relations of these parts, and then (if `audited`) the audit of their groups,
    leave every small count at least two values."""
    webs = {part: _web(table, closing, cells, part, everything=_everything(closing)) for part in parts}
    relations = {part: webs[part].relations() for part in parts}
    # The closing periods' relations first, each alone: that is quick, and most withheld
    # counts turn out needed right there.
    if any(not _safe(table, [r]) for part in parts for r in relations[part] if r.new):
        return False
    for part in parts:
        room = webs[part].room()
        if room.pinned_small(table):
            return False
    groups = _audited_groups(table, closing) if audited else []
    return not any(audit(table, closing[-1], [group]) for group in parts if group in groups)


def audit(table, top, groups=None):
    """Withheld small counts under `top` that what is published there pins to a single value.

    One integer program per group (all groups, or those named): the group's categories and N
    for every week of `top` as unknowns, every published cell of every period under `top`
    (its sums too) as a constraint. Only counts from 1 to k-1 are targets: a count of k or more
    worked out gives nobody away, and the small ones it would help find are targets themselves.
    """
    week_keys = top.week_keys
    periods = [p for p in top.subtree() if (p.key, N) in table.statuses]
    pinned = set()
    for group in table.groups if groups is None else groups:
        leaves = [N] + [(group, c) for c in table.groups[group]]
        sums = [cell for cell in table.sums if cell[0] == group]
        # Weeks before blocks before quarters: a count pinned in a week pins its block's too,
        # and the repair belongs where the pin starts.
        targets = [(p, cell) for p in sorted(periods, key=lambda p: LEVELS.index(p.level)) for cell in leaves + sums
                   if table.status(p, cell) != SHOWN and table.sensitive(p, cell)]
        if not targets:
            continue
        column = {(cell, w): i for i, (cell, w) in enumerate((cell, w) for cell in leaves for w in week_keys)}
        size = len(column)
        rows, lower, upper = [], [], []  # each row: the columns it adds up, coefficients of 1
        for w in week_keys:  # a week's categories add up to its N
            rows.append(([column[(N, w)]] + [column[((group, c), w)] for c in table.groups[group]],
                         [-1.0] + [1.0] * len(table.groups[group])))
            lower.append(0)
            upper.append(0)
        for period in periods:
            for cell in leaves + sums:
                low, high = table.bounds(period, cell)
                if low == 0 and high == math.inf:
                    continue  # says nothing a whole number does not
                indices = _columns(table, column, period, cell)
                rows.append((indices, [1.0] * len(indices)))
                lower.append(low)
                upper.append(high)
        program = _Program(size, rows, lower, upper)
        forms = np.zeros((len(targets), size))
        for i, (period, cell) in enumerate(targets):
            forms[i, _columns(table, column, period, cell)] = 1
        pinned |= {(p.key, cell) for p, cell in _pinned_targets(table, targets, forms, program)}
        if pinned:
            return pinned  # enough to act on; the next audit looks again
    return pinned


def _columns(table, column, period, cell):
    """The period's cell as the program's unknowns it adds up (a sum cell: its categories')."""
    parts = [(cell[0], c) for c in table.sums[cell]] if cell in table.sums else [cell]
    return [column[(part, w)] for part in parts for w in period.week_keys]


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

    def __init__(self, size, rows, lower, upper):
        self.size = size
        self.columns = np.arange(size, dtype=np.int32)
        infinity = highspy.kHighsInf
        lower = np.array([-infinity if v == -math.inf else v for v in lower], dtype=float)
        upper = np.array([infinity if v == math.inf else v for v in upper], dtype=float)
        starts = np.cumsum([0] + [len(indices) for indices, _ in rows[:-1]], dtype=np.int32)
        indices = np.array([i for row, _ in rows for i in row], dtype=np.int32)
        values = np.array([v for _, coefficients in rows for v in coefficients], dtype=float)
        self.linear, self.integer = _solver("linear"), _solver("integer")
        for highs in (self.linear, self.integer):
            highs.clearModel()
            # A finite ceiling keeps every maximum finite; no centre gets that many answers.
            highs.addVars(size, np.zeros(size), np.full(size, CEILING))
            highs.addRows(len(rows), lower, upper, len(indices), starts, indices, values)
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


def _pinned_targets(table, targets, forms, program, enough=1):
    """Targets (period, cell) with no room at all in whole numbers: none, or some (up to
    `enough`). `forms` holds each target as a row over the program's unknowns; `table` gives
    their true values and the bounds a reader knows.

    Any whole-number solution that gives a target a value other than its real one proves it
    has room. Solves that push each open target up or down at random settle most of them
    together; the few left get their own greatest and least value.
    """
    if not targets:
        return set()
    real = np.array([table.value(period, cell) for period, cell in targets], dtype=float)
    open_ = np.ones(len(targets), dtype=bool)
    # A count at an end of what the reader knows of it can only move away from it: up from 1,
    # down from k-1; the others go up or down at random.
    rng = np.random.default_rng(len(targets))  # deterministic: the same data gives the same decisions
    ends = np.array([table.bounds(period, cell) for period, cell in targets], dtype=float).reshape(-1, 2)
    up, down = real <= ends[:, 0], real >= ends[:, 1]
    stale = 0
    while open_.any() and stale < 2:
        before = open_.sum()
        direction = np.where(up, 1.0, np.where(down, -1.0, rng.choice([-1.0, 1.0], size=len(targets))))
        point = program.maximum(direction * open_ @ forms)
        open_ &= forms @ point == real
        stale = stale + 1 if open_.sum() == before else 0
    pinned = set()
    while open_.any() and len(pinned) < enough:
        i = int(np.flatnonzero(open_)[0])
        for sign in (1,) if up[i] else (-1,) if down[i] else (1, -1):
            point = program.maximum(sign * forms[i])
            open_ &= forms @ point == real  # this solution settles others too
            if not open_[i]:
                break
        if open_[i]:
            pinned.add(targets[i])
            open_[i] = False
    return pinned


def _withhold(table, period, cell):
    if table.status(period, cell) == SHOWN:
        table.statuses[(period.key, cell)] = HIDDEN
        return True
    return False


def _everything(closing):
    """Whether the relations of older periods under the closing ones narrow too: when a parent
    closes, a count can be pinned across levels, and intervals find most of that quicker than
    the audit does."""
    return len(closing) > 1


@dataclass(eq=False)
class _Relation:
    """sum(sign * count for period, cell, sign in members) == total, published by `period`:
    its own (`own`: its categories, or sums) or as the parent of the other members. `new` when
    `period` closes now: then the relation may still withhold a count to repair itself."""

    members: list
    total: int
    period: object
    own: bool
    new: bool

    @functools.cached_property
    def keys(self):
        return frozenset((p.key, c) for p, c, _ in self.members)


def _web(table, closing, cells, part, everything=False):
    """The linear relations among one part's counts (a group's, or N's) that the closing periods
    publish; the own relations of a closing parent's older children come too: they narrow what
    the parent leaves; with `everything`, so do all relations of the periods decided before
    under the closing ones. Kept while the closing periods decide: only statuses change."""
    cache = table._relations.setdefault(tuple(p.key for p in closing), {})
    if (part, everything) not in cache:
        cache[(part, everything)] = _Web(table, list(_all_relations(table, closing, cells, part, everything)))
    return cache[(part, everything)]


class _Web:
    """Relations, and what a reader can narrow each of their counts to: every relation narrows
    its members from the others' ranges, round after round until none narrows more.

    Interval reasoning sees how relations combine (a score pinned by its band and its group
    together, a week by its block and its quarter); the audit then reasons in whole numbers.
    Here all relations narrow at once, as arrays; _room does the same for a handful."""

    def __init__(self, table, relations):
        self.table, self.all = table, relations
        self.index, self.cells = {}, []
        rel, var, sign = [], [], []
        for i, relation in enumerate(relations):
            for period, cell, s in relation.members:
                key = (period.key, cell)
                if key not in self.index:
                    self.index[key] = len(self.cells)
                    self.cells.append((period, cell))
                rel.append(i)
                var.append(self.index[key])
                sign.append(s)
        self.rel, self.var = np.array(rel, dtype=np.intp), np.array(var, dtype=np.intp)
        self.sign = np.array(sign, dtype=float)
        self.total = np.array([r.total for r in relations], dtype=float)
        self.by_period = {}
        for i, (period, _) in enumerate(self.cells):
            self.by_period.setdefault(period.key, []).append(i)
        bounds = np.array([table.bounds(p, c) for p, c in self.cells], dtype=float).reshape(-1, 2)
        self.low, self.high = bounds[:, 0].copy(), bounds[:, 1].copy()
        self.own = [(i, r.period) for i, r in enumerate(relations) if r.own]
        self.active = np.ones(len(relations), dtype=bool)
        self.seen, self.last = -1, None

    def relations(self):
        """The relations published now: a period whose N is withheld publishes none of its own."""
        return [r for r in self.all if not r.own or self.table.status(r.period, N) == SHOWN]

    def room(self):
        log = self.table.statuses.log
        if self.seen == len(log):
            return self.last  # nothing changed since
        for key in log[max(self.seen, 0):]:
            changed = self.by_period.get(key[0], []) if key[1] == N else [self.index.get(key)]
            for i in changed:
                if i is not None:
                    self.low[i], self.high[i] = self.table.bounds(*self.cells[i])
        if self.seen < 0 or any(key[1] == N for key in log[self.seen:]):
            for i, period in self.own:
                self.active[i] = self.table.status(period, N) == SHOWN
        self.seen = len(log)
        mask = self.active[self.rel]
        rel, var, sign = self.rel[mask], self.var[mask], self.sign[mask]
        total, count = self.total[rel], len(self.all)
        low, high = self.low.copy(), self.high.copy()
        for _round in range(200):  # each round only narrows; a cut short one is still true
            term_low = np.where(sign > 0, low[var], -high[var])
            term_high = np.where(sign > 0, high[var], -low[var])
            low_infinite, high_infinite = np.isinf(term_low), np.isinf(term_high)
            low_finite = np.where(low_infinite, 0.0, term_low)
            high_finite = np.where(high_infinite, 0.0, term_high)
            low_sum = np.bincount(rel, low_finite, count)[rel] - low_finite
            high_sum = np.bincount(rel, high_finite, count)[rel] - high_finite
            others_low = np.where(np.bincount(rel, low_infinite, count)[rel] - low_infinite > 0, -np.inf, low_sum)
            others_high = np.where(np.bincount(rel, high_infinite, count)[rel] - high_infinite > 0, np.inf, high_sum)
            value_low = np.where(sign > 0, total - others_high, others_low - total)
            value_high = np.where(sign > 0, total - others_low, others_high - total)
            new_low, new_high = low.copy(), high.copy()
            np.maximum.at(new_low, var, value_low)
            np.minimum.at(new_high, var, value_high)
            if np.array_equal(new_low, low) and np.array_equal(new_high, high):
                break
            low, high = new_low, new_high
        self.last = _Room(self.index, self.cells, low, high)
        return self.last


class _Room:
    """{(period key, cell): (low, high)} over a web's arrays."""

    def __init__(self, index, cells, low, high):
        self.index, self.cells, self.low, self.high = index, cells, low, high

    def __getitem__(self, key):
        i = self.index[key]
        return self.low[i], self.high[i]

    def items(self):
        return ((key, (self.low[i], self.high[i])) for key, i in self.index.items())

    def pinned(self):
        """The counts left a single value, as (period, cell)."""
        return [self.cells[i] for i in np.flatnonzero(self.high - self.low < 1)]

    def pinned_small(self, table):
        """Whether a withheld small count is left a single value."""
        return any(table.status(p, c) != SHOWN and table.sensitive(p, c) for p, c in self.pinned())


def _all_relations(table, closing, cells, part, everything):
    closing_keys = {p.key for p in closing}
    if everything:
        older = [p for p in closing[-1].subtree() if p.key not in closing_keys and (p.key, N) in table.statuses]
    else:
        older = [c for parent in closing[1:] for c in parent.children() if c.key not in closing_keys]
    for period in closing + older:
        if part != N:
            yield from _own_relations(table, period, part, period.key in closing_keys)
    for parent in closing[1:] + ([p for p in older if p.level != "week"] if everything else []):
        children = parent.children()
        for cell in cells:
            if (cell == N) == (part == N) and (cell == N or cell[0] == part):
                yield _Relation([(parent, cell, -1)] + [(child, cell, 1) for child in children], 0, parent,
                                False, parent.key in closing_keys)


def _own_relations(table, period, part, new):
    """A period's relations within one group: its categories add up to N, each sum adds up its
    categories, and sums that do not overlap add up to N with the categories they leave out."""
    total = table.value(period, N)
    categories = table.groups[part]
    yield _Relation([(period, (part, c), 1) for c in categories], total, period, True, new)
    sums = [(cell, parts) for cell, parts in table.sums.items() if cell[0] == part]
    for cell, parts in sums:
        yield _Relation([(period, cell, -1)] + [(period, (part, c), 1) for c in parts], 0, period, True, new)
    covered = [c for _, parts in sums for c in parts]
    if sums and len(covered) == len(set(covered)):
        yield _Relation([(period, cell, 1) for cell, _ in sums] +
                        [(period, (part, c), 1) for c in categories if c not in covered], total, period, True, new)


def _choices(table, relation):
    """The counts a relation may still withhold to repair itself, in order of preference: never
    a zero, which hides nothing. In a period's own relation the smallest shown count first; in
    a parent's, the child closing now before the parent (a parent withheld would have to be
    protected again from its own parent and siblings); "< k" ones after the shown ones."""
    if not relation.new:
        return []
    if relation.own:
        return _by_size(table, relation.members)
    cell = relation.members[0][1]
    pair = (relation.members[-1][0], relation.period)
    return [(p, cell) for p in pair if table.status(p, cell) == SHOWN and table.value(p, cell)] + \
        [(p, cell) for p in pair if table.status(p, cell) == SMALL]


def _by_size(table, members):
    """Shown counts, smallest first, then the "< k" ones: what a relation may still withhold."""
    shown = [(p, c) for p, c, _ in members if table.status(p, c) == SHOWN and table.value(p, c)]
    small = [(p, c) for p, c, _ in members if table.status(p, c) == SMALL]
    return sorted(shown, key=lambda pc: table.value(*pc)) + sorted(small, key=lambda pc: table.value(*pc))


def _repair_one(table, closing, cells, part):
    """Find one relation of this part that leaves a small count a single value and withhold one
    more count in it; False if there is none."""
    web = _web(table, closing, cells, part, everything=_everything(closing))
    room, relations = web.room(), web.relations()
    keep = _to_keep_open(table, relations, room)
    unsafe = [r for r in relations if not r.keys.isdisjoint(keep)]
    own = {}
    for relation in relations:
        if relation.own and relation.new:
            own.setdefault(relation.period.key, []).append(relation)
    # A count pinned by several relations is repaired where a single count can still be
    # withheld; only where none can does a whole period go.
    for relation in unsafe:
        choices = _choices(table, relation)
        for choice in choices:  # the first that gives this relation room, else the first
            local = [relation] + own.get(choice[0].key, [])
            if _hide_if_it_helps(table, local, relation.members, [choice], keep):
                return True
            # A count its own relations give away hides nothing alone: one of them goes too.
            partners = _by_size(table, [m for r in own.get(choice[0].key, []) if choice in [m[:2] for m in r.members]
                                        for m in r.members if m[:2] != choice])
            if any(_hide_if_it_helps(table, local, relation.members, [choice, partner], keep) for partner in partners):
                return True
        if choices:
            table.statuses[(choices[0][0].key, choices[0][1])] = HIDDEN
            return True
    # Everything that may still change is withheld otherwise: the bounds alone pin nothing more.
    return any(_withhold(table, r.period, N) for r in unsafe if r.new)


def _to_keep_open(table, relations, room):
    """The withheld counts that must keep room: every small one, and any withheld count pinned
    in a relation with nothing left to withhold (an older week's own, or one already withheld
    through) that pins a small one there: its room has to come from a relation that still can
    give it some."""
    withheld = [(p, c) for p, c in room.pinned() if table.status(p, c) != SHOWN]
    pinned = {(p.key, c) for p, c in withheld}
    keep = {(p.key, c) for p, c in withheld if table.sensitive(p, c)}
    grown = True
    while grown:
        grown = False
        for relation in relations:
            if not relation.keys.isdisjoint(keep) and not _choices(table, relation):
                more = (relation.keys & pinned) - keep
                if more:
                    keep |= more
                    grown = True
    return keep


def _hide_if_it_helps(table, local, members, chosen, keep):
    """Withhold the chosen counts if these relations then leave the members' counts room."""
    saved = {(p.key, c): table.statuses[(p.key, c)] for p, c in chosen}
    for period, cell in chosen:
        table.statuses[(period.key, cell)] = HIDDEN
    if not _pinned_in(table, members, _room(table, local), keep):
        return True
    table.statuses.update(saved)
    return False


def _pinned_in(table, members, room, keep=None):
    """Whether a withheld small count among the members (or one of `keep`, when given) has a
    single value left in `room`."""
    for period, cell, _ in members:
        low, high = room[(period.key, cell)]
        if high - low < 1 and table.status(period, cell) != SHOWN and \
                ((period.key, cell) in keep if keep is not None else table.sensitive(period, cell)):
            return True
    return False


def _room(table, relations):
    """What a reader can narrow each count to, {(period key, cell): (low, high)}: every relation
    narrows its members from the others' ranges, round after round until none narrows more.

    Interval reasoning sees how relations combine (a score pinned by its band and its group
    together, a week by its block and its quarter); the audit then reasons in whole numbers.
    """
    room = {}
    prepared = []
    for relation in relations:
        keys = []
        for period, cell, sign in relation.members:
            key = (period.key, cell)
            if key not in room:
                room[key] = table.bounds(period, cell)
            keys.append((key, sign))
        prepared.append((keys, relation.total))
    inf = math.inf
    for _round in range(len(relations) + 1):
        narrowed = False
        for keys, total in prepared:
            # sign * count lies in [low, high]; sums leave out the infinite ends, counted apart
            terms = [(-room[key][1], -room[key][0]) if sign < 0 else room[key] for key, sign in keys]
            low_sum = high_sum = 0
            low_infinite = high_infinite = 0
            for low, high in terms:
                if low == -inf:
                    low_infinite += 1
                else:
                    low_sum += low
                if high == inf:
                    high_infinite += 1
                else:
                    high_sum += high
            for (key, sign), (low, high) in zip(keys, terms, strict=True):
                others_low = -inf if low_infinite - (low == -inf) else low_sum - (0 if low == -inf else low)
                others_high = inf if high_infinite - (high == inf) else high_sum - (0 if high == inf else high)
                term_low, term_high = total - others_high, total - others_low
                value_low, value_high = (-term_high, -term_low) if sign < 0 else (term_low, term_high)
                old_low, old_high = room[key]
                if value_low > old_low or value_high < old_high:
                    room[key] = (max(old_low, value_low), min(old_high, value_high))
                    narrowed = True
        if not narrowed:
            break
    return room


def _safe(table, relations):
    """Whether these relations alone leave each small count in them at least two values."""
    room = _room(table, relations)
    return not any(_pinned_in(table, r.members, room) for r in relations)
