"""The screens as a person meets them, measured and photographed in headless Chromium: a 360 x 640
phone (JavaScript on and off) and a kiosk tablet at 1280 x 800 and 800 x 1280, in Danish and Arabic.

Every screenshot is written to tests/screenshots/ (kept out of git), to be looked at."""

import contextlib
import json
import socket
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app import db, questions

from .test_browser import stored_answers, tap

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).parent / "screenshots"
PHONE = {"width": 360, "height": 640}
ALL_LANGUAGES = ["da", "en", "ar", "uk", "pl", "fa"]
KIOSK_MIN_BUTTON_PX = 96
KIOSK_MIN_TEXT_PX = 28


@pytest.fixture(scope="module")
def centre(live_server):
    centre = live_server.add_centre("Værestedet Solsikken")
    database = live_server.database()
    try:
        db.update_centre(database, centre["slug"], languages=ALL_LANGUAGES)
    finally:
        database.close()
    return centre


def shoot(page, name, full_page=False):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def box(locator):
    return locator.bounding_box()


# --- the phone ------------------------------------------------------------------------------

@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("language", ["da", "ar"])
def test_the_phone_survey_is_short_and_starts_on_the_first_screen(live_server, browser, centre, language, javascript):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=javascript)
    page = context.new_page()
    try:
        page.goto(f"{centre['survey_url']}?lang={language}")
        name = f"phone-{language}-{'js' if javascript else 'no-js'}"
        shoot(page, f"{name}-first-screen")
        shoot(page, f"{name}-whole", full_page=True)
        # The first question, with every one of its options, on the first screen.
        first = page.locator("[data-question]").first
        expect(first).to_contain_text(first.locator(".legend").inner_text())
        tiles = [box(tile) for tile in first.locator(".tile").all()]
        assert len(tiles) == 10 and all(0 <= tile["y"] and tile["y"] + tile["height"] <= PHONE["height"] for tile in tiles)
        # One compact language control: no language link shows until it is opened.
        assert page.locator("details.language-menu").count() == 1
        assert page.locator("a[hreflang]:visible").count() == 0
        page.locator("details.language-menu summary").click()
        assert page.locator("a[hreflang]:visible").count() == len(ALL_LANGUAGES)
        # Danish first, then the installation's order, whatever the page's language.
        assert page.locator("details.language-menu a").evaluate_all("nodes => nodes.map(n => n.lang)") == ALL_LANGUAGES
        page.locator("details.language-menu summary").click()
        # The first screen and at most three more of scrolling; never sideways.
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= 4 * PHONE["height"], height
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


def test_the_phone_survey_is_short_in_every_language(live_server, browser, centre):
    """Longer words (Ukrainian, Polish) wrap onto more lines: still the first question on the first
    screen and at most three more screens to scroll (Ukrainian measured 2,503 px of 2,560)."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    heights = {}
    try:
        for language in ALL_LANGUAGES:
            page.goto(f"{centre['survey_url']}?lang={language}")
            tiles = [box(tile) for tile in page.locator("[data-question]").first.locator(".tile").all()]
            assert max(tile["y"] + tile["height"] for tile in tiles) <= PHONE["height"], language
            heights[language] = page.evaluate("document.documentElement.scrollHeight")
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], language
    finally:
        context.close()
    assert max(heights.values()) <= 4 * PHONE["height"], heights


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_every_question_is_answered_in_ten_taps(live_server, browser, javascript):
    centre = live_server.add_centre(f"Café Ti Tryk {javascript}")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=javascript)
    page = context.new_page()
    taps = 0
    try:
        page.goto(centre["survey_url"])
        for field in questions.load().fields():
            if field.kind != "text":
                tap(page, field.name, field.options[0].id)  # one tap each, the statements included
                taps += 1
        page.get_by_role("button", name="Send mit svar").click()
        taps += 1
        expect(page.get_by_role("heading", level=1)).to_have_text("Tak for dit svar!")
    finally:
        context.close()
    rows, _ = stored_answers(live_server, centre["slug"])
    answered = {question.split(".")[0] for _, question, _ in rows}
    assert answered == {"importance", "reasons", "frequency", "meaning", "wishes"}  # everything but the message
    assert taps <= 10, taps


# --- the kiosk ------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ALL_LANGUAGES)
@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)], ids=["landscape", "portrait"])
def test_the_kiosk_gives_each_question_the_whole_screen(live_server, browser, centre, language, size):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True)
    page = context.new_page()
    name = f"kiosk-{language}-{width}x{height}"
    try:
        pairing = json.loads(live_server.cli("centre", "pair-kiosk", centre["slug"], "--json").stdout)
        page.goto(pairing["kiosk_pairing_url"])
        page.locator("button[type=submit]").click()
        page.goto(f"{live_server.url}/kiosk/?lang={language}")
        shoot(page, f"{name}-0-start")
        # The start screen fits, and "Larger text" sits inside its panel, not across its edge.
        assert page.evaluate("document.documentElement.scrollHeight") <= height
        comfort, panel = box(page.locator(".comfort [data-bigger]")), box(page.locator(".start"))
        assert panel["x"] < comfort["x"] and comfort["x"] + comfort["width"] < panel["x"] + panel["width"]
        assert panel["y"] < comfort["y"] and comfort["y"] + comfort["height"] < panel["y"] + panel["height"]
        assert min(box(tile)["height"] for tile in page.locator(".start-button, .languages [lang]").all()) >= 64
        # Danish first, then the languages in the installation's order, whatever the page's language.
        assert page.locator(".languages [lang]").evaluate_all("nodes => nodes.map(n => n.lang)") == ALL_LANGUAGES
        flipped = page.locator("[data-action=start] .icon").evaluate("icon => getComputedStyle(icon).transform")
        assert (flipped != "none") == (language in ("ar", "fa"))  # "Tap to start" points the way she reads
        screens = 1
        page.locator("[data-action=start]").click()
        steps = page.locator(".step").count()
        assert steps == len(questions.by_question(questions.load().fields()))
        for number in range(1, steps + 1):
            current = page.locator(".step.current")
            expect(current).to_contain_text(current.locator(".legend").inner_text())
            if current.locator('input[name="reasons"]').count():
                tap(page, "reasons", "meal")  # a chosen answer, as it looks
            screens += 1
            shoot(page, f"{name}-{number}")
            measure_question_screen(page, current, width, height, language)
            if number < steps:
                current.locator("[data-action=next]").click()
        page.locator(".step.current button.send").click()
        expect(page.locator("#thanks h1")).to_be_visible()  # in the page: no visit kept in the history
        screens += 1
        shoot(page, f"{name}-{screens - 1}-thanks")
        # Start, one screen per question, thank-you: no more.
        assert screens == steps + 2
    finally:
        context.close()


def measure_question_screen(page, current, width, height, language):
    # The question fills the screen: nothing to scroll, and its options take at least half of it.
    assert page.evaluate("document.documentElement.scrollHeight") <= height
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    tiles = current.locator(".tile").all()
    if tiles:
        boxes = [box(tile) for tile in tiles]
        assert min(b["height"] for b in boxes) >= KIOSK_MIN_BUTTON_PX, [b["height"] for b in boxes]
        top = min(b["y"] for b in boxes)
        bottom = max(b["y"] + b["height"] for b in boxes)
        assert bottom - top >= height / 2, (bottom - top, height)
        assert all(b["y"] + b["height"] <= height for b in boxes)
        # Large pictograms beside large words; on the 1-10 scale a heart that grows with the number.
        icons = [box(icon) for icon in current.locator(".tile .icon").all()]
        if current.locator(".options-scale").count():
            assert icons[-1]["height"] >= 40 and [i["height"] for i in icons] == sorted(i["height"] for i in icons)
        else:
            assert min(i["height"] for i in icons) >= 40
    else:  # the message: the box to write in fills the screen instead
        area = box(current.locator("textarea"))
        assert area["height"] >= height / 3
    sizes = current.locator(".legend, .hint, .statement p, .tile > span, .step-nav button, .progress, textarea"
                            ).evaluate_all("nodes => nodes.map(n => parseFloat(getComputedStyle(n).fontSize))")
    assert min(sizes) >= KIOSK_MIN_TEXT_PX, sizes
    # Right to left, the arrows point the way the person reads: Back and Next both.
    for action in ("back", "next"):
        arrow = current.locator(f"[data-action={action}] .icon")
        if arrow.count():  # the last question has Send instead of Next
            flipped = arrow.evaluate("icon => getComputedStyle(icon).transform")
            assert (flipped != "none") == (language in ("ar", "fa")), action


def test_the_kiosk_start_screen_is_light(live_server, browser, centre):
    """At most 25 KB as sent (the kiosk's first load, with an empty cache), no web font, no other host."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    page = context.new_page()
    try:
        pairing = json.loads(live_server.cli("centre", "pair-kiosk", centre["slug"], "--json").stdout)
        page.goto(pairing["kiosk_pairing_url"])
        page.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        page.context.new_cdp_session(page).send("Network.clearBrowserCache")
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{live_server.url}/kiosk/", wait_until="networkidle")
        sizes = page.evaluate("""() => performance.getEntriesByType('navigation')
            .concat(performance.getEntriesByType('resource')).map(e => e.transferSize)""")
    finally:
        context.close()
    assert 0 < sum(sizes) <= 25 * 1024, sizes
    assert all(url.startswith(live_server.url) for url in requests), requests
    assert not [url for url in requests if url.endswith((".woff", ".woff2", ".ttf", ".otf"))]


class CountingProxy:
    """A port in front of the server that counts every byte the server sends back: what the
    tablet's Wi-Fi carries, headers and the service worker's own fetches included."""

    def __init__(self, port):
        self.target, self.sent, self.lock, self.sockets = port, 0, threading.Lock(), []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, source, sink, count):
        try:
            while data := source.recv(65536):
                if count:
                    with self.lock:
                        self.sent += len(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self):
        self.listener.close()
        for end in self.sockets:
            end.close()


def paired_on_the_wire(live_server, browser, centre, **context_options):
    """Bytes sent on the wire (counted at the socket) from the moment a tablet is paired until
    it and its service worker are quiet."""
    pairing = json.loads(live_server.cli("centre", "pair-kiosk", centre["slug"], "--json").stdout)
    proxy = CountingProxy(live_server.port)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, **context_options)
    page = context.new_page()
    try:
        page.goto(pairing["kiosk_pairing_url"].replace(live_server.url, f"http://127.0.0.1:{proxy.port}"))
        before = proxy.sent
        page.locator("button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        expect(page.get_by_role("button", name="Tryk for at starte")).to_be_visible()
        if context_options.get("service_workers") != "block":
            assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
            kept = len(page.locator("body").get_attribute("data-offline").split())
            deadline = time.monotonic() + 30
            while page.evaluate("""caches.keys().then(names => Promise.all(names.map(n => caches.open(n)
                    .then(c => c.keys())))).then(lists => lists.flat()
                    .filter(r => !r.url.includes('/static/')).length)""") < kept:
                assert time.monotonic() < deadline, "the service worker kept too few pages"
                time.sleep(0.2)
        page.wait_for_load_state("networkidle")
        time.sleep(1)
        return proxy.sent - before
    finally:
        context.close()
        proxy.close()


def test_a_new_tablet_is_sent_at_most_25_kb_for_its_start_screen_and_little_more_to_go_offline(live_server, browser, centre):
    """The start screen, its files and script: at most 25 KB. The service worker and the copies it
    keeps so that every link on the tablet opens offline (start, results and privacy pages in
    each of the centre's six languages): at most 16 KB a language more, once, at pairing."""
    start_screen = paired_on_the_wire(live_server, browser, centre, service_workers="block")
    everything = paired_on_the_wire(live_server, browser, centre)
    assert 0 < start_screen <= 25 * 1024, start_screen
    assert everything - start_screen <= 16 * 1024 * len(ALL_LANGUAGES), (start_screen, everything)
