"""`brugerstemmen hub report`: its contract with the scripts LVS runs it from.

A period the hub can report goes to standard output (or --output) with exit 0 and nothing on
standard error; anything else exits 1 with one plain line on standard error and nothing on
standard output, so a script never mistakes an error for a report.
"""

import csv
import io
import json
import os

import pytest

from .conftest import run_cli
from .test_hub import HUB_CLOCK, fill_week, hub, hub_app, hub_db, register  # noqa: F401  (fixtures)


@pytest.fixture
def reported(hub_app, hub, register):  # noqa: F811  (the fixtures imported above)
    fill_week(hub, register)  # five centres report 2026-W47
    return {**os.environ, "BRUGERSTEMMEN_DATA_DIR": hub_app.config["DATA_DIR"], "BRUGERSTEMMEN_ROLE": "hub",
            "BRUGERSTEMMEN_CLOCK": HUB_CLOCK}


def test_a_reported_closed_period_goes_to_standard_output_and_exits_0(reported):
    result = run_cli(reported, "hub", "report", "--period", "2026-W47")
    assert result.returncode == 0 and result.stderr == ""
    rows = list(csv.reader(io.StringIO(result.stdout), delimiter=";"))
    assert rows[0] == ["Periode", "uge 47 · 2026"] and "Svarmulighed" in rows[3]
    assert rows[1][0] == "Bemærk" and "ændret med højst 2" in rows[1][1]  # how the figures are protected
    assert next(r for r in rows if len(r) > 4 and r[4] == "9")[5] == "35"
    english = run_cli(reported, "hub", "report", "--period", "2026-W47", "--language", "en")
    assert "Answer option" in english.stdout and "changed by at most 2" in english.stdout
    as_json = json.loads(run_cli(reported, "hub", "report", "--period", "2026-W47", "--format", "json").stdout)
    assert as_json["period"] == "2026-W47" and as_json["groups"][""]["centres"] == 5


def test_output_goes_to_the_file_named_and_says_so(reported, tmp_path):
    target = tmp_path / "lvs.csv"
    result = run_cli(reported, "hub", "report", "--period", "2026-W47", "--output", str(target))
    assert result.returncode == 0 and result.stdout == f"Wrote {target}\n" and result.stderr == ""
    assert target.read_bytes().startswith("\ufeff".encode())  # Danish Excel opens it as columns


@pytest.mark.parametrize("period, file_format, says", [
    ("2026-W49", "csv", "2026-W49 is not over yet: it ends on Sunday 2026-12-06 and the centres report it after that; "
                        "the newest week that is over is 2026-W48"),
    ("2026-W49", "json", "2026-W49 is not over yet"),
    ("2026-Q4", "xlsx", "2026-Q4 is not over yet: it ends on Sunday 2027-01-03 and the centres report it after that; "
                        "the newest quarter that is over is 2026-Q3"),
    ("2026", "csv", "the newest year that is over is 2025"),
    ("2026-B12", "csv", "the newest four-week block that is over is 2026-B11"),
    ("2026-W54", "csv", "'2026-W54' is not a period of the grid"),
    ("last week", "json", "is not a period of the grid"),
    ("2026-W30", "csv", "no centre has reported 2026-W30"),
])
def test_an_open_unknown_or_unreported_period_exits_1_with_one_plain_line(reported, period, file_format, says):
    result = run_cli(reported, "hub", "report", "--period", period, "--format", file_format, check=False)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("Error: ") and len(result.stderr.strip().splitlines()) == 1
    assert says in result.stderr
