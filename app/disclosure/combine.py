"""The hub's figures: the centres' published counts summed, for all centres and per group.

A centre publishes only protected counts (protect.py), and answers at one centre say nothing
of answers at another, so a sum of published counts gives no person away, however the sums are
combined: all centres less one group, a centre joining or leaving, a year sent again. What the
hub adds is for the centres: a figure that rests on fewer than MIN_CENTRES centres is not
shown, so that no published figure is plainly one or two centres' own. (It can still be worked
out, all centres less the other groups: it is then figures those centres publish themselves.)

A figure rests on every centre that sent it: for a question, the centres that sent a number for
each of its answers; its base is the sum of their answers, printed beside it.
"""

from dataclasses import dataclass

MIN_CENTRES = 3
SHOWN, WITHHELD = "shown", "withheld"


@dataclass(frozen=True)
class Sent:
    """What one centre sent for one set of figures (a question, or the importance bands)."""

    centre: str
    groups: tuple  # the groups it is in besides all centres: (("org-form", "municipal"), ...)
    answers: int  # its answers in the period: the share of its counts
    counts: dict  # {answer: the number it published}
    exact: bool  # every count the true one (a period decided by cell suppression)


@dataclass(frozen=True)
class Figures:
    """A set of figures for one group: its base and, when shown, a count per answer."""

    status: str
    centres: int  # how many centres it rests on
    answers: int  # their answers: the base of its shares
    counts: dict  # {answer: sum}; empty when withheld
    exact: bool


def combine(sent, answers, group="all"):
    """The figures of `group` ("all" or a (grouping, name) pair) from what the centres sent for
    one set; `answers` the categories it prints."""
    within = [s for s in sent if group == "all" or group in s.groups]
    base = sum(s.answers for s in within)
    if len(within) < MIN_CENTRES:
        return Figures(WITHHELD, len(within), base, {}, False)
    counts = {answer: sum(s.counts[answer] for s in within) for answer in answers}
    return Figures(SHOWN, len(within), base, counts, all(s.exact for s in within))
