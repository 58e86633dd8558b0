"""Fixtures: a real SQLite file in a temp dir, the real CLI, the real server, real Chromium."""

import collections
import contextlib
import datetime
import fcntl
import http.cookiejar
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from app import create_app, db

from .realtime import calendar_watch

BIN = Path(sys.executable).parent
REAL_TIME_SITE = Path(__file__).parent / "realtime"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]


# --- the real clock, moved: CI runs on any day, so the calendar must not depend on it ---------

def pytest_addoption(parser):
    parser.addoption("--real-time", metavar="YYYY-MM-DDTHH:MM",
                     help="run every test as if the real clock (of the tests, the server and the CLI) said this "
                          "local time; without it, each test marked `calendar` also runs under REAL_TIMES")


REAL_TIMES = "BRUGERSTEMMEN_TEST_REAL_TIMES"


def real_times(today):
    """The dates a calendar test runs under besides today's: next Monday just after a week closes,
    the last day of a 53-week year, the first Monday of 2027 before its closing hour, two years on."""
    monday = today + datetime.timedelta(days=7 - today.weekday())
    try:
        later = today.replace(year=today.year + 2)
    except ValueError:  # 29 February
        later = today.replace(year=today.year + 2, day=28)
    return [f"{monday}T01:05", "2026-12-31T12:00", "2027-01-04T00:30", f"{later}T12:00"]


def pytest_configure(config):
    # Every process the tests start runs tests/realtime/sitecustomize.py, which watches the calendar.
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if str(REAL_TIME_SITE) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REAL_TIME_SITE), *paths]))
    # Chosen once, before the xdist workers start (they inherit it): they must collect the same tests.
    os.environ.setdefault(REAL_TIMES, " ".join(real_times(datetime.date.today())))
    # One log per process (each xdist worker its own): a line in it is a reading of the real calendar.
    handle, log = tempfile.mkstemp(prefix="brugerstemmen-calendar-")
    os.close(handle)
    os.environ[calendar_watch.LOG] = log
    calendar_watch.start()
    when = config.getoption("--real-time")
    if when:
        _travel(when).start()


def _travel(when):
    """The real clock of this process, and (through sitecustomize) of every process it starts, moved to `when`."""
    import time_machine

    offset = datetime.datetime.fromisoformat(when).timestamp() - time.time()
    os.environ["BRUGERSTEMMEN_TEST_CLOCK_OFFSET"] = repr(offset)
    return time_machine.travel(time.time() + offset, tick=True)


def pytest_generate_tests(metafunc):
    """A test marked `calendar` (not a browser test: Chromium keeps the real time) runs today and
    again under each of REAL_TIMES, in the same parallel run as the rest."""
    definition = metafunc.definition
    if (metafunc.config.getoption("--real-time") or not definition.get_closest_marker("calendar")
            or definition.get_closest_marker("browser")):
        return
    times = os.environ[REAL_TIMES].split()
    metafunc.parametrize("real_time", [None, *times], ids=["today", *times], indirect=True)


@pytest.fixture(autouse=True)
def real_time(request):
    when = getattr(request, "param", None)
    if when is None:
        yield None
        return
    traveller = _travel(when)
    traveller.start()
    try:
        yield when
    finally:
        traveller.stop()
        del os.environ["BRUGERSTEMMEN_TEST_CLOCK_OFFSET"]


def pytest_unconfigure(config):
    Path(os.environ.pop(calendar_watch.LOG)).unlink(missing_ok=True)


READINGS_BEFORE = pytest.StashKey[int]()


def _calendar_readings():
    return Path(os.environ[calendar_watch.LOG]).stat().st_size


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[READINGS_BEFORE] = _calendar_readings()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A test that reads the real calendar (its app, server or command runs with no CLOCK) and is
    not marked `calendar` fails: `make test` runs the marked ones again under other dates, and this
    one would pass today only. Browser tests are never run again (Chromium keeps the real time)."""
    outcome = yield
    report = outcome.get_result()
    if (call.when == "teardown" and report.passed and _calendar_readings() > item.stash[READINGS_BEFORE]
            and not item.get_closest_marker("calendar") and not item.get_closest_marker("browser")):
        report.outcome = "failed"
        report.longrepr = ("this test reads the real calendar (app.clock.now without a CLOCK setting): fix its "
                           "CLOCK, or mark it @pytest.mark.calendar so that `make test` runs it under other dates")


def pytest_report_header(config):
    when = config.getoption("--real-time")
    return f"real clock moved to {when}" if when else f"calendar tests also run as if it were {os.environ[REAL_TIMES]}"


def pytest_collection_modifyitems(items):
    """`make test` hands tests to its workers by node id (--dist loadgroup): of two tests with one
    id it would run one and say nothing (schemathesis gave its three operations one id). The
    modules that drive Chromium or share one worker go first, whole: the longest work starts
    early, and the short tests fill the end of the run rather than one worker finishing alone."""
    twice = sorted(nodeid for nodeid, n in collections.Counter(item.nodeid for item in items).items() if n > 1)
    if twice:
        raise pytest.UsageError(f"each test needs an id of its own; these share one: {', '.join(twice)}")
    long = {item.path for item in items if item.get_closest_marker("browser") or item.get_closest_marker("xdist_group")}
    items.sort(key=lambda item: item.path not in long)


# --- passwords, hashed cheaper -------------------------------------------------------------

@pytest.fixture(autouse=True)
def cheaper_password_hashes(request, monkeypatch):
    """Scrypt at n = 2**12 in this process instead of the app's 2**15: still scrypt, an eighth of the
    75 ms of CPU each password or PIN costs by design, and the in-process tests hash some 700. The
    servers and commands a test starts keep the real cost; a test marked `real_hashing` does too."""
    if request.node.get_closest_marker("real_hashing"):
        return
    from werkzeug.security import generate_password_hash

    from app import accounts, kiosk_pin

    def cheaper(password, method="scrypt", salt_length=16):
        return generate_password_hash(password, "scrypt:4096:8:1" if method == "scrypt" else method, salt_length)

    monkeypatch.setattr(accounts, "generate_password_hash", cheaper)
    monkeypatch.setattr(kiosk_pin, "generate_password_hash", cheaper)


# --- the app and its database ----------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


# A fixed calendar for tests that start servers or commands but are not about the calendar: they
# pass on any date, and the sweep under other dates (`make test-dates`) need not run them again.
CLOCK = "2026-11-25T12:00:00"  # a Wednesday: 2026-W48 is open, W47 the last closed week

# The limits against stuffing are off unless a test is about them (tests/test_stuffing.py).
NO_STUFFING_LIMITS = {"KIOSK_ANSWER_INTERVAL_SECONDS": 0, "SURVEY_ANSWERS_PER_MINUTE": 0}


@pytest.fixture
def app(data_dir, tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "WTF_CSRF_ENABLED": False,
                      "BASE_URL": "http://brugerstemmen.test", "RUNTIME_DIR": str(tmp_path / "run"),
                      **NO_STUFFING_LIMITS})
    with app.app_context():
        db.migrate(db.get_db())
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def database(app):
    connection = db.connect(db.path_in(app.config["DATA_DIR"]))
    yield connection
    connection.close()


@pytest.fixture
def make_centre(database):
    def make(name="Café Test", slug=None, **settings):
        centre = db.create_centre(database, name, slug or f"c{len(db.list_centres(database))}")
        if settings:
            centre = db.update_centre(database, centre["slug"], **settings)
        return centre
    return make


@contextlib.contextmanager
def open_weeks_held(data_dir):
    """Another writer holding the open weeks' lock (app/db/open_weeks.py) for as long as this lasts."""
    folder = Path(data_dir) / "open"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def csrf_token(html):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def answer_token(html):
    """The phone form's one-time answer token (app/survey/answer_tokens.py)."""
    return re.search(r'name="answer_token" value="([^"]+)"', html).group(1)


def post_answer(client, survey_path, data, **kwargs):
    """Post answers to the phone survey as its page would: with the token of a form just fetched."""
    page = client.get(survey_path.split("?")[0]).get_data(as_text=True)
    return client.post(survey_path, data={"answer_token": answer_token(page), **data}, **kwargs)


# --- the real command and the real server --------------------------------------------------

# Limits against a hang, never a measure of speed: a busy machine (CI beside other jobs) may take
# many times longer than a quiet one, and a test must not fail for it (issue 29).
HANG_SECONDS = 600


def run_cli(env, *args, check=True, stdin=None):
    """Run the installed `brugerstemmen` console script, as an operator would."""
    result = subprocess.run([str(BIN / "brugerstemmen"), *args], env=env, input=stdin,
                            capture_output=True, text=True, timeout=HANG_SECONDS)
    if check and result.returncode != 0:
        raise AssertionError(f"brugerstemmen {' '.join(args)} failed:\n{result.stderr}")
    return result


def run_cli_here(env, *args, check=True, stdin=None):
    """The same command run in this process (click's runner), for a test about what a command makes
    or does (a centre, a pairing link, a purge), not about the console script (test_cli,
    test_backup and test_hub_report start that): a start of Python costs half a second of CPU, and
    the suite would make some 200. Same settings, umask, output and exit code (test_suite)."""
    from click.testing import CliRunner

    from app.cli import cli

    settings = {name: value for name, value in env.items() if name.startswith("BRUGERSTEMMEN_")}
    settings |= {name: None for name in os.environ if name.startswith("BRUGERSTEMMEN_") and name not in settings}
    umask = os.umask(0o077)
    try:
        result = CliRunner(env=settings).invoke(cli, list(args), input=stdin, prog_name="brugerstemmen")
    finally:
        os.umask(umask)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))  # as the script would print it
    if check and result.exit_code != 0:
        raise AssertionError(f"brugerstemmen {' '.join(args)} failed:\n{stderr}")
    return subprocess.CompletedProcess(["brugerstemmen", *args], result.exit_code, result.stdout, stderr)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`brugerstemmen serve` on a free port with its own data folder; `settings` become
    BRUGERSTEMMEN_* variables (ROLE="hub", CLOCK=...). `probe` is a page that answers 200."""

    def __init__(self, root, probe="/", **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.probe = probe
        self.data_dir = root / "data"
        self.log_path = root / "server.log"
        self.env = {**os.environ, "BRUGERSTEMMEN_DATA_DIR": str(self.data_dir),
                    "BRUGERSTEMMEN_BASE_URL": self.url, "BRUGERSTEMMEN_KIOSK_RETURN_SECONDS": "2",
                    "BRUGERSTEMMEN_KIOSK_GAP_SECONDS": "3",
                    # Each start makes a fresh folder for its counters in here (not in /dev/shm).
                    "BRUGERSTEMMEN_RUNTIME_DIR": str(root / "run"),
                    **{f"BRUGERSTEMMEN_{name}": str(value) for name, value in NO_STUFFING_LIMITS.items()},
                    **{f"BRUGERSTEMMEN_{name}": str(value) for name, value in settings.items()}}
        self.process = None

    WORKERS = 3

    def start(self):
        """Returns once the page answers and every worker has booted: a worker still booting
        would write its line into what a test reads of the log afterwards."""
        with open(self.log_path, "ab") as log:  # the server keeps its own copy of the handle
            started_at = log.tell()
            self.process = subprocess.Popen(
                [str(BIN / "brugerstemmen"), "serve", "--port", str(self.port), "--workers", str(self.WORKERS)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + HANG_SECONDS / 5
        answered = False
        while time.monotonic() < deadline:
            try:
                if not answered:
                    urllib.request.urlopen(self.url + self.probe, timeout=1).close()
                    answered = True
                if self.log_path.read_bytes()[started_at:].count(b"Booting worker") >= self.WORKERS:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise AssertionError(f"server exited:\n{self.log_path.read_text()}") from None
            time.sleep(0.05 if answered else 0.1)
        raise AssertionError(f"server did not start within {HANG_SECONDS / 5:.0f} s")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=HANG_SECONDS / 5)

    def processes(self):
        """The server's master and workers: its process group."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == self.process.pid:  # the group id: the master started it
                found.append(int(stat.parent.name))
        return found

    def crash(self):
        """kill -9, master and workers at once, as a power cut would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=15)

    def limit_file_size(self, size=resource.RLIM_INFINITY):
        """Every write past `size` bytes of any file fails, as on a full disk (Python ignores
        SIGXFSZ, so the write fails rather than killing the process); no size: no limit."""
        for pid in self.processes():
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))  # soft: liftable

    def cli(self, *args, **kwargs):
        return run_cli_here(self.env, *args, **kwargs)

    def add_centre(self, name):
        return json.loads(self.cli("centre", "add", name, "--json").stdout)

    def database(self):
        return db.connect(db.path_in(self.data_dir))

    def log(self):
        return self.log_path.read_text(errors="replace")


class Respondent:
    """One person's browser, as seen by the server: its own cookies, its own headers."""

    def __init__(self, headers=None):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.opener.addheaders = list((headers or {}).items())

    def answer(self, survey_url, answers):
        with self.opener.open(survey_url, timeout=30) as response:
            form = response.read().decode()
        self.answer_token = answer_token(form)
        body = urllib.parse.urlencode({**answers, "answer_token": self.answer_token}, doseq=True).encode()
        with self.opener.open(survey_url, data=body, timeout=30) as response:
            return response.status, response.url, response.read().decode()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live")).start()
    yield server
    server.stop()


# --- the browser ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian chromium is not installed: `make test` installs it")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    """A small, cheap phone's screen."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    yield context.new_page()
    context.close()
