"""WCAG 2.2 A/AA, checked by axe-core in headless Chromium on every page a person sees."""

import functools
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app import accounts, db

from .test_browser import tap

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
LANGUAGES = ["da", "en", "ar", "uk", "pl", "fa"]
PASSWORD = "en lang og tilfældig sætning"


@pytest.fixture(scope="module")
def site(live_server):
    """A centre offering every language, with a staff admin; a week of answers to summarise."""
    centre = live_server.add_centre("Værestedet Tilgængelig")
    database = live_server.database()
    try:
        db.update_centre(database, centre["slug"], languages=LANGUAGES)
        admin = db.create_staff(database, "tilgaengelig@example.dk", accounts.hash_password(PASSWORD))
        db.set_membership(database, admin["id"], db.centre_by_slug(database, centre["slug"])["id"], "admin")
    finally:
        database.close()
    return centre


@pytest.fixture
def page(browser):
    # Playwright adds axe by evaluating it in the page, which the pages' CSP rightly forbids
    # to a page's own inline scripts; this context may.
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


@functools.cache
def axe_source():
    assert AXE.exists(), "axe-core is missing: `make test` installs it with npm"
    return AXE.read_text()


def violations(page):
    # Only the violations are gathered and sent back, and axe is added once a page: some 250 checks
    # in the suite, each 0.2 s of CPU cheaper than a full result.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(axe_source())
    found = page.evaluate("options => axe.run(document, options).then(result => result.violations)",
                          {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations"]})
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in found]


def assert_accessible(page):
    found = violations(page)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_checker_finds_what_a_person_would_meet(page):
    """The check itself: a nameless button and a picture without words are found, on the page's
    first check and again after the page changed (axe is added once a page)."""
    page.set_content('<html lang="da"><head><title>Prøve</title></head>'
                     '<body><main><h1>Prøve</h1><button></button></main></body></html>')
    assert [found[0] for found in violations(page)] == ["button-name"]
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
    assert sorted(found[0] for found in violations(page)) == ["button-name", "image-alt"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_phone_survey_and_its_thank_you_page(live_server, site, page, language):
    page.goto(f"{site['survey_url']}?lang={language}")
    assert_accessible(page)
    page.locator("label.option").filter(has=page.locator('input[name="importance"][value="8"]')).click()
    page.locator("button.send").click()
    page.wait_for_url("**/tak*")
    assert_accessible(page)
    page.locator(".privacy-link a").click()  # what happens to the answer
    page.wait_for_url("**/privacy*")
    assert_accessible(page)
    page.goto(f"{site['survey_url']}/results?lang={language}")  # what people here said
    assert_accessible(page)


@pytest.mark.parametrize("language", ["da", "ar"])
def test_the_phone_at_360_px_and_its_thank_you_anyway_page(live_server, site, browser, language):
    """The phone issue 17 measured: 360 x 640, one short page, and the kind page for sending nothing."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 360, "height": 640}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{site['survey_url']}?lang={language}")
        assert_accessible(page)
        page.locator("details.language-menu summary").click()  # the language menu, open
        assert_accessible(page)
        page.locator("button.send").click()
        page.wait_for_url("**/tak*")
        assert page.locator("h1").count() == 1
        assert_accessible(page)
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_kiosk_start_questions_and_thank_you(live_server, site, page, language):
    pairing = json.loads(live_server.cli("centre", "pair-kiosk", site["slug"], "--json").stdout)
    page.goto(pairing["kiosk_pairing_url"])
    page.locator("button[type=submit]").click()
    page.goto(f"{live_server.url}/kiosk/?lang={language}")
    assert_accessible(page)
    page.locator("[data-action=start]").click()
    assert_accessible(page)  # the first question
    first = page.locator(".step.current input").first
    name = first.get_attribute("name")
    tap(page, name, first.get_attribute("value"))  # a screen of one single choice moves on by itself
    if page.locator(f'.step.current input[name="{name}"]').count():
        page.locator(".step.current [data-action=next]").click()
    assert_accessible(page)
    # Straight to the last step and send.
    while page.locator(".step.current button.send").count() == 0:
        page.locator(".step.current [data-action=next]").click()
    assert_accessible(page)
    page.locator(".step.current button.send").click()
    expect(page.locator("#thanks h1")).to_be_visible()
    assert_accessible(page)
    # The kiosk goes back to its Danish start page by itself (KIOSK_RETURN_SECONDS=2 in the test
    # server): let it arrive, or that navigation cuts the next one short on a slow machine.
    page.wait_for_url(re.compile(r"/kiosk/$"), timeout=60_000)
    # For staff: the line counting answers that wait for the network, and the way out.
    page.goto(f"{live_server.url}/kiosk/?lang={language}")
    page.evaluate("""() => { const line = document.getElementById('waiting');
                            line.querySelector('span').textContent = line.dataset.template.replace('__N__', '2');
                            line.hidden = false; document.getElementById('staff-exit').showModal(); }""")
    assert_accessible(page)
    page.goto(f"{live_server.url}/kiosk/privacy?lang={language}")
    assert_accessible(page)
    page.goto(f"{live_server.url}/kiosk/results?lang={language}")
    assert_accessible(page)
    page.goto(f"{live_server.url}/kiosk/?lang={language}")
    page.evaluate("document.getElementById('staff-exit').showModal()")
    page.locator("#staff-exit input[name=pin]").fill("0000")
    page.locator("#staff-exit button[type=submit]").click()
    page.wait_for_url("**/kiosk/exit*")
    assert_accessible(page)


def test_pages_without_a_survey_explain_themselves_accessibly(live_server, page):
    for path in ("/s/no-such-code", "/kiosk/", "/kiosk/pair/no-such-link", "/no-such-page", "/", "/k/ZZZZ-ZZZZ"):
        page.goto(live_server.url + path)
        assert_accessible(page)


STAFF_PAGES = ["/staff/", "/staff/c/{slug}/", "/staff/c/{slug}/summary", "/staff/c/{slug}/settings",
               "/staff/c/{slug}/team", "/staff/password", "/staff/translations"]


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_staff_page(live_server, site, page, language):
    page.goto(live_server.url + "/staff/login")
    assert_accessible(page)
    page.get_by_label("E-mail").fill("tilgaengelig@example.dk")
    page.locator("input[type=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.locator("h1")).to_be_visible()
    if language == "en":
        page.get_by_role("button", name="English").click()
    for path in STAFF_PAGES:
        page.goto(live_server.url + path.format(slug=site["slug"]))
        assert page.evaluate("document.documentElement.lang") == language
        assert_accessible(page)
