"""Summaries served from stored figures (#18, item 5): each closed period's shown counts are
stored when it is decided, beside its suppression pattern, and a summary reads them; it never
works the year out again from the answers."""

import datetime
import difflib
import re

import pytest

from app import accounts, db, figures

from .test_staff import PASSWORD, sign_in
from .test_summary import answer, row

PAGES = ("/staff/c/tal/summary/2025-W10", "/staff/c/tal/summary/2025-W11", "/staff/c/tal/summary/2025-B02",
         "/staff/c/tal/summary/2025-W10/download.csv")


@pytest.fixture(autouse=True)
def in_march_2025(app):
    app.config["CLOCK"] = datetime.datetime(2025, 3, 20, 12, 0)  # weeks 1-11 of 2025 have closed


@pytest.fixture
def tal(database, make_centre):
    centre = make_centre("Café Tal", slug="tal")
    person = db.create_staff(database, "anna@example.dk", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "staff")
    for score, times in {"9": 8, "10": 6, "1": 1, "3": 3, "5": 2}.items():
        for _ in range(times):
            answer(database, centre, "2025-W10", [("importance", score), ("reasons", "meal")])
    for _ in range(2):
        answer(database, centre, "2025-W11", [("importance", "7")])
    return centre


def pages(client):
    """The pages as bytes, less the CSRF tokens (signed with the second they were made)."""
    return {url: re.sub(rb'name="csrf_token" value="[^"]*"', b"", client.get(url).get_data()) for url in PAGES}


def same(these, those):
    for url in PAGES:
        if these[url] != those[url]:
            raise AssertionError(url + "\n" + "\n".join(difflib.unified_diff(
                these[url].decode().splitlines(), those[url].decode().splitlines(), lineterm="", n=1)))
    return True


def no_rebuilding(monkeypatch):
    def rebuild(*args, **kwargs):
        raise AssertionError("a summary worked a period out again from the answers")
    monkeypatch.setattr(db, "weekly_counts", rebuild)


def test_a_closed_period_is_read_from_what_was_stored_when_it_was_decided(client, database, tal,
                                                                         monkeypatch):
    sign_in(client, "anna@example.dk")
    first = pages(client)  # decides weeks 1-11 and the blocks that closed, once
    cells, k = db.decided_period(database, tal["id"], "2025-W10")
    assert k == 5 and cells["N"] == ("shown", 20) and cells["importance|9"] == ("shown", 8)
    assert cells["importance|1"] == ("small", None)  # a withheld cell stores no count
    no_rebuilding(monkeypatch)
    assert same(pages(client), first)
    # The answers behind a decided week go (as only retention's folding does, keeping the counts):
    # the summary is unchanged, for it never reads them.
    db.delete_responses(database, tal["id"], "2025-W10", "2025-W10")
    html = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    assert "<strong>20</strong> svar" in html and row(html, "9") == "8" and row(html, "1") == "&lt; 5"


def test_a_week_that_closes_later_is_decided_once_and_its_counts_stored(app, client, database, tal,
                                                                       monkeypatch):
    sign_in(client, "anna@example.dk")
    client.get("/staff/c/tal/summary/2025-W10")
    for _ in range(7):
        answer(database, tal, "2025-W12", [("importance", "8")])
    app.config["CLOCK"] = datetime.datetime(2025, 3, 26, 12, 0)  # week 12 has closed
    html = client.get("/staff/c/tal/summary/2025-W12").get_data(as_text=True)
    assert "<strong>7</strong> svar" in html and row(html, "8") == "7"
    assert db.decided_period(database, tal["id"], "2025-W12")[0]["importance|8"] == ("shown", 7)
    no_rebuilding(monkeypatch)
    assert row(client.get("/staff/c/tal/summary/2025-W12").get_data(as_text=True), "8") == "7"


def test_periods_decided_before_counts_were_stored_have_them_filled_in_once(client, database, tal,
                                                                           monkeypatch):
    sign_in(client, "anna@example.dk")
    first = pages(client)
    # As an installation decided them before this version: the pattern, and no counts.
    database.execute("UPDATE published SET count = NULL")
    assert db.uncounted_years(database, tal["id"]) == [2025]
    assert same(pages(client), first)  # filled in from the answers, the same figures
    assert db.uncounted_years(database, tal["id"]) == []
    no_rebuilding(monkeypatch)
    assert same(pages(client), first)


def test_stored_counts_are_the_counts_the_year_would_show(client, database, tal):
    sign_in(client, "anna@example.dk")
    pages(client)
    now = datetime.datetime(2025, 3, 20, 12, 0)
    built = figures.decided_table(database, tal, 2025, 5, now, decide_new=False)
    stored = figures.StoredTable(database, tal["id"], 2025, folded=False)
    for (period_key, cell), status in built.statuses.items():
        period = figures.periods.parse(period_key)
        assert stored.status(period, cell) == status
        if status == figures.SHOWN:
            assert stored.value(period, cell) == built.value(period, cell)


def test_the_median_of_counted_scores_is_the_median_of_the_scores():
    import random
    import statistics

    rng = random.Random(18)
    for _ in range(300):
        counted = [(score, rng.choice([0, 0, 1, 2, 7, 500])) for score in range(1, 11)]
        if sum(count for _score, count in counted):
            scores = [score for score, count in counted for _ in range(count)]
            assert figures._median(counted) == statistics.median(scores)


def test_a_trends_headline_is_what_the_full_figures_say(client, database, tal):
    answer(database, tal, "2025-W09", [("importance", "9")])  # a small week beside the others
    for _ in range(9):
        answer(database, tal, "2025-W08", [("importance", "10")])
    sign_in(client, "anna@example.dk")
    pages(client)
    table = figures.StoredTable(database, tal["id"], 2025, folded=False)
    for key in ("2025-W08", "2025-W09", "2025-W10", "2025-W11", "2025-B01", "2025-B02"):
        period = figures.periods.parse(key)
        full = figures.period_figures(table, period)
        importance = next((f for f in full["fields"] if f["field"].name == "importance"), None)
        share = figures.importance_extras(importance, full["total"])[0] if importance else None
        assert figures.headline(table, period) == (full["total"], share), key
