"""The short code under a poster's QR code (issue 28): eight characters a person can type, read
forgivingly, that open the same phone survey the QR code opens."""

import re
import subprocess

import pytest

from app import accounts, db, short_codes

from .conftest import CLOCK
from .test_staff import PASSWORD, sign_in


@pytest.fixture
def app(app):
    app.config["CLOCK"] = CLOCK  # not about the calendar: passes on any date, and is not run again under others
    return app


def test_a_code_is_eight_characters_without_look_alikes():
    assert len(short_codes.ALPHABET) == len(set(short_codes.ALPHABET)) == 32  # 5 bits a character: 40 bits
    assert not set("ILOU") & set(short_codes.ALPHABET)
    codes = {short_codes.new_code() for _ in range(500)}
    assert len(codes) == 500 and all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{8}", code) for code in codes)
    assert short_codes.shown("K7M4Q9TX") == "K7M4-Q9TX"


@pytest.mark.parametrize("typed", ["K7M4-Q9TX", "k7m4-q9tx", "K7M4Q9TX", " k7m4 q9tx ", "K7M4 – Q9TX", "k7m4.q9tx"])
def test_a_code_is_read_in_any_case_with_or_without_its_dash(typed):
    assert short_codes.normalise(typed) == "K7M4Q9TX"


def test_a_look_alike_is_read_as_the_character_it_looks_like():
    assert short_codes.normalise("Il0O-1234") == "11001234"
    assert short_codes.normalise("k7m4-q9tx".replace("1", "l")) == "K7M4Q9TX"


@pytest.mark.parametrize("typed", ["", "K7M4-Q9T", "K7M4-Q9TXX", "K7M4-Q9TU", "K7M4/Q9TX", None])
def test_what_cannot_be_a_code_is_none(typed):
    assert short_codes.normalise(typed) is None


@pytest.fixture
def centre(make_centre):
    return make_centre("Café Kode", slug="kode")


@pytest.mark.parametrize("typed", ["{shown}", "{lower}", "{bare}", "{bare_lower}"])
def test_the_short_address_opens_the_survey_the_qr_code_opens(client, centre, typed):
    code = short_codes.shown(centre["short_code"])
    typed = typed.format(shown=code, lower=code.lower(), bare=code.replace("-", ""),
                         bare_lower=code.replace("-", "").lower())
    response = client.get(f"/k/{typed}")
    assert response.status_code == 303 and response.headers["Location"] == f"/s/{centre['survey_token']}"
    typed_in_form = client.get("/k", query_string={"code": typed.replace("-", " ")})
    assert typed_in_form.status_code == 303 and typed_in_form.headers["Location"] == f"/s/{centre['survey_token']}"
    assert client.get(typed_in_form.headers["Location"]).status_code == 200


def test_a_code_typed_with_a_look_alike_opens_the_survey(client, database, centre):
    with db.write_transaction(database):
        database.execute("UPDATE centres SET short_code = 'K10M0Q9T' WHERE id = ?", [centre["id"]])
    response = client.get("/k", query_string={"code": "kiOm-oq9t"})  # I for 1, O for 0, o for 0
    assert response.status_code == 303 and response.headers["Location"] == f"/s/{centre['survey_token']}"


def test_the_front_page_asks_for_the_code(client):
    html = client.get("/").get_data(as_text=True)
    assert '<form class="narrow" method="get" action="/k">' in html
    assert '<label for="code">Skriv koden fra plakaten</label>' in html and "Åbn spørgeskemaet" in html


@pytest.mark.parametrize("typed", ["ZZZZ-ZZZZ", "hello", "%3Cscript%3E"])
def test_an_unknown_code_gets_a_friendly_page_in_danish(client, centre, typed):
    if short_codes.normalise(typed) == centre["short_code"]:
        pytest.skip("the centre happened to draw this code")
    response = client.get(f"/k/{typed}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert '<html lang="da"' in html and "Der er ingen spørgeskemaer med den kode." in html
    assert 'aria-invalid="true"' in html and "<script>" not in html  # the form again, with what was typed
    assert client.get("/k", query_string={"code": typed}).status_code == 404
    assert client.get("/k", query_string={"code": " "}).status_code == 303  # nothing typed: the front page


def test_a_renewed_survey_link_has_a_new_code_and_the_old_one_opens_nothing(client, database, centre):
    old = short_codes.shown(centre["short_code"])
    renewed = db.rotate_survey_token(database, centre["slug"])
    assert client.get(f"/k/{old}").status_code == 404
    response = client.get(f"/k/{short_codes.shown(renewed['short_code'])}")
    assert response.headers["Location"] == f"/s/{renewed['survey_token']}"


def test_the_staffs_renew_button_renews_the_code_too(client, database, centre):
    person = db.create_staff(database, "admin@kode.example", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "admin")
    sign_in(client, "admin@kode.example")
    assert client.post("/staff/c/kode/settings/rotate", data={"understood": "y"}).status_code == 303
    assert db.centre_by_slug(database, "kode")["short_code"] != centre["short_code"]


@pytest.mark.parametrize("language", ["da", "ar"])
def test_the_poster_prints_the_short_address_and_the_camera_hint_and_its_qr_code_the_full_link(
        client, database, make_centre, tmp_path, language):
    centre = make_centre("Café Plakat", slug="plakat", languages=["da", "ar", "pl"])
    person = db.create_staff(database, "plakat@example.dk", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "staff")
    sign_in(client, "plakat@example.dk")
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(client.get(f"/staff/c/plakat/poster.pdf?language={language}").data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    code = short_codes.shown(centre["short_code"])
    assert f"http://brugerstemmen.test/k/{code}" in text.splitlines()  # on one line, to type
    assert centre["survey_token"] not in text  # the long token is for the QR code alone
    flat = " ".join(text.split())
    if language == "da":
        assert "Hold telefonens kamera over firkanten." in flat
    assert "Skieruj aparat telefonu na kwadrat." in flat  # in each of the poster's languages
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(tmp_path / "poster")], check=True)
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "poster.png")], capture_output=True,
                             text=True, check=True).stdout.strip()
    assert decoded == f"http://brugerstemmen.test/s/{centre['survey_token']}"
    # Typed as printed, the short address opens that same survey.
    assert client.get(f"/k/{code}").headers["Location"] == f"/s/{centre['survey_token']}"


def test_the_code_typed_on_a_front_page_in_another_language_opens_the_survey_in_it(client, centre):
    html = client.get("/", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Type the code from the poster" in html and '<input type="hidden" name="lang" value="en">' in html
    response = client.get("/k", query_string={"code": centre["short_code"], "lang": "en"})
    assert response.headers["Location"] == f"/s/{centre['survey_token']}?lang=en"


def test_staff_see_the_short_address_on_the_centre_home_and_in_settings(client, database, centre):
    person = db.create_staff(database, "leder@kode.example", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "admin")
    sign_in(client, "leder@kode.example")
    short = f"http://brugerstemmen.test/k/{short_codes.shown(centre['short_code'])}"
    for page in ("/staff/c/kode/", "/staff/c/kode/settings"):
        html = client.get(page).get_data(as_text=True)
        assert f"<code>{short}</code>" in html, page
