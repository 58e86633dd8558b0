"""How long things are kept, and the page that tells respondents, from the settings the code uses."""

import os

import pytest

from app import db

from .conftest import run_cli_here


CLOCK = "2026-11-25T12:00:00"  # 2026-W48; three months back is 2026-08-25, in 2026-W35


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "BRUGERSTEMMEN_DATA_DIR": str(tmp_path / "data"), "BRUGERSTEMMEN_CLOCK": CLOCK}


def add_messages(env, slug, by_week):
    database = db.connect(db.path_in(env["BRUGERSTEMMEN_DATA_DIR"]))
    try:
        centre = db.centre_by_slug(database, slug)
        for week, text in by_week:
            db.record_response(database, centre_id=centre["id"], iso_week=week, question_set=1, answers=[("importance", "7")],
                               message=text)
        return centre
    finally:
        database.close()


def file_bytes(env):
    path = db.path_in(env["BRUGERSTEMMEN_DATA_DIR"])
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))  # the file, its WAL and shm


def test_purge_deletes_messages_past_their_keeping_and_their_bytes_leave_the_file(env):
    run_cli_here(env, "centre", "add", "Café Glemsel", "--slug", "glemsel")
    run_cli_here(env, "centre", "add", "Café Husk", "--slug", "husk")
    add_messages(env, "glemsel", [("2026-W30", "Gammel besked om kaffen"), ("2026-W34", "Lidt nyere om kagen"),
                                  ("2026-W35", "Stadig gemt om haven"), ("2026-W47", "Ny besked om turen")])
    add_messages(env, "husk", [("2026-W30", "Husk gammel besked")])
    database = db.connect(db.path_in(env["BRUGERSTEMMEN_DATA_DIR"]))
    db.update_centre(database, "husk", message_retention_months=6)  # keeps from 2026-W22
    database.close()

    dry = run_cli_here(env, "purge", "--dry-run")
    assert "glemsel: would delete 2 messages from before 2026-W35" in dry.stdout
    assert "husk: would delete 0 messages from before 2026-W22" in dry.stdout
    assert b"Gammel besked om kaffen" in file_bytes(env)

    done = run_cli_here(env, "purge")
    assert done.stdout.strip() == "glemsel: deleted 2 messages from before 2026-W35"
    raw = file_bytes(env)
    assert b"Gammel besked om kaffen" not in raw and b"Lidt nyere om kagen" not in raw
    assert b"Stadig gemt om haven" in raw and b"Ny besked om turen" in raw and b"Husk gammel besked" in raw
    assert run_cli_here(env, "purge").stdout.strip() == "Nothing has outlived its keeping."
    # The answers themselves stay (their own retention is another matter): only the words go.
    database = db.connect(db.path_in(env["BRUGERSTEMMEN_DATA_DIR"]))
    try:
        assert db.count_responses(database, db.centre_by_slug(database, "glemsel")["id"]) == 4
    finally:
        database.close()


def test_the_nightly_job_purges_before_it_copies():
    from pathlib import Path

    unit = (Path(__file__).parent.parent / "deploy" / "brugerstemmen-backup.service").read_text()
    assert unit.index("brugerstemmen purge") < unit.index("brugerstemmen backup")


@pytest.mark.calendar
def test_the_page_on_what_happens_to_an_answer_follows_the_settings(client, database, make_centre):
    centre = make_centre("Café Åben")
    url = f"/s/{centre['survey_token']}/privacy"
    page = client.get(url).get_data(as_text=True)
    assert "færre end 5 svar" in page and "mindst 10 svar" in page
    assert "hverken sproget eller om du brugte tabletten eller en telefon" in page  # neither is kept
    assert "Beskeder slettes 3 måneder efter" in page
    db.update_centre(database, centre["slug"], min_cell_size=12, message_retention_months=1)
    page = client.get(url).get_data(as_text=True)
    assert "færre end 12 svar" in page and "mindst 12 svar" in page  # never below k
    assert "Beskeder slettes 1 måned efter" in page
    db.update_centre(database, centre["slug"], disabled_questions=["message"])
    assert "Beskeder slettes" not in client.get(url).get_data(as_text=True)  # no messages asked, none kept
    english = client.get(url + "?lang=en").get_data(as_text=True)
    assert "What is never kept" in english and "IP address" in english
    assert client.get("/s/no-such-code/privacy").status_code == 404


@pytest.mark.calendar
def test_every_survey_screen_links_to_it(client, make_centre):
    centre = make_centre()
    survey = f"/s/{centre['survey_token']}"
    for path in (survey, survey + "/tak", survey + "?lang=en"):
        html = client.get(path).get_data(as_text=True)
        assert f'href="{survey}/privacy?lang=' in html, path


def test_old_answers_are_folded_into_their_years_published_counts_and_summaries_stay_the_same(env, tmp_path):
    from app import clock, create_app, figures, periods

    run_cli_here(env, "centre", "add", "Café Gammel", "--slug", "gammel")
    database = db.connect(db.path_in(env["BRUGERSTEMMEN_DATA_DIR"]))
    centre = db.update_centre(database, "gammel", retention_months=3)
    with db.write_transaction(database):  # 1,188 answers in one transaction, not one flush each
        for week in [f"2025-W{w:02d}" for w in range(1, 53)] + [f"2026-W{w:02d}" for w in range(1, 48)]:
            for n in range(12):
                db.insert_response(database, centre_id=centre["id"], iso_week=week, question_set=1,
                                   answers=[("importance", str(6 + n % 5)), ("reasons", "meal")])
    database.close()
    periods_to_check = ["2025-W10", "2025-B03", "2025-Q1", "2025", "2026-W40"]

    def summaries(label):
        found = {}
        for key in periods_to_check:
            out = tmp_path / f"{label}-{key}.csv"
            option = "--week" if "W" in key else "--period"
            run_cli_here(env, "summary", "--centre", "gammel", option, key, "--format", "csv", "--output", str(out))
            found[key] = out.read_bytes()
        return found

    before = summaries("before")
    assert "Svar;624".encode() in before["2025"] and "Svar;12".encode() in before["2026-W40"]  # exact
    assert "Antallet af svar er præcist.".encode() in before["2025"]  # the rest perturbed, and it says so
    dry = run_cli_here(env, "purge", "--dry-run").stdout
    assert "gammel: would fold 624 answers from before 2026-W01" in dry  # 2026 is open: kept whole
    done = run_cli_here(env, "purge").stdout
    assert "gammel: folded 624 answers from before 2026-W01 into their years' published counts" in done
    database = db.connect(db.path_in(env["BRUGERSTEMMEN_DATA_DIR"]))
    try:
        weeks = {row[0][:4] for row in database.execute("SELECT DISTINCT iso_week FROM responses")}
        assert weeks == {"2026"}  # 2025's answers are gone for good, 2026's stay until it closes
        assert database.execute("SELECT count(*) FROM answers a LEFT JOIN responses r ON r.id = a.response_id "
                                "WHERE r.id IS NULL").fetchone()[0] == 0
        app = create_app({"DATA_DIR": env["BRUGERSTEMMEN_DATA_DIR"], "CLOCK": CLOCK})
        with app.app_context():
            table = figures.stored_table(database, db.centre_by_slug(database, "gammel"), 2025, clock.now())
            assert figures.period_figures(table, periods.parse("2025-W10"))["folded"] is True
    finally:
        database.close()
    after = summaries("after")
    for key in periods_to_check:  # every old period reads the same from its published counts ...
        gone = "Svarene fra denne periode gemmes ikke længere".encode()
        kept = [line for line in after[key].split(b"\r\n") if gone not in line]  # all but that note
        assert kept == before[key].split(b"\r\n"), key
        assert (gone in after[key]) == key.startswith("2025")  # ... and says its answers are gone
    assert "Nothing has outlived its keeping." in run_cli_here(env, "purge").stdout


def test_a_folded_period_tells_staff_its_answers_are_gone(env, tmp_path):
    from app import accounts, create_app

    run_cli_here(env, "centre", "add", "Café Foldet", "--slug", "foldet")
    database = db.connect(db.path_in(env["BRUGERSTEMMEN_DATA_DIR"]))
    centre = db.update_centre(database, "foldet", retention_months=3)
    for w in range(1, 53):
        for _ in range(8):
            db.record_response(database, centre_id=centre["id"], iso_week=f"2025-W{w:02d}", question_set=1,
                               answers=[("importance", "9")])
    person = db.create_staff(database, "leder@foldet.example", accounts.hash_password("kaffe og kage hver dag"))
    db.set_membership(database, person["id"], centre["id"], "staff")
    database.close()
    run_cli_here(env, "purge")
    app = create_app({"DATA_DIR": env["BRUGERSTEMMEN_DATA_DIR"], "CLOCK": CLOCK, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.post("/staff/login", data={"email": "leder@foldet.example", "password": "kaffe og kage hver dag"})
    page = client.get("/staff/c/foldet/summary/2025-W20").get_data(as_text=True)
    assert "Svarene fra denne periode gemmes ikke længere" in page and "<strong>8</strong>" in page


def test_a_trend_shows_the_numbers_a_folded_year_published(env):
    import re

    from app import accounts, create_app

    run_cli_here(env, "centre", "add", "Café Spor", "--slug", "spor")
    database = db.connect(db.path_in(env["BRUGERSTEMMEN_DATA_DIR"]))
    centre = db.update_centre(database, "spor", retention_months=3)
    for week in [f"2025-W{w:02d}" for w in range(44, 53)] + ["2026-W01", "2026-W02", "2026-W03"]:
        for _ in range(6):
            db.record_response(database, centre_id=centre["id"], iso_week=week, question_set=1, answers=[("importance", "9")])
    person = db.create_staff(database, "leder@spor.example", accounts.hash_password("kaffe og kage hver dag"))
    db.set_membership(database, person["id"], centre["id"], "staff")
    database.close()

    def trend():
        app = create_app({"DATA_DIR": env["BRUGERSTEMMEN_DATA_DIR"], "CLOCK": CLOCK, "WTF_CSRF_ENABLED": False})
        client = app.test_client()
        client.post("/staff/login", data={"email": "leder@spor.example", "password": "kaffe og kage hver dag"})
        html = client.get("/staff/c/spor/summary/2026-W03").get_data(as_text=True)
        return dict(re.findall(r'<th scope="row">(uge [^<]*)</th>\s*<td class="num">([^<]*)</td>',
                               html[html.index("De sidste 12 uger"):]))

    before = trend()
    assert before["uge 44 · 2025"] == before["uge 3 · 2026"] == "6"  # every week's number of answers, exact
    assert "folded 54 answers" in run_cli_here(env, "purge").stdout
    assert trend() == before  # what 2025's weeks published stays what they show
