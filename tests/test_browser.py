"""What a person sees: the phone and kiosk flows in headless Chromium against the real server."""

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from app import db

pytestmark = pytest.mark.browser


def tap(page, name, value):
    """Tap an answer tile the way a finger does: on the tile, not on the hidden input. A kiosk
    screen whose single choices are now all answered moves on by itself a moment later (kiosk.js):
    that is waited for. Else, on a slow machine, Next could be aimed at the screen on its way out:
    Playwright keeps to the button it found, hidden a moment later, until its time is up."""
    answer = page.locator(f'input[name="{name}"][value="{value}"]')
    page.locator("label.option").filter(has=answer).click()
    screen = page.locator(".step.current", has=answer)
    if screen.evaluate_all(MOVES_ON):
        expect(screen).to_have_count(0, timeout=30000)


# The kiosk's rule for a screen that moves on by itself: not the last, and every single choice on it
# answered.
MOVES_ON = """([step]) => {
  if (!step) { return false; }
  const steps = step.closest("form").querySelectorAll(".step");
  const radios = [...step.querySelectorAll("input[type=radio]")];
  return step !== steps[steps.length - 1] && radios.length > 0
    && radios.every((radio) => step.querySelector(`input[type=radio][name="${radio.name}"]:checked`));
}"""


def checked_inputs(page):
    return page.locator("input:checked").count()


def stored_answers(live_server, slug):
    database = live_server.database()
    try:
        centre = db.centre_by_slug(database, slug)
        rows = [(rid, question, option)
                for rid, _week, answers in db.responses_of(database, centre["id"])
                for question, option in answers]
        return rows, db.messages_of(database, centre["id"])
    finally:
        database.close()


def pair(tablet, centre):
    tablet.goto(centre["kiosk_pairing_url"])
    expect(tablet.get_by_role("heading", level=1)).to_contain_text(centre["name"])
    tablet.get_by_role("button", name="Sæt denne tablet op").click()
    expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible()


def choose_language(page, name):
    """The phone's one language control: open it, pick a language (works without JavaScript)."""
    page.locator("details.language-menu summary").click()
    link = page.get_by_role("link", name=name)
    code = link.get_attribute("lang")
    link.click()
    # The page in that language has arrived, styles and all: reading it before would read the one
    # on its way out, or a page not laid out yet (on a busy machine both happened).
    expect(page.locator("html")).to_have_attribute("lang", code)
    page.wait_for_load_state("load")


def set_idle_seconds(live_server, slug, seconds):
    database = live_server.database()
    try:
        db.update_centre(database, slug, kiosk_idle_seconds=seconds)
    finally:
        database.close()


# --- phone ---------------------------------------------------------------------------------

def test_phone_answer_some_skip_the_rest_and_send(live_server, phone):
    centre = live_server.add_centre("Café Telefon")
    phone.goto(centre["survey_url"])
    expect(phone.get_by_role("heading", level=1)).to_have_text("Din stemme tæller – anonymt")
    tap(phone, "importance", "9")
    tap(phone, "reasons", "meet_people")
    tap(phone, "reasons", "meal")
    tap(phone, "meaning.respected", "agree")
    phone.get_by_label("Er der andet, du gerne vil fortælle os?").fill("Mere kaffe! Ring 12345678")
    # Nothing is stored before send.
    assert stored_answers(live_server, centre["slug"]) == ([], [])
    phone.get_by_role("button", name="Send mit svar").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
    expect(phone.locator("main")).to_contain_text("ingen kan se, hvilket svar der er dit")
    rows, messages = stored_answers(live_server, centre["slug"])
    assert sorted((q, o) for _, q, o in rows) == [
        ("importance", "9"), ("meaning.respected", "agree"), ("reasons", "meal"), ("reasons", "meet_people")]
    assert messages == ["Mere kaffe! Ring [TELEFON]"]
    # Back to the form: it is fetched anew, empty.
    phone.go_back()
    expect(phone.get_by_role("button", name="Send mit svar")).to_be_visible()
    assert checked_inputs(phone) == 0


def test_phone_works_without_javascript_in_english(live_server, browser):
    centre = live_server.add_centre("Café Uden Script")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(centre["survey_url"])
        choose_language(page, "English")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your voice counts, anonymously")
        tap(page, "frequency", "few_times_week")
        tap(page, "wishes", "opening_hours")
        page.get_by_role("button", name="Send my answer").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your answer!")
    finally:
        context.close()
    rows, _ = stored_answers(live_server, centre["slug"])
    assert sorted((q, o) for _, q, o in rows) == [("frequency", "few_times_week"), ("wishes", "opening_hours")]


@pytest.mark.parametrize("code, direction", [("ar", "rtl"), ("fa", "rtl"), ("uk", "ltr"), ("pl", "ltr")])
def test_phone_in_each_language_with_the_scale_in_reading_order(live_server, phone, code, direction):
    from babel import Locale

    centre = live_server.add_centre(f"Café {code}")
    database = live_server.database()
    try:
        db.update_centre(database, centre["slug"], languages=["da", "en", "ar", "uk", "pl", "fa"])
    finally:
        database.close()
    phone.goto(centre["survey_url"])
    danish_heading = phone.get_by_role("heading", level=1).inner_text()
    choose_language(phone, Locale.parse(code).display_name)
    assert phone.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [code, direction]
    heading = phone.get_by_role("heading", level=1).inner_text()
    assert heading and heading != danish_heading  # translated, not Danish
    one, two = (phone.locator("label.option").filter(has=phone.locator(f'input[name="importance"][value="{v}"]'))
                .bounding_box() for v in ("1", "2"))
    assert (one["x"] > two["x"]) == (direction == "rtl")  # 1 comes first in the reading direction
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    tap(phone, "importance", "9")
    phone.locator("button[type=submit]").last.click()
    expect(phone.locator("html")).to_have_attribute("dir", direction)
    assert phone.url.split("?")[0].endswith("/tak")
    rows, _ = stored_answers(live_server, centre["slug"])
    assert [(q, o) for _, q, o in rows] == [("importance", "9")]  # and in no language: none is kept


@pytest.mark.parametrize("javascript", [True, False])
def test_phone_sending_nothing_is_thanked_kindly_and_stores_nothing(live_server, browser, javascript):
    centre = live_server.add_centre(f"Café Tom {javascript}")
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 360, "height": 640})
    page = context.new_page()
    try:
        page.goto(centre["survey_url"])
        page.get_by_role("button", name="Send mit svar").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Tak alligevel!")
        expect(page.locator("main")).to_contain_text("der er ikke gemt noget")
        expect(page.get_by_role("alert")).to_have_count(0)
    finally:
        context.close()
    assert stored_answers(live_server, centre["slug"]) == ([], [])


def test_the_pages_leave_nothing_in_the_browser_console(live_server, browser):
    centre = live_server.add_centre("Café Stille")
    context = browser.new_context()
    page = context.new_page()
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    try:
        page.goto(centre["survey_url"], wait_until="networkidle")
        page.goto(centre["kiosk_pairing_url"], wait_until="networkidle")
        page.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        assert messages == []
    finally:
        context.close()


def test_phone_touch_targets_are_big_enough(live_server, phone):
    centre = live_server.add_centre("Café Tommelfinger")
    phone.goto(centre["survey_url"])
    # Every answer, button and link a thumb aims at: at least 44 x 44 px (WCAG's enhanced target size).
    targets = phone.locator(".tile, main button:visible, main summary, .see-results a, .privacy-link a").all()
    boxes = [target.bounding_box() for target in targets]
    assert len(boxes) > 50 and all(box["width"] >= 44 and box["height"] >= 44 for box in boxes), boxes
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling


def test_a_rotated_code_shows_a_friendly_page(live_server, phone):
    centre = live_server.add_centre("Café Gammel Plakat")
    live_server.cli("centre", "rotate-token", centre["slug"])
    response = phone.goto(centre["survey_url"])
    assert response.status == 404
    expect(phone.get_by_role("heading", level=1)).to_have_text("Denne kode bruges ikke længere")
    expect(phone.locator("main")).not_to_contain_text("Café Gammel Plakat")


def test_the_qr_code_decodes_to_the_survey(live_server, phone):
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbar-tools is not installed: `make test` installs it"
    centre = live_server.add_centre("Café QR")
    decoded = subprocess.run([zbarimg, "--quiet", "--raw", centre["qr_png"]], capture_output=True,
                             text=True, check=True).stdout.strip()
    assert decoded == centre["survey_url"]
    phone.goto(decoded)
    expect(phone.locator(".centre-name")).to_have_text("Café QR")


# --- kiosk ---------------------------------------------------------------------------------

def test_kiosk_pair_answer_send_and_return_to_start(live_server, tablet):
    centre = live_server.add_centre("Café Tablet")
    pair(tablet, centre)
    tablet.get_by_role("button", name="Tryk for at starte").click()
    expect(tablet.locator(".step.current")).to_contain_text("Spørgsmål 1 af 6")
    tap(tablet, "importance", "10")  # a single choice moves on by itself
    expect(tablet.locator(".step.current")).to_contain_text("Hvorfor kommer du her?")
    tap(tablet, "reasons", "safe_place")
    tablet.locator(".step.current").get_by_role("button", name="Videre").click()
    expect(tablet.locator(".step.current")).to_contain_text("Hvor tit kommer du her?")
    tap(tablet, "frequency", "daily")
    # One screen for all five statements, moving on once each has its answer.
    expect(tablet.locator(".step.current")).to_contain_text("Jeg føler mig mindre alene")
    for statement in ("community", "less_alone", "respected", "have_a_say"):
        tap(tablet, f"meaning.{statement}", "agree")
        expect(tablet.locator(".step.current")).to_contain_text("Hvad betyder stedet for dig?")
    tap(tablet, "meaning.steps_in_life", "partly")
    expect(tablet.locator(".step.current")).to_contain_text("Hvad vil du gerne have mere af her?")
    skip_to_send(tablet)
    tablet.get_by_role("button", name="Send mit svar").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
    # Back to the start by itself (KIOSK_RETURN_SECONDS=2 in the test server).
    expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=10000)
    rows, _ = stored_answers(live_server, centre["slug"])
    assert sorted((q, o) for _, q, o in rows) == [
        ("frequency", "daily"), ("importance", "10"), ("meaning.community", "agree"), ("meaning.have_a_say", "agree"),
        ("meaning.less_alone", "agree"), ("meaning.respected", "agree"), ("meaning.steps_in_life", "partly"),
        ("reasons", "safe_place")]
    # The next person finds nothing of the last one: not on screen, not behind the back button.
    assert checked_inputs(tablet) == 0
    tablet.go_back()
    tablet.wait_for_load_state()
    assert checked_inputs(tablet) == 0
    expect(tablet.get_by_role("heading", name="Tak for dit svar!")).to_have_count(0)


def test_the_kiosk_waits_a_few_seconds_before_it_takes_the_next_answer(live_server, tablet):
    centre = live_server.add_centre("Café Hammer")
    pair(tablet, centre)
    tablet.get_by_role("button", name="Tryk for at starte").click()
    tap(tablet, "importance", "5")
    skip_to_send(tablet)
    tablet.get_by_role("button", name="Send mit svar").click()
    tablet.get_by_role("link", name="Tilbage til start").click()  # straight back, at once
    start = tablet.get_by_role("button", name="Tryk for at starte")
    expect(start).to_be_disabled()
    expect(start).to_be_enabled(timeout=5000)  # KIOSK_GAP_SECONDS=3 in the test server
    assert len(stored_answers(live_server, centre["slug"])[0]) == 1


def test_kiosk_idle_timeout_throws_half_answers_away(live_server, tablet):
    centre = live_server.add_centre("Café Glemsom")
    set_idle_seconds(live_server, centre["slug"], 2)
    pair(tablet, centre)
    tablet.get_by_role("button", name="Tryk for at starte").click()
    tap(tablet, "importance", "3")
    tap(tablet, "reasons", "meal")
    assert checked_inputs(tablet) == 2
    expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=10000)
    assert checked_inputs(tablet) == 0
    tablet.go_back()
    tablet.wait_for_load_state()
    assert checked_inputs(tablet) == 0
    assert tablet.locator(".step.current").count() == 0  # no question screen left open
    assert stored_answers(live_server, centre["slug"]) == ([], [])


def test_kiosk_language_is_for_one_answer_only(live_server, tablet):
    centre = live_server.add_centre("Café Sprog")
    pair(tablet, centre)
    tablet.get_by_role("link", name="English").click()
    tablet.get_by_role("button", name="Tap to start").click()
    tap(tablet, "importance", "8")
    skip_to_send(tablet, "Next")
    tablet.get_by_role("button", name="Send my answer").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Thank you for your answer!")
    expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=10000)
    rows, _ = stored_answers(live_server, centre["slug"])
    assert [(q, o) for _, q, o in rows] == [("importance", "8")]


def test_a_pairing_link_works_once(live_server, browser):
    centre = live_server.add_centre("Café Engang")
    first = browser.new_context()
    second = browser.new_context()
    try:
        pair(first.new_page(), centre)
        page = second.new_page()
        response = page.goto(centre["kiosk_pairing_url"])
        assert response.status == 410
        expect(page.get_by_role("heading", level=1)).to_have_text("Dette opsætningslink virker ikke længere")
        page.goto(re.sub(r"/kiosk/pair/.*", "/kiosk/", centre["kiosk_pairing_url"]))
        expect(page.get_by_role("heading", level=1)).to_have_text("Denne tablet er ikke sat op endnu")
    finally:
        first.close()
        second.close()


def test_a_kiosk_left_in_another_language_returns_to_danish(live_server, tablet):
    centre = live_server.add_centre("Café Glemt Sprog")
    set_idle_seconds(live_server, centre["slug"], 2)
    pair(tablet, centre)
    tablet.get_by_role("link", name="English").click()
    expect(tablet.get_by_role("button", name="Tap to start")).to_be_visible()
    expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=10000)


def skip_to_send(tablet, next_label="Videre"):
    """Skip the rest: Next on every screen up to the last, which has Send (and no Next)."""
    while not tablet.locator(".step.current button.send").count():
        tablet.locator(".step.current").get_by_role("button", name=next_label).click()


def test_a_failed_kiosk_send_keeps_the_answers_and_leaves_nothing_in_history(live_server, tablet):
    # A browser that cannot keep answers on the tablet (no IndexedDB: test_kiosk_queue.py has the
    # queue) keeps them on screen instead.
    tablet.add_init_script("Object.defineProperty(window, 'indexedDB', { value: undefined })")
    centre = live_server.add_centre("Café Ustabil")
    pair(tablet, centre)
    tablet.get_by_role("button", name="Tryk for at starte").click()
    tap(tablet, "importance", "6")
    skip_to_send(tablet)
    # The Wi-Fi drops exactly when she presses send.
    tablet.route("**/kiosk/", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    tablet.get_by_role("button", name="Send mit svar").click()
    expect(tablet.locator("#send-notice")).to_contain_text("dit svar kunne ikke gemmes lige nu")
    assert tablet.locator('input[name="importance"][value="6"]').is_checked()
    tablet.unroute("**/kiosk/")
    # A stale form token is renewed and the send retried without bothering her.
    tablet.evaluate("document.querySelector('input[name=csrf_token]').value = 'stale'")
    tablet.get_by_role("button", name="Send mit svar").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
    expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=10000)
    rows, _ = stored_answers(live_server, centre["slug"])
    assert [(q, o) for _, q, o in rows] == [("importance", "6")]
    # The next person goes back as far as the history reaches: no answer anywhere.
    for _ in range(3):
        tablet.go_back()
        tablet.wait_for_load_state()
        assert checked_inputs(tablet) == 0
        expect(tablet.get_by_role("heading", name="Tak for dit svar!")).to_have_count(0)


def test_staff_sign_in_read_the_summary_and_download_it(live_server, browser, tmp_path):
    import csv

    from app import accounts

    centre = live_server.add_centre("Café Opsummering")
    database = live_server.database()
    try:
        found = db.centre_by_slug(database, centre["slug"])
        for option in ["10"] * 9 + ["8"] * 6 + ["3"]:
            db.record_response(database, centre_id=found["id"], iso_week="2025-W20", question_set=1, answers=[("importance",
                               option)])
        person = db.create_staff(database, "leder@example.dk", accounts.hash_password("to kopper te om dagen"))
        db.set_membership(database, person["id"], found["id"], "staff")
    finally:
        database.close()
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/staff/c/{centre['slug']}/summary/2025-W20")
        page.get_by_label("E-mail").fill("leder@example.dk")
        page.get_by_label("Adgangskode").fill("to kopper te om dagen")
        page.get_by_role("button", name="Log ind").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("uge 20 · 2025")
        expect(page.locator(".total")).to_contain_text("16 svar")
        importance = page.get_by_role("table", name="Hvor vigtigt er dette sted for dig?")
        row = importance.locator("tr", has=page.get_by_role("rowheader", name="3", exact=True))
        # One person gave 3: its count is shown changed a little (0 to 3), and the page says so.
        assert re.fullmatch(r"[0-3]", row.locator("td.num").first.inner_text())
        expect(page.locator("[data-notice=protection]")).to_contain_text("højst 2 op eller ned")
        with page.expect_download() as download:
            page.get_by_role("link", name="CSV til Excel").click()
        assert download.value.suggested_filename == f"brugerstemmen-{centre['slug']}-2025-W20.csv"
        saved = tmp_path / "summary.csv"
        download.value.save_as(saved)
        rows = list(csv.reader(saved.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
        assert ["Svar", "16"] in rows
        for link, extension in (("PDF til udskrift", "pdf"), ("Excel-projektmappe (XLSX)", "xlsx")):
            with page.expect_download() as download:
                page.get_by_role("link", name=link).click()
            assert download.value.suggested_filename.endswith(f"-2025-W20.{extension}")
            download.value.save_as(tmp_path / f"summary.{extension}")
        import subprocess

        from openpyxl import load_workbook
        text = subprocess.run(["pdftotext", str(tmp_path / "summary.pdf"), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "uge 20 · 2025" in text and "16 svar" in text
        assert load_workbook(tmp_path / "summary.xlsx")["Opsummering"]["B3"].value == 16
    finally:
        context.close()


# --- comfort: read aloud, larger text -------------------------------------------------------

FAKE_VOICES = """
(() => {
  const voices = %s;
  const spoken = [];
  window.__spoken = spoken;
  const synth = window.speechSynthesis;
  synth.getVoices = () => voices;
  synth.speak = (utterance) => { spoken.push([utterance.lang, utterance.text]); };
})();
"""


@pytest.mark.parametrize("voices, lang, shown", [
    ([], "da", False),                                          # no voice at all: no button
    ([{"lang": "da-DK", "name": "Dansk"}], "da", True),
    ([{"lang": "da-DK", "name": "Dansk"}], "ar", False),         # no Arabic voice on this device
    ([{"lang": "ar-SA", "name": "Arabic"}], "ar", True),
])
def test_read_aloud_is_offered_only_with_a_voice_for_the_language(live_server, browser, voices, lang, shown):
    import json

    centre = live_server.add_centre(f"Café Stemme {lang} {len(voices)} {shown}")
    database = live_server.database()
    try:
        db.update_centre(database, centre["slug"], languages=["da", "ar"])
    finally:
        database.close()
    context = browser.new_context(viewport={"width": 360, "height": 640})
    context.add_init_script(FAKE_VOICES % json.dumps(voices))
    page = context.new_page()
    try:
        page.goto(centre["survey_url"] + f"?lang={lang}")
        buttons = page.locator("[data-speak]")
        assert buttons.count() == 6  # one for each question
        if not shown:
            for button in buttons.all():
                expect(button).to_be_hidden()
            return
        for button in buttons.all():
            expect(button).to_be_visible()
        buttons.first.click()
        spoken = page.evaluate("window.__spoken")
        assert spoken and spoken[0][0] == voices[0]["lang"]
        question = page.locator("[data-question]").first
        assert question.locator(".legend").inner_text() in spoken[0][1]
        assert question.locator(".hint").inner_text() in spoken[0][1]
    finally:
        context.close()


def test_read_aloud_reads_its_own_question_and_nothing_hidden(live_server, browser):
    import json

    centre = live_server.add_centre("Café Læs Op")
    context = browser.new_context(viewport={"width": 360, "height": 640})
    context.add_init_script(FAKE_VOICES % json.dumps([{"lang": "da-DK", "name": "Dansk"}]))
    page = context.new_page()
    try:
        page.goto(centre["survey_url"])
        page.locator("[data-question]").nth(1).locator("[data-speak]").click()  # why do you come here?
        page.locator("[data-question]").nth(3).locator("[data-speak]").click()  # the five statements
        (_, reasons), (_, meaning) = page.evaluate("window.__spoken")
    finally:
        context.close()
    assert reasons == ("Hvorfor kommer du her? Vælg så mange, du vil. Møde andre mennesker, Et måltid mad, "
                       "Sport, kreative ting, ture, Nogen at snakke med, Hjælp med kommune og myndigheder, "
                       "Være frivillig, have en rolle, Et trygt sted at være, Bad, tøjvask, praktisk hjælp, Noget andet")
    # The shared answers once, after the first statement; never another question, a hidden field or a label.
    assert meaning == ("Hvad betyder stedet for dig? Er du enig? Jeg er en del af et fællesskab her, Ja, Delvist, Nej, "
                       "Ved ikke, Jeg føler mig mindre alene, Jeg føler mig respekteret her, "
                       "Jeg har indflydelse på, hvad der sker her, Stedet hjælper mig med at tage skridt, "
                       "der betyder noget for mig")
    for text in (reasons, meaning):
        assert "Website" not in text and "Læs spørgsmålet højt" not in text and "Hvor tit" not in text


def test_the_kiosk_reads_the_question_on_screen(live_server, browser):
    import json

    centre = live_server.add_centre("Café Kiosk Læser")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    context.add_init_script(FAKE_VOICES % json.dumps([{"lang": "da-DK", "name": "Dansk"}]))
    tablet = context.new_page()
    try:
        pair(tablet, centre)
        tablet.get_by_role("button", name="Tryk for at starte").click()
        tablet.locator(".step.current").get_by_role("button", name="Videre").click()
        tablet.locator(".step.current [data-speak]").click()
        [(lang, text)] = tablet.evaluate("window.__spoken")
    finally:
        context.close()
    assert lang == "da-DK" and text.startswith("Hvorfor kommer du her? Vælg så mange, du vil. Møde andre mennesker")
    assert "Hvor vigtigt" not in text and "Spørgsmål 2 af 6" not in text


def test_larger_text_makes_the_text_larger_for_this_answer(live_server, phone):
    centre = live_server.add_centre("Café Stor Tekst")
    phone.goto(centre["survey_url"])
    text = phone.locator("header.intro p").nth(1)
    before = text.evaluate("p => parseFloat(getComputedStyle(p).fontSize)")
    toggle = phone.get_by_role("button", name="Større tekst")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert text.evaluate("p => parseFloat(getComputedStyle(p).fontSize)") >= before * 1.2
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.goto(centre["survey_url"])  # a new page, a new person: back to normal
    expect(phone.get_by_role("button", name="Større tekst")).to_have_attribute("aria-pressed", "false")


def test_the_phone_survey_can_be_answered_and_sent_with_the_keyboard_alone(live_server, phone):
    centre = live_server.add_centre("Café Tastatur")
    phone.goto(centre["survey_url"])

    def tab_to(selector, limit=150):
        for _ in range(limit):
            phone.keyboard.press("Tab")
            if phone.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to('input[name="importance"]')
    phone.keyboard.press("Space")
    for _ in range(7):
        phone.keyboard.press("ArrowRight")  # radios move (and tick) with the arrows
    assert phone.evaluate("document.activeElement.value") == "8"
    tab_to('input[name="reasons"]')
    phone.keyboard.press("Space")
    # The tile of the focused box shows where the keyboard is.
    assert phone.evaluate("getComputedStyle(document.activeElement.nextElementSibling).outlineStyle") == "solid"
    tab_to("button.send")
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
    rows, _ = stored_answers(live_server, centre["slug"])
    assert sorted((q, o) for _, q, o in rows) == [("importance", "8"), ("reasons", "meet_people")]


def test_the_kiosk_asks_for_the_whole_screen_kept_awake_and_has_no_long_press_menu(live_server, browser):
    centre = live_server.add_centre("Café Væg")
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    context.add_init_script("""
        window.__asked = [];
        Element.prototype.requestFullscreen = function () { window.__asked.push("fullscreen"); return Promise.resolve(); };
        Object.defineProperty(navigator, "wakeLock", {value: {request: (kind) => {
            window.__asked.push("wakeLock:" + kind); return Promise.resolve({}); }}});
    """)
    tablet = context.new_page()
    try:
        pair(tablet, centre)
        assert tablet.evaluate("getComputedStyle(document.body).userSelect") == "none"
        prevented = tablet.evaluate("""() => {
            const event = new MouseEvent("contextmenu", {bubbles: true, cancelable: true});
            return !document.querySelector("h1").dispatchEvent(event);
        }""")
        assert prevented
        tablet.get_by_role("button", name="Tryk for at starte").click()
        assert tablet.evaluate("window.__asked") == ["fullscreen", "wakeLock:screen"]
    finally:
        context.close()


def test_staff_leave_the_kiosk_by_holding_the_centre_name_and_typing_the_pin(live_server, tablet):
    from app import kiosk_pin

    centre = live_server.add_centre("Café Udgang")
    database = live_server.database()
    try:
        kiosk_pin.set_pin(database, db.centre_by_slug(database, centre["slug"]), "8642")
    finally:
        database.close()
    pair(tablet, centre)
    tablet.get_by_role("link", name="English").click()  # the last person chose English: staff still read Danish
    name = tablet.locator("[data-staff-exit]")
    dialog = tablet.get_by_role("dialog", name="Personale: forlad kiosken Staff: leave the kiosk")
    box = name.bounding_box()
    tablet.mouse.move(box["x"] + 5, box["y"] + box["height"] / 2)
    tablet.mouse.down()
    tablet.wait_for_timeout(800)  # a tap, or a short touch, does nothing
    tablet.mouse.up()
    tablet.wait_for_timeout(3000)
    expect(dialog).to_be_hidden()
    tablet.mouse.down()
    tablet.wait_for_timeout(3300)
    tablet.mouse.up()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Kiosk-PIN")).to_be_focused()
    dialog.get_by_label("Kiosk-PIN").fill("1111")
    dialog.get_by_role("button", name="Fortsæt").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("PIN-koden er forkert")
    tablet.get_by_role("link", name="Tilbage til spørgeskemaet").click()
    name.hover()
    tablet.mouse.down()
    tablet.wait_for_timeout(3300)
    tablet.mouse.up()
    dialog.get_by_label("Kiosk-PIN").fill("8642")
    dialog.get_by_label("Kiosk-PIN").press("Enter")
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Sådan forlader du kiosken")
    expect(tablet.locator("main")).to_contain_text("systemctl --user stop brugerstemmen-kiosk")


@pytest.mark.parametrize("language", ["da", "ar"])
def test_the_phone_survey_first_screen_stays_within_its_weight_budget(live_server, phone, language):
    # The bytes, not the time: `make audit` prints Lighthouse's timings and scores.
    centre = live_server.add_centre(f"Café Let {language}")
    requests = []
    phone.on("request", lambda request: requests.append(request.url))
    phone.goto(f"{centre['survey_url']}?lang={language}", wait_until="networkidle")
    sizes = phone.evaluate("""() => performance.getEntriesByType('navigation')
        .concat(performance.getEntriesByType('resource')).map(e => e.transferSize)""")
    assert 0 < sum(sizes) <= 15 * 1024, sizes  # issue 28: at most 15 KB sent
    assert all(url.startswith(live_server.url) for url in requests), requests  # no third party, no CDN
    assert not [url for url in requests if url.endswith((".woff", ".woff2", ".ttf", ".otf"))]


def test_one_answer_is_two_taps_on_the_kiosk(live_server, tablet):
    """As on a HappyOrNot stand: the first question waits on the start screen, and every question
    screen can send what is answered so far."""
    centre = live_server.add_centre("Café To Tryk")
    pair(tablet, centre)
    taps = 0
    tablet.locator(".first-question").get_by_role("button", name="7", exact=True).click()
    taps += 1
    tablet.locator(".step.current").get_by_role("button", name="Send nu").click()
    taps += 1
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
    assert taps == 2
    rows, _ = stored_answers(live_server, centre["slug"])
    assert [(q, o) for _, q, o in rows] == [("importance", "7")]
    # Back on question 1 the tick shows: the start screen's tap answered that question.
    expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=10000)
    expect(tablet.get_by_role("button", name="7", exact=True)).to_be_enabled(timeout=10000)
    tablet.locator(".first-question").get_by_role("button", name="3", exact=True).click()
    tablet.locator(".step.current").get_by_role("button", name="Tilbage").click()
    expect(tablet.locator('.step.current input[name="importance"][value="3"]')).to_be_checked()


def test_one_answer_is_two_taps_on_the_phone(live_server, phone):
    """Once anything is ticked, Send stays on the screen: no scrolling past the rest."""
    centre = live_server.add_centre("Café To Tryk Telefon")
    phone.goto(centre["survey_url"])
    send = phone.get_by_role("button", name="Send mit svar")
    expect(send).not_to_be_in_viewport()
    tap(phone, "importance", "9")
    expect(send).to_be_in_viewport()
    send.click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Tak")
    rows, _ = stored_answers(live_server, centre["slug"])
    assert [(q, o) for _, q, o in rows] == [("importance", "9")]


def test_a_language_change_keeps_the_ticks_on_the_phone(live_server, phone):
    centre = live_server.add_centre("Café Skift Sprog")
    phone.goto(centre["survey_url"])
    tap(phone, "importance", "6")
    tap(phone, "reasons", "meal")
    phone.locator('textarea[name="message"]').fill("Mere kaffe")
    choose_language(phone, "English")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your voice counts, anonymously")
    assert checked_inputs(phone) == 2
    expect(phone.locator('input[name="importance"][value="6"]')).to_be_checked()
    expect(phone.locator('textarea[name="message"]')).to_have_value("Mere kaffe")
    assert stored_answers(live_server, centre["slug"]) == ([], [])  # changing language stores nothing
    phone.get_by_role("button", name="Send my answer").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Thank you")
    rows, messages = stored_answers(live_server, centre["slug"])
    assert sorted((q, o) for _, q, o in rows) == [("importance", "6"), ("reasons", "meal")]
    assert len(messages) == 1


def test_without_javascript_the_phone_says_a_language_change_clears_the_ticks(live_server, browser):
    centre = live_server.add_centre("Café Intet Script")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(centre["survey_url"])
        page.locator("details.language-menu summary").click()
        expect(page.locator(".language-menu")).to_contain_text("Skifter du sprog, forsvinder det, du har sat kryds ved.")
    finally:
        context.close()


def test_a_language_change_keeps_the_ticks_on_the_kiosk(live_server, tablet):
    centre = live_server.add_centre("Café Skift Sprog Kiosk")
    pair(tablet, centre)
    tablet.get_by_role("button", name="Tryk for at starte").click()
    tap(tablet, "importance", "8")
    tap(tablet, "reasons", "meal")
    tablet.locator(".step.current").get_by_role("button", name="Tilbage").click()
    tablet.locator(".step.current").get_by_role("button", name="Tilbage").click()  # back at the start screen
    tablet.get_by_role("link", name="English").click()
    expect(tablet.get_by_role("button", name="Tap to start")).to_be_visible()
    assert tablet.evaluate("document.documentElement.lang") == "en"
    assert checked_inputs(tablet) == 2
    tablet.get_by_role("button", name="Tap to start").click()
    expect(tablet.locator(".step.current")).to_contain_text("How important is this place to you?")
    skip_to_send(tablet, "Next")
    tablet.get_by_role("button", name="Send my answer").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Thank you for your answer!")
    rows, _ = stored_answers(live_server, centre["slug"])
    assert sorted((q, o) for _, q, o in rows) == [("importance", "8"), ("reasons", "meal")]
    # The next person starts in Danish, with nothing ticked.
    expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=10000)
    assert checked_inputs(tablet) == 0


def test_the_kiosk_question_screens_keep_the_person_in_the_form(live_server, tablet):
    """The way to "what happens to your answer" is on the start and thank-you screens, never on a
    question screen, where following it would lose a half-finished answer."""
    centre = live_server.add_centre("Café Bliv Her")
    pair(tablet, centre)
    privacy = tablet.get_by_role("link", name="Hvad der sker med dit svar")
    expect(privacy).to_be_visible()
    tablet.get_by_role("button", name="Tryk for at starte").click()
    for _ in range(5):
        expect(privacy).to_be_hidden()
        tablet.locator(".step.current").get_by_role("button", name="Videre").click()
    tablet.get_by_role("button", name="Send mit svar").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak alligevel!")
    expect(privacy).to_be_visible()


def test_the_importance_scale_grows_a_heart_not_a_mood(live_server, phone):
    centre = live_server.add_centre("Café Hjerte")
    phone.goto(centre["survey_url"])
    scale = phone.locator(".options-scale")
    assert phone.locator(".options-scale use").evaluate_all("uses => uses.map(u => u.getAttribute('href'))") == ["#i-heart"] * 10
    sizes = scale.locator(".icon").evaluate_all("icons => icons.map(i => i.getBoundingClientRect().width)")
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1] / 2


def test_with_javascript_the_phone_does_not_warn_of_a_loss_that_does_not_happen(live_server, phone):
    centre = live_server.add_centre("Café Med Script")
    phone.goto(centre["survey_url"])
    phone.locator("details.language-menu summary").click()
    expect(phone.get_by_text("Skifter du sprog")).to_be_hidden()


def test_a_double_tap_on_send_stores_the_answer_once(live_server, tablet):
    centre = live_server.add_centre("Café Dobbelttryk")
    pair(tablet, centre)
    tablet.locator(".first-question").get_by_role("button", name="7", exact=True).click()
    tablet.locator(".step.current").get_by_role("button", name="Send nu").dblclick()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
    expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=10000)
    rows, _ = stored_answers(live_server, centre["slug"])
    assert [(q, o) for _, q, o in rows] == [("importance", "7")]


def test_ticks_left_on_the_start_screen_are_thrown_away_after_the_idle_time(live_server, tablet):
    centre = live_server.add_centre("Café Glemte Kryds")
    set_idle_seconds(live_server, centre["slug"], 2)
    pair(tablet, centre)
    tablet.locator(".first-question").get_by_role("button", name="4", exact=True).click()
    for _ in range(2):  # to question 1, then to the start screen
        tablet.locator(".step.current").get_by_role("button", name="Tilbage").click()
    expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible()
    assert checked_inputs(tablet) == 1
    expect(tablet.locator("input:checked")).to_have_count(0, timeout=10000)


def test_after_a_language_change_in_place_the_focus_is_on_the_language_chosen(live_server, tablet):
    centre = live_server.add_centre("Café Fokus")
    pair(tablet, centre)
    tablet.locator(".first-question").get_by_role("button", name="5", exact=True).click()
    for _ in range(2):
        tablet.locator(".step.current").get_by_role("button", name="Tilbage").click()
    tablet.get_by_role("link", name="English").click()
    expect(tablet.get_by_role("button", name="Tap to start")).to_be_visible()
    assert tablet.evaluate("document.activeElement.textContent.trim()") == "English"
    assert checked_inputs(tablet) == 1
