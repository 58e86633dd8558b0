"""The perturbation table: how far a published count may lie from the true one, and how often.

A row per true count x gives the chance of each change e, so that x + e is published. The rows
are the maximum-entropy ones of the `ptable` package (Enderle, Giessing, Tent; Destatis) for a
maximum change D = 2 and a variance V = 1: among all tables with changes of at most 2, no
change on average (so sums over many centres stay true) and that variance, the one that says
the least about x. A true 0 stays 0 (nobody gave that answer: it points to nobody). No count
goes below 0, so a true 1 has its own row. The chances are in ten-thousandths and add up to
exactly 10,000 with an average change of exactly 0.

A cell's draw, a number in [0, 1) that only the period, the cell and the answers in it decide,
picks the change: the same answers always get the same change (the cell key method; Thompson,
Broadfoot and Elazar 2013 for ABS TableBuilder; ONS for the 2021 census outputs), drawn apart
for each period and cell (protect.draw says why).
"""

BOUND = 2  # D: no published count is more than this from the true one
_SCALE = 10_000
_ROWS = {
    0: {0: _SCALE},
    1: {-1: 3980, 0: 3059, 1: 1942, 2: 1019},
}
_COMMON = {-2: 638, -1: 2447, 0: 3830, 1: 2447, 2: 638}  # every x from BOUND up


def row(x):
    """{change: chance in ten-thousandths} for a true count x."""
    return _ROWS.get(x, _COMMON)


def change(x, key):
    """The change the perturbation table gives a true count x whose cell key is `key` (0 <= key < 1)."""
    point = int(key * _SCALE)
    passed = 0
    for step, chance in sorted(row(x).items()):
        passed += chance
        if point < passed:
            return step
    raise AssertionError("a row adds up to the scale")


def support(x):
    """Every count a true x may be published as."""
    return range(x + min(row(x)), x + max(row(x)) + 1)


def possible(published):
    """(low, high): every true count that could have been published as this number. A published
    0 may hide a true 1 or 2; anything else was at least 1 (a true 0 stays 0)."""
    if published == 0:
        return 0, BOUND
    return max(1, published - BOUND), published + BOUND
