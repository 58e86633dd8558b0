"""`BENCH_PARTS=scale make bench`: LVS at its real size (issue 29), at 20 and at 200 centres.

Built with the product's own code, twice (20 and 200 centres):
- one hosted installation (one SQLite file) with N centres, each with two years of answers
  (every week of 2025 and 2026 up to 2026-W46, 10 to 20 answers a week; written fast like
  bench_survey.fill), each year decided by `brugerstemmen decide` as the nightly job does;
- one hub (a real server on 127.0.0.1) with the N centres registered, each centre connected.

Then, each figure at 20 and at 200 side by side, with the ratio and the cost of each centre more:
1. `brugerstemmen sync --json` as the operator runs it: the first sync of everything, a round
   with nothing new, and the round after one more week (2026-W47) closes, which decides it first;
   the periods sent and the sync process's peak memory (its max RSS, from os.wait4).
1b. The hub taking pushes: eight weeks of every centre pushed again from 1 thread and from 16.
2. The hub's pages, server time (Flask in-process on the hub's data folder, after the syncs):
   the national page of a week, a block, a quarter and a year, each grouping's breakdown, the
   period report's CSV and XLSX, the yearly report page and each of its downloads, the centres list.
3. A hosted installation's staff pages for one centre among N in the same file (summary of a week,
   a block, a quarter and a year; the centre's home), and the home of someone at every centre,
   with its search.
Pages are timed with 20 and 200 taking turns request by request, each client in its own thread
(so each keeps its connection, as a server's worker does); the first request (deciding the
national figures once) is printed apart. The machine's load is printed before each part.

Cost: 10-15 minutes on 2 shared CPUs (12.5 minutes at a load of 5-7), most of it the 200-centre
build (about 294,000 answers filled, two years of 200 centres decided: 4 minutes) and its first
sync (1.5-4 minutes); about 0.6 GB of disk in the temporary folder.
BENCH_SCALE_SIZES=5,20 runs other sizes (the first is the small one).
"""

import concurrent.futures
import datetime
import itertools
import json
import os
import statistics
import subprocess
import time

from app import accounts, create_app, db, figures, periods, questions
from app.hub import aggregates, kinds, signing, sync, year_report
from tests.bench_survey import PASSWORD, fill, fetch
from tests.conftest import BIN, LiveServer

SIZES = tuple(int(n) for n in os.environ.get("BENCH_SCALE_SIZES", "20,200").split(","))
FIRST_WEEK, LAST_WEEK = "2025-W01", "2026-W47"  # two years of history; W47 closes between rounds
DECIDED_AT = ("2025-12-29T02:00:00", "2026-11-16T02:00:00")  # the nightly decide after 2025-W52 closed, and today
FIRST_SYNC, AGAIN, NEXT_WEEK = "2026-11-16T02:00:00", "2026-11-16T03:00:00", "2026-11-23T02:00:00"
PAGES_AT = "2026-11-23T12:00:00"  # 2026-W47 has closed and been synced
HUB_PERIODS = ("2026-W47", "2026-B11", "2026-Q3", "2025")  # the newest closed of each level
REPORT_YEAR = 2025
TARGETS = {"first sync": (300, "s"), "one more week": (30, "s"), "peak memory": (300, "MB")}


def answers_a_week(n):
    return 10 + n % 11  # 10 to 20


def weeks_between(first, last):
    weeks, week = [], periods.parse(first)
    while week.key <= last:
        weeks.append(week.key)
        week = week.next()
    return weeks


def load():
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


class Scale:
    """One installation and one hub with `size` centres, in `root`."""

    def __init__(self, root, size):
        self.size, self.root = size, root / f"scale-{size}"
        (self.root / "hub").mkdir(parents=True)
        (self.root / "installation").mkdir()
        self.hub = LiveServer(self.root / "hub", probe="/api/v1/openapi.yaml", ROLE="hub", CLOCK=PAGES_AT)
        self.data_dir = self.root / "installation" / "data"
        self.env = {**os.environ, "BRUGERSTEMMEN_DATA_DIR": str(self.data_dir),
                    "BRUGERSTEMMEN_RUNTIME_DIR": str(self.root / "installation" / "run"),
                    "BRUGERSTEMMEN_SYNC_BACKOFF_SECONDS": "0"}
        self.once = {}

    @property
    def path(self):
        return db.path_in(self.data_dir)

    def slug(self, n):
        return f"v{n:03d}"

    def build(self):
        """The centres, their answers up to the week before LAST_WEEK, decided; registered at the hub and connected."""
        self.data_dir.mkdir()
        database = db.connect(self.path)
        db.migrate(database)
        self.hub.data_dir.mkdir()
        hub_database = db.connect(db.path_in(self.hub.data_dir))
        db.migrate(hub_database)
        org_forms, municipality_types = list(kinds.ORG_FORMS), list(kinds.MUNICIPALITY_TYPES)
        centres = []
        for n in range(self.size):
            centre = db.create_centre(database, f"Værested {n}", self.slug(n))
            key = signing.new_key()
            registered = db.register_hub_centre(
                hub_database, key=key, name=f"Værested {n}", lvs_code=f"LVS{n:04d}",
                org_form=org_forms[n % len(org_forms)], municipality=f"Kommune {n % 98}",
                municipality_type=municipality_types[n % len(municipality_types)])
            db.connect_hub(database, centre["id"], self.hub.url, registered["id"], key)
            centres.append(centre)
        admin = db.create_staff(hub_database, "lvs@example.dk", accounts.hash_password(PASSWORD))
        db.make_hub_admin(hub_database, admin["id"])
        hub_database.close()
        # The staff: one at the first centre, and someone at every centre (LVS's office, say).
        one = db.create_staff(database, "staff@example.dk", accounts.hash_password(PASSWORD))
        db.set_membership(database, one["id"], centres[0]["id"], "admin")
        every = db.create_staff(database, "office@example.dk", accounts.hash_password(PASSWORD))
        for centre in centres:
            db.set_membership(database, every["id"], centre["id"], "staff")
        database.close()
        self.centre_ids = [centre["id"] for centre in centres]
        # Set apart what the week still open holds, once, as the first command on a new file does
        # (db.adopt_open_weeks): before the answers are filled, or it would move them all.
        self.cli("init", clock=DECIDED_AT[0])
        filling = deciding = 0
        # Each year's answers, then the nightly `decide` after its last week closed (2026: up to today).
        for year, clock in zip((FIRST_WEEK[:4], LAST_WEEK[:4]), DECIDED_AT, strict=True):
            weeks = [week for week in weeks_between(FIRST_WEEK, LAST_WEEK)[:-1] if week.startswith(year)]
            started = time.perf_counter()
            for n, centre_id in enumerate(self.centre_ids):
                fill(self.path, centre_id, answers_a_week(n) * len(weeks), weeks, seed=n * 10 + len(weeks))
            filling += time.perf_counter() - started
            started = time.perf_counter()
            self.cli("decide", clock=clock)
            deciding += time.perf_counter() - started
        self.once["filling the answers"] = (filling, "s")
        self.once["`brugerstemmen decide` after each year (2026: up to 2026-W46)"] = (deciding, "s")
        self.once["installation database"] = (self.path.stat().st_size / 2**20, "MB")

    def last_week_closes(self):
        """The answers of LAST_WEEK, which was open until now."""
        for n, centre_id in enumerate(self.centre_ids):
            fill(self.path, centre_id, answers_a_week(n), [LAST_WEEK], seed=10_000 + n)

    def cli(self, *args, clock):
        result = subprocess.run([str(BIN / "brugerstemmen"), *args], env={**self.env, "BRUGERSTEMMEN_CLOCK": clock},
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def sync(self, clock):
        """`brugerstemmen sync --json`: (seconds, peak memory in MB, periods sent)."""
        out = self.root / "sync.json"
        with open(out, "wb") as handle:
            started = time.perf_counter()
            process = subprocess.Popen([str(BIN / "brugerstemmen"), "sync", "--json"],
                                       env={**self.env, "BRUGERSTEMMEN_CLOCK": clock}, stdout=handle,
                                       stderr=subprocess.DEVNULL)
            _pid, status, usage = os.wait4(process.pid, 0)
            took = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        report = json.loads(out.read_text())
        assert process.returncode == 0 and all(r["outcome"] == "ok" for r in report["centres"]), report
        return took, usage.ru_maxrss / 1024, sum(len(r["sent"]) for r in report["centres"])


class Signed:
    """A signed-in test client of one data folder, whose requests all run in one thread of its
    own: the thread keeps its database connection between requests, as a server's worker does."""

    def __init__(self, data_dir, email, role="centre"):
        self.thread = concurrent.futures.ThreadPoolExecutor(max_workers=1)
        self.app = create_app({"DATA_DIR": str(data_dir), "CLOCK": PAGES_AT, "ROLE": role, "WTF_CSRF_ENABLED": False})
        self.client = self.app.test_client()
        self.run(lambda: self.client.post("/staff/login", data={"email": email, "password": PASSWORD}))

    def run(self, task):
        return self.thread.submit(task).result()

    def time(self, url):
        def timed():
            started = time.perf_counter()
            fetch(self.client, url)
            return time.perf_counter() - started
        return self.run(timed)

    def close(self):
        self.thread.shutdown()


def turns(clients, url, repeat):
    """{size: (first request, median of `repeat` after it)}, the sizes taking turns."""
    first = {size: client.time(url) for size, client in clients.items()}
    samples = {size: [] for size in clients}
    for turn in range(repeat):
        for size in (list(clients) if turn % 2 else list(clients)[::-1]):
            samples[size].append(clients[size].time(url))
    return {size: (first[size], statistics.median(samples[size])) for size in clients}


# --- printing -----------------------------------------------------------------------------

def header(title):
    small, large = SIZES
    print(f"\n   {title:<52}{small:>9}{large:>9}{'ratio':>7}{'per centre':>12}  target")


def row(name, values, unit, target=""):
    """A figure at both sizes, their ratio and what each centre more adds."""
    small, large = SIZES
    a, b = values[small], values[large]
    scale = 1000 if unit == "ms" else 1
    shown = {"ms": lambda v: f"{v * 1000:7.1f}ms", "s": lambda v: f"{v:7.1f} s", "MB": lambda v: f"{v:6.0f} MB",
             "": lambda v: f"{v:9,.0f}"}[unit]
    extra = (b - a) / (large - small) * scale
    print(f"   {name:<52}{shown(a):>9}{shown(b):>9}{b / a if a else float('nan'):>7.2f}"
          f"{extra:>9.2f} {unit or '':<2}  {target}")


# --- the parts ----------------------------------------------------------------------------

def sync_rounds(scales):
    print(f"\n   Sync ({load()}): `brugerstemmen sync --json`, the sizes taking turns")
    rounds = {}
    for label, clock, before in (("first sync of everything", FIRST_SYNC, None), ("a round with nothing new", AGAIN, None),
                                 ("after one more week closes (2026-W47)", NEXT_WEEK, Scale.last_week_closes)):
        for size, scale in scales.items():
            if before:
                before(scale)
            rounds.setdefault(label, {})[size] = scale.sync(clock)
    header("1. sync")
    for label, found in rounds.items():
        target = {"first sync of everything": "≤ 300 s at 200", "after one more week closes (2026-W47)": "≤ 30 s at 200"}
        row(label, {s: v[0] for s, v in found.items()}, "s", target.get(label, ""))
        if label.startswith("first"):
            row("   per period sent", {s: v[0] / v[2] for s, v in found.items()}, "ms")
        row("   its peak memory (max RSS)", {s: v[1] for s, v in found.items()}, "MB", "≤ 300 MB")
        row("   periods sent", {s: v[2] for s, v in found.items()}, "")
    return rounds


REPUSHED = [f"2026-W{week}" for week in range(40, 48)]  # 2026-Q4's weeks so far


def bodies(scale):
    """[(hub link, encoded aggregate)] of REPUSHED for every centre, as the sync builds them."""
    app = create_app({"DATA_DIR": str(scale.data_dir), "CLOCK": PAGES_AT})
    found = []
    with app.app_context():
        database, question_set = db.get_db(), questions.load()
        for link in db.hub_links(database):
            table = figures.stored_table(database, db.centre_by_slug(database, link["slug"]), 2026,
                                         datetime.datetime.fromisoformat(PAGES_AT))
            found += [(link, aggregates.encode(aggregates.build(table, periods.parse(key), question_set)))
                      for key in REPUSHED]
    return found


def push_timings(found, threads):
    """Every body pushed again (each replacing the one the hub has) from `threads` threads at once:
    (median time of one push, its 95th percentile, pushes a second)."""
    def timed(item):
        link, body = item
        started = time.perf_counter()
        sync.request(link, "POST", "/api/v1/aggregates", body)
        return time.perf_counter() - started

    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        took = list(pool.map(timed, found))
    rate = len(found) / (time.perf_counter() - started)
    return statistics.median(took), statistics.quantiles(took, n=20)[18], rate


def hub_writes(scales):
    """The hub taking pushes: what one costs it as its file grows, and how many it takes a second
    when many come at once (one writer at a time: SQLite)."""
    print(f"\n   The hub taking pushes ({load()}): {REPUSHED[0]} to {REPUSHED[-1]} of every centre pushed again, "
          "from 1 thread and from 16 at once (the hub: 3 workers × 4 threads)")
    found = {size: bodies(scale) for size, scale in scales.items()}
    results = {}
    for threads, size in itertools.product((1, 16), scales):
        results[(threads, size)] = push_timings(found[size], threads)
    header("1b. the hub taking pushes")
    for threads in (1, 16):
        row(f"one push from {threads} thread{'s' if threads > 1 else ''}: median", {s: results[(threads, s)][0] for s in scales},
            "ms")
        row("   95th percentile", {s: results[(threads, s)][1] for s in scales}, "ms")
        row("   pushes a second", {s: results[(threads, s)][2] for s in scales}, "")
    row("   (pushes each time)", {size: len(found[size]) for size in scales}, "")
    return results


def hub_urls():
    urls = {f"national page of {key}": f"/hub/{key}" for key in HUB_PERIODS}
    urls |= {f"   broken down ?by={by}": f"/hub/{HUB_PERIODS[0]}?by={by}" for by in kinds.GROUPINGS}
    urls[f"   {HUB_PERIODS[-1]} ?by=org-form"] = f"/hub/{HUB_PERIODS[-1]}?by=org-form"
    urls["centres list, first page"] = "/hub/centres"
    urls["   its last page"] = "/hub/centres?page=99"
    urls["   a search for one centre"] = "/hub/centres?q=0007"
    urls[f"yearly report page {REPORT_YEAR}"] = f"/hub/year/{REPORT_YEAR}"
    downloads = {f"   its {ext.upper()}": f"/hub/year/{REPORT_YEAR}/report.{ext}" for ext in year_report.FORMATS}
    downloads |= {f"period report {HUB_PERIODS[0]} {ext.upper()}": f"/hub/{HUB_PERIODS[0]}/report.{ext}"
                  for ext in ("csv", "xlsx")}
    downloads[f"period report {HUB_PERIODS[-1]} XLSX ?by=org-form"] = f"/hub/{HUB_PERIODS[-1]}/report.xlsx?by=org-form"
    return urls, downloads


def hub_pages(scales, repeat=11):
    print(f"\n   The hub's pages ({load()}): server time in-process, median of {repeat} after a first request")
    clients = {size: Signed(scale.hub.data_dir, "lvs@example.dk", role="hub") for size, scale in scales.items()}
    try:
        found = {}
        urls, downloads = hub_urls()
        for group, target in ((urls, "≤ 300 ms, ≤ 3×"), (downloads, "≤ 1 s, ≤ 3×")):
            for name, url in group.items():
                found[name] = (turns(clients, url, repeat if "PDF" not in name else 5), target)
    finally:
        for client in clients.values():
            client.close()
    header("2. hub, server time")
    for name, (times, target) in found.items():
        row(name, {s: t[1] for s, t in times.items()}, "ms", target)
    print("   first request after the sync (the national figures decided once):")
    for name in list(found)[:4] + [f"yearly report page {REPORT_YEAR}"]:
        row("   " + name.strip(), {s: t[0] for s, t in found[name][0].items()}, "ms")
    return found


def staff_pages(scales, repeat=21):
    print(f"\n   A hosted installation's staff pages ({load()}): server time in-process, median of {repeat}")
    slug = "v000"
    urls = {f"summary of {key}": f"/staff/c/{slug}/summary/{key}" for key in ("2026-W47", "2026-B11", "2026-Q3", "2025")}
    urls["the centre's home"] = f"/staff/c/{slug}/"
    single = {size: Signed(scale.data_dir, "staff@example.dk") for size, scale in scales.items()}
    every = {size: Signed(scale.data_dir, "office@example.dk") for size, scale in scales.items()}
    try:
        found = {name: turns(single, url, repeat) for name, url in urls.items()}
        found["someone at every centre: /staff/"] = turns(every, "/staff/", repeat)
        found["   with its search: /staff/?q=værested 17"] = turns(every, "/staff/?q=v%C3%A6rested+17", repeat)
    finally:
        for client in list(single.values()) + list(every.values()):
            client.close()
    header("3. staff pages, server time")
    for name, times in found.items():
        row(name, {s: t[1] for s, t in times.items()}, "ms", "≤ 50 ms")
    return found


def one_off(scales):
    header("one-off costs and sizes")
    for name in next(iter(scales.values())).once:
        unit = next(iter(scales.values())).once[name][1]
        row(name, {size: scale.once[name][0] for size, scale in scales.items()}, unit)
    row("hub database", {size: db.path_in(scale.hub.data_dir).stat().st_size / 2**20 for size, scale in scales.items()},
        "MB")


def scale(root):
    print(f"\nscale. LVS at its real size: {SIZES[0]} and {SIZES[1]} centres, each with every week of "
          f"{FIRST_WEEK[:4]}-{LAST_WEEK[:4]} up to {LAST_WEEK}\n   (10-20 answers a week), one installation and one hub "
          f"each ({load()}, {os.cpu_count()} CPUs, {datetime.date.today()})")
    scales = {}
    for size in SIZES:
        started = time.perf_counter()
        scales[size] = Scale(root, size)
        scales[size].build()
        print(f"   built {size} centres in {time.perf_counter() - started:.0f} s ({load()})", flush=True)
    for found in scales.values():
        found.hub.start()
    try:
        sync_rounds(scales)
        hub_writes(scales)
    finally:
        for found in scales.values():
            found.hub.stop()
    hub_pages(scales)
    staff_pages(scales)
    one_off(scales)
