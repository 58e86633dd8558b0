"""The staff home of a centre: this week so far (a count, never a breakdown), the tablets and
when they were last on (a day, never from an answer), the sync in plain words, what needs doing."""

import datetime
import re

import pytest

from app import accounts, db

from .test_staff import PASSWORD, sign_in
from .test_summary import BOUND, percent

WEDNESDAY = "2026-11-25T12:00:00"  # 2026-W48


@pytest.fixture
def home(app, client, database, make_centre):
    app.config["CLOCK"] = WEDNESDAY
    centre = make_centre("Café Hjem", slug="hjem")
    person = db.create_staff(database, "anna@example.dk", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "admin")
    sign_in(client, "anna@example.dk")
    client.centre = centre
    return client


def page(client):
    response = client.get("/staff/c/hjem/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def answer_this_week(database, centre, answers, now=WEDNESDAY):
    db.store_answer(database, datetime.datetime.fromisoformat(now), centre_id=centre["id"], iso_week="2026-W48",
                    question_set=1, answers=answers)


def section(html, name):
    start = html.index(f'id="{name}"')
    return html[start:html.index("</section>", start)]


def test_this_week_so_far_is_a_count_from_k_and_never_a_breakdown(home, database):
    assert "ingen svar endnu" in section(page(home), "so-far")
    for _ in range(3):
        answer_this_week(database, home.centre, [("importance", "9"), ("reasons", "meal")])
    html = page(home)
    assert "uge 48 · 2026:" in section(html, "so-far") and "færre end 5 svar" in section(html, "so-far")
    assert "3 svar" not in html
    for _ in range(4):
        answer_this_week(database, home.centre, [("importance", "9"), ("reasons", "meal")])
    html = page(home)
    assert re.search(r"<strong>7 svar</strong>", section(html, "so-far"))
    # Of the week that has not closed, only its count: no score, no reason, no share.
    assert "For at få et måltid mad" not in html and " %" not in section(html, "so-far")
    assert "mandag den 30. november 2026 kl. 01.00" in section(html, "so-far")


def test_a_tablet_shows_the_day_it_was_paired_and_last_on_never_from_an_answer(app, home, database):
    tablet = app.test_client()
    link = db.create_pairing(database, home.centre["id"], ttl_hours=1)
    assert tablet.post(f"/kiosk/pair/{link}", data={"nickname": "Caféens tablet"}).status_code == 303
    (kiosk,) = db.kiosks_of(database, home.centre["id"])
    assert kiosk["paired_on"] == "2026-11-25" and kiosk["last_seen_on"] is None
    assert tablet.post("/kiosk/seen").status_code == 204
    assert db.kiosks_of(database, home.centre["id"])[0]["last_seen_on"] == "2026-11-25"

    app.config["CLOCK"] = "2026-11-26T09:00:00"  # the next day, an answer and its pages: last seen stays
    assert tablet.get("/kiosk/").status_code == 200
    assert tablet.post("/kiosk/", data={"importance": "8"}, headers={"Idempotency-Key": "t" * 24}).status_code == 303
    assert tablet.get("/kiosk/tak").status_code == 200
    assert db.kiosks_of(database, home.centre["id"])[0]["last_seen_on"] == "2026-11-25"
    stored = database.execute("SELECT paired_on, last_seen_on FROM kiosks").fetchall()
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) for row in stored for day in row)  # a day, never a time

    html = page(home)
    row = section(html, "tablets")
    assert "Caféens tablet" in row and row.count("onsdag den 25. november 2026") == 2
    assert 'data-to-do="tablet"' not in html
    app.config["CLOCK"] = "2026-11-28T12:00:00"  # three days after it was last on
    html = page(home)
    assert "Tabletten “Caféens tablet” har ikke været tændt siden onsdag den 25. november 2026" in section(html, "to-do")
    assert tablet.post("/kiosk/seen").status_code == 204
    assert 'data-to-do="tablet"' not in page(home)
    assert app.test_client().post("/kiosk/seen").status_code == 403  # only a paired tablet


def test_the_sync_is_told_in_plain_words(home, database):
    assert "sender ikke sine tal til LVS" in section(page(home), "sync")
    db.connect_hub(database, home.centre["id"], "https://hub.example", "c-1", "k" * 43)
    assert "LVS har ikke taget imod nogen af vores tal endnu." in section(page(home), "sync")
    db.record_sync_failure(database, home.centre["id"], 1_764_000_000, 1_764_000_060,
                           "hub unreachable: [Errno 111] Connection refused")
    html = page(home)
    assert "LVS kunne ikke nås: netværket her eller LVS’ server var nede." in section(html, "sync")
    assert "Connection refused" in section(html, "sync")  # the operator's detail, folded away
    assert 'data-to-do="sync"' in html
    db.record_sync_failure(database, home.centre["id"], 1_764_000_100, 1_764_000_160, "the hub refused (401): bad signature")
    assert "LVS godkendte ikke værestedets nøgle" in page(home)
    db.record_sync_success(database, home.centre["id"], 1_764_000_200)
    html = page(home)
    assert "LVS tog sidst imod vores tal" in section(html, "sync") and 'data-to-do="sync"' not in html


def test_a_reply_to_write_is_on_the_list_until_it_is_written(home, database):
    for week in ("2026-W44", "2026-W45", "2026-W46", "2026-W47"):
        for _ in range(6):
            db.record_response(database, centre_id=home.centre["id"], iso_week=week, question_set=1, answers=[("importance",
                               "9")])
    todo = section(page(home), "to-do")
    assert 'href="/staff/c/hjem/summary/2026-W47#reply"' in todo and "de sagde i uge 47 · 2026" in todo
    summary = home.get("/staff/c/hjem/summary/2026-W47").get_data(as_text=True)
    assert '<section class="reply" id="reply">' in summary
    home.post("/staff/c/hjem/summary/2026-W47/reply", data={"reply-da": "Vi har købt en ny kaffemaskine."})
    assert 'data-to-do="reply"' not in page(home) and "Ikke noget lige nu." in page(home)


def record(database, centre, week, scores):
    for score, times in scores.items():
        for _ in range(times):
            db.record_response(database, centre_id=centre["id"], iso_week=week, question_set=1, answers=[("importance", score)])


def test_last_week_at_a_glance_beside_the_block_before_its_own(home, database):
    assert "Ingen svar endnu" in section(page(home), "last-week")
    for week in ("2026-W40", "2026-W41", "2026-W42", "2026-W43"):  # the block before W47's own (W44-W47)
        record(database, home.centre, week, {"9": 5, "7": 5})  # 50 % gave 9 or 10
    record(database, home.centre, "2026-W47", {"10": 9, "7": 6})  # 60 %
    glance = section(page(home), "last-week")
    assert 'href="/staff/c/hjem/summary/2026-W47"' in glance and "<strong>15 svar</strong>" in glance  # exact
    # The shares rest on perturbed counts of 9-10: 9 of 15 and 20 of 40, each give or take 2.
    week = percent(re.search(r"Gav stedet 9 eller 10 ud af 10:</dt>\s*<dd><strong>([^<]*)</strong>", glance).group(1))
    assert abs(week - 60) <= 100 * BOUND / 15 + 0.05
    assert "Ugerne før (uge 40–43 · 2026):" in glance and "10 svar om ugen · 9 eller 10: " in glance  # 40 answers, exact
    block = percent(re.search(r"10 svar om ugen · 9 eller 10: ([^<]*)</dd>", glance).group(1))
    assert abs(block - 50) <= 100 * BOUND / 40 + 0.05
    # 60 % of 15 against 50 % of 40: chance alone gives such a difference often. No number is
    # offered as a change; the answers it would rest on are said.
    assert "procentpoint" not in glance
    assert "Ingen tydelig ændring: med 15 svar mod 40 svar kan så lille en forskel være tilfældig." in glance
    summary = home.get("/staff/c/hjem/summary/2026-W47").get_data(as_text=True)
    assert f"Gav stedet 9 eller 10 ud af 10: <strong>{share_text(week)}</strong>" in summary  # the summary's own share


def test_a_clear_change_is_given_with_the_answers_it_rests_on(home, database):
    for week in ("2026-W40", "2026-W41", "2026-W42", "2026-W43"):
        record(database, home.centre, week, {"9": 2, "7": 8})  # 20 % of 40 gave 9 or 10
    record(database, home.centre, "2026-W47", {"10": 20})  # 100 % of 20
    glance = section(page(home), "last-week")
    week = percent(re.search(r"Gav stedet 9 eller 10 ud af 10:</dt>\s*<dd><strong>([^<]*)</strong>", glance).group(1))
    block = percent(re.search(r"10 svar om ugen · 9 eller 10: ([^<]*)</dd>", glance).group(1))
    # The change is the difference of the two shares shown (all three rounded to a tenth), with its bases.
    change = re.search(r"<strong>([+−][0-9,]+) procentpoint</strong> \(20 svar mod 40 svar\)", glance).group(1)
    assert abs(float(change.replace("−", "-").replace(",", ".")) - (week - block)) <= 0.15 + 1e-9


def test_a_change_is_named_only_beyond_chance_and_the_protection():
    from app import figures, periods
    from app.staff.centre_home import Glance

    def glance(week_answers, week_share, block_answers, block_share, bound=2):
        return Glance(periods.parse("2026-W47"), figures.Count(figures.SHOWN, week_answers, 5), week_share,
                      periods.parse("2026-B10"), block_answers / 4, block_share, block_answers, 5, bound)

    issue = glance(25, 0.60, 98, 0.754)  # the trial's "−15,4 procentpoint": one week of 25 against 98
    assert round(issue.change, 1) == -15.4 and not issue.change_is_clear
    assert glance(400, 0.60, 1600, 0.754).change_is_clear  # the same difference on many answers is one
    assert glance(4, 1.0, 98, 0.2).change is None  # a base below k: no change at all
    assert not glance(200, 0.70, 800, 0.73, bound=2).change_is_clear
    assert glance(5, 1.2, 400, 0.1).change_is_clear  # a perturbed count above the total: no crash, a clear change


def share_text(share):
    return f"{share:.1f} %".replace(".", ",")


def test_a_small_last_week_shows_its_number_of_answers_and_no_share(home, database):
    record(database, home.centre, "2026-W40", {"9": 6})
    record(database, home.centre, "2026-W47", {"10": 3})
    glance = section(page(home), "last-week")
    # Fewer than 5 answers: the number is exact and shown, the rest of the week is not.
    assert "<strong>3 svar</strong>" in glance and "vises ikke for denne uge" in glance
    assert "færre end 5 svar" not in glance and "procentpoint" not in glance  # no change where a share is not shown
    assert "1,5 svar om ugen · 9 eller 10: " in glance  # the block before: 6 answers in 4 weeks, exact


def disk(data_dir):
    """Every byte the installation keeps, file by file."""
    return {path.name: path.read_bytes() for path in sorted(data_dir.rglob("*")) if path.is_file()}


def test_the_heartbeat_keeps_a_day_and_nothing_finer_on_disk(app, home, database):
    """Privacy: what a tablet's heartbeat leaves on disk is the day, and only the first heartbeat
    of a day writes at all, so no later one (nor an answer between them) can be dated from the files."""
    from pathlib import Path

    data_dir = Path(app.config["DATA_DIR"])
    tablet = app.test_client()
    link = db.create_pairing(database, home.centre["id"], ttl_hours=1)
    tablet.post(f"/kiosk/pair/{link}", data={"nickname": "Tablet"})
    app.config["CLOCK"] = "2026-11-26T07:15:00"
    assert tablet.post("/kiosk/seen").status_code == 204
    columns = [row[1] for row in database.execute("PRAGMA table_info(kiosks)")]
    (row,) = database.execute("SELECT * FROM kiosks").fetchall()
    seen = dict(zip(columns, row, strict=True))
    assert seen["last_seen_on"] == "2026-11-26" and seen["paired_on"] == "2026-11-25"
    assert not any(isinstance(v, str) and re.search(r"\d\d:\d\d|T\d", v) for v in seen.values())
    before = disk(data_dir)
    for time in ("2026-11-26T09:00:00", "2026-11-26T13:45:00", "2026-11-26T23:45:00"):
        app.config["CLOCK"] = time
        assert tablet.post("/kiosk/seen").status_code == 204
    assert disk(data_dir) == before  # later heartbeats the same day change no byte anywhere
    app.config["CLOCK"] = "2026-11-27T07:00:00"
    assert tablet.post("/kiosk/seen").status_code == 204
    assert db.kiosks_of(database, home.centre["id"])[0]["last_seen_on"] == "2026-11-27"


def test_answers_that_could_not_be_saved_are_counted_for_staff_and_never_logged_one_by_one(app, home, database,
                                                                                          caplog):
    from app.db import open_weeks

    from .conftest import post_answer

    blocked = open_weeks.folder_of(database) / "2026-W48.answers"
    blocked.mkdir(parents=True)  # the week's file cannot be written
    person = app.test_client()
    with caplog.at_level("INFO"):
        for _ in range(2):
            response = post_answer(person, f"/s/{home.centre['survey_token']}", {"importance": "9"})
            assert response.status_code == 503 and "kunne ikke gemmes" in response.get_data(as_text=True)
        assert caplog.text == ""
        blocked.rmdir()
        html = page(home)  # a staff page: the operator's line, one for both
    assert "I de sidste dage kunne 2 svar ikke gemmes" in html
    assert caplog.text.count("could not be stored") == 1 and "2 answers could not be stored" in caplog.text
