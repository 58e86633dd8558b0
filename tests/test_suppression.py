"""Cell suppression, attacked both ways: no small count may be worked out from what is shown,
and no figure may be withheld that no attack needs.

The attacker knows every shown count, that a "< k" cell lies in 1..k-1 (0..k-1 in a period
decided before zeros were shown), that a withheld one ("–") is at least k, that a period whose
N is withheld tells nothing else, and how the counts relate: a group's categories add up to N,
a sum adds up its categories, a period adds up its children. Integer linear programming then
finds the least and the greatest value every withheld small count (1..k-1) can have; each must
have at least two. And for every figure withheld to protect another, showing it must give some
small count away; otherwise it was withheld without cause.
"""

import itertools
import math
import random

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from app import periods
from app.suppression import HIDDEN, N, SHOWN, SMALL, Table, closing_order, decide

GROUPS = {"frequency": ["daily", "weekly", "rarely", "unanswered"], "meal": ["chosen", "not_chosen"]}
Q1_WEEKS = [periods.Period(2026, "week", w) for w in range(1, 14)]


def build_table(k, weekly_n, splits, weeks=Q1_WEEKS, sums=None):
    table = Table(k=k, groups=GROUPS, weeks=cut_weeks(weekly_n, splits, weeks, sums or {}), sums=sums or {})
    for closing in closing_order(weeks):
        decide(table, closing)
    return table


def cut_weeks(weekly_n, splits, weeks=Q1_WEEKS, sums=None):
    result = {}
    for period, n, split in zip(weeks, weekly_n, splits, strict=True):
        counts = {N: n}
        for group, categories in GROUPS.items():  # cut the n answers into the categories
            edges = [0, *sorted(min(n, x) for x in split[group][:len(categories) - 1]), n]
            for i, category in enumerate(categories):
                counts[(group, category)] = edges[i + 1] - edges[i]
        for cell, parts in (sums or {}).items():
            counts[cell] = sum(counts[(cell[0], c)] for c in parts)
        result[period.key] = counts
    return result


def published_periods(weeks=Q1_WEEKS):
    seen = []
    for closing in closing_order(weeks):
        seen += closing
    return seen


def publication(table, weeks=Q1_WEEKS, shown=None):
    """What a reader knows of every published cell: {(period, cell): (low, high)}.

    `shown` maps (period key, cell) to the numbers a reader sees printed; by default every cell
    the engine shows. A cell the engine shows but nothing prints is left out: the attacker
    works it out from the relations if it can.
    """
    known = {}
    for period in published_periods(weeks):
        for cell in table.cells():
            if table.status(period, cell) == SHOWN and shown is not None:
                if (period.key, cell) in shown and (cell == N or table.status(period, N) == SHOWN):
                    known[(period, cell)] = (shown[(period.key, cell)],) * 2
                continue
            known[(period, cell)] = table.bounds(period, cell)
    return known


def targets_of(table, weeks=Q1_WEEKS):
    """Every count from 1 to k-1 that is not shown: what must stay secret."""
    return [(p, cell) for p in published_periods(weeks) for cell in table.cells()
            if table.status(p, cell) != SHOWN and 0 < table.value(p, cell) < table.k]


def attack(table, known, targets, weeks=Q1_WEEKS, seed=0, first_only=False):
    """The targets the attacker can pin to one value, by integer programming, given `known`.

    A target is safe once one integer solution of everything known gives it a value other than
    the true one. Solutions that push many open targets up or down at random settle most of
    them at once; the rest get their own least and greatest value.
    """
    week_keys = [p.key for p in weeks]
    leaves = [N] + [(g, c) for g, categories in table.groups.items() for c in categories]
    index = {(cell, w): i for i, (cell, w) in enumerate(itertools.product(leaves, week_keys))}
    size = len(index)
    rows, lower, upper = [], [], []

    def columns(period, cell):
        parts = [(cell[0], c) for c in table.sums[cell]] if cell in table.sums else [cell]
        return [index[(part, w)] for part in parts for w in period.week_keys]

    def add(cols, low, high):
        rows.append(cols)
        lower.append(low)
        upper.append(high)

    for w in week_keys:
        for group, categories in table.groups.items():
            add([(index[(N, w)], -1)] + [(index[((group, c), w)], 1) for c in categories], 0, 0)
    for (period, cell), (low, high) in known.items():
        if low > 0 or high < math.inf:
            add([(i, 1) for i in columns(period, cell)], low, high)
    matrix = lil_matrix((len(rows), size))
    for r, cols in enumerate(rows):
        for i, value in cols:
            matrix[r, i] += value
    constraints = LinearConstraint(matrix.tocsr(), lower, upper)

    def solve(objective):
        solved = milp(objective, constraints=constraints, integrality=np.ones(size), bounds=Bounds(0, 10_000))
        assert solved.status == 0, solved.message
        return np.round(solved.x)

    open_targets = {(p.key, cell): (columns(p, cell), table.value(p, cell)) for p, cell in targets}
    rng = random.Random(seed)
    for _ in range(40):
        if not open_targets:
            break
        objective = np.zeros(size)
        for cols, _ in open_targets.values():
            objective[cols] += rng.choice((-1, 1))
        x = solve(objective)
        open_targets = {key: t for key, t in open_targets.items() if x[t[0]].sum() == t[1]}
    exposed = []
    for key, (cols, truth) in open_targets.items():
        objective = np.zeros(size)
        objective[cols] = 1
        if solve(objective)[cols].sum() == truth and solve(-objective)[cols].sum() == truth:
            exposed.append((key, truth))
            if first_only:
                break
    return exposed


def assert_protected(table, weeks=Q1_WEEKS, shown=None):
    exposed = attack(table, publication(table, weeks, shown), targets_of(table, weeks), weeks)
    assert not exposed, f"worked out: {exposed[:5]}"


def withheld_without_cause(table, weeks=Q1_WEEKS, sample=None, seed=0):
    """The withheld figures that give no small count away when shown.

    Showing a withheld count tells its value; showing a withheld period tells its N, its zeros
    and which counts are "< k", as the least a shown period prints.
    """
    known = publication(table, weeks)
    targets = targets_of(table, weeks)
    withheld = [(p, cell) for p in published_periods(weeks) for cell in table.cells()
                if table.status(p, cell) == HIDDEN and (cell == N or table.status(p, N) == SHOWN)]
    if sample is not None and len(withheld) > sample:
        withheld = random.Random(seed).sample(withheld, sample)
    causeless = []
    for period, cell in withheld:
        revealed = dict(known)
        cells = table.cells() if cell == N else [cell]
        for c in cells:
            value = table.value(period, c)
            revealed[(period, c)] = (value, value) if c == cell or value == 0 else \
                (1, table.k - 1) if value < table.k else (table.k, math.inf)
        if not attack(table, revealed, targets, weeks, first_only=True):
            causeless.append((period.key, cell))
    return causeless


def assert_needed(table, weeks=Q1_WEEKS, sample=None):
    causeless = withheld_without_cause(table, weeks, sample)
    assert not causeless, f"withheld without cause: {causeless[:5]}"


def check_consistent(table):
    for (key, cell), status in table.statuses.items():
        period = periods.parse(key)
        value = table.value(period, cell)
        if table.status(period, N) == SHOWN:
            assert status != SMALL or 0 < value < table.k  # "< k" is said of a small count only
            assert status != SHOWN or not 0 < value < table.k  # and a small count is never shown
            assert status == SHOWN or value != 0  # a zero is never withheld
        else:
            assert status != SHOWN  # a period without its N shows nothing


splits = st.fixed_dictionaries({g: st.lists(st.integers(0, 30), min_size=len(c), max_size=len(c))
                                for g, c in GROUPS.items()})


SUMS = {("frequency", "often"): ["daily", "weekly"]}  # a sum published beside its categories, like a band


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(k=st.integers(3, 5),
       weekly_n=st.lists(st.integers(0, 14), min_size=13, max_size=13),
       splits=st.lists(splits, min_size=13, max_size=13),
       with_sums=st.booleans())
@example(k=5, weekly_n=[0] * 12 + [183], splits=[{"frequency": [1, 2, 3], "meal": [0]}] * 13, with_sums=True)
def test_no_small_count_can_be_worked_out_and_nothing_is_withheld_without_cause(k, weekly_n, splits, with_sums):
    table = build_table(k, weekly_n, splits, sums=SUMS if with_sums else None)
    check_consistent(table)
    assert_protected(table)
    assert_needed(table)


def test_one_small_week_among_big_ones_is_protected_by_withholding_a_closing_one():
    table = build_table(5, [20, 3, 20, 20] + [20] * 9, [{"frequency": [8, 12, 20], "meal": [10]}] * 13)
    block = periods.parse("2026-B01")
    assert table.status(periods.parse("2026-W02"), N) == SMALL
    # Week 4 closes with its block: withholding it keeps week 2 secret, and the block is shown.
    assert table.status(periods.parse("2026-W04"), N) == HIDDEN
    assert table.status(block, N) == SHOWN
    assert table.status(periods.parse("2026-W01"), N) == SHOWN
    assert_protected(table)
    assert_needed(table)


def test_a_centre_whose_weeks_are_all_small_still_shows_its_quarter():
    table = build_table(5, [2] * 13, [{"frequency": [1, 2, 2], "meal": [1]}] * 13)
    assert all(table.status(week, N) == SMALL for week in Q1_WEEKS)
    assert table.status(periods.parse("2026-Q1"), N) == SHOWN
    assert table.value(periods.parse("2026-Q1"), N) == 26
    assert_protected(table)
    assert_needed(table)


def test_big_weeks_show_everything():
    table = build_table(5, [40] * 13, [{"frequency": [10, 20, 30], "meal": [20]}] * 13)
    assert set(table.statuses.values()) == {SHOWN}


def test_zeros_are_shown_and_a_busy_week_among_empty_ones_shows_whole():
    # A survey drive: 183 answers in the quarter's last week, nobody before; nobody skipped "meal".
    table = build_table(5, [0] * 12 + [183], [{"frequency": [40, 100, 183], "meal": [183]}] * 13, sums=SUMS)
    drive = periods.parse("2026-W13")
    assert table.status(drive, N) == SHOWN and table.value(drive, N) == 183
    for period in (drive, periods.parse("2026-B03"), periods.parse("2026-Q1")):
        assert all(table.status(period, cell) == SHOWN for cell in table.cells()), period
    assert table.value(drive, ("frequency", "unanswered")) == 0 and table.value(drive, ("meal", "not_chosen")) == 0
    assert all(table.status(week, N) == SHOWN and table.value(week, N) == 0 for week in Q1_WEEKS[:12])
    assert set(table.statuses.values()) == {SHOWN}


def test_a_zero_is_never_withheld_to_protect_a_small_count():
    # 6 answers: 5 daily and 1 weekly. Showing the 5 would give the 1 away; the zeros say nothing.
    table = build_table(5, [6] + [0] * 12, [{"frequency": [5, 6, 6], "meal": [6]}] * 13)
    week = periods.parse("2026-W01")
    assert [table.status(week, ("frequency", c)) for c in GROUPS["frequency"]] == [HIDDEN, SMALL, SHOWN, SHOWN]
    assert table.status(week, N) == SHOWN and table.status(week, ("meal", "not_chosen")) == SHOWN
    check_consistent(table)
    assert_protected(table)
    assert_needed(table)


def test_a_complement_is_the_smallest_count_that_alone_leaves_room():
    # 1 weekly among 30 daily and 6 rarely: withholding the 6 leaves the 1 room (the two add up
    # to 7, each at least 1), so nothing beside it is withheld, and not the 30.
    table = build_table(5, [37] + [0] * 12, [{"frequency": [30, 31, 37], "meal": [37]}] * 13)
    week = periods.parse("2026-W01")
    assert [table.status(week, ("frequency", c)) for c in GROUPS["frequency"]] == [SHOWN, SMALL, HIDDEN, SHOWN]
    assert_protected(table)
    assert_needed(table)


def test_a_suppression_that_hides_everything_fails_the_test():
    table = build_table(5, [20, 3] + [20] * 11, [{"frequency": [8, 12, 20], "meal": [10]}] * 13)
    assert_needed(table)
    for key, status in list(table.statuses.items()):
        if status == SHOWN and table.value(periods.parse(key[0]), key[1]):
            table.statuses[key] = HIDDEN
    causeless = withheld_without_cause(table)
    assert ("2026-Q1", N) in causeless and ("2026-W03", N) in causeless


def test_a_period_decided_before_zeros_were_shown_keeps_its_pattern_and_its_meaning():
    from app.suppression import ZEROS_SMALL

    weekly_n = [0, 0, 3, 9, 0, 12, 0, 7, 20, 0, 2, 30, 5]
    splits_ = [{"frequency": [1, 2, 3], "meal": [2]}] * 13
    table = Table(k=5, groups=GROUPS, weeks=cut_weeks(weekly_n, splits_))
    for closing in closing_order(Q1_WEEKS[:8]):  # weeks 1-8 were decided under the old rule:
        decide(table, closing)  # there a zero was "< k" too
        for period in closing:
            table.rules[period.key] = ZEROS_SMALL
            for cell in table.cells():
                if table.value(period, cell) == 0 and table.status(period, N) == SHOWN and cell != N:
                    table.statuses[(period.key, cell)] = SMALL
                elif table.value(period, cell) == 0 and cell == N:
                    table.statuses[(period.key, cell)] = SMALL
    old = dict(table.statuses)
    for closing in closing_order(Q1_WEEKS[8:]):
        decide(table, closing)
    assert {key: table.statuses[key] for key in old} == old  # what was published stays
    assert table.bounds(periods.parse("2026-W01"), N) == (0, 4)  # "< 5" meant 0..4 then
    assert table.status(periods.parse("2026-W10"), N) == SHOWN and table.value(periods.parse("2026-W10"), N) == 0
    assert_protected(table)


def test_the_attack_finds_what_primary_suppression_alone_gives_away():
    table = build_table(5, [20, 3] + [20] * 11, [{"frequency": [8, 12, 20], "meal": [10]}] * 13)
    naive = Table(k=5, groups=table.groups, weeks=table.weeks)
    for period in published_periods():
        for cell in naive.cells():
            naive.statuses[(period.key, cell)] = SMALL if naive.sensitive(period, cell) else SHOWN
    exposed = dict(attack(naive, publication(naive), targets_of(naive)))
    assert exposed[("2026-W02", N)] == 3  # the block minus its shown weeks


# --- what staff see, attacked over a whole year of the real question set ---------------------

def random_weeks(question_set, weeks, rng, size):
    """Counts for random answers: up to `size` a week, each question skipped one time in five."""
    from app import figures

    result = {}
    for period in weeks:
        raw = {"N": 0, "options": {}, "answered": {}}
        for _ in range(rng.randint(0, size)):
            raw["N"] += 1
            for field in question_set.fields():
                if field.kind == "text" or rng.random() < 0.2:
                    continue
                chosen = rng.sample(field.options, rng.randint(1, 3) if field.multiple else 1)
                raw["answered"][field.name] = raw["answered"].get(field.name, 0) + 1
                for option in chosen:
                    key = (field.name, option.id)
                    raw["options"][key] = raw["options"].get(key, 0) + 1
        result[period.key] = figures._week_cells(raw, question_set)
    return result


def printed_numbers(table, weeks, question_set):
    """Every number the summary pages and files print for every period of the grid, by cell."""
    from app import figures

    printed = {}
    for period in published_periods(weeks):
        result = figures.period_figures(table, period, question_set)
        if result["total"].shown:
            printed[(period.key, N)] = result["total"].value
        for item in result["fields"]:
            field, answered = item["field"], item["answered"]
            if answered.shown and field.multiple:
                printed[(period.key, (field.name, figures.ANSWERED))] = answered.value
            elif answered.shown:
                printed[(period.key, (field.name, figures.UNANSWERED))] = result["total"].value - answered.value
            for row in item["rows"]:
                if row["count"].shown:
                    cell = (f"{field.name}={row['option'].id}", figures.CHOSEN) if field.multiple \
                        else (field.name, row["option"].id)
                    printed[(period.key, cell)] = row["count"].value
            for band in item["bands"] or []:
                if band["count"].shown:
                    printed[(period.key, (field.name, band["id"]))] = band["count"].value
    return printed


YEAR_2026 = [periods.Period(2026, "week", w) for w in periods.Period(2026, "year", 0).weeks]


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), size=st.integers(4, 25), k=st.integers(3, 6))
@example(seed=0, size=4, k=3)  # once gave 326 counts away: "< k" cells of a withheld block
def test_nothing_printed_over_a_year_of_the_real_question_set_gives_a_small_count_away(seed, size, k):
    from app import figures, questions

    question_set = questions.load()
    table = Table(k=k, weeks=random_weeks(question_set, YEAR_2026, random.Random(seed), size),
                  **figures.layout_for(question_set))
    for closing in closing_order(YEAR_2026):
        decide(table, closing)
    printed = printed_numbers(table, YEAR_2026, question_set)
    for (key, cell), value in printed.items():  # nothing printed that the engine withholds
        assert table.status(periods.parse(key), cell) == SHOWN and (value == 0 or value >= k)
    assert_protected(table, YEAR_2026, shown=printed)
    # And a sample of what it withholds, each tried shown: every one gives a small count away.
    assert_needed(table, YEAR_2026, sample=3)


# --- what staff see is exactly what the engine lets through -----------------------------------

@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), size=st.integers(0, 25))
def test_pages_and_files_show_only_cells_the_engine_shows(seed, size):
    from app import figures, questions

    question_set = questions.load()
    weeks = random_weeks(question_set, Q1_WEEKS, random.Random(seed), size)
    table = Table(k=5, weeks=weeks, **figures.layout_for(question_set))
    for closing in closing_order(Q1_WEEKS):
        decide(table, closing)
    for period in published_periods():
        result = figures.period_figures(table, period, question_set)
        assert result["total"].shown == (table.status(period, N) == SHOWN)
        for item in result["fields"]:
            field = item["field"]
            for row in item["rows"]:
                cell = (f"{field.name}={row['option'].id}", "chosen") if field.multiple else (field.name, row["option"].id)
                count = row["count"]
                assert count.shown == (table.status(period, cell) == SHOWN)
                assert (count.value is None) != count.shown
                if count.shown:
                    assert count.value == table.value(period, cell) and (count.value == 0 or count.value >= table.k)
                assert (row["share"] is None) == (not count.shown or not result["total"].value)
            for band in item["bands"] or []:
                assert band["count"].shown == (table.status(period, (field.name, band["id"])) == SHOWN)
            importance = item if field.name == "importance" else None
            if importance:
                share_top, median = figures.importance_extras(importance, result["total"])
                shown = {r["option"].id: r["count"].shown for r in importance["rows"]}
                top_band = next(b for b in importance["bands"] if b["id"] == figures.TOP_BAND)
                assert share_top is None or top_band["count"].shown or (shown["9"] and shown["10"])
                assert median is None or all(shown.values())


def test_the_audit_counts_in_whole_numbers_where_the_linear_relaxation_would_not():
    from app.suppression import _Program

    # Any two of three counts add up to at most one: 0.5 each in fractions, one count in whole ones.
    rows = [([0, 1], [1.0, 1.0]), ([1, 2], [1.0, 1.0]), ([0, 2], [1.0, 1.0])]
    point = _Program(3, rows, [0, 0, 0], [1, 1, 1]).maximum(np.ones(3))
    assert point.sum() == 1 and set(point) <= {0, 1}
