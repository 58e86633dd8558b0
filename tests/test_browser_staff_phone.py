"""Every staff and hub page on a phone (390 x 844), in headless Chromium against the real server:
nothing pans sideways, and axe finds nothing. Three centres answer from July 2026 and report to the
hub of the same installation; the clock stands in February 2027, so every kind of period has
closed (weeks, a four-week block, a quarter, the year 2026) and this week is open.

The staff side speaks Danish and English (STAFF_LANGUAGES); Arabic and Farsi reach its pages as
the centre's own languages (the reply form's right-to-left fields, the posters' names)."""

import random

import pytest
from playwright.sync_api import expect

from app import accounts, db, demo, questions
from app.hub import signing

from .conftest import LiveServer, run_cli_here
from .test_accessibility import assert_accessible

# Its module fixtures take seconds to build: `make test` (--dist loadgroup) runs these tests on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_staff_phone")]

CLOCK = "2027-02-10T12:00:00"  # Wednesday of 2027-W06: W05, B01 (W01-W04), 2026-Q4 and 2026 have closed
PASSWORD = "tre kopper kaffe og en bolle"
PHONE = {"width": 390, "height": 844}
CENTRES = (("Værestedet Nord", "nord", "municipal", "rural"), ("Værestedet Syd", "syd", "municipal", "large-city"),
           ("Værestedet Øst", "oest", "self-governing", "rural"))
WEEKS = [f"2026-W{week:02d}" for week in range(27, 54)] + [f"2027-W{week:02d}" for week in range(1, 6)]


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("phone"), ROLE="both", CLOCK=CLOCK).start()
    database = server.database()
    fields = questions.load().fields()
    try:
        person = db.create_staff(database, "leder@nord.example", accounts.hash_password(PASSWORD))
        db.make_hub_admin(database, person["id"])
        other = db.create_staff(database, "kollega@nord.example", accounts.hash_password(PASSWORD))
        for i, (name, slug, org_form, municipality_type) in enumerate(CENTRES):
            centre = db.create_centre(database, name, slug)
            db.update_centre(database, slug, languages=["da", "en", "ar", "fa"])
            db.set_membership(database, person["id"], centre["id"], "admin")
            key = signing.new_key()
            found = db.register_hub_centre(database, key=key, name=name, lvs_code=f"LVS-{slug}", org_form=org_form,
                                           municipality="Et sted", municipality_type=municipality_type)
            db.connect_hub(database, centre["id"], server.url, found["id"], key)
            rng = random.Random(i)
            with db.write_transaction(database):
                for week in WEEKS:
                    for _ in range(rng.randint(4, 12)):
                        db.insert_response(database, centre_id=centre["id"], iso_week=week, question_set=1,
                                           answers=demo._one_answer(rng, fields))
        # LVS's register as long as it gets: a search, and a page of 50 at a time (retired centres: no figures).
        for n in range(60):
            retired = db.register_hub_centre(database, key=signing.new_key(), name=f"Tidligere værested {n:02}",
                                             lvs_code=f"LVS-old-{n:02}", org_form="municipal",
                                             municipality="Frederiksberg", municipality_type="large-city")
            db.revoke_hub_centre(database, retired["id"])
        nord = db.centre_by_slug(database, "nord")
        db.set_membership(database, other["id"], nord["id"], "staff")
        new = db.create_staff(database, "ny@nord.example")
        server.invites = {
            "password": db.create_invite(database, new["id"], nord["id"], "staff", sets_password=True, ttl_hours=24),
            "join": db.create_invite(database, other["id"], db.centre_by_slug(database, "syd")["id"], "staff",
                                     sets_password=False, ttl_hours=24)}
    finally:
        database.close()
    run_cli_here(server.env, "sync")
    yield server
    server.stop()


CENTRE_PAGES = ["/staff/", "/staff/c/nord/", "/staff/c/nord/summary", "/staff/c/nord/summary/2027-W05",
                "/staff/c/nord/summary/2027-B01", "/staff/c/nord/summary/2026-Q4", "/staff/c/nord/summary/2026",
                "/staff/c/nord/summary/2027-W06", "/staff/c/nord/settings", "/staff/c/nord/team",
                "/staff/password", "/staff/translations", "/staff/invite/no-such-link"]
HUB_PAGES = ["/hub/", "/hub/2027-W05", "/hub/2027-B01", "/hub/2026-Q4", "/hub/2026", "/hub/2027-W06",
             "/hub/2026-Q4?by=org-form", "/hub/centres", "/hub/centres?page=2", "/hub/centres?q=nord",
             "/hub/year/2026", "/hub/year/2025"]


def overflow(page):
    """How far the page reaches past the screen's width, and the elements that do."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')].filter(e => {
            const box = e.getBoundingClientRect();
            return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
        }).map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className : '')
                     + ' ' + Math.round(e.getBoundingClientRect().width) + 'px');
        return {scroll: document.documentElement.scrollWidth, wide: wide.slice(0, 8)};
    }""")


def assert_fits(page, path):
    # After a form was sent, the new page can be there before its styles are (on a busy machine):
    # measured then, the phone's stacked tables would be as wide as a desk's.
    page.wait_for_load_state("load")
    found = overflow(page)
    assert found["scroll"] <= PHONE["width"] and not found["wide"], (path, found)


def sign_in(page, server):
    page.goto(server.url + "/staff/login")
    page.get_by_label("E-mail").fill("leder@nord.example")
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("h1")).to_be_visible()


@pytest.mark.parametrize("language", ["da", "en"])
def test_no_staff_or_hub_page_pans_sideways_on_a_phone(installation, browser, language):
    context = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(installation.url + "/staff/login")
        assert_fits(page, "/staff/login")
        assert_accessible(page)
        sign_in(page, installation)
        if language == "en":
            page.get_by_role("button", name="English").click()
        for path in CENTRE_PAGES + HUB_PAGES + [f"/staff/invite/{token}" for token in installation.invites.values()]:
            page.goto(installation.url + path)
            assert page.evaluate("document.documentElement.lang") == language
            assert_fits(page, path)
            assert_accessible(page)
        # The Team page with a fresh invitation link, and the picker opened.
        page.goto(installation.url + "/staff/c/nord/team")
        page.locator("input#email").fill("tredje@nord.example")
        page.locator("form.narrow button[type=submit]").click()
        expect(page.locator(".invite-link")).to_be_visible()
        assert_fits(page, "team, invited")
        assert_accessible(page)
        for path in ("/staff/c/nord/summary/2027-W05", "/hub/2026-Q4"):
            page.goto(installation.url + path)
            page.locator(".period-picker details summary").click()
            assert_fits(page, path + " picker open")
            assert_accessible(page)
        if language == "en":
            page.get_by_role("button", name="Dansk").click()  # the account's language, as the other tests expect
    finally:
        context.close()


def test_the_invitation_link_copies_with_a_button_and_shows_a_qr_code_under_the_strict_csp(installation, browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)  # the page's own CSP holds
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=installation.url)
    page = context.new_page()
    refused = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    try:
        sign_in(page, installation)
        page.goto(installation.url + "/staff/c/nord/team?lang=da")  # whatever language the account chose last
        page.locator("input#email").fill("fjerde@nord.example")
        page.locator("form.narrow button[type=submit]").click()
        link = page.locator("#invite-url").inner_text()
        assert link.startswith(installation.url + "/staff/invite/")
        page.get_by_role("button", name="Kopiér linket").click()
        expect(page.locator(".copy-status")).to_have_text("Linket er kopieret.")
        assert page.evaluate("navigator.clipboard.readText()") == link
        qr = page.get_by_role("img", name="QR-kode med invitationslinket")
        assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # a data: image the CSP allows
        assert not refused, refused
    finally:
        context.close()


def test_without_a_clipboard_the_copy_button_selects_the_link(installation, browser):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        sign_in(page, installation)
        page.goto(installation.url + "/staff/c/nord/team?lang=da")  # whatever language the account chose last
        page.locator("input#email").fill("femte@nord.example")
        page.locator("form.narrow button[type=submit]").click()
        page.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined})")  # as on plain http
        page.get_by_role("button", name="Kopiér linket").click()
        expect(page.locator(".copy-status")).not_to_be_empty()
        assert page.evaluate("getSelection().toString()") == page.locator("#invite-url").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1366])
def test_a_settings_checkbox_sits_beside_its_label(installation, browser, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, installation)
        page.goto(installation.url + "/staff/c/nord/settings")
        boxes = page.locator(".field.checkbox")
        assert boxes.count() == 2
        for i in range(2):
            box = boxes.nth(i).locator("input[type=checkbox]").bounding_box()
            label = boxes.nth(i).locator("label").bounding_box()
            assert box["x"] + box["width"] <= label["x"] and abs(box["y"] - label["y"]) < 8, (box, label)
    finally:
        context.close()


def test_the_folded_period_picker_works_without_javascript(installation, browser):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, installation)
        page.goto(installation.url + "/staff/c/nord/summary/2027-W05?lang=da")
        picker = page.get_by_role("navigation", name="Perioder")
        expect(picker.get_by_role("link", name="uge 40 · 2026")).to_have_count(0)  # folded, and another year
        picker.get_by_text("Vælg en anden uge, periode, kvartal eller år").click()
        picker.get_by_role("link", name="2026", exact=True).click()  # another year: one click
        expect(page.get_by_role("heading", level=1)).to_have_text("2026")
        picker = page.get_by_role("navigation", name="Perioder")
        picker.get_by_text("Vælg en anden uge, periode, kvartal eller år").click()
        picker.get_by_role("link", name="uge 40 · 2026").click()  # and any week of it: the second
        expect(page.get_by_role("heading", level=1)).to_have_text("uge 40 · 2026")
        page.goto(installation.url + "/hub/2026?lang=da")  # the hub lists nothing before its first report
        page.get_by_role("navigation", name="Perioder").get_by_text("Vælg en anden uge").click()
        weeks = page.locator(".period-picker .weeks li").all_inner_texts()
        assert weeks[0] == "27" and "26" not in weeks, weeks
    finally:
        context.close()
