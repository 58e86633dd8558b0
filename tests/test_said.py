""""You said": what people at a centre said last, told back after an answer and on a results page."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from app import create_app, db, figures, periods

from .conftest import NO_STUFFING_LIMITS, LiveServer, post_answer
from .test_browser import pair, skip_to_send, tap


CLOCK = "2026-11-25T12:00:00"  # Wednesday of 2026-W48: W47 has closed
NOW = datetime.datetime.fromisoformat(CLOCK)


def answers_in(database, centre, week, count, reasons=("meal",)):
    for n in range(count):
        db.record_response(database, centre_id=centre["id"], iso_week=week, question_set=1, answers=[("importance",
                           "10" if n % 3 else "7"),
                                                    *[("reasons", r) for r in reasons if n % 4]])


def nightly(database, centre):
    """What the nightly `brugerstemmen decide` does; a thank-you page never decides itself."""
    figures.decide_closed(database, db.centre_by_slug(database, centre["slug"]), 2026, NOW)


@pytest.fixture
def app(data_dir):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "WTF_CSRF_ENABLED": False, "CLOCK": CLOCK,
                      "RUNTIME_DIR": str(data_dir / "run"), **NO_STUFFING_LIMITS})
    with app.app_context():
        db.migrate(db.get_db())
    return app


def thanks_page(client, centre, lang="da"):
    response = post_answer(client, f"/s/{centre['survey_token']}?lang={lang}", {"importance": "9"})
    return client.get(response.headers["Location"]).get_data(as_text=True)


def busy_weeks(database, centre, count=30):
    # A real centre answers every week.
    for week in range(40, 48):
        answers_in(database, centre, f"2026-W{week:02d}", count)
    nightly(database, centre)


def test_the_thank_you_page_tells_what_people_here_said_in_numbers_staff_may_see(app, client, database, make_centre):
    centre = make_centre("Café Sagt")
    busy_weeks(database, centre)
    page = thanks_page(client, centre)
    assert "Hvad folk her har sagt" in page and "uge 47 · 2026" in page
    assert page.count("Hvad folk her har sagt") == 1  # the results' title once (issue 17 saw it twice)
    table = figures.stored_table(database, centre, 2026, NOW)
    shown = figures.period_figures(table, periods.parse("2026-W47"))
    assert shown["total"].shown and f"Svar: {shown['total'].value}" in page  # the staff summary's own N
    assert "De hyppigste grunde til at komme: <strong>Et måltid mad</strong>" in page


def test_nothing_is_told_when_too_few_answered_or_the_centre_says_no(app, client, database, make_centre):
    few = make_centre("Café Få")
    answers_in(database, few, "2026-W47", 2)
    nightly(database, few)
    assert "Hvad folk her har sagt" not in thanks_page(client, few)
    quiet = make_centre("Café Stille")
    busy_weeks(database, quiet)
    db.update_centre(database, quiet["slug"], show_said=0)
    assert "Hvad folk her har sagt" not in thanks_page(client, quiet)


def test_a_smaller_week_falls_back_to_its_four_week_block(app, client, database, make_centre):
    centre = make_centre("Café Lille")
    for week in ("2026-W44", "2026-W45", "2026-W46", "2026-W47"):
        answers_in(database, centre, week, 3)  # too few in any week, enough in the block
    nightly(database, centre)
    page = thanks_page(client, centre)
    assert "uge 44–47 · 2026" in page and "Svar: 12" in page


def test_the_results_can_be_seen_without_answering(app, client, database, make_centre):
    empty = make_centre("Café Ny")
    nightly(database, empty)
    assert "Intet at vise endnu" in client.get(f"/s/{empty['survey_token']}/results").get_data(as_text=True)
    centre = make_centre("Café Åben Bog", languages=["da", "en", "ar"])
    busy_weeks(database, centre)
    survey = f"/s/{centre['survey_token']}"
    assert f'href="{survey}/results?lang=da"' in client.get(survey).get_data(as_text=True)
    arabic = client.get(survey + "/results?lang=ar").get_data(as_text=True)
    assert "ما قاله الناس هنا" in arabic and "الأسبوع 47 · 2026" in arabic
    danish = client.get(survey + "/results").get_data(as_text=True)
    # The title once: the page's one heading, not a heading over the same heading.
    assert danish.count("Hvad folk her har sagt") == 2  # in <title> and in <h1>
    assert re.search(r"<h1 id=\"said-title\">Hvad folk her har sagt", danish) and "<h2 id=\"said-title\"" not in danish
    assert db.count_responses(database, centre["id"]) == 8 * 30  # looking stored nothing


@pytest.mark.browser
def test_the_kiosk_thanks_in_the_chosen_language_with_what_people_said(tmp_path, browser):
    server = LiveServer(tmp_path, CLOCK=CLOCK).start()
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    tablet = context.new_page()
    try:
        centre = server.add_centre("Café Fortalt")
        few = server.add_centre("Café Fåtallig")
        database = server.database()
        try:
            busy_weeks(database, db.centre_by_slug(database, centre["slug"]))
            db.save_reply(database, db.centre_by_slug(database, centre["slug"])["id"], periods.parse("2026-W47"),
                          {"da": "Vi har fået en ny sofa.", "en": "We got a new sofa."})
            answers_in(database, db.centre_by_slug(database, few["slug"]), "2026-W47", 2)
            nightly(database, few)
        finally:
            database.close()
        phone = context.new_page()  # too few answered there: the thank-you page tells nothing
        phone.goto(few["survey_url"])
        tap(phone, "importance", "7")
        phone.get_by_role("button", name="Send mit svar").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
        expect(phone.get_by_role("region", name="Hvad folk her har sagt")).to_have_count(0)
        phone.close()
        pair(tablet, centre)
        tablet.get_by_role("link", name="English").click()
        tablet.get_by_role("button", name="Tap to start").click()
        tap(tablet, "importance", "8")
        skip_to_send(tablet, "Next")
        tablet.get_by_role("button", name="Send my answer").click()
        expect(tablet.get_by_role("heading", level=1)).to_have_text("Thank you for your answer!")
        facts = tablet.get_by_role("region", name="What people here said")
        expect(facts).to_contain_text("week 47 · 2026")
        expect(tablet.locator("#thanks").get_by_text("What people here said")).to_have_count(1)  # its title once
        expect(facts).to_contain_text("The most common reasons to come:")
        expect(facts.locator('p[lang="en"]')).to_have_text("We got a new sofa.")  # the reply, in her language
        expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=10000)
    finally:
        context.close()
        server.stop()


# --- "we did": the staff's reply -----------------------------------------------------------

@pytest.fixture
def staff_client(app, database, make_centre):
    from app import accounts

    centre = make_centre("Café Svar", slug="svar", languages=["da", "en", "pl"])
    busy_weeks(database, centre)
    person = db.create_staff(database, "leder@svar.example", accounts.hash_password("kaffe og kage hver dag"))
    db.set_membership(database, person["id"], centre["id"], "staff")
    client = app.test_client()
    client.post("/staff/login", data={"email": "leder@svar.example", "password": "kaffe og kage hver dag"})
    client.centre = centre
    return client


def test_the_staff_reply_is_shown_under_the_facts_in_the_persons_language(staff_client, client):
    centre = staff_client.centre
    response = staff_client.post("/staff/c/svar/summary/2026-W47/reply", data={
        "reply-da": "I ønskede ture – vi tager til stranden om torsdagen i juni.",
        "reply-en": "You wished for trips – we go to the beach on Thursdays in June."})
    assert response.status_code == 303
    english = thanks_page(client, centre, "en")
    assert "What the staff did" in english and "we go to the beach on Thursdays" in english
    polish = thanks_page(client, centre, "pl")  # no Polish reply: the Danish one, marked as Danish
    assert 'lang="da" dir="ltr">I ønskede ture' in polish and "Co zrobił personel" in polish
    assert "vi tager til stranden" in client.get(f"/s/{centre['survey_token']}/results").get_data(as_text=True)


def test_a_reply_needs_danish_and_a_sensible_length(staff_client, database):
    centre = staff_client.centre
    no_danish = staff_client.post("/staff/c/svar/summary/2026-W47/reply", data={"reply-en": "Only English"})
    too_long = staff_client.post("/staff/c/svar/summary/2026-W47/reply", data={"reply-da": "x" * 601})
    assert no_danish.status_code == too_long.status_code == 303
    assert db.reply_for(database, centre["id"], "2026-W47") == {}
    open_week = staff_client.post("/staff/c/svar/summary/2026-W48/reply", data={"reply-da": "For tidligt"})
    assert open_week.status_code == 404  # a period that has not closed has nothing to reply to


def test_the_reply_form_has_danish_first_marked_required_and_names_languages_in_the_pages_language(
        staff_client, database):
    db.update_centre(database, "svar", languages=["pl", "en", "da"])  # stored in any order
    html = staff_client.get("/staff/c/svar/summary/2026-W47").get_data(as_text=True)
    form = html[html.index('<section class="reply"'):]
    labels = re.findall(r'<label for="reply-(\w+)">(.*?)</label>', form)
    assert labels == [("da", 'Dansk <span class="required">(skal udfyldes)</span>'), ("en", "Engelsk"), ("pl", "Polsk")]
    assert 'aria-describedby="reply-rule"' in form and "Dansk skal altid med" in form
    english = staff_client.get("/staff/c/svar/summary/2026-W47?lang=en").get_data(as_text=True)
    assert [name for _code, name in re.findall(r'<label for="reply-(\w+)">([A-Za-z]+)', english)] == [
        "Danish", "English", "Polish"]


def test_the_you_said_we_did_poster_has_the_facts_the_reply_and_a_code_that_scans(staff_client, tmp_path):
    import shutil
    import subprocess

    for tool in ("pdftoppm", "pdftotext", "zbarimg"):
        assert shutil.which(tool), f"{tool} is missing: `make test` installs poppler-utils and zbar-tools"
    centre = staff_client.centre
    staff_client.post("/staff/c/svar/summary/2026-W47/reply", data={"reply-da": "Vi har købt en ny kaffemaskine."})
    response = staff_client.get("/staff/c/svar/summary/2026-W47/said.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert "brugerstemmen-svar-2026-W47-du-sagde-vi-gjorde.pdf" in response.headers["Content-Disposition"]
    pdf = tmp_path / "said.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "I sagde – vi gjorde" in text and "uge 47 · 2026" in text and "Svar: 30" in text
    assert "Et måltid mad" in text and "Vi har købt en ny kaffemaskine." in text
    code = centre["short_code"]
    assert re.search(rf"Eller skriv denne adresse: http\S+/k/{code[:4]}-{code[4:]}\n", text)  # issue 28
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(tmp_path / "said")], check=True)
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "said.png")],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert decoded == f"http://localhost/s/{centre['survey_token']}" or decoded.endswith(f"/s/{centre['survey_token']}")


def test_a_thank_you_page_never_waits_for_deciding_and_the_nightly_job_decides(app, client, database, make_centre,
                                                                                 tmp_path):
    import os

    from .conftest import run_cli_here

    centre = make_centre("Café Udecideret")
    for week in range(40, 48):
        answers_in(database, centre, f"2026-W{week:02d}", 30)
    assert "Hvad folk her har sagt" not in thanks_page(client, centre)  # nothing decided yet: nothing told
    assert db.published_decisions(database, centre["id"], 2026) == ({}, {}, None)  # and the page decided nothing
    env = {**os.environ, "BRUGERSTEMMEN_DATA_DIR": app.config["DATA_DIR"], "BRUGERSTEMMEN_CLOCK": CLOCK}
    assert "Decided every closed period of 1 centre." in run_cli_here(env, "decide").stdout
    assert "Hvad folk her har sagt" in thanks_page(client, centre)
