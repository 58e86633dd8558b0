"""Stuffing is hard, and nobody is identified: the kiosk's interval, the phone's one-time answer
token, and the survey link's answers per minute, through the real server (three gunicorn workers)."""

import concurrent.futures
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from app import create_app, db
from app.db import counters, open_weeks

from .conftest import CLOCK, LiveServer, Respondent, answer_token, csrf_token, post_answer

# What a stored answer is made of, and all it is made of (PRODUCT.md's privacy model).
RESPONSE_COLUMNS = {"id", "centre_id", "iso_week", "question_set"}
RECEIPT_COLUMNS = {"key", "iso_week"}
# An answer of a week still open (app/db/open_weeks.py): its id, centre, question set and
# answers. Its receipt (a kiosk's key, a phone form's nonce) is kept apart.
OPEN_RECORD_KEYS = {"i", "c", "q", "a"}


# --- the counters themselves, on a clock the test holds --------------------------------------

@pytest.fixture
def store(tmp_path):
    conn = counters.open_counters(tmp_path / "run")
    yield conn
    conn.close()


def test_one_per_window_means_at_most_one_in_any_interval(store):
    assert counters.take_one_per_window(store, "kiosk:a", 20, now=1000.0)  # window 50
    for later in (1000.5, 1019.9, 1020.0, 1039.9):  # the same window, or the next one
        assert counters.take_one_per_window(store, "kiosk:a", 20, now=later) is None
    assert counters.take_one_per_window(store, "kiosk:b", 20, now=1001.0)  # another tablet: its own
    assert counters.take_one_per_window(store, "kiosk:a", 20, now=1040.0)  # two windows on
    # Kept: which 20-second window, never the second; and only while it matters (b's is gone).
    assert counters.all_counters(store) == [("kiosk:a:52", 1, 1080)]
    counters.take_one_per_window(store, "kiosk:c", 20, now=5000.0)
    assert [name for name, _, _ in counters.all_counters(store)] == ["kiosk:c:250"]


def test_a_rate_counts_the_last_minute_and_forgets_the_rest(store):
    taken = [counters.take_within_rate(store, "survey:1", 3, 60, now=600 + second) for second in range(4)]
    assert [bool(name) for name in taken] == [True, True, True, False]
    # Just after the minute turns, the last minute's answers still count...
    assert counters.take_within_rate(store, "survey:1", 3, 60, now=661) is None
    # ...less and less, until there is room again.
    assert counters.take_within_rate(store, "survey:1", 3, 60, now=685)
    counters.give_back(store, "survey:1:11")  # an answer that could not be stored takes no place
    assert counters.all_counters(store) == [("survey:1:10", 3, 720)]
    assert counters.take_within_rate(store, "survey:1", 3, 60, now=900)
    assert counters.all_counters(store) == [("survey:1:15", 1, 1020)]


def test_opening_the_counters_again_keeps_the_locks_of_a_connection_already_open(tmp_path):
    """Every worker opens the file for each request. Closing any descriptor of it drops all of the
    process's POSIX locks, a connection's too; another worker then thinks itself the last one,
    resets the WAL, and counts are lost (a survey link once took 6 answers under a limit of 5)."""
    first = counters.open_counters(tmp_path / "run")
    counters.take_within_rate(first, "survey:1", 5, 60, now=600)
    counters.open_counters(tmp_path / "run").close()
    # SQLite holds a shared lock on a WAL database's file for as long as a connection is open.
    probe = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR)\n"
             "try: fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 510, 0x40000002)\n"
             "except OSError: sys.exit(0)\n"
             "sys.exit(1)")
    path = tmp_path / "run" / counters.FILENAME
    try:
        assert subprocess.run([sys.executable, "-c", probe, str(path)]).returncode == 0, "the lock was dropped"
    finally:
        first.close()
    assert subprocess.run([sys.executable, "-c", probe, str(path)]).returncode == 1  # the probe can tell


def test_the_counters_file_is_private(tmp_path):
    counters.open_counters(tmp_path / "run").close()
    assert stat.S_IMODE((tmp_path / "run").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "run" / counters.FILENAME).stat().st_mode) == 0o600


# --- the phone's one-time answer token --------------------------------------------------------

@pytest.mark.calendar
def test_a_form_sent_twice_is_stored_once_and_its_receipt_says_only_the_week(client, database, make_centre):
    centre = make_centre()
    url = f"/s/{centre['survey_token']}"
    token = answer_token(client.get(url).get_data(as_text=True))
    for _ in range(3):  # a double tap, the back button, a replay
        response = client.post(url, data={"importance": "9", "answer_token": token})
        assert response.status_code == 303 and "/tak" in response.headers["Location"]
    assert db.count_responses(database, centre["id"]) == 1
    [receipt] = db.receipts(database)
    nonce = token.split(".")[0]
    assert receipt["key"] == f"phone:{nonce}" and set(receipt) == RECEIPT_COLUMNS
    assert token.split(".")[1] not in json.dumps(db.receipts(database))  # the signature is never kept
    # The next form is another answer.
    assert post_answer(client, url, {"importance": "9"}).status_code == 303
    assert db.count_responses(database, centre["id"]) == 2


@pytest.mark.calendar
def test_a_token_cannot_be_made_up_or_carried_to_another_centre(client, database, make_centre):
    here, there = make_centre("Her"), make_centre("Der")
    token = answer_token(client.get(f"/s/{here['survey_token']}").get_data(as_text=True))
    nonce, signature = token.split(".")
    forged = [None, "", "x" * 40, f"{nonce}.{'A' * 43}", f"{'B' * 24}.{signature}", token + "\n", "ø" * 30,
              answer_token(client.get(f"/s/{there['survey_token']}").get_data(as_text=True))]
    for fake in forged:
        data = {"importance": "4"} | ({"answer_token": fake} if fake is not None else {})
        response = client.post(f"/s/{here['survey_token']}", data=data)
        html = response.get_data(as_text=True)
        # Refused like a page left open too long: the answers stay, with a fresh, genuine token.
        assert response.status_code == 400 and 'name="importance" value="4" checked' in html
        assert answer_token(html) != fake
    assert db.count_responses(database, here["id"]) == 0 and db.receipts(database) == []
    assert client.post(f"/s/{here['survey_token']}", data={"importance": "4", "answer_token": token}).status_code == 303


# --- through the real server ---------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Limits on, as a centre has them: a kiosk interval of 3 s (20 by default) and 5 answers a
    minute through the survey link (30 by default), so the tests need not wait long."""
    server = LiveServer(tmp_path_factory.mktemp("stuffing"), KIOSK_ANSWER_INTERVAL_SECONDS=3,
                        SURVEY_ANSWERS_PER_MINUTE=5, CLOCK=CLOCK).start()
    yield server
    server.stop()


class Tablet(Respondent):
    """A paired kiosk, as the server sees it: its pairing cookie, and nothing else."""

    def __init__(self, server, slug):
        super().__init__()
        self.url = f"{server.url}/kiosk/"
        pairing = json.loads(server.cli("centre", "pair-kiosk", slug, "--json").stdout)["kiosk_pairing_url"]
        page = self.opener.open(pairing, timeout=30).read().decode()
        self.opener.open(pairing, data=urllib.parse.urlencode({"csrf_token": csrf_token(page)}).encode(), timeout=30)
        self.token = csrf_token(self.opener.open(self.url, timeout=30).read().decode())

    def send(self, importance="8", key=None):
        body = urllib.parse.urlencode({"importance": importance, "csrf_token": self.token}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Idempotency-Key": key} if key else {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            with error:
                return error.code


def stored(server, slug):
    database = server.database()
    try:
        centre = db.centre_by_slug(database, slug)
        return db.count_responses(database, centre["id"])
    finally:
        database.close()


def test_a_kiosk_stores_at_most_one_answer_per_interval_in_every_worker(server):
    centre = server.add_centre("Café Hamrende Tablet")
    tablet, other = Tablet(server, centre["slug"]), Tablet(server, centre["slug"])
    # Twelve answers at once, each on its own connection: the three workers share one limit.
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        statuses = list(pool.map(lambda _: tablet.send(), range(12)))
    assert sorted(statuses) == [200] + [429] * 11  # 200: the thank-you page the 303 led to
    assert stored(server, centre["slug"]) == 1
    assert other.send() == 200  # the limit is per pairing: the centre's second tablet answers at once
    time.sleep(6.1)  # two intervals on, whatever the tablet's clock says
    assert tablet.send() == 200
    assert stored(server, centre["slug"]) == 3


def test_a_kiosk_answer_held_back_by_the_interval_arrives_once_later(server):
    centre = server.add_centre("Café Kø Bag Grænsen")
    tablet = Tablet(server, centre["slug"])
    assert tablet.send(key="a" * 24) == 200
    assert tablet.send(key="b" * 24) == 429  # the next person, too soon: kiosk.js keeps it and tries again
    time.sleep(6.1)
    assert tablet.send(key="b" * 24) == 200
    # Its reply lost on the way, the tablet sends it again: held back too, then counted once.
    assert tablet.send(key="b" * 24) == 429
    time.sleep(6.1)
    assert tablet.send(key="b" * 24) == 200
    assert stored(server, centre["slug"]) == 2


def test_an_admins_interval_is_the_kiosks_interval(server):
    centre = server.add_centre("Café Langsom")
    database = server.database()
    try:
        db.update_centre(database, centre["slug"], kiosk_answer_interval_seconds=30)
    finally:
        database.close()
    tablet = Tablet(server, centre["slug"])
    assert tablet.send() == 200
    time.sleep(6.1)  # past the installation's 3 s, well inside the centre's 30 s
    assert tablet.send() == 429
    assert stored(server, centre["slug"]) == 1


def answer_as_a_phone(survey_url, importance="7"):
    try:
        status, url, page = Respondent().answer(survey_url, {"importance": importance})
        return status, page
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def test_a_survey_link_takes_so_many_answers_a_minute_and_staff_are_told(server, tmp_path):
    from app import accounts

    centre = server.add_centre("Café Fyldt")
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: answer_as_a_phone(centre["survey_url"]), range(8)))
    assert sorted(status for status, _ in results) == [200] * 5 + [429] * 3
    for status, page in results:
        if status == 429:  # kindly, with the answer still ticked, and no stack trace
            assert "Der kom mange svar lige nu" in page and "vent et minut" in page
            assert 'name="importance" value="7" checked' in page and "Traceback" not in page
    assert stored(server, centre["slug"]) == 5
    other = server.add_centre("Café Ved Siden Af")  # another centre's link has its own minute
    assert answer_as_a_phone(other["survey_url"])[0] == 200
    # Staff see that answers were turned away, and what to do about it.
    database = server.database()
    try:
        person = db.create_staff(database, "fyldt@example.dk", accounts.hash_password("en lang og sikker sætning"))
        db.set_membership(database, person["id"], db.centre_by_slug(database, centre["slug"])["id"], "staff")
    finally:
        database.close()
    staff = Respondent()
    page = staff.opener.open(f"{server.url}/staff/login").read().decode()
    staff.opener.open(f"{server.url}/staff/login", data=urllib.parse.urlencode({
        "csrf_token": csrf_token(page), "email": "fyldt@example.dk", "password": "en lang og sikker sætning"}).encode())
    home = staff.opener.open(f"{server.url}/staff/c/{centre['slug']}/").read().decode()
    assert re.search(r"3 svar via spørgeskemaets link blevet afvist, fordi der kom flere end 5", home)
    assert "ny adresse og QR-kode" in home


def test_nothing_about_anyone_and_no_time_is_kept_for_the_limits(server):
    centre = server.add_centre("Café Intet Spor")
    Tablet(server, centre["slug"]).send()
    phone = Respondent()
    phone.answer(centre["survey_url"], {"importance": "7"})
    # The database holds exactly what it held before the limits: no new table, no new column
    # on an answer, and settings only on the centre.
    database = sqlite3.connect(server.data_dir / db.DB_FILENAME)
    try:
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert not {t for t in tables if "counter" in t or "rate" in t or "stuff" in t}
        columns = {table: {row[1] for row in database.execute(f"PRAGMA table_info({table})")}
                   for table in ("responses", "answers", "kiosk_receipts", "centres")}
        assert columns["responses"] == RESPONSE_COLUMNS and columns["kiosk_receipts"] == RECEIPT_COLUMNS
        assert columns["answers"] == {"response_id", "question", "option"}
        assert {"kiosk_answer_interval_seconds", "answers_per_minute"} <= columns["centres"]
    finally:
        database.close()
    # A stored answer: the week and nothing finer, and no field it did not have before.
    database = server.database()
    try:
        stored_ids = db.responses_of(database, db.centre_by_slug(database, centre["slug"])["id"])
        assert len(stored_ids) == 2 and all(re.fullmatch(r"\d{4}-W\d{2}", week) for _, week, _ in stored_ids)
        for _week, record in open_weeks.open_records(database, "answers"):
            assert set(record) == OPEN_RECORD_KEYS, record
        # The phone form's receipt sits in a file of its own, beside no answer's id.
        assert "phone:" + phone.answer_token.split(".")[0] in {key for _week, key in open_weeks.open_receipts(database)}
        kept = b"".join(path.read_bytes() for path in (server.data_dir / "open").glob("*.receipts"))
        assert not [rid for rid, *_ in stored_ids if rid.encode() in kept]
    finally:
        database.close()
    # The counters live apart from the data, in a private folder made for this start of the server.
    [folder] = [path for path in (server.data_dir.parent / "run").iterdir() if path.is_dir()]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / counters.FILENAME).stat().st_mode) == 0o600
    names = [name for name, _, _ in _counters_in(folder)]
    assert names and all(re.fullmatch(r"(kiosk:[0-9a-f]{32}|survey:\d+|turned-away:\d+)(:\d+)?", name) for name in names)
    assert not list(server.data_dir.glob(f"**/{counters.FILENAME}*"))
    # No address and no time in the log either.
    assert "127.0.0.1" not in server.log().replace(server.url, "")


def _counters_in(folder):
    connection = sqlite3.connect(folder / counters.FILENAME)
    try:
        return counters.all_counters(connection)
    finally:
        connection.close()


def test_a_restart_forgets_the_counters(tmp_path):
    server = LiveServer(tmp_path, KIOSK_ANSWER_INTERVAL_SECONDS=600, CLOCK=CLOCK).start()
    try:
        centre = server.add_centre("Café Glemsom Grænse")
        tablet = Tablet(server, centre["slug"])
        assert tablet.send() == 200 and tablet.send() == 429
        [folder] = list((tmp_path / "run").iterdir())
        server.stop()
        assert not folder.exists()  # gone with the server
        server.start()
        assert tablet.send() == 200  # the same tablet, a fresh start: nothing remembered
    finally:
        server.stop()


def test_by_default_the_counters_live_in_memory_that_vanishes(tmp_path):
    """Without a folder of its own, the server puts its counters on /dev/shm (a tmpfs)."""
    if not os.path.isdir("/dev/shm"):
        pytest.skip("this system has no /dev/shm")
    server = LiveServer(tmp_path, RUNTIME_DIR="", KIOSK_ANSWER_INTERVAL_SECONDS=600, CLOCK=CLOCK)
    before = set(os.listdir("/dev/shm"))
    server.start()
    try:
        centre = server.add_centre("Café Tmpfs")
        Tablet(server, centre["slug"]).send()
        made = [name for name in set(os.listdir("/dev/shm")) - before if name.startswith("brugerstemmen-")]
        assert len(made) == 1 and (os.path.join("/dev/shm", made[0], counters.FILENAME))
        with open("/proc/mounts") as mounts:
            assert any(line.split()[1] == "/dev/shm" and line.split()[2] == "tmpfs" for line in mounts)
    finally:
        server.stop()
    assert not set(os.listdir("/dev/shm")) - before


def test_the_defaults_are_twenty_seconds_and_thirty_a_minute(tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path / "data")})
    assert app.config["KIOSK_ANSWER_INTERVAL_SECONDS"] == 20 and app.config["SURVEY_ANSWERS_PER_MINUTE"] == 30
