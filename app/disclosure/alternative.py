"""Other answers that fit everything published, found by whole-number programming (HiGHS).

Only for periods closing over ones decided by cell suppression: there a small count may have
been protected by other answers changing in several weeks at once, which no witness of one or
two changed answers finds. A table of answers per week that fits every number published before,
leaves every number the closing periods publish where it is, and gives the count another value
is as good a witness: nothing that is published, or will be, can tell it from the true one.
"""

import math
import os
import sys
import threading

import highspy
import numpy as np

from .grid import ANSWERED, CHOSEN, UNANSWERED


def movable(decision, field, targets, slack=0):
    """{target: what it asks of the closing periods} for the targets [(period, cell)] some such
    table gives another value. With `slack` 1 the table may also move a closing period's
    perturbed count by one, and that step is what the target asks: the number published there
    must leave it possible (protect._Field.keeping)."""
    program = _Program(decision, field, slack)
    if program.size == 0:
        return {}
    forms = [program.form(period, cell) for period, cell in targets]
    truth = [decision.value(period.key, cell) for period, cell in targets]
    found = {}

    def take(point):
        for target, form, true in zip(targets, forms, truth, strict=True):
            if target not in found and point is not None and round(form[0] @ point + form[1]) != true:
                found[target] = program.steps(point)

    rng = np.random.default_rng(len(targets))  # the same answers, the same search
    for _ in range(3):  # points pushed many ways at once settle most targets together
        take(program.solve(sum(rng.choice((-1.0, 1.0)) * form[0] for form in forms)))
    for target, form in zip(targets, forms, strict=True):
        for sign in (1.0, -1.0):
            if target not in found:
                take(program.solve(sign * form[0]))
    return found


class _Program:
    """One field's answers per week, under the closing periods, as whole-number unknowns."""

    def __init__(self, decision, field, slack):
        self.d, self.field = decision, field
        self.closing = []  # ((period key, cell), form, true count) of each closing perturbed count
        self.leaves = [ANSWERED, *field.options] if field.multiple else [*field.options, UNANSWERED]
        weeks = [p for p in decision.periods if p.level == "week" and decision.value(p.key, "N")]
        self.index = {(week.key, leaf): i for i, (week, leaf) in
                      enumerate((w, leaf) for w in weeks for leaf in self.leaves)}
        self.size = len(self.index)
        self.weeks = {w.key for w in weeks}
        rows = []
        for week in weeks:
            n = decision.value(week.key, "N")
            if field.multiple:
                answered = self.index[(week.key, ANSWERED)]
                for option in field.options:  # each option's chosen is at most those who answered,
                    rows.append(({self.index[(week.key, option)]: 1.0, answered: -1.0}, -math.inf, 0))
                rows.append(({answered: 1.0, **{self.index[(week.key, o)]: -1.0 for o in field.options}},
                             -math.inf, 0))  # and they chose one at least
            else:
                rows.append(({self.index[(week.key, leaf)]: 1.0 for leaf in self.leaves}, n, n))
        for period in decision.periods:
            closing = period.key in decision.closing_keys
            for cell in field.cells:
                terms, constant = self.form_of(period, cell)
                if not terms:
                    continue
                if closing:
                    if decision.result.get((period.key, cell), (None,))[0] != "perturbed":
                        continue
                    true = decision.value(period.key, cell)  # what it publishes stays true, or one off
                    low, high = max(0, true - slack), true + slack
                    self.closing.append(((period.key, cell), (terms, constant), true))
                    if slack == math.inf:
                        continue
                else:
                    low, high = decision.published(period, cell)
                if low > 0 or high < math.inf:
                    rows.append((terms, low - constant, high - constant))
        self.highs = _highs()
        self.highs.clearModel()
        upper_bounds = [decision.value(week, "N") for week, _leaf in self.index]
        self.highs.addVars(self.size, np.zeros(self.size), np.array(upper_bounds, dtype=float))
        for terms, low, high in rows:
            indices = np.array(list(terms), dtype=np.int32)
            self.highs.addRow(_finite(low), _finite(high), len(indices), indices,
                              np.array(list(terms.values()), dtype=float))
        self.highs.changeColsIntegrality(self.size, np.arange(self.size, dtype=np.int32),
                                         np.full(self.size, highspy.HighsVarType.kInteger))
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)

    def form_of(self, period, cell):
        """({unknown: coefficient}, constant): the cell's count in `period`."""
        terms, constant = {}, 0
        group, category = cell
        for week in period.week_keys:
            if week not in self.weeks:
                continue
            n = self.d.value(week, "N")
            if self.field.multiple:
                leaf = ANSWERED if group == self.field.name else group.split("=", 1)[1]
                sign = 1.0 if category in (ANSWERED, CHOSEN) else -1.0
                terms[self.index[(week, leaf)]] = terms.get(self.index[(week, leaf)], 0.0) + sign
                constant += 0 if sign > 0 else n
            else:
                for leaf in dict(self.field.bands).get(category, (category,)):
                    terms[self.index[(week, leaf)]] = terms.get(self.index[(week, leaf)], 0.0) + 1.0
        return terms, constant

    def form(self, period, cell):
        terms, constant = self.form_of(period, cell)
        vector = np.zeros(self.size)
        for i, value in terms.items():
            vector[i] = value
        return vector, constant

    def steps(self, point):
        """[((period key, cell), step)]: how the point moves each closing count it moves."""
        found = []
        for place, (terms, constant), true in self.closing:
            step = round(sum(point[i] * c for i, c in terms.items()) + constant) - true
            if step:
                found.append((place, step))
        return found

    def solve(self, objective):
        """A whole-number point where objective·x is greatest, or None when there is none."""
        self.highs.changeColsCost(self.size, np.arange(self.size, dtype=np.int32), np.asarray(objective, dtype=float))
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return np.round(np.array(self.highs.getSolution().col_value))


def _finite(value):
    return highspy.kHighsInf if value == math.inf else -highspy.kHighsInf if value == -math.inf else float(value)


_GREETING = threading.Lock()
_greeted = []


def _highs():
    """A HiGHS of its own (a server decides in several threads at once). HiGHS greets stdout
    from C the first time; a server's log and a command's output have no use for that, so that
    once it goes to /dev/null."""
    with _GREETING:
        if not _greeted:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "wb") as devnull:
                    os.dup2(devnull.fileno(), 1)
                    highspy.Highs().setOptionValue("output_flag", False)
                    _greeted.append(True)
            finally:
                os.dup2(saved, 1)
                os.close(saved)
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs
