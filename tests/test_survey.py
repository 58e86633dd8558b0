"""The respondent side through Flask's test client, on a real SQLite file."""

import re

import pytest

from app import create_app, db

from .conftest import csrf_token

FULL_ANSWER = {"importance": "9", "reasons": ["meet_people", "meal"], "frequency": "daily",
               "meaning.respected": "agree", "wishes": "meals", "message": ""}


def stored(database, centre):
    return db.count_responses(database, centre["id"])


def test_the_phone_survey_shows_every_question_in_danish(client, make_centre):
    centre = make_centre("Café Nord")
    page = client.get(f"/s/{centre['survey_token']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="da" dir="ltr">' in html
    assert "Hvor vigtigt er dette sted for dig?" in html
    assert "Café Nord" in html
    for name in ("importance", "reasons", "frequency", "meaning.community", "wishes", "message"):
        assert f'name="{name}"' in html
    # The phone works without JavaScript: the one script only adds larger text and read-aloud.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/comfort.js" defer>']
    assert page.headers["Cache-Control"] == "no-store"


def test_english_is_chosen_per_answer_not_remembered(client, make_centre):
    centre = make_centre()
    html = client.get(f"/s/{centre['survey_token']}?lang=en").get_data(as_text=True)
    assert "How important is this place to you?" in html and '<html lang="en"' in html
    assert "lang" not in "".join(client.get_cookie("session").value if client.get_cookie("session") else "")
    assert "Hvor vigtigt" in client.get(f"/s/{centre['survey_token']}").get_data(as_text=True)


def test_sending_stores_one_response_and_thanks_plainly(client, database, make_centre):
    centre = make_centre()
    response = client.post(f"/s/{centre['survey_token']}", data=FULL_ANSWER)
    assert response.status_code == 303
    assert stored(database, centre) == 1
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tak for dit svar!" in thanks
    assert "mindst 5 personer" in thanks


def test_a_single_tap_is_a_whole_answer(client, database, make_centre):
    centre = make_centre()
    assert client.post(f"/s/{centre['survey_token']}", data={"frequency": "first_time"}).status_code == 303
    assert stored(database, centre) == 1


def test_sending_nothing_stores_nothing_and_says_why(client, database, make_centre):
    centre = make_centre()
    response = client.post(f"/s/{centre['survey_token']}", data={})
    assert response.status_code == 400
    assert "Du har ikke svaret på noget endnu" in response.get_data(as_text=True)
    assert stored(database, centre) == 0


@pytest.mark.parametrize("data", [
    {"importance": "99"},
    {"hack": "1"},
    {"importance": ["9", "10"]},
    {"reasons": ["meal", "meal"]},
    {"message": "x" * 5000},
])
def test_bad_input_gets_a_friendly_page_in_the_chosen_language_and_stores_nothing(
        client, database, make_centre, data):
    centre = make_centre()
    response = client.post(f"/s/{centre['survey_token']}?lang=en", data={**data, "frequency": "daily"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "We could not read your answer" in html and "Traceback" not in html
    assert stored(database, centre) == 0


def test_an_oversize_body_is_refused_kindly(client, make_centre):
    centre = make_centre()
    response = client.post(f"/s/{centre['survey_token']}", data={"message": "x" * 100_000})
    assert response.status_code == 413
    assert "Det var for meget tekst" in response.get_data(as_text=True)


def test_the_message_is_scrubbed_before_it_is_stored(client, database, make_centre):
    centre = make_centre()
    client.post(f"/s/{centre['survey_token']}",
                data={"message": "Ring til mig på 12 34 56 78 eller ole@example.dk, cpr 010190-1234"})
    (body,) = db.messages_of(database, centre["id"])
    assert "12 34" not in body and "ole@" not in body and "1234" not in body
    assert "[TELEFON]" in body and "[E-MAIL]" in body and "[CPR]" in body


def test_a_centre_without_free_text_shows_and_takes_none(client, database, make_centre):
    centre = make_centre(disabled_questions=["message"])
    assert 'name="message"' not in client.get(f"/s/{centre['survey_token']}").get_data(as_text=True)
    assert client.post(f"/s/{centre['survey_token']}", data={"message": "hej"}).status_code == 400
    assert db.messages_of(database, centre["id"]) == []


def test_the_honeypot_pretends_and_stores_nothing(client, database, make_centre):
    centre = make_centre()
    response = client.post(f"/s/{centre['survey_token']}", data={"importance": "1", "website": "http://spam"})
    assert response.status_code == 303
    assert stored(database, centre) == 0


def test_an_unknown_or_rotated_code_reveals_nothing(client, database, make_centre):
    centre = make_centre("Hemmelige Hus")
    old = centre["survey_token"]
    db.rotate_survey_token(database, centre["slug"])
    for token in (old, "x" * 32):
        response = client.get(f"/s/{token}")
        html = response.get_data(as_text=True)
        assert response.status_code == 404
        assert "Denne kode bruges ikke længere" in html
        assert "Hemmelige Hus" not in html
    assert client.post(f"/s/{old}", data={"importance": "5"}).status_code == 404
    assert stored(database, centre) == 0


def test_a_failed_save_says_so_and_keeps_the_answers(app, client, database, make_centre):
    centre = make_centre()
    app.config["DB_BUSY_TIMEOUT_MS"] = 50
    database.execute("BEGIN IMMEDIATE")  # another writer holds the lock for too long
    try:
        response = client.post(f"/s/{centre['survey_token']}", data=FULL_ANSWER)
    finally:
        database.execute("ROLLBACK")
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "dit svar kunne ikke gemmes lige nu" in html
    assert re.search(r'name="importance" value="9" checked', html)
    assert re.search(r'name="reasons" value="meal" checked', html)
    assert stored(database, centre) == 0


def test_every_error_page_is_friendly(client):
    for path, code in (("/nowhere", 404), ("/s/", 404)):
        response = client.get(path)
        assert response.status_code == code
        assert "Siden findes ikke" in response.get_data(as_text=True)
    assert client.put("/").status_code == 405


def test_security_headers_on_every_page(client, make_centre):
    centre = make_centre()
    headers = client.get(f"/s/{centre['survey_token']}").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"


# --- CSRF, switched back on -----------------------------------------------------------------

@pytest.fixture
def csrf_client(data_dir):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir)})
    with app.app_context():
        db.migrate(db.get_db())
    return app.test_client()


def test_csrf_protects_the_survey_and_an_expired_token_keeps_the_answers(csrf_client, database, make_centre):
    centre = make_centre()
    url = f"/s/{centre['survey_token']}"
    csrf_client.get(url)  # the session exists, the token in the form is stale
    missing = csrf_client.post(url, data={"importance": "7", "csrf_token": "stale"})
    assert missing.status_code == 400
    html = missing.get_data(as_text=True)
    assert "Siden har været åben længe" in html and 'name="importance" value="7" checked' in html
    assert stored(database, centre) == 0
    token = csrf_token(html)  # the page came back with a fresh token: one more press works
    assert csrf_client.post(url, data={"importance": "7", "csrf_token": token}).status_code == 303
    assert stored(database, centre) == 1


def test_a_browser_without_cookies_is_told_so(csrf_client, database, make_centre):
    centre = make_centre()
    url = f"/s/{centre['survey_token']}"
    token = csrf_token(csrf_client.get(url).get_data(as_text=True))
    csrf_client.delete_cookie("session")
    response = csrf_client.post(url, data={"importance": "7", "csrf_token": token})
    assert response.status_code == 400
    assert "browseren gemte den ikke" in response.get_data(as_text=True)
    assert stored(database, centre) == 0


def test_pairing_works_over_https_without_a_referer(data_dir, database, make_centre):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "BASE_URL": "https://stemme.example.dk"})
    client = app.test_client()
    link = db.create_pairing(database, make_centre()["id"], ttl_hours=1)
    page = client.get(f"/kiosk/pair/{link}", base_url="https://stemme.example.dk")
    response = client.post(f"/kiosk/pair/{link}", base_url="https://stemme.example.dk",
                           data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_kiosk_token_does_not_expire(csrf_client, database, make_centre, monkeypatch):
    import time

    centre = make_centre()
    link = db.create_pairing(database, centre["id"], ttl_hours=1)
    pair_page = csrf_client.get(f"/kiosk/pair/{link}").get_data(as_text=True)
    csrf_client.post(f"/kiosk/pair/{link}", data={"csrf_token": csrf_token(pair_page)})
    token = csrf_token(csrf_client.get("/kiosk/").get_data(as_text=True))
    later = time.time() + 14 * 86400  # a fortnight on the start screen
    monkeypatch.setattr(time, "time", lambda: later)
    assert csrf_client.post("/kiosk/", data={"importance": "8", "csrf_token": token}).status_code == 303
    assert stored(database, centre) == 1
