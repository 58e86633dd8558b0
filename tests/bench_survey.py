"""`make bench`: figures, not pass/fail. Every time is printed beside a baseline measured in the
same run, because this machine is shared and noisy. Everything runs on 127.0.0.1.

1. Storing an answer (the phone's final POST: its one-time answer token, validation, scrubbing)
   under wrk at 1, 16, 64 and 200 connections, beside a bare Flask + SQLite app (the same
   gunicorn settings, WAL, synchronous=FULL, BEGIN IMMEDIATE, one connection kept per thread)
   doing one insert per request; rows stored against requests acknowledged; with 0, 100,000 and
   1,000,000 answers of history, and with 10,000 answers in the week still open.
   BENCH_PARTS=1,4 runs only some parts.
2. Whole answers per second through the complete phone flow (every request a person makes).
3. Bytes transferred for the phone survey's first screen and the kiosk's start screen.
4. A week's summary page and its PDF at 1 and 10 years of history (500 answers a week), and the
   hub's national report at 200 centres × 1 and × 5 years, each beside the raw SQL aggregate.
5. The database size per 100,000 answers.
6. A closed period's summary (a week, a four-week block, a quarter, the year) and the staff home,
   read from the figures stored when each period was decided: server time at 1 and 10 years of
   history (target ≤ 50 ms, 10 years / 1 year ≤ 1.1), beside the old way (the year worked out
   from its answers).
scale. LVS at its real size, 20 and 200 centres with two years each: the sync, the hub's pages and
   a hosted installation's staff pages (tests/bench_scale.py, issue 29; BENCH_PARTS=scale).
"""

import datetime
import json
import os
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from pathlib import Path

from app import accounts, create_app, db, demo, disclosure, figures, periods, questions
from app.survey import answer_tokens
from app.hub import kinds
from tests.conftest import CHROMIUM_ARGS, LiveServer, Respondent, free_port, run_cli

CONNECTIONS = (1, 16, 64, 200)
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CLOCK = "2026-11-25T12:00:00"  # a Wednesday of 2026-W48: W47 is the last closed week
PASSWORD = "en lang og tilfældig sætning"

# The fair baseline: what a careful engineer would write for "store one answer", under the very
# gunicorn settings of `brugerstemmen serve` (app/server.py), with the same durability (WAL,
# synchronous=FULL, BEGIN IMMEDIATE) and one connection kept per worker thread.
BARE_APP = '''
import os, secrets, sqlite3, sys, threading
from flask import Flask, redirect, request
from gunicorn.app.base import BaseApplication
from app import server

app = Flask(__name__)
local = threading.local()


def connection():
    if not hasattr(local, "connection"):
        local.connection = sqlite3.connect(os.environ["BENCH_DB"], isolation_level=None, timeout=10)
        local.connection.execute("PRAGMA journal_mode = WAL")
        local.connection.execute("PRAGMA synchronous = FULL")
    return local.connection


@app.post("/")
def answer():
    db = connection()
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("INSERT INTO responses (id, iso_week, importance, reasons) VALUES (?, ?, ?, ?)",
                   [secrets.token_hex(16), "2026-W48", request.form.get("importance"),
                    ",".join(request.form.getlist("reasons"))])
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return redirect("/tak", 303)


class Bare(BaseApplication):
    def load_config(self):
        for key, value in server.options("127.0.0.1", int(sys.argv[1]), 3).items():
            self.cfg.set(key, value)

    def load(self):
        return app


Bare().run()
'''

WRK_SCRIPT = '''
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
if os.getenv("BENCH_COOKIE") ~= "" then wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE") end
-- Each answer with a form's own one-time token (app/survey/answer_tokens.py), each thread its own
-- share of them: the same token twice would be one answer stored once.
local threads = 0
function setup(thread) thread:set("id", threads); threads = threads + 1 end
local tokens, sent = {}, 0
local path = os.getenv("BENCH_TOKENS") or ""
if path ~= "" then for line in io.lines(path) do tokens[#tokens + 1] = line end end
function request()
  if #tokens == 0 then return wrk.request() end
  sent = sent + 1
  return wrk.format(nil, nil, nil, wrk.body .. "&answer_token=" .. tokens[((sent * 2 + id) % #tokens) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end
'''


def server_in(root, name, **settings):
    folder = root / name
    folder.mkdir(exist_ok=True)
    return LiveServer(folder, **settings)


def ms(seconds):
    return f"{seconds * 1000:7.1f} ms"


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)  # timing a redirect would flatter
    return response


def median_time(task, repeat=5):
    task()  # warm: decisions, caches, imports
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        task()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


# --- 1. storing an answer ------------------------------------------------------------------

def wrk(root, url, body, cookie, connections, tokens=""):
    script = root / "post.lua"
    script.write_text(WRK_SCRIPT)
    result = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{SECONDS}s", "--timeout", "30s",
                             "-s", str(script), url], capture_output=True, text=True,
                            env={**os.environ, "BENCH_BODY": body, "BENCH_COOKIE": cookie, "BENCH_TOKENS": str(tokens)})
    fields = re.search(r"RESULT (.*)", result.stdout).group(1).split()
    requests, bad_status, broken, p50, p95, p99 = map(int, fields)
    return {"rate": requests / SECONDS, "acknowledged": requests - bad_status, "errors": bad_status + broken,
            "p50": p50 / 1e6, "p95": p95 / 1e6, "p99": p99 / 1e6}


def bare_server(root):
    (root / "bare.py").write_text(BARE_APP)
    database = root / "bare.sqlite3"
    connection = db.connect(database)
    connection.execute("CREATE TABLE responses (id TEXT PRIMARY KEY, iso_week TEXT, importance TEXT, reasons TEXT)"
                       " WITHOUT ROWID")
    connection.close()
    port = free_port()
    process = subprocess.Popen([sys.executable, str(root / "bare.py"), str(port)],
                               env={**os.environ, "BENCH_DB": str(database),
                                    "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", data=b"importance=1", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    return process, f"http://127.0.0.1:{port}/", database


def count_rows(path, table="responses"):
    connection = db.connect(path)
    try:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        connection.close()


def count_answers(path):
    """Every answer kept: in the history and in the open weeks."""
    connection = db.connect(path)
    try:
        return sum(db.count_responses(connection, c["id"]) for c in db.list_centres(connection))
    finally:
        connection.close()


def answer_tokens_file(root, server, centre, count=50_000):
    """Genuine one-time answer tokens for this server's centre, one a line: as many forms opened."""
    app = create_app({"DATA_DIR": str(server.data_dir), "RUNTIME_DIR": str(root / "run")})
    with app.app_context():
        centre_id = db.centre_by_slug(db.get_db(), centre["slug"])["id"]
        path = root / "answer-tokens.txt"
        path.write_text("".join(answer_tokens.issue(centre_id) + "\n" for _ in range(count)))
    return path


def fill(database_path, centre_id, answers, weeks, seed=48):
    """`answers` realistic answers spread over closed `weeks`, written fast: sorted by their random
    ids (so every row is appended), in large transactions, without an fsync per row."""
    database = db.connect(database_path)
    database.execute("PRAGMA synchronous = OFF")
    rng = random.Random(seed)
    fields = questions.load().fields()
    chunk = 50_000
    for start in range(0, answers, chunk):
        people = sorted((f"{rng.getrandbits(128):032x}", weeks[n % len(weeks)], demo._one_answer(rng, fields))
                        for n in range(start, min(answers, start + chunk)))
        with db.write_transaction(database):
            database.conn.executemany(
                "INSERT INTO responses (id, centre_id, iso_week, question_set) VALUES (?, ?, ?, 1)",
                [(rid, centre_id, week) for rid, week, _ in people])
            database.conn.executemany("INSERT INTO answers (response_id, question, option) VALUES (?, ?, ?)",
                                      [(rid, q, o) for rid, _, pairs in people for q, o in sorted(pairs)])
    database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()


def open_week(database_path, centre_id, answers, now):
    """`answers` answers already in the week that is still open, through the answer path itself,
    each with its receipt, as a phone form's answer has. What the week held before goes into the
    history first, as if it had closed, so the week holds `answers` and no more."""
    database = db.connect(database_path)
    db.settle(database, periods.week_of(now.date()).closes_at)
    rng = random.Random(49)
    fields = questions.load().fields()
    week = periods.week_of(now.date()).key
    for _ in range(answers):
        db.store_answer(database, now, centre_id=centre_id, iso_week=week, question_set=1, answers=demo._one_answer(rng,
                        fields), receipt=f"phone:{secrets.token_hex(16)}")
    database.close()


HISTORIES = (("new database", 0, 0), ("100,000 answers of history", 100_000, 0),
             ("1,000,000 answers of history", 1_000_000, 0),
             ("1,000,000 + 10,000 in the open week", 1_000_000, 10_000))


def storing_an_answer(root):
    print(f"\n1. Storing an answer: the final POST, under wrk for {SECONDS} s at each level "
          f"(gunicorn 3 workers × 4 threads, {os.cpu_count()} CPUs).\n   The machine is shared, so "
          "the baseline runs again right before each row it is compared with.")
    print(f"   {'':<38}{'conns':>6}{'req/s':>9}{'p50':>11}{'p95':>11}{'p99':>11}{'errors':>8}  stored/acknowledged")
    process, bare_url, bare_db = bare_server(root)
    try:
        _storing_against(root, bare_url, bare_db)
    finally:
        process.terminate()
        process.wait()


def _baseline(root, bare_url, bare_db, connections):
    before = count_rows(bare_db)
    result = wrk(root, bare_url, "importance=9&reasons=meal&frequency=daily", "", connections)
    time.sleep(0.5)
    show("bare Flask + SQLite (baseline)", connections, result, count_rows(bare_db) - before)
    return result


def _storing_against(root, bare_url, bare_db):
    per_answer, prepared = {}, {}
    for label, history, still_open in HISTORIES:
        if history not in prepared:  # the open week is added to the 1,000,000 already filled
            server = server_in(root, f"history-{history}", CLOCK=CLOCK)
            centre = json.loads(run_cli(server.env, "centre", "add", "Benchmark", "--json").stdout)
            prepared[history] = server, centre
        server, centre = prepared[history]
        path = db.path_in(server.data_dir)
        connection = db.connect(path)
        centre_id = db.centre_by_slug(connection, centre["slug"])["id"]
        filled = db.count_responses(connection, centre_id)
        connection.close()
        started = time.perf_counter()
        if history > filled:
            fill(path, centre_id, history, [f"{y}-W{w:02d}" for y in (2024, 2025, 2026)
                                            for w in range(1, 48 if y == 2026 else periods.weeks_in_year(y) + 1)])
            size = path.stat().st_size
            print(f"   (filled in {time.perf_counter() - started:.0f} s: {size / 2**20:.0f} MB, "
                  f"{size / 2**20 / history * 100_000:.1f} MB per 100,000 answers)")
        if still_open:
            open_week(path, centre_id, still_open, datetime.datetime.fromisoformat(CLOCK))
        os.sync()  # the fill's pages are written back now, not inside the timings below
        per_answer[(label, "store")] = store_timing(path, centre_id)
        server.start()
        try:
            # The phone's form has no CSRF token and sets no cookie (app/survey/forms.py): what a
            # phone sends is its answers and the form's one-time answer token (added by wrk).
            cookie, body = "", "importance=9&reasons=meal&reasons=meet_people&frequency=daily"
            for connections in CONNECTIONS:
                if still_open:  # every level starts from a week of exactly that many answers
                    open_week(path, centre_id, still_open, datetime.datetime.fromisoformat(CLOCK))
                baseline = _baseline(root, bare_url, bare_db, connections)
                before = count_answers(path)
                tokens = answer_tokens_file(root, server, centre)  # fresh forms for every level
                result = wrk(root, centre["survey_url"], body, cookie, connections, tokens)
                time.sleep(1)
                show(label, connections, result, count_answers(path) - before, baseline)
                per_answer[(label, connections)] = result
        finally:
            server.stop()
    print("\n   Time per answer against history: the data layer's store_answer alone (median of 500, with its"
          "\n   fsync), the whole POST at 1 connection (p50), and at 16 connections (1 / throughput):")
    print(f"   {'':<38}{'store':>10}{'ratio':>7}{'1 conn':>10}{'ratio':>7}{'16 conns':>11}{'ratio':>7}")
    first = HISTORIES[0][0]
    for label, _, _ in HISTORIES:
        alone, one, many = per_answer[(label, "store")], per_answer[(label, 1)]["p50"], 1 / per_answer[(label, 16)]["rate"]
        print(f"   {label:<38}{ms(alone):>10}{alone / per_answer[(first, 'store')]:>7.2f}"
              f"{ms(one):>10}{one / per_answer[(first, 1)]['p50']:>7.2f}"
              f"{ms(many):>11}{many * per_answer[(first, 16)]['rate']:>7.2f}")
    print("   (target: 1,000,000 / new ≤ 1.2)")
    # A shared disk's fsync varies more from minute to minute than with history: the same calls
    # again, taking turns between the files, so every file meets the same noise.
    paths = {history: db.path_in(server.data_dir) for history, (server, _) in prepared.items()}
    ids = {history: centre_of(paths[history], prepared[history][1]["slug"]) for history in paths}
    turns = {history: [] for history in paths}
    for _ in range(20):
        for history, path in paths.items():
            turns[history].append(store_timing(path, ids[history], repeat=25))
    first = statistics.median(turns[0])
    print("\n   store_answer again, the files taking turns (20 turns of 25 each, median):")
    for history, timings in turns.items():
        print(f"   {history:>12,} answers of history{'':<8}{ms(statistics.median(timings)):>10}"
              f"{statistics.median(timings) / first:>7.2f}")


def centre_of(path, slug):
    connection = db.connect(path)
    try:
        return db.centre_by_slug(connection, slug)["id"]
    finally:
        connection.close()


def store_timing(path, centre_id, repeat=500):
    """The data layer's own cost of keeping one answer, in this process, with its fsync."""
    database = db.connect(path)
    now = datetime.datetime.fromisoformat(CLOCK)
    week = periods.week_of(now.date()).key
    timings = []
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            db.store_answer(database, now, centre_id=centre_id, iso_week=week, question_set=1, answers=[("importance", "9"),
                            ("reasons", "meal"), ("frequency", "daily")],
                            receipt=f"phone:{secrets.token_urlsafe(18)}")
            timings.append(time.perf_counter() - started)
    finally:
        database.close()
    return statistics.median(timings)


def show(label, connections, result, stored, baseline=None):
    line = (f"   {label:<38}{connections:>6}{result['rate']:>9.0f}{ms(result['p50']):>11}{ms(result['p95']):>11}"
            f"{ms(result['p99']):>11}{result['errors']:>8}  {stored}/{result['acknowledged']}")
    if baseline:
        line += (f"   throughput {result['rate'] / baseline['rate']:.2f}× baseline (target ≥ 0.5 at 16 and 64), "
                 f"p95 {result['p95'] / baseline['p95']:.1f}× (target ≤ 2 at 64)")
    print(line)


# --- 2. the whole phone flow ---------------------------------------------------------------

def phone_flow(root):
    server = server_in(root, "flow", CLOCK=CLOCK).start()
    try:
        centre = server.add_centre("Benchmark")
        latencies, lock, stop = [], threading.Lock(), threading.Event()

        def person():
            while not stop.is_set():
                started = time.perf_counter()
                respondent = Respondent()
                for asset in ("style.css", "comfort.js"):
                    respondent.opener.open(f"{server.url}/static/{asset}", timeout=30).read()
                status, url, _ = respondent.answer(centre["survey_url"], {"importance": "8", "reasons": ["meal"]})
                assert "/tak" in url
                with lock:
                    latencies.append(time.perf_counter() - started)

        threads = [threading.Thread(target=person) for _ in range(16)]
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
        stop.set()
        for thread in threads:
            thread.join()
        p95 = statistics.quantiles(latencies, n=20)[18]
        print(f"\n2. The whole phone flow (survey page, stylesheet, script, send, thank-you page), 16 people at once:"
              f"\n   {len(latencies) / SECONDS:.1f} answers/s, median {ms(statistics.median(latencies)).strip()}, "
              f"p95 {ms(p95).strip()} per whole answer")
    finally:
        server.stop()


# --- 3. bytes of the first screens ---------------------------------------------------------

def first_screens(root):
    from playwright.sync_api import sync_playwright

    server = server_in(root, "bytes").start()
    try:
        centre = server.add_centre("Værestedet Målt")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            try:
                phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True).new_page()
                figures = {"phone survey, first screen": transferred(phone, centre["survey_url"])}
                tablet = browser.new_context(viewport={"width": 1024, "height": 768},
                                             service_workers="block").new_page()
                tablet.goto(centre["kiosk_pairing_url"])
                tablet.locator("button[type=submit]").click()
                tablet.wait_for_load_state("networkidle")
                tablet.context.new_cdp_session(tablet).send("Network.clearBrowserCache")  # as on a new tablet
                figures["kiosk, start screen"] = transferred(tablet, f"{server.url}/kiosk/")
            finally:
                browser.close()
        print("\n3. Bytes transferred (budget 50 KB each, no web fonts):")
        for name, (total, count, fonts, uncompressed) in figures.items():
            print(f"   {name:<30} {total / 1024:5.1f} KB in {count} requests as sent (gzip), "
                  f"{uncompressed / 1024:5.1f} KB uncompressed; {fonts} web fonts")
    finally:
        server.stop()


def transferred(page, url):
    """Bytes as sent (the app compresses; nginx passes that on), and the same files uncompressed."""
    bodies = []
    page.on("response", lambda response: bodies.append(response))
    page.goto(url, wait_until="networkidle")
    entries = page.evaluate("""() => performance.getEntriesByType('navigation')
        .concat(performance.getEntriesByType('resource')).map(e => [e.name, e.transferSize])""")
    fonts = [name for name, _ in entries if name.endswith((".woff", ".woff2", ".ttf", ".otf"))]
    uncompressed = sum(len(response.body()) for response in bodies if response.status == 200)
    return sum(size for _, size in entries), len(entries), len(fonts), uncompressed


# --- 4. history ----------------------------------------------------------------------------

def staff_client(data_dir, role="centre"):
    app = create_app({"DATA_DIR": str(data_dir), "CLOCK": CLOCK, "ROLE": role, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        database = db.get_db()
        db.migrate(database)
    return app


def summary_timings(root, years):
    week = periods.parse("2026-W47")
    data_dir = root / f"history-{years}"
    app = staff_client(data_dir)
    path = db.path_in(data_dir)
    with app.app_context():
        database = db.get_db()
        centre = db.create_centre(database, "Travlt Værested", "travlt")
        admin = db.create_staff(database, f"admin{years}@example.dk", accounts.hash_password(PASSWORD))
        db.set_membership(database, admin["id"], centre["id"], "admin")
    weeks = []
    for year in range(2027 - years, 2027):
        last = 47 if year == 2026 else periods.weeks_in_year(year)
        weeks += [f"{year}-W{w:02d}" for w in range(1, last + 1)]
    fill(path, centre["id"], 500 * len(weeks), weeks)
    client = app.test_client()
    client.post("/staff/login", data={"email": f"admin{years}@example.dk", "password": PASSWORD})
    raw = db.connect(path)

    def raw_aggregate():
        raw.execute("""SELECT a.question, a.option, count(*) FROM answers a JOIN responses r ON r.id = a.response_id
                       WHERE r.centre_id = ? AND r.iso_week = ? GROUP BY 1, 2""", [centre["id"], week.key]).fetchall()

    timings = {
        "raw SQL aggregate of the week": median_time(raw_aggregate),
        "summary page of the week": median_time(lambda: fetch(client, "/staff/c/travlt/summary/2026-W47")),
        "its PDF": median_time(lambda: fetch(client, "/staff/c/travlt/summary/2026-W47/download.pdf")),
        "(database)": path.stat().st_size / 2**20,
    }
    raw.close()
    return timings


def summary_history(root):
    print("\n4. Cost against history (median of 5, after one warm-up):")
    print_history({years: summary_timings(root, years) for years in (1, 10)}, "10 years", "(target ≤ 1.3)")


def print_history(rows, longer, note):
    short, long = rows
    print(f"   {'':<44}{'1 year':>10}{longer:>10}{'ratio':>7}  {note}")
    for name, one in rows[short].items():
        more = rows[long][name]
        if name == "(database)":
            print(f"   {'database size':<44}{one:>8.0f}MB{more:>8.0f}MB")
        else:
            print(f"   {name:<44}{ms(one):>10}{ms(more):>10}{more / one:>7.2f}")


def hub_timings(root, years):
    question_set = questions.load()
    # The cells a centre pushes (app/hub/aggregates.py): per option, and "answered" for a multiple choice.
    hub_cells = [(field.name, answer) for field in question_set.fields() if field.kind != "text"
                 for answer in (["answered"] if field.multiple else []) + [o.id for o in field.options]]
    data_dir = root / f"hub-{years}"
    app = staff_client(data_dir, role="hub")
    path = db.path_in(data_dir)
    database = db.connect(path)
    database.execute("PRAGMA synchronous = OFF")  # a fill: no fsync per push
    rng = random.Random(7)
    admin = db.create_staff(database, f"lvs{years}@example.dk", accounts.hash_password(PASSWORD))
    db.make_hub_admin(database, admin["id"])
    org_forms, municipality_types = list(kinds.ORG_FORMS), list(kinds.MUNICIPALITY_TYPES)
    now = datetime.datetime.fromisoformat(CLOCK)
    for n in range(200):
        centre = db.register_hub_centre(database, key="k" * 43, name=f"Centre {n}", lvs_code=f"LVS{n:04d}",
                                        org_form=org_forms[n % len(org_forms)], municipality=f"Kommune {n % 98}",
                                        municipality_type=municipality_types[n % len(municipality_types)])
        for year in range(2027 - years, 2027):
            for period in [p for p in periods.Period(year, "year", 0).subtree() if p.closes_at <= now]:
                n_answers = 5 * len(period.weeks) * rng.randint(2, 6)
                cells = [{"question": question, "answer": answer, "status": "shown",
                          "count": rng.randint(0, n_answers)} for question, answer in hub_cells]
                db.store_aggregate(database, centre["id"], period.level, {
                    "period": period.key, "question_set": question_set.version, "k": 5,
                    "answers": {"status": "shown", "count": n_answers}, "cells": cells})
    database.execute("VACUUM")
    client = app.test_client()
    client.post("/staff/login", data={"email": f"lvs{years}@example.dk", "password": PASSWORD})

    def raw_sum():
        database.execute("""SELECT question, answer, sum(count) FROM hub_cells WHERE period = ? AND question_set = ?
                            GROUP BY 1, 2""", ["2026-W47", question_set.version]).fetchall()

    timings = {
        "raw SQL sum of the week's cells": median_time(raw_sum),
        "national dashboard page of the week": median_time(lambda: fetch(client, "/hub/2026-W47")),
        "its XLSX report": median_time(lambda: fetch(client, "/hub/2026-W47/report.xlsx")),
        "(database)": path.stat().st_size / 2**20,
    }
    database.close()
    return timings


def hub_history(root):
    print_history({years: hub_timings(root, years) for years in (1, 5)}, "5 years", "(200 centres)")


# --- 6. summaries from stored figures --------------------------------------------------------

AFTER_2026 = "2027-01-13T12:00:00"  # 2026 has closed: its weeks, blocks, quarters and the year
STORED_PERIODS = ("2026-W47", "2026-B11", "2026-Q3", "2026")


def stored_history(root, years):
    """A busy centre (500 answers a week) with `years` of history up to the end of 2026, its
    periods decided once; a signed-in client, and the one-off costs."""
    data_dir = root / f"stored-{years}"
    app = create_app({"DATA_DIR": str(data_dir), "CLOCK": AFTER_2026, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        database = db.get_db()
        db.migrate(database)
        centre = db.create_centre(database, "Travlt Værested", "travlt")
        admin = db.create_staff(database, f"stored{years}@example.dk", accounts.hash_password(PASSWORD))
        db.set_membership(database, admin["id"], centre["id"], "admin")
    path = db.path_in(data_dir)
    for year in range(2027 - years, 2027):  # each year its own answers: 2026 is the same at 1 and 10 years
        weeks = [f"{year}-W{w:02d}" for w in range(1, periods.weeks_in_year(year) + 1)]
        fill(path, centre["id"], 500 * len(weeks), weeks, seed=year)
    client = app.test_client()
    client.post("/staff/login", data={"email": f"stored{years}@example.dk", "password": PASSWORD})
    once = {}
    started = time.perf_counter()
    fetch(client, "/staff/c/travlt/summary/2026")  # the first look decides 2026, once, from the answers
    once["(deciding 2026, once, when it closes)"] = time.perf_counter() - started
    for url in stored_urls().values():
        fetch(client, url)  # and the years the trends reach back to
    raw = db.connect(path)
    found = db.centre_by_slug(raw, "travlt")
    fields = disclosure.layout(questions.load())
    once["(before: every view read 2026's answers again)"] = median_time(
        lambda: figures.year_weeks(raw, found["id"], 2026, fields), repeat=3)
    raw.close()
    once["(database)"] = path.stat().st_size / 2**20
    return client, once


def stored_urls():
    return {**{f"summary page of {key}": f"/staff/c/travlt/summary/{key}" for key in STORED_PERIODS},
            "(its PDF: a download, outside the target)": "/staff/c/travlt/summary/2026-Q3/download.pdf",
            "staff home": "/staff/c/travlt/"}


def stored_summaries(root, repeat=51):
    print("\n6. A closed period's summary, read from the figures stored when it was decided: the app's own")
    print("   time per request (in-process, no network), 500 answers a week; 1 and 10 years timed in turn,")
    print("   request by request and each first half the time, so both meet the same load;")
    print(f"   median of {repeat} (target ≤ 50 ms, 10y/1y ≤ 1.1):")
    clients, rows = {}, {1: {}, 10: {}}
    for years in (1, 10):
        clients[years], once = stored_history(root, years)
        rows[years].update(once)
    for name, url in stored_urls().items():
        samples = {1: [], 10: []}
        for turn in range(repeat):
            for years in ((1, 10) if turn % 2 else (10, 1)):
                started = time.perf_counter()
                fetch(clients[years], url)
                samples[years].append(time.perf_counter() - started)
        for years in (1, 10):
            rows[years][name] = statistics.median(samples[years])
    print_history(rows, "10 years", "")
    pages = [name for name in rows[1] if not name.startswith("(")]
    worst = max(rows[years][name] for name in pages for years in (1, 10))
    ratio = max(rows[10][name] / rows[1][name] for name in pages)
    print(f"   slowest {ms(worst).strip()} (target ≤ 50 ms); largest 10 years / 1 year {ratio:.2f} (target ≤ 1.1)")


def main():
    parts = os.environ.get("BENCH_PARTS", "1,2,3,4,5,6,scale").split(",")
    if "1" in parts and shutil.which("wrk") is None:
        sys.exit("wrk is missing: `make bench` installs Debian's wrk")
    print(textwrap.dedent(f"""\
        make bench, {datetime.date.today()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]},
        SQLite {db.connect(':memory:').execute('select sqlite_version()').fetchone()[0]}"""))
    from tests import bench_scale  # it builds on this module's helpers

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for number, part in (("1", storing_an_answer), ("2", phone_flow), ("3", first_screens),
                             ("4", summary_history), ("5", hub_history), ("6", stored_summaries),
                             ("scale", bench_scale.scale)):
            if number in parts:
                part(root)


if __name__ == "__main__":
    main()
