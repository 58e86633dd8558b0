"""Cell suppression, attacked: no withheld count may be worked out from what is shown.

The attacker knows every shown count, that a "< k" cell lies in 0..k-1, that a hidden one is
at least k, and how the counts relate: a group's categories add up to N, a period to its
children. Integer linear programming then finds the least and the greatest value every
withheld count can have; each must have at least two.
"""

import itertools

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from app import periods
from app.suppression import HIDDEN, N, SHOWN, SMALL, Table, closing_order, decide

GROUPS = {"frequency": ["daily", "weekly", "rarely", "unanswered"], "meal": ["chosen", "not_chosen"]}
Q1_WEEKS = [periods.Period(2026, "week", w) for w in range(1, 14)]


def build_table(k, weekly_n, splits):
    weeks = {}
    for period, n, split in zip(Q1_WEEKS, weekly_n, splits):
        counts = {N: n}
        for group, categories in GROUPS.items():  # cut the n answers into the categories
            edges = [0, *sorted(min(n, x) for x in split[group][:len(categories) - 1]), n]
            for i, category in enumerate(categories):
                counts[(group, category)] = edges[i + 1] - edges[i]
        weeks[period.key] = counts
    table = Table(k=k, groups=GROUPS, weeks=weeks)
    for closing in closing_order(Q1_WEEKS):
        decide(table, closing)
    return table


def published_periods():
    seen = []
    for closing in closing_order(Q1_WEEKS):
        seen += closing
    return seen


def attack(table):
    """The least and greatest value of every withheld count, by integer programming."""
    weeks = [p.key for p in Q1_WEEKS]
    cells = table.cells()
    index = {(cell, w): i for i, (cell, w) in enumerate(itertools.product(cells, weeks))}
    size = len(index)
    rows, lower, upper = [], [], []

    def add(coefficients, low, high):
        row = np.zeros(size)
        for key, value in coefficients:
            row[index[key]] += value
        rows.append(row)
        lower.append(low)
        upper.append(high)

    for w in weeks:  # every group adds up to the week's N
        for group, categories in table.groups.items():
            add([((N, w), -1)] + [(((group, c), w), 1) for c in categories], 0, 0)
    targets = []
    for period in published_periods():
        for cell in cells:
            form = [((cell, w), 1) for w in period.week_keys]
            status = table.status(period, cell)
            if status == SHOWN:
                value = table.value(period, cell)
                add(form, value, value)
            elif status == SMALL:
                add(form, 0, table.k - 1)
                targets.append((period, cell, form))
            else:
                add(form, table.k, np.inf)
                targets.append((period, cell, form))
    constraints = LinearConstraint(np.array(rows), lower, upper)
    results = []
    for period, cell, form in targets:
        objective = np.zeros(size)
        for key, value in form:
            objective[index[key]] += value
        ends = []
        for sign in (1, -1):
            solved = milp(sign * objective, constraints=constraints, integrality=np.ones(size),
                          bounds=Bounds(0, 10_000))
            assert solved.status == 0, solved.message
            ends.append(sign * solved.fun)
        results.append((period.key, cell, table.value(period, cell), round(ends[0]), round(ends[1])))
    return results


def assert_protected(table):
    exposed = [r for r in attack(table) if r[3] == r[4]]
    assert not exposed, f"worked out: {exposed[:5]}"


def check_consistent(table):
    for (key, cell), status in table.statuses.items():
        period = periods.parse(key)
        value = table.value(period, cell)
        assert (status == SMALL) == (value < table.k)
        if table.status(period, N) != SHOWN:
            assert status != SHOWN  # a period without its N shows nothing


splits = st.fixed_dictionaries({g: st.lists(st.integers(0, 30), min_size=len(c), max_size=len(c))
                                for g, c in GROUPS.items()})


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(k=st.integers(3, 5),
       weekly_n=st.lists(st.integers(0, 14), min_size=13, max_size=13),
       splits=st.lists(splits, min_size=13, max_size=13))
def test_no_withheld_count_can_be_worked_out(k, weekly_n, splits):
    table = build_table(k, weekly_n, splits)
    check_consistent(table)
    assert_protected(table)


def test_one_small_week_among_big_ones_is_protected_by_withholding_a_closing_one():
    table = build_table(5, [20, 3, 20, 20] + [20] * 9, [{"frequency": [8, 12, 20], "meal": [10]}] * 13)
    block = periods.parse("2026-B01")
    assert table.status(periods.parse("2026-W02"), N) == SMALL
    # Week 4 closes with its block: withholding it keeps week 2 secret, and the block is shown.
    assert table.status(periods.parse("2026-W04"), N) == HIDDEN
    assert table.status(block, N) == SHOWN
    assert table.status(periods.parse("2026-W01"), N) == SHOWN
    assert_protected(table)


def test_a_centre_whose_weeks_are_all_small_still_shows_its_quarter():
    table = build_table(5, [2] * 13, [{"frequency": [1, 2, 2], "meal": [1]}] * 13)
    assert all(table.status(week, N) == SMALL for week in Q1_WEEKS)
    assert table.status(periods.parse("2026-Q1"), N) == SHOWN
    assert table.value(periods.parse("2026-Q1"), N) == 26
    assert_protected(table)


def test_big_weeks_show_everything():
    table = build_table(5, [40] * 13, [{"frequency": [10, 20, 30], "meal": [20]}] * 13)
    assert set(table.statuses.values()) == {SHOWN}


# --- what staff see is exactly what the engine lets through -----------------------------------

@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), size=st.integers(0, 25))
def test_pages_and_files_show_only_cells_the_engine_shows(seed, size):
    import random

    from app import figures, questions

    question_set = questions.load()
    rng = random.Random(seed)
    weeks = {}
    for period in Q1_WEEKS:
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
        weeks[period.key] = figures._week_cells(raw, question_set)
    table = Table(k=5, groups=figures.groups_for(question_set), weeks=weeks)
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
                    assert count.value == table.value(period, cell) >= table.k
                assert (row["share"] is None) == (not count.shown)
            importance = item if field.name == "importance" else None
            if importance:
                share_top, median = figures.importance_extras(importance, result["total"])
                shown = {r["option"].id: r["count"].shown for r in importance["rows"]}
                assert share_top is None or (shown["9"] and shown["10"])
                assert median is None or all(shown.values())
