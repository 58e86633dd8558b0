"""An attacker with everything one reader can see of a centre's year, and integer programming.

The attacker knows every published number and what it means (disclosure.rules.interval): an
exact N, a perturbed count at most 2 from the truth (a published 0 hides 0 to 2, anything else
at least 1), what suppression's "< k" and "–" meant; how counts relate (a field's answers add
up to N in every week, a band adds up its scores, a period adds up its weeks, a multiple
choice's "answered" is at least each option's "chosen" and at most their sum). Whole-number
programming (HiGHS through scipy) then gives every count from 1 to k-1 its least and greatest
possible value; a count with one possible value is learnt.
"""

import math

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from app.disclosure.grid import ANSWERED, CHOSEN, N, UNANSWERED


def learnt(fields, periods_, truth, known, k, seed=0):
    """The counts (period key, cell) from 1 to k-1 that `known` pins to their true value.

    `truth`: {(period key, cell): true count} for every period and cell; `known`:
    {(period key, cell): (low, high)} of what a reader knows (N included).
    """
    found = []
    for field in fields:
        found += _learnt_in(field, periods_, truth, known, k, seed)
    return found


def _learnt_in(field, periods_, truth, known, k, seed):
    weeks = sorted({w for p in periods_ for w in p.week_keys if truth.get((w, N), 0) > 0})
    if not weeks:
        return []
    if field.multiple:
        leaves = [ANSWERED] + list(field.options)
    else:
        leaves = [*field.options, UNANSWERED]
    index = {(w, leaf): i for i, (w, leaf) in enumerate((w, leaf) for w in weeks for leaf in leaves)}
    size = len(index)
    rows, lower, upper = [], [], []

    def add(terms, low, high):
        rows.append(terms)
        lower.append(low)
        upper.append(high)

    def expression(week, cell):
        """(terms, constant): the cell's count in one week, from the leaves."""
        n = truth[(week, N)]
        group, category = cell
        if field.multiple:
            if group == field.name:
                return ([(index[(week, ANSWERED)], 1)], 0) if category == ANSWERED else \
                    ([(index[(week, ANSWERED)], -1)], n)
            option = group.split("=", 1)[1]
            return ([(index[(week, option)], 1)], 0) if category == CHOSEN else ([(index[(week, option)], -1)], n)
        scores = dict(field.bands).get(category)
        return ([(index[(week, s)], 1) for s in scores], 0) if scores else ([(index[(week, category)], 1)], 0)

    for week in weeks:
        n = truth[(week, N)]
        if field.multiple:
            answered = index[(week, ANSWERED)]
            for option in field.options:
                add([(index[(week, option)], 1), (answered, -1)], -math.inf, 0)
            add([(answered, 1)] + [(index[(week, o)], -1) for o in field.options], -math.inf, 0)
        else:
            add([(index[(week, leaf)], 1) for leaf in leaves], n, n)
    targets = []
    for period in periods_:
        live = [w for w in period.week_keys if w in set(weeks)]
        for cell in field.cells:
            terms, constant = [], 0
            for week in live:
                t, c = expression(week, cell)
                terms += t
                constant += c
            if not terms:
                continue
            low, high = known.get((period.key, cell), (0, math.inf))
            if low > 0 or high < math.inf:
                add(terms, low - constant, high - constant)
            if 0 < truth[(period.key, cell)] < k:
                targets.append(((period.key, cell), terms, constant))
    if not targets:
        return []
    matrix = lil_matrix((len(rows), size))
    for r, terms in enumerate(rows):
        for i, value in terms:
            matrix[r, i] += value
    constraints = LinearConstraint(matrix.tocsr(), lower, upper)
    upper_bounds = np.array([truth[(w, N)] for w in weeks for _ in leaves], dtype=float)
    bounds = Bounds(np.zeros(size), upper_bounds)

    def solve(objective):
        solved = milp(objective, constraints=constraints, integrality=np.ones(size), bounds=bounds)
        assert solved.status == 0, solved.message
        return np.round(solved.x)

    def value_of(solution, terms, constant):
        return constant + sum(solution[i] * v for i, v in terms)

    open_ = list(targets)
    rng = np.random.default_rng(seed)
    for _ in range(4):  # solutions pushing many targets at once settle most of them
        if not open_:
            break
        objective = np.zeros(size)
        for _, terms, _c in open_:
            sign = rng.choice([-1.0, 1.0])
            for i, v in terms:
                objective[i] += sign * v
        solution = solve(objective)
        open_ = [t for t in open_ if value_of(solution, t[1], t[2]) == truth[t[0]]]
    pinned = []
    for key, terms, constant in open_:
        objective = np.zeros(size)
        for i, v in terms:
            objective[i] += v
        low = value_of(solve(objective), terms, constant)
        high = value_of(solve(-objective), terms, constant)
        if low == high:
            pinned.append(key)
    return pinned
