"""`make bench`: what answering costs, against a bare gunicorn baseline measured in the same run.

Not a test: it prints figures. Everything runs on 127.0.0.1 and stops by itself.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.conftest import LiveServer, free_port
from tests.test_server import Respondent

from app import db, demo

CLIENTS = 8
PER_CLIENT = 25

BARE_APP = """
def app(environ, start_response):
    environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
"""


def measure(task):
    """Run task(client_number, i) PER_CLIENT times in CLIENTS threads; returns (per second, latencies)."""
    latencies, lock = [], threading.Lock()

    def client(n):
        for i in range(PER_CLIENT):
            started = time.perf_counter()
            task(n, i)
            with lock:
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def bare_baseline(root):
    (root / "bare.py").write_text(BARE_APP)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--chdir", str(root), "-b", f"127.0.0.1:{port}",
                               "-w", "3", "-k", "gthread", "--threads", "4", "bare:app"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import urllib.request
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        body = b"importance=9&reasons=meal&frequency=daily&csrf_token=x"

        def task(n, i):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", data=body, timeout=30).read()
        return measure(task)
    finally:
        server.terminate()
        server.wait()


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def report(name, rate, latencies, baseline_rate=None):
    p95 = statistics.quantiles(latencies, n=20)[18]
    ratio = f"  ({baseline_rate / rate:.1f}× the bare request's cost)" if baseline_rate else ""
    print(f"{name:<44} {rate:7.1f}/s  median {ms(statistics.median(latencies))}  p95 {ms(p95)}{ratio}")


def erase_cost(root):
    """How long rewriting the file after an answer takes, at the demo's size and at the threshold."""
    path = root / "erase.sqlite3"
    database = db.connect(path)
    db.migrate(database)
    centre, _ = demo.ensure_demo(database)
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        db.erase_arrival_order(path)
        timings.append(time.perf_counter() - started)
    print(f"{'erase arrival order, demo database':<44} {ms(statistics.median(timings))} "
          f"for {path.stat().st_size / 1024:.0f} KB")
    with db.write_transaction(database):
        for week in range(20_000):
            db.insert_response(database, centre_id=centre["id"], iso_week=f"2025-W{1 + week % 52:02d}",
                               channel="kiosk", language="da", question_set=1,
                               answers=[("importance", "9"), ("reasons", "meal"), ("reasons", "meet_people"),
                                        ("frequency", "daily"), ("meaning.community", "agree")],
                               message="")
    database.close()
    started = time.perf_counter()
    db.erase_arrival_order(path)
    print(f"{'erase arrival order, larger database':<44} {ms(time.perf_counter() - started)} "
          f"for {path.stat().st_size / 1024:.0f} KB")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(f"{CLIENTS} parallel clients × {PER_CLIENT} requests each, gunicorn 3 workers × 4 threads, "
              f"{os.cpu_count()} CPUs")
        bare_rate, bare_latencies = bare_baseline(root)
        report("bare WSGI app, one POST (baseline)", bare_rate, bare_latencies)

        server = LiveServer(root).start()
        try:
            centre = server.add_centre("Benchmark")
            people = [Respondent() for _ in range(CLIENTS)]

            def answer(n, i):
                people[n].answer(centre["survey_url"], {"importance": str(1 + i % 10), "reasons": ["meal"],
                                                       "frequency": "daily", "message": "Tak for kaffe"})
            rate, latencies = measure(answer)
            report("phone answer: GET form + POST + thank-you", rate, latencies, bare_rate)
        finally:
            server.stop()
        erase_cost(root)


if __name__ == "__main__":
    main()
