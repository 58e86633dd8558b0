"""What `make test` relies on to be quick and to pass on any day: the calendar tests run again
under other dates in the same run, every test has an id of its own, and a command run in the
test's process answers as the console script does."""

import datetime
import os
import json
from types import SimpleNamespace

import pytest

from . import conftest
from .conftest import CLOCK, run_cli, run_cli_here


@pytest.mark.parametrize("today, expected", [
    ("2026-12-07", ["2026-12-14T01:05", "2026-12-31T12:00", "2027-01-04T00:30", "2028-12-07T12:00"]),  # a Monday
    ("2027-01-03", ["2027-01-04T01:05", "2026-12-31T12:00", "2027-01-04T00:30", "2029-01-03T12:00"]),  # a Sunday
    ("2028-02-29", ["2028-03-06T01:05", "2026-12-31T12:00", "2027-01-04T00:30", "2030-02-28T12:00"]),
])
def test_the_calendar_tests_run_next_monday_at_the_turn_of_2027_and_two_years_on(today, expected):
    assert conftest.real_times(datetime.date.fromisoformat(today)) == expected


def test_every_calendar_test_runs_today_and_under_each_other_date(request):
    times = os.environ[conftest.REAL_TIMES].split()
    runs = {}
    for item in request.session.items:
        if item.get_closest_marker("calendar") and not item.get_closest_marker("browser"):
            params = dict(item.callspec.params)
            when = params.pop("real_time")
            runs.setdefault((item.path, item.originalname, repr(sorted(params.items()))), []).append(when)
    if not runs:
        pytest.skip("the calendar tests are not in this run: `make test` runs them all")
    assert all(sorted(found, key=str) == sorted([None, *times], key=str) for found in runs.values()), runs


def test_two_tests_with_one_id_stop_the_run_before_one_is_left_out():
    with pytest.raises(pytest.UsageError, match="tests/test_hub.py::test_x"):
        conftest.pytest_collection_modifyitems([SimpleNamespace(nodeid="tests/test_hub.py::test_x")] * 2
                                               + [SimpleNamespace(nodeid="tests/test_hub.py::test_y")])


def test_a_command_in_the_tests_process_answers_as_the_console_script_does(tmp_path):
    env = {**os.environ, "BRUGERSTEMMEN_DATA_DIR": str(tmp_path / "data"), "BRUGERSTEMMEN_CLOCK": CLOCK,
           "BRUGERSTEMMEN_BASE_URL": "http://brugerstemmen.test"}
    added = run_cli_here(env, "centre", "add", "Café Åben", "--json")
    assert json.loads(added.stdout)["slug"] == "cafe-aaben" and added.returncode == 0
    assert (tmp_path / "data").stat().st_mode & 0o077 == 0  # the script's umask
    for args in (["centre", "list", "--json"], ["centre", "pair-kiosk", "no-such-centre"], ["no-such-command"]):
        script, here = run_cli(env, *args, check=False), run_cli_here(env, *args, check=False)
        assert (here.returncode, here.stdout, here.stderr) == (script.returncode, script.stdout, script.stderr), args
    failed = run_cli_here(env, "centre", "pair-kiosk", "no-such-centre", check=False)
    assert failed.returncode == 1 and failed.stderr.startswith("Error: no centre with slug 'no-such-centre'")
