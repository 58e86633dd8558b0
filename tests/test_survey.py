"""The respondent side through Flask's test client, on a real SQLite file."""

import json
import re
from pathlib import Path

import pytest

from app import create_app, db

from .conftest import answer_token, csrf_token, open_weeks_held, post_answer

FULL_ANSWER = {"importance": "9", "reasons": ["meet_people", "meal"], "frequency": "daily",
               "meaning.respected": "agree", "wishes": "meals", "message": ""}


def stored(database, centre):
    return db.count_responses(database, centre["id"])


@pytest.mark.calendar
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


@pytest.mark.calendar
def test_english_is_chosen_per_answer_not_remembered(client, make_centre):
    centre = make_centre()
    html = client.get(f"/s/{centre['survey_token']}?lang=en").get_data(as_text=True)
    assert "How important is this place to you?" in html and '<html lang="en"' in html
    assert "lang" not in "".join(client.get_cookie("session").value if client.get_cookie("session") else "")
    assert "Hvor vigtigt" in client.get(f"/s/{centre['survey_token']}").get_data(as_text=True)


@pytest.mark.calendar
def test_sending_stores_one_response_and_thanks_plainly(client, database, make_centre):
    centre = make_centre()
    response = post_answer(client, f"/s/{centre['survey_token']}", FULL_ANSWER)
    assert response.status_code == 303
    assert stored(database, centre) == 1
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Tak for dit svar!" in thanks
    assert "aldrig én persons svar" in thanks and "ændret en smule tilfældigt" in thanks


@pytest.mark.calendar
def test_a_single_tap_is_a_whole_answer(client, database, make_centre):
    centre = make_centre()
    assert post_answer(client, f"/s/{centre['survey_token']}", {"frequency": "first_time"}).status_code == 303
    assert stored(database, centre) == 1


@pytest.mark.calendar
def test_sending_nothing_is_thanked_kindly_and_stores_nothing(client, database, make_centre):
    centre = make_centre()
    for token in (True, False):  # from the page, or a bare empty post: no error either way
        response = (post_answer(client, f"/s/{centre['survey_token']}", {}) if token
                    else client.post(f"/s/{centre['survey_token']}", data={"message": "  "}))
        assert response.status_code == 303 and response.headers["Location"].endswith("&sent=nothing")
        page = client.get(response.headers["Location"])
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "Tak alligevel!" in html and "der er ikke gemt noget" in html
        assert "Tak for dit svar!" not in html
    assert stored(database, centre) == 0 and db.messages_of(database, centre["id"]) == []


@pytest.mark.parametrize("data", [
    {"importance": "99"},
    {"hack": "1"},
    {"importance": ["9", "10"]},
    {"reasons": ["meal", "meal"]},
    {"message": "x" * 5000},
])
@pytest.mark.calendar
def test_bad_input_gets_a_friendly_page_in_the_chosen_language_and_stores_nothing(
        client, database, make_centre, data):
    centre = make_centre()
    response = client.post(f"/s/{centre['survey_token']}?lang=en", data={**data, "frequency": "daily"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "We could not read your answer" in html and "Traceback" not in html
    assert stored(database, centre) == 0


@pytest.mark.calendar
def test_an_oversize_body_is_refused_kindly(client, make_centre):
    centre = make_centre()
    response = client.post(f"/s/{centre['survey_token']}", data={"message": "x" * 100_000})
    assert response.status_code == 413
    assert "Det var for meget tekst" in response.get_data(as_text=True)


@pytest.mark.calendar
def test_the_message_is_scrubbed_before_it_is_stored(client, database, make_centre):
    centre = make_centre()
    post_answer(client, f"/s/{centre['survey_token']}",
                {"message": "Ring til mig på 12 34 56 78 eller ole@example.dk, cpr 010190-1234"})
    (body,) = db.messages_of(database, centre["id"])
    assert "12 34" not in body and "ole@" not in body and "1234" not in body
    assert "[TELEFON]" in body and "[E-MAIL]" in body and "[CPR]" in body


@pytest.mark.calendar
def test_a_centre_without_free_text_shows_and_takes_none(client, database, make_centre):
    centre = make_centre(disabled_questions=["message"])
    assert 'name="message"' not in client.get(f"/s/{centre['survey_token']}").get_data(as_text=True)
    assert client.post(f"/s/{centre['survey_token']}", data={"message": "hej"}).status_code == 400
    assert db.messages_of(database, centre["id"]) == []


@pytest.mark.calendar
def test_the_honeypot_pretends_and_stores_nothing(client, database, make_centre):
    centre = make_centre()
    response = client.post(f"/s/{centre['survey_token']}", data={"importance": "1", "website": "http://spam"})
    assert response.status_code == 303
    assert stored(database, centre) == 0


@pytest.mark.calendar
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


@pytest.mark.calendar
def test_a_failed_save_says_so_and_keeps_the_answers(app, client, database, make_centre):
    centre = make_centre()
    app.config["DB_BUSY_TIMEOUT_MS"] = 50
    with open_weeks_held(app.config["DATA_DIR"]):  # another writer holds the lock for too long
        response = post_answer(client, f"/s/{centre['survey_token']}", FULL_ANSWER)
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


@pytest.mark.calendar
def test_security_headers_on_every_page(client, make_centre):
    centre = make_centre()
    headers = client.get(f"/s/{centre['survey_token']}").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    allowed = {rule.split("=")[0] for rule in headers["Permissions-Policy"].split(", ") if not rule.endswith("=()")}
    assert allowed == {"fullscreen", "screen-wake-lock"}  # what the kiosk uses, and nothing else
    assert "camera=()" in headers["Permissions-Policy"] and "microphone=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain http: a browser would ignore it anyway


@pytest.mark.calendar
def test_https_pages_ask_browsers_to_stay_on_https(data_dir, database, make_centre):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "BASE_URL": "https://stemme.example.dk"})
    centre = make_centre()
    for path in (f"/s/{centre['survey_token']}", "/staff/login", "/static/style.css", "/no-such-page"):
        with app.test_client().get(path, base_url="https://stemme.example.dk") as response:
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000", path
            assert "Permissions-Policy" in response.headers


# --- CSRF, switched back on -----------------------------------------------------------------

@pytest.fixture
def csrf_client(data_dir):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir)})
    with app.app_context():
        db.migrate(db.get_db())
    return app.test_client()


@pytest.mark.calendar
def test_the_phone_survey_sets_no_cookie_and_answers_without_one(csrf_client, database, make_centre):
    # CSRF switched on, as in production: the phone's form still needs no cookie (app/survey/forms.py).
    centre = make_centre()
    url = f"/s/{centre['survey_token']}"
    csrf_client.delete_cookie("session")
    page = csrf_client.get(url)
    html = page.get_data(as_text=True)
    assert "Set-Cookie" not in page.headers and 'name="csrf_token"' not in html
    sent = csrf_client.post(url, data={"importance": "7", "answer_token": answer_token(html)})
    assert sent.status_code == 303 and "Set-Cookie" not in sent.headers
    for path in (sent.headers["Location"], f"{url}/privacy", f"{url}/results"):
        assert "Set-Cookie" not in csrf_client.get(path).headers, path
    assert not list(csrf_client._cookies)  # nothing was ever left on the phone
    assert stored(database, centre) == 1
    # ...and its privacy page says so (the kiosk's does not: the tablet keeps its pairing cookie).
    assert "Spørgeskemaet gemmer ingen cookie på din telefon." in csrf_client.get(f"{url}/privacy").get_data(as_text=True)


@pytest.mark.calendar
def test_a_forged_or_missing_answer_token_stores_nothing_and_keeps_the_answers(csrf_client, database, make_centre):
    centre = make_centre()
    url = f"/s/{centre['survey_token']}"
    other = make_centre("Et andet sted")  # a genuine token of another centre's form is no token here
    foreign = answer_token(csrf_client.get(f"/s/{other['survey_token']}").get_data(as_text=True))
    for token in ("forged", foreign, None):
        refused = csrf_client.post(url, data={"importance": "7", **({"answer_token": token} if token else {})})
        assert refused.status_code == 400
        html = refused.get_data(as_text=True)
        assert "Siden har været åben længe" in html and 'name="importance" value="7" checked' in html
    assert stored(database, centre) == 0
    again = {"importance": "7", "answer_token": answer_token(html)}  # the page came back with a good one
    assert csrf_client.post(url, data=again).status_code == 303
    assert csrf_client.post(url, data=again).status_code == 303  # a double tap, or the back button and send
    assert stored(database, centre) == 1


@pytest.mark.calendar
def test_a_tablet_whose_browser_lost_its_session_is_told_about_cookies(csrf_client, database, make_centre):
    centre = make_centre()
    link = db.create_pairing(database, centre["id"], ttl_hours=1)
    pair_page = csrf_client.get(f"/kiosk/pair/{link}").get_data(as_text=True)
    csrf_client.post(f"/kiosk/pair/{link}", data={"csrf_token": csrf_token(pair_page)})
    token = csrf_token(csrf_client.get("/kiosk/").get_data(as_text=True))
    csrf_client.delete_cookie("session")  # the pairing cookie stays, the CSRF secret is gone
    response = csrf_client.post("/kiosk/", data={"importance": "7", "csrf_token": token})
    assert response.status_code == 400
    assert "browseren gemte den ikke" in response.get_data(as_text=True)
    assert stored(database, centre) == 0


@pytest.mark.calendar
def test_pairing_works_over_https_without_a_referer(data_dir, database, make_centre):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "BASE_URL": "https://stemme.example.dk"})
    client = app.test_client()
    link = db.create_pairing(database, make_centre()["id"], ttl_hours=1)
    page = client.get(f"/kiosk/pair/{link}", base_url="https://stemme.example.dk")
    response = client.post(f"/kiosk/pair/{link}", base_url="https://stemme.example.dk",
                           data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 303
    assert "Secure" in response.headers["Set-Cookie"]


@pytest.mark.calendar
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


# --- the kiosk's held answers ---------------------------------------------------------------

@pytest.fixture
def kiosk_client(app, database, make_centre):
    """A test client that is a paired tablet, on a calendar fixed to Wednesday of week 48."""
    app.config["CLOCK"] = "2026-11-25T12:00:00"
    client = app.test_client()
    centre = make_centre("Café Kø")
    link = db.create_pairing(database, centre["id"], ttl_hours=1)
    assert client.post(f"/kiosk/pair/{link}").status_code == 303
    client.centre = centre
    return client


def weeks_stored(database, centre):
    closed = [row[0] for row in database.execute("SELECT iso_week FROM responses WHERE centre_id = ?", [centre["id"]])]
    still_open = [week for week, n in db.open_week_counts(database, centre["id"]).items() for _ in range(n)]
    return sorted(closed + still_open)


def test_an_answer_sent_twice_with_one_key_is_stored_once(kiosk_client, database):
    key = "k" * 24
    for _ in range(3):  # the reply was lost twice; the tablet tries again
        response = kiosk_client.post("/kiosk/", data={"importance": "8"}, headers={"Idempotency-Key": key})
        assert response.status_code == 303 and response.headers["Location"].endswith("/kiosk/tak?lang=da")
    assert stored(database, kiosk_client.centre) == 1
    kiosk_client.post("/kiosk/", data={"importance": "8"}, headers={"Idempotency-Key": "m" * 24})
    assert stored(database, kiosk_client.centre) == 2  # another person's answer, another key
    # The receipt knows its week and nothing else: no way from a key to an answer.
    assert db.receipts(database) == [{"key": "k" * 24, "iso_week": "2026-W48"},
                                     {"key": "m" * 24, "iso_week": "2026-W48"}]
    columns = {row[1] for row in database.execute("PRAGMA table_info(kiosk_receipts)")}
    assert columns == {"key", "iso_week"}


def seal_as_a_tablet_does(app, fields):
    """What kiosk.js's sealFor makes, made the same way here (RSA-OAEP SHA-256, AES-GCM)."""
    import base64
    import json
    import os

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from app import sealing

    public = serialization.load_der_public_key(base64.b64decode(sealing.public_key(app.config["DATA_DIR"])))
    key, iv = AESGCM.generate_key(bit_length=256), os.urandom(12)
    wrapped = public.encrypt(key, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    body = AESGCM(key).encrypt(iv, json.dumps(fields).encode(), None)
    return json.dumps({name: base64.b64encode(value).decode() for name, value in (("k", wrapped), ("iv", iv), ("c", body))})


def test_an_answer_the_tablet_held_sealed_is_opened_and_stored_once(app, kiosk_client, database):
    sealed = seal_as_a_tablet_does(app, [["importance", "8"], ["message", "Mere kaffe"], ["week", "2026-W47"]])
    page = kiosk_client.get("/kiosk/").get_data(as_text=True)
    assert 'data-seal-key="MII' in page  # the public half: what the tablet seals with
    for _ in range(2):  # sent again after a lost reply: counted once
        response = kiosk_client.post("/kiosk/", data={"sealed": sealed}, headers={"Idempotency-Key": "s" * 24})
        assert response.status_code == 303
    assert weeks_stored(database, kiosk_client.centre) == ["2026-W48"]  # week 47 has closed: this week
    assert db.messages_of(database, kiosk_client.centre["id"]) == ["Mere kaffe"]
    private = (Path(app.config["DATA_DIR"]) / "seal_key.pem")
    assert private.stat().st_mode & 0o777 == 0o600


def test_a_seal_that_is_not_ours_is_refused_and_stores_nothing(app, kiosk_client, database):
    genuine = json.loads(seal_as_a_tablet_does(app, [["importance", "8"]]))
    tampered = dict(genuine, c=genuine["c"][:-4] + ("AAAA" if genuine["c"][-4:] != "AAAA" else "BBBB"))
    for sealed in ("", "not json", json.dumps({"k": "x"}), json.dumps(tampered), "x" * 70_000,
                   seal_as_a_tablet_does(app, {"importance": "8"})):
        response = kiosk_client.post("/kiosk/", data={"sealed": sealed}, headers={"Idempotency-Key": "t" * 24})
        assert response.status_code in (400, 413), sealed[:40]  # 413: larger than any request may be
    assert stored(database, kiosk_client.centre) == 0


def test_a_malformed_key_is_refused_and_stores_nothing(kiosk_client, database):
    for key in ("short", "x" * 65, "bad key with spaces and more", "ø" * 30):
        response = kiosk_client.post("/kiosk/", data={"importance": "8"}, headers={"Idempotency-Key": key})
        assert response.status_code == 400
    assert stored(database, kiosk_client.centre) == 0


@pytest.mark.parametrize("held, counted", [
    ("2026-W48", "2026-W48"),  # given this week
    ("2026-W47", "2026-W48"),  # last week has closed: its numbers are decided and published
    ("2026-W49", "2026-W48"),  # a tablet whose clock runs ahead
    ("2025-W48", "2026-W48"),
    ("2026-Q4", "2026-W48"),
    ("nonsense", "2026-W48"),
    ("", "2026-W48"),
])
def test_a_held_answer_counts_in_its_own_week_only_while_that_week_is_open(kiosk_client, database, held, counted):
    kiosk_client.post("/kiosk/", data={"importance": "8", "week": held}, headers={"Idempotency-Key": "h" * 24})
    assert weeks_stored(database, kiosk_client.centre) == [counted]


def test_a_held_answer_from_last_week_still_counts_there_in_the_closing_hour(app, kiosk_client, database):
    app.config["CLOCK"] = "2026-11-30T00:30:00"  # Monday of week 49, before week 48 closes
    kiosk_client.post("/kiosk/", data={"importance": "8", "week": "2026-W48"})
    app.config["CLOCK"] = "2026-11-30T01:30:00"  # now it has closed
    kiosk_client.post("/kiosk/", data={"importance": "8", "week": "2026-W48"})
    assert weeks_stored(database, kiosk_client.centre) == ["2026-W48", "2026-W49"]


@pytest.mark.calendar
def test_the_phone_takes_no_held_week(client, database, make_centre):
    centre = make_centre()
    # A phone never holds answers: a week in the form is an unknown field, refused.
    assert client.post(f"/s/{centre['survey_token']}", data={"importance": "8", "week": "2026-W01"}).status_code == 400
    assert stored(database, centre) == 0


def test_old_receipts_are_forgotten_when_a_week_closes(app, kiosk_client, database):
    with db.write_transaction(database):
        database.execute("INSERT INTO kiosk_receipts (key, iso_week) VALUES ('o' || hex(randomblob(12)), '2026-W30')")
        database.execute("INSERT INTO kiosk_receipts (key, iso_week) VALUES ('r' || hex(randomblob(12)), '2026-W40')")
    kiosk_client.post("/kiosk/", data={"importance": "8"}, headers={"Idempotency-Key": "n" * 24})
    assert sorted(r["iso_week"] for r in db.receipts(database)) == ["2026-W30", "2026-W40", "2026-W48"]
    app.config["CLOCK"] = "2026-11-30T01:30:00"  # week 48 has closed; the next answer moves it
    kiosk_client.post("/kiosk/", data={"importance": "8"}, headers={"Idempotency-Key": "p" * 24})
    assert sorted(r["iso_week"] for r in db.receipts(database)) == ["2026-W40", "2026-W48", "2026-W49"]
    # A key of a week that has moved into the history still stops a second copy.
    kiosk_client.post("/kiosk/", data={"importance": "8", "week": "2026-W48"}, headers={"Idempotency-Key": "n" * 24})
    assert stored(database, kiosk_client.centre) == 2


def test_the_kiosk_worker_is_served_for_the_kiosk_scope(kiosk_client):
    with kiosk_client.get("/kiosk/sw.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert "caches.open" in response.get_data(as_text=True)


# --- staff leaving the kiosk ---------------------------------------------------------------

@pytest.mark.real_hashing
def test_the_kiosk_pin_leads_staff_out_and_guessing_it_soon_waits(kiosk_client, database):
    from app import kiosk_pin

    unset = kiosk_client.post("/kiosk/exit", data={"pin": "1234"})
    assert unset.status_code == 403 and "Der er ikke sat nogen kiosk-PIN" in unset.get_data(as_text=True)
    kiosk_pin.set_pin(database, kiosk_client.centre, "2468")
    stored_hash = db.centre_by_slug(database, kiosk_client.centre["slug"])["kiosk_pin_hash"]
    assert stored_hash.startswith("scrypt:32768:8:1$") and "2468" not in stored_hash
    wrong = kiosk_client.post("/kiosk/exit", data={"pin": "1111"})
    assert wrong.status_code == 403 and "PIN-koden er forkert" in wrong.get_data(as_text=True)
    right = kiosk_client.post("/kiosk/exit", data={"pin": "2468"})
    page = right.get_data(as_text=True)
    assert right.status_code == 200 and "skærmfastgørelse" in page and "systemctl --user stop brugerstemmen-kiosk" in page
    for _ in range(kiosk_pin.FREE_FAILURES):
        kiosk_client.post("/kiosk/exit", data={"pin": "0000"})
    locked = kiosk_client.post("/kiosk/exit", data={"pin": "2468"})  # even the right PIN waits now
    assert locked.status_code == 429 and "For mange forkerte forsøg" in locked.get_data(as_text=True)


@pytest.mark.calendar
def test_only_a_paired_tablet_can_ask_for_the_way_out(client, database, make_centre):
    assert client.post("/kiosk/exit", data={"pin": "2468"}).status_code == 403


@pytest.mark.parametrize("pin", ["123", "123456789", "12ab", ""])
def test_a_kiosk_pin_must_be_four_to_eight_digits(database, make_centre, pin):
    from app import kiosk_pin

    with pytest.raises(ValueError):
        kiosk_pin.set_pin(database, make_centre(), pin)


def test_a_held_answer_to_a_question_switched_off_since_keeps_the_rest(kiosk_client, database, client):
    db.update_centre(database, kiosk_client.centre["slug"], disabled_questions=["wishes", "message"])
    response = kiosk_client.post("/kiosk/", data={"importance": "8", "wishes": "meals", "message": "Mere kaffe"},
                                 headers={"Idempotency-Key": "w" * 24})
    assert response.status_code == 303
    [(_week, record)] = db.open_weeks.open_records(database, "answers")
    response_id = record["i"]
    assert db.answers_of(database, response_id) == [("importance", "8")]
    assert db.messages_of(database, kiosk_client.centre["id"]) == []
    # The phone page is always fresh: there, an answer to a question that is off is refused.
    refused = client.post(f"/s/{kiosk_client.centre['survey_token']}", data={"importance": "8", "wishes": "meals"})
    assert refused.status_code == 400


def test_a_head_request_is_answered_like_a_get_and_stores_nothing(kiosk_client, client, database):
    # The kiosk asks with HEAD whether the server is there before it leaves for the start page.
    assert kiosk_client.head("/kiosk/").status_code == 200
    assert client.head(f"/s/{kiosk_client.centre['survey_token']}").status_code == 200
    assert stored(database, kiosk_client.centre) == 0


@pytest.mark.calendar
def test_pages_go_out_compressed_but_never_an_answer_to_a_post(client, make_centre):
    import gzip

    centre = make_centre()
    url = f"/s/{centre['survey_token']}"
    page = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert page.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in page.headers["Vary"]
    assert "Hvor vigtigt" in gzip.decompress(page.data).decode()
    assert "Content-Encoding" not in client.get(url).headers  # a browser that does not ask gets it plain
    # An answer to a POST can hold what the person typed beside the form's token: never compressed.
    refused = client.post(url, data={"importance": "5", "message": "hej"}, headers={"Accept-Encoding": "gzip"})
    assert refused.status_code == 400 and "Content-Encoding" not in refused.headers
    script = client.get("/static/kiosk.js", headers={"Accept-Encoding": "gzip"})
    assert script.headers["Content-Encoding"] == "gzip"
    again = client.get("/static/kiosk.js", headers={"Accept-Encoding": "gzip", "If-None-Match": script.headers["ETag"]})
    assert again.status_code == 304


# --- languages ---------------------------------------------------------------------------------

@pytest.mark.calendar
@pytest.mark.parametrize("path", ["", "/tak", "/privacy", "/results"])
def test_only_a_language_the_centre_offers_can_be_chosen(client, make_centre, path):
    centre = make_centre(languages=["da", "en"])
    page = client.get(f"/s/{centre['survey_token']}{path}?lang=uk").get_data(as_text=True)
    assert '<html lang="da"' in page
    assert '<html lang="en"' in client.get(f"/s/{centre['survey_token']}{path}?lang=en").get_data(as_text=True)


def test_an_answer_in_a_language_the_centre_does_not_offer_is_thanked_in_one_it_does(client, database, make_centre,
                                                                                     kiosk_client):
    centre = make_centre(languages=["da", "en"])
    response = post_answer(client, f"/s/{centre['survey_token']}?lang=ar", {"importance": "9"})
    assert response.status_code == 303 and response.headers["Location"].endswith("?lang=da")
    assert kiosk_client.post("/kiosk/?lang=fa", data={"importance": "9"}).status_code == 303
    kiosk_centre = kiosk_client.centre
    assert [len(db.responses_of(database, c["id"])) for c in (centre, kiosk_centre)] == [1, 1]
    db.update_centre(database, kiosk_centre["slug"], languages=["da", "fa"])
    assert '<html lang="fa" dir="rtl"' in kiosk_client.get("/kiosk/?lang=fa").get_data(as_text=True)


@pytest.mark.calendar
def test_a_bug_is_logged_by_its_view_never_with_the_address_or_what_the_person_sent(app, client, make_centre, caplog):
    centre = make_centre()

    def broken(token):
        raise ValueError("could not read 'Mit navn er Ole Kanariefugl'")  # as an exception may quote input

    app.view_functions["survey.phone_thanks"] = broken
    with caplog.at_level("ERROR"):
        response = client.get(f"/s/{centre['survey_token']}/tak")
    assert response.status_code == 500 and "Traceback" not in response.get_data(as_text=True)
    assert "ValueError in survey.phone_thanks" in caplog.text and "test_survey.py" in caplog.text  # findable
    assert "Kanariefugl" not in caplog.text and centre["survey_token"] not in caplog.text and "/s/" not in caplog.text


@pytest.mark.parametrize("language, line", [("da", "Skriv ikke navne eller adresser."),
                                            ("en", "Please do not write names or addresses."),
                                            ("uk", "не пишіть імен чи адрес")])
@pytest.mark.calendar
def test_the_message_box_says_in_one_line_not_to_write_names(client, make_centre, language, line):
    # Names and addresses are what the scrubber cannot find (app/scrubber.py).
    centre = make_centre(languages=["da", "en", "uk"])
    assert line in client.get(f"/s/{centre['survey_token']}?lang={language}").get_data(as_text=True)


def test_arabic_lists_are_joined_the_arabic_way(app):
    from app import strong_list

    with app.test_request_context("/?lang=ar"):
        joined = str(strong_list(["A meal", "Someone to talk to", "Meeting other people"]))
    assert "،" in joined and ", " not in joined
    with app.test_request_context("/?lang=da"):
        joined = str(strong_list(["A meal", "Someone to talk to", "Meeting other people"]))
    assert joined == ("<strong>Et måltid mad</strong>, <strong>Nogen at snakke med</strong> og "
                      "<strong>Møde andre mennesker</strong>")


@pytest.mark.calendar
def test_a_phone_keyboard_makes_room_rather_than_covering_send(client, make_centre):
    centre = make_centre()
    page = client.get(f"/s/{centre['survey_token']}").get_data(as_text=True)
    assert 'content="width=device-width, initial-scale=1, interactive-widget=resizes-content"' in page
