"""What a published count tells a reader, under each rule a period was ever decided by.

    rule 3 (now)  N exact ("shown"); every other count "perturbed": at most ptable.BOUND from
                  the truth, a published 0 meaning 0 to 2 and anything more meaning at least 1;
                  "hidden": not published (the reader learns nothing of it)
    rule 2        cell suppression: "shown" exact (0, or k and more), "small" 1..k-1,
                  "hidden" at least 1
    rule 1        cell suppression before zeros were shown: "small" 0..k-1, "hidden" k or more

Under rules 1 and 2 a period whose N was not shown published nothing else. A cell a period never
published (a question added since) tells nothing either.
"""

import math

from . import ptable
from .grid import N

SHOWN, SMALL, HIDDEN, PERTURBED = "shown", "small", "hidden", "perturbed"
ZEROS_SMALL, SUPPRESSED, PERTURBATION = 1, 2, 3
RULE = PERTURBATION  # how periods are decided now
EVERYTHING = (0, math.inf)


def interval(status, value, rule, k):
    """(low, high): every true count a cell published this way may hold."""
    if status is None:
        return EVERYTHING
    if status == SHOWN:
        return value, value
    if status == PERTURBED:
        return ptable.possible(value)
    if status == SMALL:
        return (0, k - 1) if rule == ZEROS_SMALL else (1, k - 1)
    if rule == ZEROS_SMALL:
        return k, math.inf
    return (1, math.inf) if rule == SUPPRESSED else EVERYTHING


class Published:
    """What earlier periods published, as a reader knows it: (period, cell) -> (low, high).

    `decisions` maps (period key, cell) to (status, value); `rules` a period key to its rule."""

    def __init__(self, decisions, rules, k):
        self.decisions, self.rules, self.k = decisions, rules, k

    def __call__(self, period, cell):
        rule = self.rules.get(period.key, RULE)
        if cell != N and rule < PERTURBATION and self.decisions.get((period.key, N), (None,))[0] != SHOWN:
            return EVERYTHING
        status, value = self.decisions.get((period.key, cell), (None, None))
        return interval(status, value, rule, self.k)


class Count:
    """One number as it may be printed: `value` only where a number is published; `exact` only
    where that number is the true count."""

    __slots__ = ("status", "value", "k")

    def __init__(self, status, value, k):
        self.status, self.value, self.k = status, value, k

    @property
    def shown(self):
        """Whether a number is printed (exact, or perturbed)."""
        return self.status in (SHOWN, PERTURBED)

    @property
    def exact(self):
        return self.status == SHOWN

    def __eq__(self, other):
        return isinstance(other, Count) and (self.status, self.value, self.k) == (other.status, other.value, other.k)

    def __repr__(self):
        return f"Count({self.status!r}, {self.value!r}, {self.k!r})"
