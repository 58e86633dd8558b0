"""The figures as a reader meets them, in Danish, in headless Chromium: a centre's year summary
and LVS's yearly report, both whole (every count a number, the note on how they are protected),
both accessible (axe-core). Three centres answer through 2026 and report through the real
`sync` to the hub of the same installation; the clock stands in January 2027."""

import random
import re

import pytest
from playwright.sync_api import expect

from app import accounts, db, demo, questions
from app.hub import signing

from .conftest import LiveServer, run_cli_here
from .test_accessibility import assert_accessible

# Its module fixtures take seconds to build: `make test` (--dist loadgroup) runs these tests on one worker.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser_figures")]

AFTER_2026 = "2027-01-05T12:00:00"  # a Tuesday: 2026-W53, and so the year 2026, has closed
PASSWORD = "tre kopper kaffe og en bolle"
CENTRES = (("Værestedet Nord", "nord", "municipal", "rural"), ("Værestedet Syd", "syd", "municipal", "large-city"),
           ("Værestedet Øst", "oest", "self-governing", "rural"))


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures")
    server = LiveServer(root, ROLE="both", CLOCK=AFTER_2026).start()
    database = server.database()
    fields = questions.load().fields()
    try:
        person = db.create_staff(database, "leder@nord.example", accounts.hash_password(PASSWORD))
        db.make_hub_admin(database, person["id"])
        for i, (name, slug, org_form, municipality_type) in enumerate(CENTRES):
            centre = db.create_centre(database, name, slug)
            db.set_membership(database, person["id"], centre["id"], "admin")
            key = signing.new_key()
            found = db.register_hub_centre(database, key=key, name=name, lvs_code=f"LVS-{slug}", org_form=org_form,
                                           municipality="Et sted", municipality_type=municipality_type)
            db.connect_hub(database, centre["id"], server.url, found["id"], key)
            rng = random.Random(i)
            with db.write_transaction(database):
                for week in range(1, 54):
                    for _ in range(rng.randint(3, 9)):  # some weeks below 5 answers: those show their number alone
                        db.insert_response(database, centre_id=centre["id"], iso_week=f"2026-W{week:02d}",
                                           question_set=1,
                                           answers=demo._one_answer(rng, fields))
    finally:
        database.close()
    env = {**server.env}
    run_cli_here(env, "sync")
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 768})  # axe is added by script
    yield context.new_page()
    context.close()


def sign_in(page, server, path):
    page.goto(server.url + path)
    page.get_by_label("E-mail").fill("leder@nord.example")
    page.locator("input[type=password]").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def test_a_centres_year_reads_whole_in_danish(installation, page):
    sign_in(page, installation, "/staff/c/nord/summary/2026")
    expect(page.get_by_role("heading", level=1)).to_have_text("2026")
    expect(page.locator("[data-notice=protection]")).to_contain_text("højst 2 op eller ned")
    importance = page.get_by_role("table", name="Hvor vigtigt er dette sted for dig?")
    counts = importance.locator("td.num:nth-of-type(1)").all_inner_texts()
    assert len(counts) == 10 and all(re.fullmatch(r"\d+", c) for c in counts), counts
    body = page.locator("main").inner_text()
    assert "< 5" not in body and "tilbageholdt" not in body
    assert_accessible(page)


def test_lvs_yearly_report_reads_whole_in_danish(installation, page):
    sign_in(page, installation, "/hub/year/2026")
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026")
    expect(page.locator("[data-notice=protection]")).to_contain_text("ændret med højst 2")
    glance = page.locator("#headlines")
    expect(glance).to_contain_text("Kort fortalt")
    rows = glance.locator("tbody tr")
    expect(rows).to_have_count(6)  # 9-10, at least a few times a week, and four reasons
    this_year = [rows.nth(i).locator("td.num").first.inner_text() for i in range(6)]
    assert all(re.fullmatch(r"\d+,\d %", share.replace("\xa0", " ")) for share in this_year), this_year
    scale = page.locator("#importance table").first.locator("tbody tr")
    expect(scale).to_have_count(10)
    assert "tilbageholdt" not in page.locator("#importance").inner_text()
    # All three centres are in the nation; no organisation form or municipality type has 3 of them,
    # so the breakdowns withhold their shares and say on how few centres they would rest.
    breakdown = page.locator("#org-form")
    expect(breakdown).to_contain_text("tilbageholdt")
    centres = sorted(breakdown.locator("[data-centres]").all_inner_texts())
    assert set(centres) == {"1", "2"}, centres
    assert_accessible(page)
