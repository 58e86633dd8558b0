"""Staff and LVS finding their way through the periods, in headless Chromium against the real
server: from the home page to last quarter and back to a week, and a quarter's three downloads."""

import csv
import random
import subprocess

import pytest
from playwright.sync_api import expect

from app import accounts, db

from .conftest import LiveServer

pytestmark = pytest.mark.browser

CLOCK = "2026-12-02T12:00:00"  # Wednesday of 2026-W49: W48 has closed, Q4 has not, Q3 has
PASSWORD = "to kopper te om dagen"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("periods"), CLOCK=CLOCK).start()
    centre = server.add_centre("Café Kvartal")
    database = server.database()
    try:
        found = db.centre_by_slug(database, centre["slug"])
        rng = random.Random(18)
        for week in range(27, 49):  # Q3 and most of Q4 2026
            for _ in range(12):
                db.record_response(database, centre_id=found["id"], iso_week=f"2026-W{week:02d}", question_set=1,
                                   answers=[("importance", rng.choice(["7", "8", "9", "10", "10"])),
                                            ("reasons", "meet_people"), ("frequency", "daily")])
        person = db.create_staff(database, "leder@example.dk", accounts.hash_password(PASSWORD))
        db.set_membership(database, person["id"], found["id"], "staff")
    finally:
        database.close()
    server.centre = centre
    yield server
    server.stop()


def test_from_the_home_page_to_last_quarter_back_to_a_week_and_a_quarters_three_downloads(server, browser, tmp_path):
    from openpyxl import load_workbook

    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{server.url}/staff/login")
        page.get_by_label("E-mail").fill("leder@example.dk")
        page.get_by_label("Adgangskode").fill(PASSWORD)
        page.get_by_role("button", name="Log ind").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Café Kvartal")  # the centre's home
        expect(page.locator("#last-week")).to_contain_text("uge 48 · 2026")

        page.get_by_role("link", name="Opsummeringer").click()  # the last full week
        expect(page.get_by_role("heading", level=1)).to_have_text("uge 48 · 2026")
        picker = page.get_by_role("navigation", name="Perioder")
        expect(picker.locator('a[href$="/2026-Q4"]')).to_have_count(0)  # not over: never offered
        picker.locator("a[data-level=quarter]").click()  # Q4 is open: the newest that has closed
        expect(page.get_by_role("heading", level=1)).to_have_text("3. kvartal 2026")
        expect(page.locator(".total")).to_contain_text("156 svar")

        picker = page.get_by_role("navigation", name="Perioder")
        picker.get_by_text("Vælg en anden uge, periode, kvartal eller år").click()  # the grid, folded until asked for
        picker.get_by_role("link", name="uge 33 · 2026").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("uge 33 · 2026")
        expect(page.locator(".total")).to_contain_text("12 svar")

        picker = page.get_by_role("navigation", name="Perioder")
        picker.get_by_text("Vælg en anden uge, periode, kvartal eller år").click()
        picker.get_by_role("link", name="3. kvartal", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("3. kvartal 2026")
        saved = {}
        for link, extension in (("PDF til udskrift", "pdf"), ("CSV til Excel", "csv"), ("Excel-projektmappe (XLSX)", "xlsx")):
            with page.expect_download() as download:
                page.get_by_role("link", name=link).click()
            assert download.value.suggested_filename == f"brugerstemmen-{server.centre['slug']}-2026-Q3.{extension}"
            saved[extension] = tmp_path / f"q3.{extension}"
            download.value.save_as(saved[extension])
        rows = list(csv.reader(saved["csv"].read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
        assert ["Periode", "3. kvartal 2026"] in rows and ["Svar", "156"] in rows
        book = load_workbook(saved["xlsx"])
        assert book.sheetnames[:4] == ["Opsummering", "Hvor vigtigt stedet er", "Hvorfor de kommer", "Hvor tit"]
        assert book["Opsummering"]["B3"].value == 156
        text = subprocess.run(["pdftotext", str(saved["pdf"]), "-"], capture_output=True, text=True, check=True).stdout
        assert "Café Kvartal · 3. kvartal 2026" in text and "156 svar" in text
    finally:
        context.close()
