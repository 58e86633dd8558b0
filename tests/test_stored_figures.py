"""Summaries served from stored figures (#18, item 5): each closed period's published counts are
stored when it is decided (exact, perturbed, or, for periods decided by cell suppression before,
their pattern), and a summary reads them; it never works the year out again from the answers."""

import datetime
import difflib
import re

import pytest

from app import accounts, db, figures

from .test_staff import PASSWORD, sign_in
from .test_summary import answer, perturbed, row

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
    monkeypatch.setattr(db, "year_answers", rebuild)


def test_a_closed_period_is_read_from_what_was_stored_when_it_was_decided(client, database, tal,
                                                                         monkeypatch):
    sign_in(client, "anna@example.dk")
    first = pages(client)  # decides weeks 1-11 and the blocks that closed, once
    cells, k, rule = db.decided_period(database, tal["id"], "2025-W10")
    assert k == 5 and rule == figures.RULE and cells["N"] == ("shown", 20)
    first_html = first["/staff/c/tal/summary/2025-W10"].decode()
    for score, true in {"9": 8, "1": 1, "2": 0}.items():  # each stored as the number the page printed
        assert cells[f"importance|{score}"] == ("perturbed", perturbed(row(first_html, score), true, 20, score))
    no_rebuilding(monkeypatch)
    assert same(pages(client), first)
    # The answers behind a decided week go (as only retention's folding does, keeping the counts):
    # the summary is unchanged, for it never reads them.
    db.delete_responses(database, tal["id"], "2025-W10", "2025-W10")
    html = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    assert "<strong>20</strong> svar" in html
    assert [row(html, str(n)) for n in range(1, 11)] == [row(first_html, str(n)) for n in range(1, 11)]
    assert client.get("/staff/c/tal/summary/2025-W10/download.csv").data == first[
        "/staff/c/tal/summary/2025-W10/download.csv"]


def test_a_week_that_closes_later_is_decided_once_and_its_counts_stored(app, client, database, tal,
                                                                       monkeypatch):
    sign_in(client, "anna@example.dk")
    client.get("/staff/c/tal/summary/2025-W10")
    for _ in range(7):
        answer(database, tal, "2025-W12", [("importance", "8")])
    app.config["CLOCK"] = datetime.datetime(2025, 3, 26, 12, 0)  # week 12 has closed
    html = client.get("/staff/c/tal/summary/2025-W12").get_data(as_text=True)
    assert "<strong>7</strong> svar" in html
    eight = perturbed(row(html, "8"), 7, 7, "8")  # 5, 6 or 7: never more than answered
    assert db.decided_period(database, tal["id"], "2025-W12")[0]["importance|8"] == ("perturbed", eight)
    no_rebuilding(monkeypatch)
    assert row(client.get("/staff/c/tal/summary/2025-W12").get_data(as_text=True), "8") == str(eight)


def test_periods_decided_before_counts_were_stored_have_them_filled_in_once(client, database, tal,
                                                                           monkeypatch):
    from app.disclosure import SUPPRESSED

    # As an installation of cell suppression (rule 2) decided week 10 before counts were stored:
    # the pattern alone. Nobody gave 2, 4 and 6-8 (0 shown), 9 and 10 were shown, 1, 3 and 5 were "< 5".
    old = {("2025-W10", "N"): ("shown", None), ("2025-W10", "importance|unanswered"): ("shown", None)}
    old.update({("2025-W10", f"importance|{score}"): ("shown", None) for score in ("2", "4", "6", "7", "8", "9", "10")})
    old.update({("2025-W10", f"importance|{score}"): ("small", None) for score in ("1", "3", "5")})
    db.save_published(database, tal["id"], old, 5, SUPPRESSED)
    assert db.uncounted_years(database, tal["id"]) == [2025]
    sign_in(client, "anna@example.dk")
    first = pages(client)  # filled in from the answers: the true counts it showed
    html = first["/staff/c/tal/summary/2025-W10"].decode()
    assert "<strong>20</strong> svar" in html and row(html, "9") == "8" and row(html, "10") == "6"
    assert row(html, "2") == "0" and row(html, "1") == "&lt; 5" and row(html, "3") == "&lt; 5"
    assert db.uncounted_years(database, tal["id"]) == []
    cells, _k, rule = db.decided_period(database, tal["id"], "2025-W10")
    assert rule == SUPPRESSED and cells["importance|9"] == ("shown", 8) and cells["importance|1"] == ("small", None)
    no_rebuilding(monkeypatch)
    assert same(pages(client), first)


def test_stored_counts_are_the_counts_deciding_the_same_answers_again_would_give(client, database, tal):
    """The cell key method: the same answers always get the same numbers, so what was stored is
    what deciding the year afresh gives, and what the stored table reads back."""
    from app import questions
    from app.disclosure import layout, publish

    sign_in(client, "anna@example.dk")
    pages(client)
    now = datetime.datetime(2025, 3, 20, 12, 0)
    decisions, _rules, k = db.published_decisions(database, tal["id"], 2025)
    fields = layout(questions.load())
    again = publish(fields, figures.year_weeks(database, tal["id"], 2025, fields), k, {}, {},
                    figures.closed_weeks(2025, now))
    assert {(p, figures._encode(c)): found for (p, c), found in again.items()} == decisions
    assert sum(status == figures.PERTURBED for status, _count in decisions.values()) >= 80  # all of week 10: not vacuous
    stored = figures.StoredTable(database, tal["id"], 2025, folded=False)
    for (period_key, cell), (status, count) in decisions.items():
        period = figures.periods.parse(period_key)
        assert stored.status(period, figures._decode(cell)) == status
        assert stored.value(period, figures._decode(cell)) == count


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


def test_a_block_closing_over_a_week_decided_before_counts_were_stored_is_decided(app, client, database, tal):
    """The block's witnesses read week 10's shown counts: they are filled in before it is decided."""
    from app.disclosure import SUPPRESSED

    old = {("2025-W10", "N"): ("shown", None), ("2025-W10", "importance|unanswered"): ("shown", None)}
    old.update({("2025-W10", f"importance|{score}"): ("shown", None) for score in ("2", "4", "6", "7", "8", "9", "10")})
    old.update({("2025-W10", f"importance|{score}"): ("small", None) for score in ("1", "3", "5")})
    db.save_published(database, tal["id"], old, 5, SUPPRESSED)
    app.config["CLOCK"] = datetime.datetime(2025, 4, 2, 12, 0)  # weeks 12 and 13 and the block of 10 and 11 have closed
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-B03").get_data(as_text=True)
    assert "<strong>22</strong> svar" in html
    assert row(html, "9") != "–" and row(html, "1") != "–"


def test_an_option_the_questions_no_longer_offer_counts_as_unanswered(client, database, tal):
    """An answer stored under an option since removed from the questions (question_set 1 kept
    answers of an older set) is counted among those who did not answer that question."""
    for _ in range(6):
        answer(database, tal, "2025-W09", [("importance", "11"), ("reasons", "meal")])
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W09").get_data(as_text=True)
    assert "<strong>6</strong> svar" in html
    cells, _k, _rule = db.decided_period(database, tal["id"], "2025-W09")
    assert "importance|11" not in cells and cells["importance|unanswered"][0] == "perturbed"
