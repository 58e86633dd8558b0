"""Which national figures may be shown: primary and complementary suppression over the groups.

The hub sums the counts centres show themselves, for all centres and for each group of centres
(organisation form, municipality type). A count from 1 to k-1 never reaches it, so what it
protects is the centres: no figure may let a reader single out what the answers of one or two
centres were (with two, each could take its own away and read the other's). That is the
minimum-number-of-contributors rule of statistical disclosure control (docs/disclosure-control.md):

1. Primary: a figure whose count (not a zero) comes from one or two centres is withheld.
2. Complementary: groups add up to all centres twice over (by organisation form, and by
   municipality type), and a question's answers add up to its base. An audit solves, in whole
   numbers, what every withheld figure, every answer nobody prints ("not answered", "not
   chosen"), and every part of a group that one or two centres make up (a municipality type
   within an organisation form) can still be, given everything shown; while one that comes from
   one or two centres has a single value, one more figure beside it is withheld.
3. Release: every figure withheld in step 2 is tried again and shown when the audit allows.

Each set of figures that shares a base (one question: the centres that showed it in full) is
decided on its own: its figures rest on centres the other sets' figures need not.
"""

from dataclasses import dataclass

import numpy as np

from .suppression import CEILING, _pinned_targets, _Program

MIN_CENTRES = 3
SHOWN, WITHHELD = "shown", "withheld"
BASE = "base"  # the answers of the centres a set of figures rests on: the denominator of its shares


@dataclass(frozen=True)
class FigureSet:
    """Figures that share one base. `published`: the categories printed; `groups`: lists of
    categories (printed or not) that add up to the base."""

    name: str
    published: tuple
    groups: tuple


@dataclass(frozen=True)
class Centre:
    """What one centre contributes to a set: its answers and a count per category, and where it is."""

    id: str
    groups: tuple  # the groups it belongs to besides all centres: (("org-form", "municipal"), ...)
    base: int
    counts: dict
    k: int


def decide(figure_set, centres, groups):
    """{(group, cell): (status, value)} for every group (all centres, and each of `groups`, a
    list of (grouping, name) pairs) and cell (BASE and each published category)."""
    problem = _Problem(figure_set, centres, ["all", *groups])
    problem.primary()
    # The audit in whole numbers first without what a reader knows of each centre's count (0 or
    # at least its k): linear programs, quick. Then once with it: that rarely finds more.
    problem.complementary(switches=False)
    problem.release()
    problem.complementary(switches=True)
    return {(g, cell): (problem.status[(g, cell)], problem.value(g, cell)) for g in problem.groups
            for cell in problem.cells}


class _Problem:
    def __init__(self, figure_set, centres, groups):
        self.set, self.centres, self.groups = figure_set, centres, groups
        self.cells = [BASE, *figure_set.published]
        self.categories = sorted({c for group in figure_set.groups for c in group})
        # The parts: centres alike in every grouping. A reader who knows the register knows
        # which centres each part holds, so a part with none is a known zero.
        self.parts = {}
        for centre in centres:
            self.parts.setdefault(centre.groups, []).append(centre)
        self.keys = list(self.parts)
        self.status = {}
        self.complements = set()

    def members(self, group):
        return [i for i, key in enumerate(self.keys) if group == "all" or group in key]

    def contributors(self, parts, cell):
        return sum(1 for i in parts for c in self.parts[self.keys[i]] if self._count(c, cell))

    def _count(self, centre, cell):
        return centre.base if cell == BASE else centre.counts[cell]

    def value(self, group, cell):
        return sum(self._count(c, cell) for i in self.members(group) for c in self.parts[self.keys[i]])

    def sensitive(self, parts, cell):
        return 0 < self.contributors(parts, cell) < MIN_CENTRES

    def primary(self):
        for group in self.groups:
            for cell in self.cells:
                self.status[(group, cell)] = WITHHELD if self.sensitive(self.members(group), cell) else SHOWN

    def complementary(self, switches):
        while pinned := self.audit(switches=switches):
            target = next(iter(pinned))
            for candidate in self.candidates(target):
                self.status[candidate] = WITHHELD
                if not self.audit([target], switches=switches):
                    self.complements.add(candidate)
                    break
                self.status[candidate] = SHOWN
            else:
                candidates = self.candidates(target) or [  # else anything not 0: zeros alone pin nothing
                    (g, c) for g in self.groups for c in self.cells if self.status[(g, c)] == SHOWN and self.value(g, c)]
                self.status[candidates[0]] = WITHHELD
                self.complements.add(candidates[0])

    def candidates(self, target):
        """Shown figures a pinned one is worked out from: of its category's group (or any, for
        a base); groups before all centres, smaller before larger."""
        category = target[1]
        related = {BASE} | {c for group in self.set.groups if category in group for c in group} \
            if category != BASE else set(self.cells)
        found = [(group, cell) for group in self.groups for cell in self.cells
                 if self.status[(group, cell)] == SHOWN and cell in related and self.value(group, cell)]
        return sorted(found, key=lambda gc: (gc[0] == "all", self.value(*gc)))

    def release(self):
        for figure in sorted(self.complements, key=lambda gc: -self.value(*gc)):
            self.status[figure] = SHOWN
            if self.audit(switches=False):
                self.status[figure] = WITHHELD

    def audit(self, only=None, switches=True):
        """Targets (parts, cell) a reader can pin (of `only`, when given): withheld figures,
        the categories nobody prints, and single parts, wherever one or two centres make them up."""
        columns = {(i, cell): n for n, (i, cell) in enumerate(
            (i, cell) for i in range(len(self.keys)) for cell in [BASE, *self.categories])}
        size = len(columns)
        rows, lower, upper = [], [], []
        for i in range(len(self.keys)):
            for group in self.set.groups:  # within a part, each group of categories adds up to its base
                rows.append(([columns[(i, BASE)]] + [columns[(i, c)] for c in group], [-1.0] + [1.0] * len(group)))
                lower.append(0)
                upper.append(0)
        for group in self.groups:
            for cell in self.cells:
                if self.status[(group, cell)] == SHOWN:
                    indices = [columns[(i, cell)] for i in self.members(group)]
                    rows.append((indices, [1.0] * len(indices)))
                    value = self.value(group, cell)
                    lower.append(value)
                    upper.append(value)
        # A centre's count is 0 or at least its k: a part's is 0 or at least the smallest k in
        # it. A whole-number switch per unknown says which (count <= CEILING * on, >= k * on).
        on = {}
        for (i, _), n in columns.items() if switches else ():
            k = min(c.k for c in self.parts[self.keys[i]])
            switch = size + len(on)
            on[n] = switch
            rows.append(([n, switch], [1.0, -float(CEILING)]))
            lower.append(-np.inf)
            upper.append(0)
            rows.append(([n, switch], [1.0, -float(k)]))
            lower.append(0)
            upper.append(np.inf)
            rows.append(([switch], [1.0]))
            lower.append(-np.inf)
            upper.append(1)
        program = _Program(size + len(on), rows, lower, upper)
        targets, forms = [], []
        for parts, cell in self._targets() if only is None else only:
            form = np.zeros(size + len(on))
            form[[columns[(i, cell)] for i in parts]] = 1
            targets.append((parts, cell))
            forms.append(form)
        if not targets:
            return set()
        real = {(parts, cell): sum(self._count(c, cell) for i in parts for c in self.parts[self.keys[i]])
                for parts, cell in targets}
        return _pinned_targets(_Real(real), targets, np.array(forms), program)

    def _targets(self):
        found = []
        for group in self.groups:
            parts = tuple(self.members(group))
            for cell in [BASE, *self.categories]:
                printed = cell in self.cells and self.status[(group, cell)] == SHOWN
                if not printed and self.sensitive(parts, cell):
                    found.append((parts, cell))
        for i in range(len(self.keys)):
            for cell in [BASE, *self.categories]:
                if self.sensitive([i], cell) and ((i,), cell) not in found:
                    found.append(((i,), cell))
        return found


class _Real:
    """What _pinned_targets asks of a table, for the hub's targets: their true values, and no
    bounds a reader knows beyond whole numbers."""

    def __init__(self, values):
        self.values = values

    def value(self, parts, cell):
        return self.values[(parts, cell)]

    @staticmethod
    def bounds(parts, cell):
        return 0, np.inf
