"""The protection, attacked: no count from 1 to k-1 may be learnt exactly from everything a
reader sees, and nothing that identifies nobody may be withheld or changed beyond the bound.

The attacker (tests/attack.py) knows every published number of a centre's year and what it
means (disclosure.rules.interval), how the counts relate, and solves whole-number programs for
the least and greatest value of every small count. The same attack finds counts given away when
the method is weakened: perturbation without the witnesses each decision keeps.
"""

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import periods, questions
from app.disclosure import BOUND, N, PERTURBED, SHOWN, SUPPRESSED, Published, Week, layout, protect, publish, ptable
from app.disclosure.grid import UNANSWERED
from tests.attack import learnt
from tests.legacy import suppression as old

YEAR = 2026
FIELDS = layout(questions.load())
SOME_FIELDS = tuple(f for f in FIELDS if f.name in ("importance", "reasons", "frequency"))


def weeks_of(rng, fields, sizes):
    """{week key: Week} with `sizes` {week key: answers}; answers spread over every option, so
    that small counts are everywhere."""
    weeks = {}
    for key, size in sizes.items():
        week = Week(fields)
        for _ in range(size):
            answers = {}
            for field in fields:
                if field.multiple:
                    answers[field.name] = frozenset(o for o in field.options if rng.random() < 0.3)
                else:
                    choices = [*field.options, UNANSWERED]
                    answers[field.name] = rng.choices(choices, weights=[4] + [1] * (len(choices) - 1))[0]
            week.add(rng.getrandbits(32), answers, fields)
        weeks[key] = week
    return weeks


def random_year(seed, fields, active, sizes):
    rng = random.Random(seed)
    keys = rng.sample(periods.Period(YEAR, "year", 0).week_keys, active)
    return weeks_of(rng, fields, {key: rng.choice(sizes) for key in keys})


def all_weeks():
    return [periods.Period(YEAR, "week", w) for w in periods.Period(YEAR, "year", 0).weeks]


def truth_of(fields, weeks):
    found = {}
    for period in periods.Period(YEAR, "year", 0).subtree():
        cells = {}
        for key in period.week_keys:
            for cell, tally in (weeks[key].cells(fields) if key in weeks else {}).items():
                cells[cell] = cells.get(cell, 0) + tally.count
        found[(period.key, N)] = cells.get(N, 0)
        for field in fields:
            for cell in field.cells:
                found[(period.key, cell)] = cells.get(cell, 0)
    return found


def known_of(fields, decisions, rules, k):
    published = Published(decisions, rules, k)
    return {(period.key, cell): published(period, cell) for period in periods.Period(YEAR, "year", 0).subtree()
            for cell in [N] + [c for f in fields for c in f.cells]}


def decide_year(fields, weeks, k):
    decisions = {}
    publish(fields, weeks, k, decisions, {}, all_weeks())
    return decisions


def assert_whole(fields, weeks, decisions, k):
    """Nothing that identifies nobody is lost: every period's N exact; in a period of k answers
    or more every count given, within the bound, never above N; a zero stays 0."""
    truth = truth_of(fields, weeks)
    for period in periods.Period(YEAR, "year", 0).subtree():
        n = truth[(period.key, N)]
        assert decisions[(period.key, N)] == (SHOWN, n)
        for field in fields:
            for cell in field.cells:
                found = decisions.get((period.key, cell))
                if n < k:
                    assert found is None  # its number of answers alone
                    continue
                status, value = found
                true = truth[(period.key, cell)]
                assert status == PERTURBED and abs(value - true) <= BOUND and 0 <= value <= n, (period.key, cell)
                assert true or value == 0


@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10 ** 6), k=st.sampled_from([3, 5, 10]), active=st.sampled_from([4, 12, 30]),
       sizes=st.sampled_from([(1, 2, 3, 4, 5, 6, 7), (0, 2, 5, 8, 13, 21), (20, 30, 45)]))
def test_no_small_count_of_a_year_can_be_worked_out_and_nothing_else_is_lost(seed, k, active, sizes):
    weeks = random_year(seed, SOME_FIELDS, active, sizes)
    decisions = decide_year(SOME_FIELDS, weeks, k)
    assert_whole(SOME_FIELDS, weeks, decisions, k)
    truth = truth_of(SOME_FIELDS, weeks)
    assert learnt(SOME_FIELDS, periods.Period(YEAR, "year", 0).subtree(), truth,
                  known_of(SOME_FIELDS, decisions, {}, k), k, seed) == []


def test_a_year_of_the_whole_question_set_gives_no_small_count_away():
    weeks = random_year(7, FIELDS, 20, (0, 1, 3, 5, 6, 9, 14, 25))
    decisions = decide_year(FIELDS, weeks, 5)
    assert_whole(FIELDS, weeks, decisions, 5)
    assert learnt(FIELDS, periods.Period(YEAR, "year", 0).subtree(), truth_of(FIELDS, weeks),
                  known_of(FIELDS, decisions, {}, 5), 5) == []


def test_the_attack_finds_what_perturbation_without_witnesses_gives_away(monkeypatch):
    """The same attack on a weakened method: every count published as drawn, no witness kept."""
    monkeypatch.setattr(protect._Field, "keeping", lambda self, period_key, cell, steps: self.d.drawn[(period_key, cell)])
    found = []
    for seed in range(4):  # one year that gives a count away is enough: stop at the first
        weeks = random_year(seed, SOME_FIELDS, 12, (1, 2, 3, 4, 5, 6, 7))
        decisions = decide_year(SOME_FIELDS, weeks, 5)
        found += learnt(SOME_FIELDS, periods.Period(YEAR, "year", 0).subtree(), truth_of(SOME_FIELDS, weeks),
                        known_of(SOME_FIELDS, decisions, {}, 5), 5)
        if found:
            break
    assert found  # e.g. a week of five different scores, each published 1 or more: all five are 1


def test_the_attack_sees_through_exact_small_counts():
    """Tells the attack is real the simplest way: publishing the true counts gives small ones away."""
    weeks = random_year(1, SOME_FIELDS, 6, (6, 7))
    truth = truth_of(SOME_FIELDS, weeks)
    exact = {key: (SHOWN, count) for key, count in truth.items()}
    assert learnt(SOME_FIELDS, periods.Period(YEAR, "year", 0).subtree(), truth, known_of(SOME_FIELDS, exact, {}, 5), 5)


def test_the_same_answers_always_publish_the_same_numbers():
    """A year decided again (a lost database restored, a year re-sent) gives no second draw of
    any count."""
    weeks = random_year(3, SOME_FIELDS, 8, (6, 9, 12))
    assert decide_year(SOME_FIELDS, weeks, 5) == decide_year(SOME_FIELDS, weeks, 5)


def test_no_two_cells_share_a_draw():
    """A week, its block, quarter and year holding the same answers are drawn apart, and so are two
    cells of one period holding the same people: two equal numbers tell a reader nothing about
    whether the answers behind them are the same. Every small count of such a year still keeps
    another possible value."""
    cells = [c for f in SOME_FIELDS for c in f.cells]
    draws = {protect.draw(key, cell, 12345) for key in ("2026-W10", "2026-B03", "2026-Q1", "2026") for cell in cells}
    assert len(draws) == 4 * len(cells)
    lone = {"2026-W10": weeks_of(random.Random(4), SOME_FIELDS, {"2026-W10": 9})["2026-W10"]}
    decisions = decide_year(SOME_FIELDS, lone, 5)
    assert not learnt(SOME_FIELDS, periods.Period(YEAR, "year", 0).subtree(), truth_of(SOME_FIELDS, lone),
                      known_of(SOME_FIELDS, decisions, {}, 5), 5)


def test_a_count_never_goes_beyond_its_rows_of_the_table():
    for x in range(0, 40):
        row = ptable.row(x)
        assert sum(row.values()) == 10_000
        assert sum(step * chance for step, chance in row.items()) == 0  # no change on average
        assert min(row) >= -x and max(row) <= BOUND
        for published in ptable.support(x):
            low, high = ptable.possible(published)
            assert low <= x <= high


def old_decisions(fields, weeks, k, closed):
    """What cell suppression (tests/legacy) published for the periods that closed with `closed`."""
    groups = {g: list(c) for f in fields for g, c in f.groups.items()}
    sums = {(f.name, band): list(scores) for f in fields for band, scores in f.bands}
    cells = [N] + [(g, c) for g, cs in groups.items() for c in cs] + list(sums)
    truth = truth_of(fields, weeks)
    table = old.Table(k=k, groups=groups, sums=sums,
                      weeks={w: {cell: truth[(w, cell)] for cell in cells}
                             for w in periods.Period(YEAR, "year", 0).week_keys})
    for closing in old.closing_order(closed):
        old.decide(table, closing)
    decisions = {(p, c): (status, table.value(periods.parse(p), c) if status == old.SHOWN else None)
                 for (p, c), status in table.statuses.items()}
    return decisions, {p: SUPPRESSED for p, _ in decisions}


@pytest.mark.parametrize("seed, switch", [(11, 20), (2, 20), (0, 49)])
def test_periods_closing_over_suppressed_ones_give_nothing_more_away(seed, switch):
    """A year that began under cell suppression and goes on under perturbation: whatever a
    reader could learn from the old periods alone, the new ones add nothing to it; and the
    periods after the change, the year of the change among them, are whole."""
    k = 5
    weeks = random_year(seed, SOME_FIELDS, 20 if seed == 11 else 30, (2, 4, 6, 9, 15, 25))
    closed = all_weeks()
    decisions, rules = old_decisions(SOME_FIELDS, weeks, k, closed[:switch])  # week 20: Q1 and B04 decided
    before = known_of(SOME_FIELDS, dict(decisions), dict(rules), k)
    new = publish(SOME_FIELDS, weeks, k, decisions, rules, closed)
    truth = truth_of(SOME_FIELDS, weeks)
    subtree = periods.Period(YEAR, "year", 0).subtree()
    learnt_before = set(learnt(SOME_FIELDS, subtree, truth, before, k, seed))
    learnt_after = set(learnt(SOME_FIELDS, subtree, truth, known_of(SOME_FIELDS, decisions, rules, k), k, seed))
    assert learnt_after <= learnt_before
    for week in closed[switch:]:
        n = truth[(week.key, N)]
        assert decisions[(week.key, N)] == (SHOWN, n)
        if n >= k:
            assert all(decisions[(week.key, cell)][0] == PERTURBED for f in SOME_FIELDS for cell in f.cells)
    assert {status for (_period, cell), (status, _value) in new.items() if cell != N} == {PERTURBED}
    assert any(periods.parse(period).level == "year" for period, _cell in new)


def aggregate_of(where, decisions, period):
    """A centre's aggregate of one period as the hub keeps it (db.period_aggregates)."""
    cells, exact = {}, {}
    for field in FIELDS:
        for (group, category) in field.cells:
            status, value = decisions.get((period, (group, category)), (None, None))
            if group == field.name:
                key = (field.name, category)
            elif category == "chosen":
                key = (field.name, group.split("=", 1)[1])
            else:
                continue
            if key[1] in ("unanswered",):
                continue
            cells[key] = value if status in (SHOWN, PERTURBED) else None
            exact[key] = status == SHOWN
    return {"org_form": where[0], "municipality_type": where[1], "k": 5, "answers": decisions[(period, N)][1],
            "cells": cells, "exact": exact}


def test_the_hub_shows_only_sums_of_what_centres_publish_and_leaves_small_counts_where_they_were():
    """LVS sees every centre's published numbers and every national and group figure. Those
    figures are sums of the published numbers, so together with them they tell nothing more:
    all centres less one group, or the figures before and after a centre joins, are sums of
    what those centres published, and each centre's own numbers give no small count away."""
    from app.hub import national

    wheres = [("municipal", "rural"), ("municipal", "large-city"), ("user-driven", "rural"),
              ("self-governing", "rural"), ("self-governing", "capital-area")]
    centres = {}
    for i, where in enumerate(wheres):
        weeks = random_year(100 + i, FIELDS, 6, (3, 6, 12, 25))
        centres[f"c{i}"] = (where, weeks, decide_year(FIELDS, weeks, 5))
    for period in ("2026-Q1", "2026-Q2", "2026"):
        aggregates = {c: aggregate_of(where, decisions, period) for c, (where, _w, decisions) in centres.items()}
        figures = national._decide(aggregates, periods.parse(period), questions.load().version)
        everyone = figures["all"]
        assert everyone["answers"] == sum(a["answers"] for a in aggregates.values())
        for item in everyone["questions"]:
            sent = [a for a in aggregates.values() if a["answers"] is not None and
                    all(a["cells"].get((item["question"], c["answer"])) is not None for c in item["cells"])]
            assert item["centres"] == len(sent)
            if len(sent) < 3:
                assert item["status"] == "withheld" and all(c["count"] is None for c in item["cells"])
                continue
            for cell in item["cells"]:
                assert cell["count"] == sum(a["cells"][(item["question"], cell["answer"])] for a in sent)
        # all centres less one group: the published numbers of the centres in the others
        rural = figures["municipality-type"]["rural"]
        assert rural["answers"] == sum(a["answers"] for a in aggregates.values() if a["municipality_type"] == "rural")
        assert figures["org-form"]["user-driven"]["questions"][0]["status"] == "withheld"  # one centre: not on its own
    subtree = periods.Period(YEAR, "year", 0).subtree()
    for _where, weeks, decisions in centres.values():
        assert learnt(FIELDS, subtree, truth_of(FIELDS, weeks), known_of(FIELDS, decisions, {}, 5), 5) == []


DECIDED_IN_A_PROCESS = """
import hashlib, json
from tests.test_disclosure import SOME_FIELDS, decide_year, random_year
decided = [sorted(map(str, decide_year(SOME_FIELDS, random_year(seed, SOME_FIELDS, 10, (1, 2, 3, 6, 9)), 5).items()))
           for seed in range(3)]
print(hashlib.sha256(json.dumps(decided).encode()).hexdigest())
"""


def test_the_same_answers_publish_the_same_numbers_in_every_process():
    """Python hashes strings differently in each process (PYTHONHASHSEED): a year decided again in
    another one (a restored database, the nightly job) must not find another witness first and so
    publish a count one off from before."""
    found = {subprocess.run([sys.executable, "-c", DECIDED_IN_A_PROCESS], cwd=Path(__file__).parent.parent,
                            env={**os.environ, "PYTHONHASHSEED": seed}, capture_output=True, text=True,
                            check=True).stdout for seed in ("1", "2", "3")}
    assert len(found) == 1
