"""Figures that survive suppression (issue 16), and no group worked out at the hub by
subtraction (issue 15, item 7): on real data, through the real command and the real hub.

The cases are those measured before the fix: a centre's first year, whose empty early
quarters hid its Q4 and year; a survey drive, whose 183-answer week among empty weeks was
withheld; and the hub, which printed 0 for three centres' 491 answers in Q4.
"""

import csv
import io
import json
import os
import random

import pytest

from app import db, demo, questions

from .conftest import LiveServer, run_cli

AFTER_2026 = "2027-01-05T12:00:00"  # a Tuesday: 2026-W53 (and so Q4 and the year 2026) has closed
AFTER_DRIVE = "2025-04-08T12:00:00"  # 2025-W14 has closed, and with W13 the first quarter


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "BRUGERSTEMMEN_DATA_DIR": str(tmp_path / "data"),
            "BRUGERSTEMMEN_BASE_URL": "https://stemme.example.dk", "BRUGERSTEMMEN_CLOCK": AFTER_2026}


def summary(env, slug, period, tmp_path):
    out = tmp_path / f"{slug}-{period}.csv"
    run_cli(env, "summary", "--centre", slug, "--period", period, "--format", "csv", "--output", str(out))
    return list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))


def answers_of(rows):
    return next(r[1] for r in rows if r and r[0] == "Svar")


def answer_like_the_demo(database, centre_id, weeks, seed):
    """Answers shaped like the LVS 2020 survey (app/demo.py), `weeks` maps a week to how many."""
    rng = random.Random(seed)
    fields = questions.load().fields()
    with db.write_transaction(database):
        for week, count in weeks.items():
            for _ in range(count):
                db.insert_response(database, centre_id=centre_id, iso_week=week, channel="kiosk", language="da",
                                   question_set=1, answers=demo._one_answer(rng, fields))


@pytest.mark.calendar
def test_a_first_year_centre_shows_its_q4_and_its_year(env, tmp_path):
    run_cli(env, "demo")  # twelve weeks of answers, all in the last quarter of 2026: its first
    database = db.connect(db.path_in(tmp_path / "data"))
    try:
        centre = db.centre_by_slug(database, "demo")
        in_2026 = db.count_before(database, centre["id"], "2027-W01")
    finally:
        database.close()
    assert in_2026 > 100
    assert answers_of(summary(env, "demo", "2026-Q4", tmp_path)) == str(in_2026)
    assert answers_of(summary(env, "demo", "2026", tmp_path)) == str(in_2026)
    empty = summary(env, "demo", "2026-Q1", tmp_path)  # nobody answered: 0, not "–"
    assert answers_of(empty) == "0"


@pytest.mark.calendar
def test_a_survey_drive_week_among_empty_weeks_shows(env, tmp_path):
    env["BRUGERSTEMMEN_CLOCK"] = AFTER_DRIVE
    run_cli(env, "centre", "add", "Værestedet Drevet", "--slug", "drevet")
    database = db.connect(db.path_in(tmp_path / "data"))
    try:
        answer_like_the_demo(database, db.centre_by_slug(database, "drevet")["id"], {"2025-W13": 183}, seed=956)
    finally:
        database.close()
    week = summary(env, "drevet", "2025-W13", tmp_path)
    assert answers_of(week) == "183"
    importance = {r[1]: r[2] for r in week if r and r[0] == "Hvor vigtigt er dette sted for dig?"}
    assert int(importance["10"]) > 40 and all(v == "0" or v == "< 5" or v == "–" or int(v) >= 5
                                               for v in importance.values())
    assert answers_of(summary(env, "drevet", "2025-B03", tmp_path)) == "183"
    assert answers_of(summary(env, "drevet", "2025-W12", tmp_path)) == "0"


@pytest.fixture
def hub(tmp_path_factory):
    # The hub's clock is the centres': `hub report` refuses a period that has not closed yet.
    server = LiveServer(tmp_path_factory.mktemp("hub"), probe="/api/v1/openapi.yaml", ROLE="hub",
                        CLOCK=AFTER_2026).start()
    yield server
    server.stop()


@pytest.mark.calendar
def test_the_hub_reports_three_centres_q4_answers_and_never_0_for_withheld(env, tmp_path, hub):
    sizes = {}
    database_path = db.path_in(tmp_path / "data")
    for i, slug in enumerate(("nord", "syd", "vest")):
        run_cli(env, "centre", "add", f"Værested {slug}", "--slug", slug)
        issued = json.loads(hub.cli("hub", "centre", "add", f"Værested {slug}", "--code", f"LVS-{i}",
                                    "--org-form", "user-driven", "--municipality", "Aarhus",
                                    "--municipality-type", "large-city", "--json").stdout)
        run_cli(env, "centre", "connect", slug, "--hub-url", hub.url, "--centre-id", issued["centre_id"],
                "--key-stdin", stdin=issued["key"] + "\n")
        rng = random.Random(i)
        weeks = {f"2026-W{w:02d}": rng.randint(9, 26) for w in range(42, 54)}  # a demo's twelve weeks
        database = db.connect(database_path)
        try:
            answer_like_the_demo(database, db.centre_by_slug(database, slug)["id"], weeks, seed=i)
        finally:
            database.close()
        sizes[slug] = sum(weeks.values())
    assert json.loads(run_cli(env, "sync", "--json").stdout)["centres"][0]["outcome"] == "ok"
    report = json.loads(hub.cli("hub", "report", "--period", "2026-Q4", "--format", "json").stdout)["groups"][""]
    assert report["centres"] == 3
    assert report["answers"] == sum(sizes.values()) and report["answers_status"] == "shown"
    year = json.loads(hub.cli("hub", "report", "--period", "2026", "--format", "json").stdout)["groups"][""]
    assert year["answers"] == sum(sizes.values())
    for item in report["questions"] + [report["bands"], report["top"]]:
        # Every figure says what it rests on; one withheld says so, and is never 0.
        assert item["centres"] + item["withheld"] == 3
        assert (item["answers"] is None) == (item["status"] == "withheld")
        for cell in item["cells"]:
            assert (cell["count"] is None) == (cell["status"] == "withheld")
    rows = list(csv.reader(io.StringIO(hub.cli("hub", "report", "--period", "2026-Q4").stdout), delimiter=";"))
    assert rows[3][2] == str(sum(sizes.values()))
    assert all(r[5] not in ("", None) for r in rows[3:] if len(r) > 5)  # a count, or the word


def hub_with_centres(data_dir, count):
    """A hub app's test client, its database, and `count` registered centres as (id, key)."""
    from app import create_app
    from app.hub import signing

    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "ROLE": "hub"})
    with app.app_context():
        db.migrate(db.get_db())
    hub_db = db.connect(db.path_in(data_dir))
    centres = []
    for i in range(count):
        key = signing.new_key()
        found = db.register_hub_centre(hub_db, key=key, name=f"C{i}", lvs_code=f"LVS-{i}", org_form="user-driven",
                                       municipality="Aarhus", municipality_type="large-city")
        centres.append((found["id"], key))
    return app.test_client(), hub_db, centres


def test_a_national_share_stays_when_a_small_centre_withholds_and_its_base_says_so(data_dir):
    from app.hub import signing

    from .test_hub import aggregate, push

    client, hub_db, registered = hub_with_centres(data_dir, 4)
    centres = [(centre_id, key, n, nine) for (centre_id, key), (n, nine)
               in zip(registered, [(120, 40), (90, 30), (150, 60), (14, 7)], strict=True)]

    def share_of_nine():
        path = "/api/v1/national/2026-Q4?question_set=1"
        figures = client.get(path, headers=signing.sign(centres[0][0], centres[0][1], "GET", path)).json
        importance = next(q for q in figures["questions"] if q["question"] == "importance")
        nine = next(c for c in importance["cells"] if c["answer"] == "9")
        return figures, importance, nine["count"] / importance["answers"]

    for centre_id, key, n, nine in centres[:3]:
        assert push(client, centre_id, key, aggregate("2026-Q4", n=n, nine=nine, small=())).status_code == 200
    _, before, share = share_of_nine()
    assert (before["centres"], before["answers"], before["withheld"]) == (3, 360, 0)
    # A small centre: 14 answers, 7 of them 9 and 5 of them 10 (shown), two 1 ("< 5"): not all of importance.
    centre_id, key, n, nine = centres[3]
    assert push(client, centre_id, key, aggregate("2026-Q4", n=n, nine=nine, small=("1",))).status_code == 200
    figures, after, share_after = share_of_nine()
    assert abs(share_after - share) < 0.0005  # no more than rounding to a tenth of a percent
    assert (after["centres"], after["answers"], after["withheld"]) == (3, 360, 1)  # the printed base
    assert figures["answers"] == 374 and figures["answers_centres"] == 4  # its answers still count
    # Had the 9 rested on every centre that showed it (base 374), 36.1 % would have become 36.6 %.
    assert abs((130 + 7) / 374 - share) > 0.004
    hub_db.close()


def test_the_national_headline_shows_when_three_centres_could_show_it_with_its_base(data_dir):
    from app.hub import signing

    from .test_hub import aggregate, push

    client, hub_db, centres = hub_with_centres(data_dir, 4)
    # Three centres show their 9-10 (each with scores of its own it withholds); a fourth
    # withholds its 9-10 too. Before, one such centre kept the headline from everybody.
    for (centre_id, key), n in zip(centres[:3], (40, 30, 50), strict=True):
        assert push(client, centre_id, key, aggregate("2026-W47", n=n, nine=10, small=("3",))).status_code == 200
    assert push(client, *centres[3], aggregate("2026-W47", n=12, nine=5, small=("3",), top="small")).status_code == 200
    path = "/api/v1/national/2026-W47?question_set=1"
    figures = client.get(path, headers=signing.sign(*centres[0], "GET", path)).json
    top = figures["top"]
    assert (top["status"], top["centres"], top["answers"], top["withheld"]) == ("shown", 3, 120, 1)
    assert top["cells"] == [{"answer": "9_10", "status": "shown", "count": 114}]  # 120 less the six who gave 3
    importance = next(q for q in figures["questions"] if q["question"] == "importance")
    assert importance["centres"] == 0 and importance["status"] == "withheld"  # no centre showed every score
    hub_db.close()


# --- the hub's groups, attacked: no figure of one or two centres worked out, none withheld without cause

# Two of each: a group of one or two centres beside a group of three or more, the case to attack.
ORG_FORMS, TYPES = ("municipal", "user-driven"), ("rural", "large-city")
SCORES = [str(s) for s in range(1, 11)]


def centre_aggregate(draw):
    """One centre's aggregate of importance, as its own suppression lets it out: counts 1 to 4
    are "< 5". Its answers give 10, 9, and one score below 9."""
    from hypothesis import strategies as st

    sizes = st.sampled_from([0, 0, 2, 5, 6, 9, 14])  # mostly counts a centre shows; now and then a small one
    counts = dict.fromkeys(SCORES, 0)
    counts["10"], counts["9"] = draw(sizes), draw(sizes)
    counts[draw(st.sampled_from(SCORES[:8]))] = draw(sizes)
    n = sum(counts.values()) + draw(st.sampled_from([0, 0, 5, 7]))  # and some who skipped the question
    cells = {("importance", s): (None if 0 < c < 5 else c) for s, c in counts.items()}
    withheld_n = 0 < n < 5 or draw(st.booleans()) and draw(st.booleans())  # now and then its answers withheld
    return {"org_form": draw(st.sampled_from(ORG_FORMS)), "municipality_type": draw(st.sampled_from(TYPES)), "k": 5,
            "answers": None if withheld_n else n, "cells": {} if withheld_n else cells,
            "true": {**counts, "unanswered": n - sum(counts.values()), "N": n}}


def attack_hub(aggregates, published, targets):
    """The targets (a set of centres, a category) some reader can pin: every centre's counts are
    whole numbers, 0 or at least its k, adding up to its answers; `published` maps a set of
    centres and a category to a shown sum."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    names = sorted(aggregates)
    categories = ["N", *SCORES, "unanswered"]
    index = {(c, x): i for i, (c, x) in enumerate((c, x) for c in names for x in categories)}
    size = len(index)
    rows, low, high = [], [], []

    def row(cols, lo, hi):
        r = np.zeros(2 * size)
        for i, v in cols:
            r[i] = v
        rows.append(r)
        low.append(lo)
        high.append(hi)

    for c in names:
        row([(index[(c, "N")], -1)] + [(index[(c, x)], 1) for x in categories[1:]], 0, 0)
        for x in categories:  # 0, or at least k: a switch per count
            row([(index[(c, x)], 1), (size + index[(c, x)], -10_000)], -np.inf, 0)
            row([(index[(c, x)], 1), (size + index[(c, x)], -5)], 0, np.inf)
    for (centres, x), value in published.items():
        row([(index[(c, x)], 1) for c in centres], value, value)
    constraints = LinearConstraint(np.array(rows), low, high)
    bounds = Bounds(np.zeros(2 * size), np.concatenate([np.full(size, 10_000), np.ones(size)]))

    def extreme(objective):
        solved = milp(objective, constraints=constraints, integrality=np.ones(2 * size), bounds=bounds)
        assert solved.status == 0, solved.message
        return round(objective @ solved.x)

    pinned = []
    for centres, x in targets:
        objective = np.zeros(2 * size)
        objective[[index[(c, x)] for c in centres]] = 1
        truth = sum(aggregates[c]["true"][x] for c in centres)
        if -extreme(-objective) == truth == extreme(objective):  # greatest and least are the truth
            pinned.append((centres, x, truth))
    return pinned


def hub_publication(aggregates, decided):
    """What the hub prints of importance, as sums over sets of centres; and the sets a reader
    must not pin: withheld figures, the answer nobody prints, and each part alike in both
    groupings, wherever one or two centres with something in it make it up."""
    base = sorted(c for c, a in aggregates.items() if a["answers"] is not None
                  and all(a["cells"].get(("importance", s)) is not None for s in SCORES))
    groups = {"all": (decided["all"], base)}
    for grouping, column in (("org-form", "org_form"), ("municipality-type", "municipality_type")):
        for name, figures in decided[grouping].items():
            groups[(grouping, name)] = (figures, [c for c in base if aggregates[c][column] == name])
    published, withheld, sets = {}, [], []
    for figures, centres in groups.values():
        item = next(q for q in figures["questions"] if q["question"] == "importance")
        if not centres:
            continue
        for x, status, count in [("N", item["status"], item["answers"])] + \
                [(c["answer"], c["status"], c["count"]) for c in item["cells"]]:
            if status == "shown":
                published[(tuple(centres), x)] = count
            else:
                withheld.append((tuple(centres), x))
        sets.append(tuple(centres))
    parts = {}
    for c in base:
        parts.setdefault((aggregates[c]["org_form"], aggregates[c]["municipality_type"]), []).append(c)
    sets += [tuple(p) for p in parts.values()]

    def few(centres, x):
        return 0 < sum(1 for c in centres if aggregates[c]["true"][x]) < 3

    targets = {(s, x) for s in sets for x in ["N", *SCORES, "unanswered"]
               if few(s, x) and (s, x) not in published}
    complements = [(s, x) for s, x in withheld if not few(s, x)]
    return published, sorted(targets), complements


def test_no_group_at_the_hub_gives_one_or_two_centres_away_and_nothing_is_withheld_without_cause():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from app import periods
    from app.hub import national

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data):
        count = data.draw(st.integers(4, 9))
        aggregates = {f"c{i}": centre_aggregate(data.draw) for i in range(count)}
        decided = national._decide({c: {k: v for k, v in a.items() if k != "true"} for c, a in aggregates.items()},
                                   periods.parse("2026-Q4"), 1)
        published, targets, complements = hub_publication(aggregates, decided)
        assert not attack_hub(aggregates, published, targets), "a group or part of one or two centres worked out"
        for centres, x in complements:  # shown, each would give something away
            truth = sum(aggregates[c]["true"][x] for c in centres)
            assert attack_hub(aggregates, {**published, (centres, x): truth}, targets), \
                f"withheld without cause: {x} of {centres}"

    check()


def test_the_hub_attack_finds_a_group_left_out_but_worked_out_from_all_centres_less_the_others():
    """Without complementary suppression the municipal pair is all centres less the others."""
    aggregates = {}
    for i, (org, n, nine) in enumerate([("user-driven", 20, 10), ("user-driven", 30, 12), ("user-driven", 25, 9),
                                       ("municipal", 12, 7), ("municipal", 9, 5)]):
        counts = dict.fromkeys(SCORES, 0)
        counts["9"], counts["10"] = nine, n - nine
        aggregates[f"c{i}"] = {"org_form": org, "municipality_type": "rural", "k": 5, "answers": n,
                               "cells": {("importance", s): c for s, c in counts.items()},
                               "true": {**counts, "unanswered": 0, "N": n}}
    everyone, ud, mun = ("c0", "c1", "c2", "c3", "c4"), ("c0", "c1", "c2"), ("c3", "c4")
    naive = {(centres, x): sum(aggregates[c]["true"][x] for c in centres)
             for centres in (everyone, ud) for x in ["N", *SCORES]}  # every group of three or more shown
    pinned = attack_hub(aggregates, naive, [(mun, "N"), (mun, "9")])
    assert {(x, truth) for _, x, truth in pinned} == {("N", 21), ("9", 12)}

