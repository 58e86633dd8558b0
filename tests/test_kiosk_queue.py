"""A kiosk on flaky Wi-Fi: answers wait on the tablet and arrive exactly once (headless Chromium)."""

import datetime
import json
import time

import pytest
from playwright.sync_api import Error as PlaywrightError, expect

from app import db, privacy, sealing

from .conftest import LiveServer
from .test_browser import pair, skip_to_send, tap

pytestmark = pytest.mark.browser

WAITING = "#waiting"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Tries again every second, where a real kiosk waits thirty.
    server = LiveServer(tmp_path_factory.mktemp("queue"), KIOSK_RETRY_SECONDS=1).start()
    yield server
    server.stop()


def stored(server, centre):
    database = server.database()
    try:
        return [(week, question, option) for _id, week, answers
                in db.responses_of(database, db.centre_by_slug(database, centre["slug"])["id"])
                for question, option in answers]
    finally:
        database.close()


def queued(tablet):
    try:
        return tablet.evaluate("kioskQueue.all()")
    except PlaywrightError:  # the page is on its way back to the start screen: ask again
        return None


def eventually(check, seconds=10):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "did not happen in time"
        time.sleep(0.2)


def answer_importance(tablet, value):
    tablet.get_by_role("button", name="Tryk for at starte").click()
    tap(tablet, "importance", value)
    skip_to_send(tablet)
    tablet.get_by_role("button", name="Send mit svar").click()


def test_an_answer_given_while_the_server_is_down_arrives_once_it_is_back(server, browser):
    centre = server.add_centre("Café Ustabilt Net")
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    tablet = context.new_page()
    try:
        pair(tablet, centre)
        tablet.evaluate("navigator.serviceWorker.ready.then(() => true)")  # start page kept offline
        tablet.get_by_role("button", name="Tryk for at starte").click()
        tap(tablet, "importance", "7")
        skip_to_send(tablet)
        server.stop()  # the Wi-Fi drops just before she presses send
        try:
            tablet.get_by_role("button", name="Send mit svar").click()
            # She is thanked as always; the answer waits on the tablet sealed for the server, with
            # its week and no time: the tablet cannot read it back.
            expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
            [entry] = queued(tablet)
            assert set(entry) == {"key", "week", "centre", "sealed"}
            assert entry["centre"] == centre["slug"] and entry["week"] == this_week()
            assert "importance" not in entry["sealed"] and set(json.loads(entry["sealed"])) == {"k", "iv", "c"}
            fields = sealing.unseal(server.data_dir, entry["sealed"])
            assert [pair for pair in fields if pair[1]] == [("importance", "7"), ("week", this_week())]
            # Back at the start screen (from the service worker's copy), staff see one answer waiting.
            expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=8000)
            expect(tablet.locator(WAITING)).to_have_text("Svar, der venter på at blive sendt: 1")
            assert stored(server, centre) == []
        finally:
            server.start()
        expect(tablet.locator(WAITING)).to_be_hidden(timeout=15000)
        time.sleep(2.5)  # two more rounds of retrying: nothing more arrives
        assert stored(server, centre) == [(this_week(), "importance", "7")]
        assert queued(tablet) == []
    finally:
        context.close()


def test_a_reply_lost_after_the_answer_was_stored_does_not_count_it_twice(server, browser):
    centre = server.add_centre("Café Tabt Svar")
    # Without the service worker, so that the test can stand between the page and the server.
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, service_workers="block")
    tablet = context.new_page()
    cut = []

    def store_then_cut(route):
        if route.request.method == "POST" and not cut:
            cut.append(route.fetch())  # the server stores the answer ...
            route.abort("connectionreset")  # ... and its reply never reaches the tablet
        else:
            route.continue_()

    try:
        pair(tablet, centre)
        tablet.route("**/kiosk/**", store_then_cut)
        answer_importance(tablet, "4")
        expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
        assert cut and cut[0].status == 200  # stored: the thank-you page it was sent on to
        # The tablet cannot know, so it sends again with the same key: counted once.
        expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=8000)
        eventually(lambda: queued(tablet) == [])
        time.sleep(1.5)  # another round of retrying: nothing more arrives
        assert stored(server, centre) == [(this_week(), "importance", "4")]
    finally:
        context.close()


def test_a_page_that_is_not_the_thank_you_page_does_not_count_as_stored(server, browser):
    centre = server.add_centre("Café Vedligehold")
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True, service_workers="block")
    tablet = context.new_page()
    try:
        pair(tablet, centre)
        # A proxy in front of the server answers 200 with its own "back soon" page.
        tablet.route("**/kiosk/**", lambda route: route.fulfill(status=200, body="<p>Back soon</p>")
                     if route.request.method == "POST" else route.continue_())
        answer_importance(tablet, "3")
        expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
        assert len(queued(tablet)) == 1  # kept, not taken for stored
        assert stored(server, centre) == []
        tablet.unroute("**/kiosk/**")
        eventually(lambda: stored(server, centre) == [(this_week(), "importance", "3")])
        eventually(lambda: queued(tablet) == [])
    finally:
        context.close()


def test_nothing_sent_is_thanked_and_a_refused_answer_is_not_kept_and_the_person_is_told(server, browser):
    centre = server.add_centre("Café Tomt Svar")
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    tablet = context.new_page()
    try:
        pair(tablet, centre)
        tablet.get_by_role("button", name="Tryk for at starte").click()
        skip_to_send(tablet)
        tablet.get_by_role("button", name="Send mit svar").click()  # every question skipped: fine
        expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak alligevel!")
        expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=10000)
        assert queued(tablet) == [] and stored(server, centre) == []
        # An answer the server can never store (a tile tampered with) leaves the queue, and she is told.
        expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_enabled(timeout=10000)
        tablet.get_by_role("button", name="Tryk for at starte").click()
        tap(tablet, "importance", "6")
        tablet.evaluate("document.querySelector('input[name=importance]:checked').value = '99'")
        skip_to_send(tablet)
        tablet.get_by_role("button", name="Send mit svar").click()
        expect(tablet.locator("#send-notice")).to_contain_text("dit svar kunne ikke gemmes")
        assert queued(tablet) == []
        tap_back_to(tablet, "importance", "7")
        tablet.get_by_role("button", name="Send mit svar").click()
        expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
        assert stored(server, centre) == [(this_week(), "importance", "7")]
    finally:
        context.close()


def tap_back_to(tablet, name, value):
    while not tablet.locator(f'.step.current input[name="{name}"]').count():
        tablet.locator(".step.current").get_by_role("button", name="Tilbage").click()
    tap(tablet, name, value)
    skip_to_send(tablet)


def this_week():
    return privacy.iso_week(datetime.date.today())


def test_the_tablet_keeps_nothing_readable_of_the_answers_it_took(server, browser, tmp_path):
    """Whoever picks the tablet up after five answers, two of them given while the server was
    away, finds none of their messages and none of their times anywhere in the browser's
    profile: the waiting answers were sealed before they touched storage, the thanks were shown
    in the page, and no time of an answer was written."""
    import shutil
    import sqlite3

    from .conftest import CHROMIUM_ARGS

    centre = server.add_centre("Café Intet Spor")
    profile = tmp_path / "profile"
    messages = [f"Kanariefuglen{n}synger i vinduet" for n in range(5)]
    context = browser.browser_type.launch_persistent_context(
        str(profile), executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS,
        viewport={"width": 1024, "height": 768}, has_touch=True)
    try:
        tablet = context.pages[0] if context.pages else context.new_page()
        pair(tablet, centre)
        tablet.evaluate("navigator.serviceWorker.ready.then(() => true)")
        for n, message in enumerate(messages):
            if n == 3:
                server.stop()  # the last two wait on the tablet
            start = tablet.get_by_role("button", name="Tryk for at starte")
            expect(start).to_be_enabled(timeout=10000)
            start.click()
            tap(tablet, "importance", str(n + 1))
            skip_to_send(tablet)
            tablet.locator('textarea[name="message"]').fill(message)
            tablet.get_by_role("button", name="Send mit svar").click()
            expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
        assert len(queued(tablet)) == 2
        server.start()
        eventually(lambda: queued(tablet) == [], seconds=20)
        assert sorted(o for _w, q, o in stored(server, centre) if q == "importance") == ["1", "2", "3", "4", "5"]
        assert tablet.evaluate("window.sessionStorage.length + window.localStorage.length") == 0
    finally:
        context.close()
    found = []
    for path in (p for p in profile.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for message in messages:
            word = message.split()[0]  # in every encoding a browser keeps text in
            if any(word.encode(codec) in data for codec in ("utf-8", "utf-16-le")):
                found.append((path.relative_to(profile), word))
    assert not found, profile
    history = sqlite3.connect(profile / "Default" / "History")
    try:
        visited = [row[0] for row in history.execute("SELECT url FROM urls")]
    finally:
        history.close()
    assert not [url for url in visited if "/tak" in url], visited  # no visit per answer, so no time of one


def kept_pages(tablet):
    return tablet.evaluate("""caches.keys().then(names => Promise.all(names.map(name => caches.open(name)
        .then(cache => cache.keys())))).then(lists => lists.flat().map(request => new URL(request.url))
        .filter(url => !url.pathname.startsWith('/static/')).map(url => url.pathname + url.search))""")


def test_offline_every_link_on_the_tablet_opens_its_own_copy_and_the_idle_return_still_works(tmp_path_factory, browser):
    """The server out of reach: "what people here said", "what happens to your answer" and the
    languages open from the tablet's own copies, each goes back to the start screen by itself,
    and even an address it never kept shows the start screen, never the browser's error."""
    server = LiveServer(tmp_path_factory.mktemp("offline"), KIOSK_IDLE_SECONDS=3).start()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    tablet = context.new_page()
    try:
        centre = server.add_centre("Café Uden Net")
        pair(tablet, centre)
        tablet.evaluate("navigator.serviceWorker.ready.then(() => true)")
        every = {f"/kiosk/{page}?lang={code}" for page in ("", "results", "privacy") for code in ("da", "en")}
        eventually(lambda: every <= set(kept_pages(tablet)))
        server.stop()
        start = tablet.get_by_role("button", name="Tryk for at starte")
        tablet.get_by_role("link", name="Se hvad folk her har sagt").click()
        expect(tablet.get_by_role("heading", level=1)).to_have_text("Intet at vise endnu")
        expect(start).to_be_visible(timeout=10000)  # back by itself
        tablet.get_by_role("link", name="Hvad der sker med dit svar").click()
        expect(tablet.get_by_role("heading", level=1)).to_have_text("Hvad der sker med dit svar")
        tablet.get_by_role("link", name="Tilbage til spørgeskemaet").click()
        expect(start).to_be_visible()
        tablet.get_by_role("link", name="English").click()
        expect(tablet.get_by_role("button", name="Tap to start")).to_be_visible()
        tablet.get_by_role("link", name="See what people here said").click()
        expect(tablet.get_by_role("heading", level=1)).to_have_text("Nothing to show yet")
        expect(start).to_be_visible(timeout=10000)  # and back in Danish for the next person
        tablet.goto(server.url + "/kiosk/tak?lang=en")  # never kept: the start screen, not an error
        expect(tablet.get_by_role("button", name="Tap to start")).to_be_visible()
    finally:
        context.close()
        server.stop()


def test_a_second_answer_within_the_tablets_interval_waits_without_a_word(tmp_path_factory, browser):
    """Two people one after the other, faster than the tablet's interval between answers: the
    second is thanked, held sealed and sent when the interval has passed; the tablet does not
    say "answers waiting", which staff read as a broken network."""
    server = LiveServer(tmp_path_factory.mktemp("interval"), KIOSK_ANSWER_INTERVAL_SECONDS=10).start()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, has_touch=True)
    tablet = context.new_page()
    try:
        centre = server.add_centre("Café Kø")
        pair(tablet, centre)
        for value in ("4", "9"):
            first = tablet.locator(".first-question").get_by_role("button", name=value, exact=True)
            expect(first).to_be_enabled(timeout=10000)
            first.click()
            tablet.locator(".step.current").get_by_role("button", name="Send nu").click()
            expect(tablet.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
            expect(tablet.get_by_role("button", name="Tryk for at starte")).to_be_visible(timeout=10000)
        assert len(queued(tablet)) == 1  # the second, held back
        expect(tablet.locator(WAITING)).to_be_hidden()
        eventually(lambda: sorted(o for _w, _q, o in stored(server, centre)) == ["4", "9"], seconds=30)
        eventually(lambda: queued(tablet) == [])
        expect(tablet.locator(WAITING)).to_be_hidden()
    finally:
        context.close()
        server.stop()
