"""What protecting small numbers costs a reader, measured: `make loss` (and `make bench`).

For three sets of answers (the demo centre as `make run` makes it; LVS's 2020 user survey as
one week at 24 centres; a simulated year of 200 centres sized like LVS's members) it prints,
per level of the grid, the share of counts withheld, the share changed and the mean absolute
change, for each centre's own figures and for the national ones, with the method now in
app/disclosure beside the cell suppression it replaced (tests/legacy, kept only for this):
the same answers through both. Figures, not pass/fail.

    BENCH_LOSS_CENTRES=40 make loss   # fewer simulated centres (the old suppression takes hours for 200)
"""

import os
import random
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor

from app import demo, periods, questions
from app.disclosure import ANSWERED, BOUND, N, PERTURBED, SHOWN, UNANSWERED, Sent, Week, combine, layout, publish
from app.disclosure.combine import SHOWN as GIVEN
from app.hub import kinds
from tests.legacy import hub_disclosure as old_hub
from tests.legacy import suppression as old

K = 5
YEAR = 2026
BIG = 20  # a count this large identifies nobody: it should be shown, and close to the truth
LEVELS = periods.LEVELS


# --- answers ------------------------------------------------------------------------------------

def respondent(rng, question_set):
    """One person's answers, {field name: value}, drawn as the demo draws them (LVS 2020 shares)."""
    fields = question_set.fields()
    answers = {}
    for name, option in demo._one_answer(rng, fields):
        field = next(f for f in fields if f.name == name)
        answers[name] = answers.get(name, frozenset()) | {option} if field.multiple else option
    return answers


def centre_weeks(rng, question_set, fields, sizes):
    """{week key: Week} from {week key: how many answered}."""
    weeks = {}
    for key, size in sizes.items():
        week = Week(fields)
        for _ in range(size):
            week.add(rng.getrandbits(32), respondent(rng, question_set), fields)
        weeks[key] = week
    return weeks


def demo_set(question_set, fields):
    """The demo centre: 12 closed weeks of about 20 answers (app/demo.py)."""
    rng = random.Random(1)
    last = periods.Period(YEAR, "week", 48)
    keys, week = [], last
    for _ in range(demo.WEEKS):
        keys.append(week.key)
        week = week.previous()
    return {"demo": (("self-governing", "provincial"), centre_weeks(rng, question_set, fields,
                                                                  {k: rng.randint(14, 26) for k in keys}))}


def paper_set(question_set, fields):
    """LVS's 2020 user survey: 956 answers, here from 24 centres in one week."""
    rng = random.Random(2)
    sizes = [rng.randint(15, 65) for _ in range(24)]
    sizes[-1] += 956 - sum(sizes)
    week = periods.Period(YEAR, "week", 40).key
    return {f"c{i:02d}": (_kind(rng), centre_weeks(rng, question_set, fields, {week: size}))
            for i, size in enumerate(sizes)}


def lvs_set(question_set, fields, count):
    """A year of `count` centres sized like LVS's members: most with 5 to 30 answers a week when
    they ask, some much larger; quiet weeks and weeks off."""
    rng = random.Random(3)
    centres = {}
    for i in range(count):
        typical = rng.choice([rng.randint(5, 30)] * 9 + [rng.randint(40, 90)])
        sizes = {}
        for week in periods.Period(YEAR, "year", 0).week_keys:
            if rng.random() < 0.15:
                continue  # a week off: summer, Christmas, a tablet gone
            sizes[week] = max(0, round(rng.gauss(typical, typical / 3)))
        centres[f"c{i:03d}"] = (_kind(rng), centre_weeks(rng, question_set, fields, sizes))
    return centres


def _kind(rng):
    return (rng.choices(list(kinds.ORG_FORMS), weights=[3, 4, 2, 1, 1])[0],
            rng.choice(list(kinds.MUNICIPALITY_TYPES)))


# --- the two methods ------------------------------------------------------------------------------

def truth(fields, weeks):
    """{(period key, cell): true count} for every period of the year and every cell."""
    found = {}
    year = periods.Period(YEAR, "year", 0)
    for period in year.subtree():
        for week in period.week_keys:
            if week in weeks:
                for cell, tally in weeks[week].cells(fields).items():
                    found[(period.key, cell)] = found.get((period.key, cell), 0) + tally.count
    return found


def new_method(fields, weeks):
    """({(period key, cell): published number or None}, {"drawn", "nudged"})."""
    decisions, stats = {}, {}
    closed = [periods.Period(YEAR, "week", w) for w in periods.Period(YEAR, "year", 0).weeks]
    publish(fields, weeks, K, decisions, {}, closed, stats)
    return {key: value if status in (SHOWN, PERTURBED) else None for key, (status, value) in decisions.items()}, stats


def old_method(fields, counts):
    """The same through cell suppression: {(period key, cell): shown count or None}."""
    groups = {g: list(c) for f in fields for g, c in f.groups.items()}
    sums = {(f.name, band): list(scores) for f in fields for band, scores in f.bands}
    year = periods.Period(YEAR, "year", 0)
    cells = [N] + [(g, c) for g, cs in groups.items() for c in cs] + list(sums)
    weeks = {w: {cell: counts.get((w, cell), 0) for cell in cells} for w in year.week_keys}
    table = old.Table(k=K, groups=groups, weeks=weeks, sums=sums)
    for closing in old.closing_order([periods.Period(YEAR, "week", w) for w in year.weeks]):
        old.decide(table, closing)
    return {(period, cell): table.value(periods.parse(period), cell) if status == old.SHOWN else None
            for (period, cell), status in table.statuses.items()}


# --- the nation ---------------------------------------------------------------------------------------

def figure_sets(fields):
    """{(field, "answers" or "bands"): the answers the set prints}, as the hub sums them."""
    found = {}
    for field in fields:
        found[(field, "answers")] = (ANSWERED, *field.options) if field.multiple else field.options
        if field.bands:
            found[(field, "bands")] = tuple(band for band, _ in field.bands)
    return found


def _counts(field_name, answers, published, period, multiple):
    """A centre's counts for a set, as it sent them: None if any is withheld."""
    found = {}
    for answer in answers:
        cell = (f"{field_name}={answer}", "chosen") if multiple and answer != ANSWERED else (field_name, answer)
        found[answer] = published.get((period, cell))
    return found


def national_new(fields, centres, published, period):
    """{(set, answer): (count or None, base)} for all centres."""
    result = {}
    for name, answers in figure_sets(fields).items():
        field, kind = name
        sent = []
        for centre, (where, _weeks) in centres.items():
            n = published[centre].get((period, N))
            counts = _counts(field.name, answers, published[centre], period, field.multiple and kind == "answers")
            if n is None or None in counts.values():
                continue
            sent.append(Sent(centre, (("org-form", where[0]), ("municipality-type", where[1])), n, counts, False))
        figures = combine(sent, answers)
        for answer in answers:
            result[(name, answer)] = (figures.counts.get(answer) if figures.status == GIVEN else None, figures.answers)
    return result


def national_old(fields, centres, published, period):
    """The same through the hub's cell suppression (minimum contributors, complementary over groups)."""
    result = {}
    groups = sorted({("org-form", w[0]) for w, _ in centres.values()} |
                    {("municipality-type", w[1]) for w, _ in centres.values()})
    for name, answers in figure_sets(fields).items():
        field, kind = name
        multiple = field.multiple and kind == "answers"
        if multiple:
            set_groups = ((ANSWERED, UNANSWERED),) + tuple((o, "not:" + o) for o in field.options)
        else:
            set_groups = (tuple(answers) + (UNANSWERED,),)
        figure_set = old_hub.FigureSet(f"{field.name}.{kind}", tuple(answers), set_groups)
        contributors = []
        for centre, (where, _weeks) in centres.items():
            n = published[centre].get((period, N))
            counts = _counts(field.name, answers, published[centre], period, multiple)
            if n is None or None in counts.values():
                continue
            for group in set_groups:
                printed = [c for c in group if c in counts]
                for category in group:
                    if category not in counts:
                        counts[category] = n - sum(counts[c] for c in printed)
            if min(counts.values()) < 0:
                continue
            contributors.append(old_hub.Centre(centre, (("org-form", where[0]), ("municipality-type", where[1])),
                                               n, counts, K))
        statuses = old_hub.decide(figure_set, contributors, groups) if contributors else {}
        base_status, base = statuses.get(("all", old_hub.BASE), (old_hub.WITHHELD, None))
        for answer in answers:
            status, value = statuses.get(("all", answer), (old_hub.WITHHELD, None))
            shown = status == old_hub.SHOWN and base_status == old_hub.SHOWN
            result[(name, answer)] = (value if shown else None, base if shown else 0)
    return result


def national_truth(fields, centres, counts, period):
    result = {}
    total = sum(counts[c].get((period, N), 0) for c in centres)
    for name, answers in figure_sets(fields).items():
        field, kind = name
        multiple = field.multiple and kind == "answers"
        for answer in answers:
            value = sum(_counts(field.name, (answer,), counts[c], period, multiple)[answer] or 0 for c in centres)
            result[(name, answer)] = (value, total)
    return result


# --- measuring ----------------------------------------------------------------------------------------

class Tally:
    def __init__(self):
        self.cells = self.withheld = self.changed = self.change = self.big_lost = 0

    def add(self, true, published, bound):
        self.cells += 1
        if published is None:
            self.withheld += 1
            self.big_lost += true >= BIG
            return
        self.changed += published != true
        self.change += abs(published - true)
        self.big_lost += true >= BIG and abs(published - true) > bound

    def line(self):
        given = self.cells - self.withheld
        return (f"{100 * self.withheld / self.cells:6.1f} % withheld  {100 * self.changed / max(given, 1):5.1f} % changed  "
                f"mean change {self.change / max(given, 1):4.2f}  ≥{BIG} lost {self.big_lost}")


def centre_loss(fields, centres, counts, published, bound):
    tallies = defaultdict(Tally)
    for centre in centres:
        for (period, cell), true in counts[centre].items():
            level = periods.parse(period).level
            if cell == N or counts[centre].get((period, N), 0) == 0:
                continue
            tallies[level].add(true, published[centre].get((period, cell)), bound)
    return tallies


def nation_loss(fields, centres, counts, published, national, level_periods):
    """Per level, for the national figures of all centres: (share withheld, how many of them hold
    20 answers or more, mean and largest error of a share in points). A national count rests on
    the centres that sent the whole question, so shares, not counts, are what to compare."""
    found = {}
    for level, keys in level_periods.items():
        figures = withheld = big = 0
        errors = []
        for period in keys:
            true = national_truth(fields, centres, counts, period)
            shown = national(fields, centres, published, period)
            for key, (value, total) in true.items():
                if total == 0:
                    continue
                figures += 1
                published_value, base = shown[key]
                if published_value is None or not base:
                    withheld += 1
                    big += value >= BIG
                    continue
                errors.append(abs(published_value / base - value / total) * 100)
        found[level] = (f"{100 * withheld / max(figures, 1):6.1f} % withheld  ≥{BIG} withheld {big:4}  shares off by "
                        f"{sum(errors) / max(len(errors), 1):4.2f} points on average, {max(errors, default=0):4.2f} at most")
    return found


def measure(title, centres, fields, national_levels):
    print(f"\n{title}: {len(centres)} centre(s), "
          f"{sum(sum(w.total.count for w in weeks.values()) for _, weeks in centres.values()):,} answers")
    counts = {c: truth(fields, weeks) for c, (_, weeks) in centres.items()}
    methods = {}
    names = list(centres)
    with ProcessPoolExecutor() as pool:  # each centre decides on its own: as many at once as there are cores
        start = time.perf_counter()
        found = list(pool.map(new_method, [fields] * len(names), [centres[c][1] for c in names], chunksize=4))
        methods["perturbation (now)"] = (dict(zip(names, (f[0] for f in found), strict=True)), BOUND, national_new)
        new_seconds = time.perf_counter() - start
        drawn, nudged = sum(f[1].get("drawn", 0) for f in found), sum(f[1].get("nudged", 0) for f in found)
        start = time.perf_counter()
        found = pool.map(old_method, [fields] * len(names), [counts[c] for c in names], chunksize=4)
        methods["cell suppression (before)"] = (dict(zip(names, found, strict=True)), 0, national_old)
        old_seconds = time.perf_counter() - start
    print(f"  deciding every period of every centre: {new_seconds:.1f} s now, {old_seconds:.1f} s before "
          f"({os.cpu_count()} cores)")
    print(f"  counts moved from their draw to keep a witness: {nudged:,} of {drawn:,} ({100 * nudged / max(drawn, 1):.2f} %)")
    for name, (published, bound, national) in methods.items():
        print(f"  {name}")
        for level, tally in sorted(centre_loss(fields, centres, counts, published, bound).items(),
                                   key=lambda item: LEVELS.index(item[0])):
            print(f"    centre  {level:8} {tally.line()}")
        if len(centres) > 1:
            for level, line in nation_loss(fields, centres, counts, published, national, national_levels).items():
                print(f"    nation  {level:8} {line}")
    sys.stdout.flush()


def main():
    question_set = questions.load()
    fields = layout(question_set)
    count = int(os.environ.get("BENCH_LOSS_CENTRES", "200"))
    print("What protection costs a reader (tests/loss.py): counts withheld, changed, and by how much;")
    print(f"k = {K}; a count of {BIG} or more is 'lost' when withheld or changed beyond the method's bound.")
    measure("The demo centre (12 weeks)", demo_set(question_set, fields), fields, {})
    week = periods.Period(YEAR, "week", 40)
    levels = {"week": [week.key], "block": [week.parent().key], "quarter": [week.parent().parent().key]}
    measure("LVS 2020 user survey as one week", paper_set(question_set, fields), fields, levels)
    year = periods.Period(YEAR, "year", 0)
    levels = {"quarter": [q.key for q in year.children()], "year": [year.key]}
    measure(f"A simulated year of {count} centres", lvs_set(question_set, fields, count), fields, levels)


if __name__ == "__main__":
    main()
