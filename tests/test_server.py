"""Against the real server process (gunicorn on 127.0.0.1): privacy of storage and logs, concurrency."""

import re
import threading
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from app import db

from .conftest import CLOCK, LiveServer, Respondent

DEPLOY = Path(__file__).parent.parent / "deploy"

CANARY_AGENT = "Canary-Agent/7.7 (brugerstemmen privacy probe)"
CANARY_ADDRESS = "203.0.113.77"
CANARY_LANGUAGE = "xx-canary"
CANARY_REFERRER = "https://referrer-canary.example/"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The real server on a fixed calendar: these tests are not about weeks closing."""
    server = LiveServer(tmp_path_factory.mktemp("server"), CLOCK=CLOCK).start()
    yield server
    server.stop()


def response_count(live_server, slug):
    database = live_server.database()
    try:
        return db.count_responses(database, db.centre_by_slug(database, slug)["id"])
    finally:
        database.close()


def test_nothing_identifying_reaches_the_database_or_the_logs(live_server):
    centre = live_server.add_centre("Privatlivets Hus")
    person = Respondent({"User-Agent": CANARY_AGENT, "X-Forwarded-For": CANARY_ADDRESS,
                         "X-Real-IP": CANARY_ADDRESS, "Accept-Language": CANARY_LANGUAGE,
                         "Referer": CANARY_REFERRER})
    # While a connection stays open the WAL file stays too, so whatever it holds is read as well.
    keeper = live_server.database()
    try:
        for n in range(3):
            status, url, page = person.answer(centre["survey_url"], {"importance": str(8 + n), "message": "Tak"})
            assert status == 200 and urllib.parse.urlsplit(url).path.endswith("/tak") and "Tak for dit svar" in page
        # The database, its WAL and shm, and the open weeks' files (app/db/open_weeks.py).
        data_files = [p for p in Path(live_server.data_dir).rglob("*") if p.is_file() and p.name != "secret_key"]
        assert any(p.name.endswith("-wal") for p in data_files) and any(p.name.endswith(".messages") for p in data_files)
        stored = b"".join(p.read_bytes() for p in data_files)
    finally:
        keeper.close()
    assert response_count(live_server, centre["slug"]) == 3
    assert b"Tak" in stored  # the check reads the real thing
    log = live_server.log()
    assert not list(person.cookies)  # the phone survey leaves nothing on the phone (app/survey/forms.py)
    for canary in (CANARY_AGENT, CANARY_ADDRESS, CANARY_LANGUAGE, CANARY_REFERRER, "referrer-canary"):
        assert canary.encode() not in stored
        assert canary not in log
    assert person.answer_token not in log and person.answer_token.encode() not in stored  # its nonce only, as a receipt
    assert not [line for line in log.splitlines()
                if "GET " in line or "POST " in line or ("127.0.0.1" in line and "Listening at" not in line)]
    # Tokens are keys: the log must not hand them to whoever reads it.
    assert centre["survey_url"].rsplit("/", 1)[1] not in log
    assert centre["kiosk_pairing_url"].rsplit("/", 1)[1] not in log


def test_two_hundred_answers_from_twenty_people_at_once_are_all_kept_once(live_server):
    centre = live_server.add_centre("Travle Hus")
    outcomes, errors = [], []

    def person(n):
        respondent = Respondent()
        for i in range(10):
            try:
                status, url, _ = respondent.answer(
                    centre["survey_url"], {"importance": str(1 + (n + i) % 10), "reasons": ["meal", "meet_people"],
                                           "frequency": "daily"})
                outcomes.append((status, urllib.parse.urlsplit(url).path.endswith("/tak")))
            except Exception as error:  # noqa: BLE001 - every failure is reported below
                errors.append(repr(error))

    threads = [threading.Thread(target=person, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert outcomes == [(200, True)] * 200
    assert response_count(live_server, centre["slug"]) == 200
    assert "database is locked" not in live_server.log()


def test_malformed_requests_leave_no_address_or_clock_time_in_the_log(live_server):
    import socket

    for raw in (b"GET / HTTP/9.9\r\n\r\n", b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n",
                b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", live_server.port), timeout=5) as connection:
            connection.sendall(raw)
            connection.recv(1024)
    log = live_server.log()
    assert "Invalid request from ip=…" in log
    lines = [line for line in log.splitlines() if "Listening at" not in line]
    assert not [line for line in lines if "127.0.0.1" in line]
    assert not [line for line in lines if re.search(r"\b20\d\d-\d\d-\d\d[ T]\d\d:\d\d", line)]


@pytest.mark.parametrize("path", ["/", "/s/not-a-token", "/kiosk/", "/kiosk/pair/not-a-token", "/k/ZZZZ-ZZZZ"])
def test_respondent_pages_are_never_cached(live_server, path):
    try:
        response = urllib.request.urlopen(live_server.url + path, timeout=10)
    except urllib.error.HTTPError as error:
        response = error
    assert response.headers["Cache-Control"] == "no-store"
    assert "Traceback" not in response.read().decode()


def test_every_file_the_installation_keeps_is_its_owners_alone(live_server, tmp_path):
    centre = live_server.add_centre("Lukkede Hus")
    Respondent().answer(centre["survey_url"], {"importance": "9", "message": "Tak"})
    live_server.cli("backup", str(tmp_path / "backups"))
    kept = [live_server.data_dir, *live_server.data_dir.rglob("*"), tmp_path / "backups",
            *(tmp_path / "backups").iterdir()]
    names = {path.name for path in kept}
    assert {"brugerstemmen.sqlite3", "secret_key", "open", "qr"} <= names
    assert any(name.endswith(".answers") for name in names) and any(name.endswith(".messages") for name in names)
    for path in kept:
        assert path.stat().st_mode & 0o077 == 0, f"{path} can be read by others: {oct(path.stat().st_mode & 0o777)}"


# --- nothing of a request in any log ---------------------------------------------------------

def journal_keeps(line, unit):
    """Whether journald keeps a line of the server's standard error, as deploy/'s unit sets it:
    a "<N>" prefix is the line's priority (info without one), LogLevelMax= the highest kept."""
    levels = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
    settings = dict(line.split("=", 1) for line in unit.read_text().splitlines() if "=" in line)
    priority = int(line[1]) if re.match(r"<[0-7]>", line) else 6
    return priority <= levels.index(settings.get("LogLevelMax", "debug"))


def test_an_answer_writes_not_one_line_anywhere(tmp_path):
    """The real server, its standard error taken for the journal (as systemd says in
    JOURNAL_STREAM); one person answers, and everything it wrote is read."""
    import os

    server = LiveServer(tmp_path, PROXY_HOPS=1, CLOCK=CLOCK)  # as deploy/ runs it: the client's address reaches the app
    server.log_path.touch()
    found = os.stat(server.log_path)
    server.env["JOURNAL_STREAM"] = f"{found.st_dev}:{found.st_ino}"
    server.start()
    try:
        centre = server.add_centre("Stille Hus")
        before = server.log()
        person = Respondent({"User-Agent": CANARY_AGENT, "X-Forwarded-For": CANARY_ADDRESS})
        status, url, page = person.answer(centre["survey_url"], {"importance": "9", "reasons": "meal",
                                                                 "message": "Tak for kaffen, hilsen Kanariefuglen"})
        assert status == 200 and urllib.parse.urlsplit(url).path.endswith("/tak")
        for path in ("/privacy", "/results"):  # what a person may open around an answer
            urllib.request.urlopen(centre["survey_url"] + path, timeout=10).close()
        with pytest.raises(urllib.error.HTTPError) as refused:  # an answer off the question set
            person.answer(centre["survey_url"], {"importance": "11", "message": "Kanariefuglen igen"})
        assert refused.value.code == 400
        refused.value.close()
        during = server.log()[len(before):]
    finally:
        server.stop()
    assert during == ""  # not a line, for the answer, the pages around it or the refusal
    token = centre["survey_url"].rsplit("/", 1)[1]
    lines = server.log().splitlines()
    assert lines and all(re.match(r"<[0-7]>", line) for line in lines)  # each says its priority
    kept = [line for line in lines if journal_keeps(line, DEPLOY / "brugerstemmen.service")]
    for line in lines:
        for secret in (token, "Kanariefuglen", "/s/", "GET ", "POST ", CANARY_AGENT, CANARY_ADDRESS):
            assert secret not in line
    assert not [line for line in kept if not line.startswith(("<3>", "<4>", "<2>"))]


def test_the_unit_lets_no_request_line_reach_the_journal():
    unit = (DEPLOY / "brugerstemmen.service").read_text().splitlines()
    # No access log line could get there: standard output goes nowhere...
    assert "StandardOutput=null" in unit and "StandardError=journal" in unit
    # ...and of standard error only warnings and errors, never an "info" line such as a request's.
    assert "LogLevelMax=warning" in unit
    assert not journal_keeps("POST /s/… 303 0 12ms", DEPLOY / "brugerstemmen.service")
    assert not journal_keeps("<6>[1] [INFO] Booting worker", DEPLOY / "brugerstemmen.service")
    assert journal_keeps("<3>ERROR in failures: 3 answers could not be stored since the last report: disk full",
                         DEPLOY / "brugerstemmen.service")
