"""End to end: a hub and a centre installation as two real server processes on 127.0.0.1.

The centres report through a recording proxy, so the test sees every byte on the wire and can
take the hub away and bring it back.
"""

import http.server
import json
import re
import threading
import urllib.parse
import urllib.request

import pytest

from app import db
from app.hub import signing

from .conftest import LiveServer, Respondent, csrf_token


ANSWER_WEEK_CLOCK = "2026-11-18T12:00:00"  # a Wednesday of 2026-W47
WEEK_CLOSED_CLOCK = "2026-11-23T02:00:00"  # the Monday after, past the closing hour
SECRET_TEXT = "Jeg hedder Ole Hansen og mit nummer er 12345678"
STAFF, PASSWORD = "leder@nord.example", "kaffe og kage hver tirsdag"


class RecordingProxy(http.server.ThreadingHTTPServer):
    """Forwards to the hub and keeps (method, path, body, centre id) of every request; `down`
    drops them."""

    def __init__(self, target):
        self.target, self.down, self.seen = target, False, []
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    def _forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.down:
            self.close_connection = True  # as if nothing listened: no answer at all
            self.connection.close()
            return
        self.server.seen.append((self.command, self.path, body, self.headers.get(signing.CENTRE)))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        request = urllib.request.Request(self.server.target + self.path, data=body or None, method=self.command,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, payload = error.code, error.read()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _forward

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("hub"), probe="/api/v1/openapi.yaml", ROLE="hub",
                        CLOCK=WEEK_CLOSED_CLOCK).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def proxy(hub):
    server = RecordingProxy(hub.url)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def installation(tmp_path_factory):
    """One installation holding three centres, its calendar in 2026-W47."""
    server = LiveServer(tmp_path_factory.mktemp("centres"), CLOCK=ANSWER_WEEK_CLOCK, SYNC_BACKOFF_SECONDS=0).start()
    yield server
    server.stop()


def sync(installation, check=True):
    result = installation.cli("sync", "--json", check=check)
    return json.loads(result.stdout), result.returncode


def close_the_week(installation):
    """Restart the installation with its calendar on the Monday after the answers' week."""
    installation.stop()
    installation.env["BRUGERSTEMMEN_CLOCK"] = WEEK_CLOSED_CLOCK
    installation.start()


def staff_page(installation, path):
    person = Respondent()
    with person.opener.open(installation.url + "/staff/login", timeout=30) as response:
        login = response.read().decode()
    body = urllib.parse.urlencode({"email": STAFF, "password": PASSWORD, "csrf_token": csrf_token(login)}).encode()
    person.opener.open(installation.url + "/staff/login", data=body, timeout=30).close()
    with person.opener.open(installation.url + path, timeout=30) as response:
        return response.read().decode()


def hub_counts(hub):
    database = hub.database()
    try:
        return {row[0]: row[1] for row in database.execute(
            "SELECT period, count(*) FROM hub_aggregates GROUP BY period")}, \
            database.execute("SELECT count(*), coalesce(sum(count), 0) FROM hub_cells").fetchone()
    finally:
        database.close()


def national(hub, centre_id, key, period):
    path = f"/api/v1/national/{period}?question_set=1"
    request = urllib.request.Request(hub.url + path, headers=signing.sign(centre_id, key, "GET", path))
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def centre_aggregates(installation, slug, period):
    """What the centre's own protection lets out for the period, as its sync builds it."""
    from app import create_app
    from app.hub import sync as sync_client

    app = create_app({"DATA_DIR": str(installation.data_dir), "CLOCK": WEEK_CLOSED_CLOCK})
    with app.app_context():
        database = db.get_db()
        return sync_client.current_aggregates(database, db.centre_by_slug(database, slug))[(period, 1)]


def test_centres_report_through_a_hub_outage_and_the_hub_adds_up_exactly_their_aggregates(
        hub, proxy, installation):
    sizes = {"nord": 14, "syd": 22, "vest": 30}
    credentials = {}
    for i, (slug, size) in enumerate(sizes.items()):
        centre = json.loads(installation.cli("centre", "add", f"Værested {slug}", "--slug", slug, "--json").stdout)
        issued = json.loads(hub.cli("hub", "centre", "add", f"Værested {slug}", "--code", f"LVS-{i}",
                                    "--org-form", "user-driven", "--municipality", "Aarhus",
                                    "--municipality-type", "large-city", "--json").stdout)
        credentials[slug] = (issued["centre_id"], issued["key"])
        installation.cli("centre", "connect", slug, "--hub-url", proxy.url, "--centre-id", issued["centre_id"],
                         "--key-stdin", stdin=issued["key"] + "\n")
        for n in range(size):
            status, _, _ = Respondent().answer(centre["survey_url"], {
                "importance": str(6 + n % 5), "reasons": ["meal", "meet_people"] if n % 2 else ["meal"],
                "frequency": "daily" if n % 3 else "once_week", "message": SECRET_TEXT})
            assert status == 200
    installation.cli("staff", "add", STAFF, "--centre", "nord", "--password-stdin", stdin=PASSWORD + "\n")
    close_the_week(installation)

    # The hub is down: nothing arrives, nothing is lost, the command says so and fails.
    proxy.down = True
    report, code = sync(installation, check=False)
    assert code == 1
    assert {r["centre"]: r["outcome"] for r in report["centres"]} == dict.fromkeys(sizes, "failed")
    assert all("unreachable" in r["error"] and r["waiting"] > 0 and not r["sent"] for r in report["centres"])
    assert hub_counts(hub)[0] == {}
    page = staff_page(installation, "/staff/c/nord/summary/2026-W47")
    assert "Intet sendt til LVS endnu" in page and "47 uger venter" in page and "LVS har ikke taget imod vores tal siden" in page

    # Back up: every closed period arrives, each exactly once.
    proxy.down = False
    report, code = sync(installation)
    assert code == 0 and all(r["outcome"] == "ok" and r["waiting"] == 0 for r in report["centres"])
    assert all("2026-W47" in r["sent"] and "2026-B11" in r["sent"] for r in report["centres"])
    per_period, cells = hub_counts(hub)
    assert per_period["2026-W47"] == 3 and per_period["2026-B11"] == 3 and "2026-W48" not in per_period

    # Every national figure is the sum of what the three centres sent: their numbers of answers
    # always, exact; a question over the centres that sent a number for each of its answers.
    with_numbers = 0
    bands = {"1_6", "7_8", "9_10"}
    for period in ("2026-W46", "2026-W47", "2026-B11"):
        figures = national(hub, *credentials["nord"], period)
        aggregates = [centre_aggregates(installation, slug, period) for slug in sizes]
        assert all(a["answers"]["status"] == "shown" for a in aggregates)  # a period's total: always shown
        assert figures["centres"] == 3 and figures["answers_status"] == "shown"
        assert figures["answers"] == sum(a["answers"]["count"] for a in aggregates)
        expected = {}
        for question in {c["question"] for a in aggregates for c in a["cells"]}:
            for part in ("scores", "bands"):
                shares = [[c for c in a["cells"] if c["question"] == question and (c["answer"] in bands) == (part == "bands")]
                          for a in aggregates]  # each centre's counts of this question (or its bands)
                if all(own and all("count" in c for c in own) for own in shares):
                    for c in (c for own in shares for c in own):
                        expected[(question, c["answer"])] = expected.get((question, c["answer"]), 0) + c["count"]
        assert {(c["question"], c["answer"]): c["count"] for c in figures["cells"]} == expected
        statuses = {c["status"] for q in figures["questions"] for c in q["cells"]}
        # New periods: perturbed, and said so; a week nobody answered in: withheld, never 0.
        assert statuses == ({"perturbed"} if expected else {"withheld"})
        with_numbers += bool(expected)
    assert with_numbers == 2  # the week and its block; the week before had no answers
    assert national(hub, *credentials["nord"], "2026-W46")["answers"] == 0
    assert national(hub, *credentials["nord"], "2026-B11")["answers"] == sum(sizes.values())

    # What each centre sent for its week: its number of answers exact, every count within 2 of
    # the truth and never above the answers, a true 0 sent as 0.
    for slug, size in sizes.items():
        sent = centre_aggregates(installation, slug, "2026-W47")
        assert sent["answers"] == {"status": "shown", "count": size}
        truth = {("importance", str(s)): sum(1 for n in range(size) if 6 + n % 5 == s) for s in range(1, 11)}
        truth |= {("reasons", "meal"): size, ("reasons", "meet_people"): size // 2, ("reasons", "answered"): size,
                  ("reasons", "volunteering"): 0, ("frequency", "daily"): sum(1 for n in range(size) if n % 3),
                  ("frequency", "once_week"): sum(1 for n in range(size) if not n % 3), ("frequency", "rarely"): 0}
        counts = {(c["question"], c["answer"]): c for c in sent["cells"]}
        for cell, true in truth.items():
            assert counts[cell]["status"] == "perturbed", (slug, cell)
            assert abs(counts[cell]["count"] - true) <= 2 and 0 <= counts[cell]["count"] <= size, (slug, cell, true)
            if true == 0:
                assert counts[cell]["count"] == 0, (slug, cell)

    # The staff summary says how far the reports have come, and puts all centres beside this one.
    page = staff_page(installation, "/staff/c/nord/summary/2026-B11")
    assert "Sendt til LVS til og med uge 47 · 2026" in page and "venter" not in page
    assert "Alle værester" in page and re.search(r'<td class="num national">\d+,\d %</td>', page)

    # Again: nothing waits, nothing is sent, the sums stay. A round with nothing new builds and
    # sends nothing (not even the unchanged status); the national figures are fetched once for
    # the installation, not once for each of its centres.
    before = len(proxy.seen)
    report, _ = sync(installation)
    assert all(r["sent"] == [] for r in report["centres"])
    assert hub_counts(hub) == (per_period, cells)
    again = proxy.seen[before:]
    assert again and {method for method, *_ in again} == {"GET"}
    assert len({path for _, path, _, _ in again}) == len(again)

    # A captured push replayed as it was: refused, and the counts are unchanged.
    method, path, body, _ = next(s for s in proxy.seen if s[0] == "POST")
    replayed = urllib.request.Request(hub.url + path, data=body, method="POST")
    for name, value in signing.sign(*credentials["nord"], "POST", path, body).items():
        replayed.add_header(name, value)
    urllib.request.urlopen(replayed, timeout=30).close()  # a fresh signature: the same period again
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(replayed, timeout=30)  # the very same nonce a second time
    refused.value.close()
    assert refused.value.code == 409
    assert hub_counts(hub) == (per_period, cells)

    # Everything that travelled: no free text, no exact count below k, nothing about a person.
    sent = [(centre_id, json.loads(body)) for method, path, body, centre_id in proxy.seen
            if method == "POST" and path.endswith("/aggregates")]
    assert len(sent) == len({(centre_id, push["period"]) for centre_id, push in sent})  # each period once
    statuses = [json.loads(body) for method, path, body, _ in proxy.seen if path.endswith("/status")]
    assert statuses and all(status == {"publishes_replies": False} for status in statuses)  # a yes or no, no text
    pushes = [push for _, push in sent]
    wire = b"".join(body for _, _, body, _ in proxy.seen).decode()
    assert "Ole" not in wire and "12345678" not in wire and "127.0.0.1" not in wire
    assert not re.search(r"\d{4}-\d{2}-\d{2}", wire)  # no dates, only periods of the grid
    for push in pushes:
        assert push["answers"]["status"] == "shown"  # a period's number of answers: exact, at any size
        # Every other count perturbed (never an exact count from 1 to k-1), never above the answers;
        # a period of fewer than k answers sends its number of answers alone.
        assert all(c["status"] == "perturbed" and 0 <= c["count"] <= push["answers"]["count"] for c in push["cells"])
        assert bool(push["cells"]) == (push["answers"]["count"] >= push["k"])
        assert set(push) == {"question_set", "period", "k", "answers", "cells"}
    assert any(push["cells"] for push in pushes)

