"""A tablet says it is on at fixed times of the clock, never after an answer (headless Chromium
against the real server; the page's clock is Playwright's, so no test waits a quarter of an hour)."""

import datetime

import pytest
from playwright.sync_api import expect

from app import db

from .conftest import LiveServer
from .test_kiosk_queue import answer_importance
from .test_browser import pair

pytestmark = pytest.mark.browser

CLOCK = "2026-12-02T09:00:00"  # the server's day: a Wednesday


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("heartbeat"), CLOCK=CLOCK).start()
    yield server
    server.stop()


def last_seen(server, centre):
    database = server.database()
    try:
        return db.kiosks_of(database, db.centre_by_slug(database, centre["slug"])["id"])[0]["last_seen_on"]
    finally:
        database.close()


def eventually(tablet, check):
    for _ in range(100):
        if check():
            return
        tablet.wait_for_timeout(100)
    assert check()


def test_the_tablet_says_it_is_on_on_the_quarter_hour_and_not_after_an_answer(server, browser):
    centre = server.add_centre("Café Puls")
    context = browser.new_context()
    seen = []
    context.on("request", lambda request: request.url.endswith("/kiosk/seen") and seen.append(request.method))
    context.clock.install(time=datetime.datetime(2026, 12, 2, 9, 3, 0))
    tablet = context.new_page()
    try:
        pair(tablet, centre)
        assert seen == [] and last_seen(server, centre) is None  # pairing is not being seen
        navigations = []
        tablet.on("framenavigated", lambda frame: frame == tablet.main_frame and navigations.append(frame.url))
        answer_importance(tablet, "8")
        expect(tablet.get_by_role("heading", level=1)).to_be_visible()
        tablet.clock.run_for("00:10")  # the thank-you page goes back to the start...
        expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible()
        tablet.wait_for_timeout(500)
        assert seen == []  # ...and no heartbeat follows the answer
        tablet.clock.run_for("12:30")  # past 09:15
        eventually(tablet, lambda: len(seen) == 1)
        tablet.clock.run_for("15:00")  # past 09:30: once more, and only once
        eventually(tablet, lambda: len(seen) == 2)
        tablet.wait_for_timeout(500)
        assert seen == ["POST", "POST"]
        assert last_seen(server, centre) == "2026-12-02"  # the day, never a time
        assert navigations == []  # the answer, its thanks and the way back: all in the page
        tablet.clock.run_for("45:00")  # past 10:15: the unused start screen is over an hour old
        eventually(tablet, lambda: len(navigations) == 1)  # fetched afresh, with that heartbeat
    finally:
        context.close()
