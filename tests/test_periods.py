"""The fixed grid: weeks nest in blocks, blocks in quarters, quarters in the year."""

import datetime
import re
from pathlib import Path

import pytest

from app import clock, periods
from app.periods import Period, parse

pytestmark = pytest.mark.calendar
APP = Path(__file__).parent.parent / "app"


@pytest.mark.parametrize("year", [2020, 2024, 2026, 2027])  # 2020 and 2026 have 53 weeks
def test_the_grid_partitions_every_year_and_nests(year):
    year_period = Period(year, "year", 0)
    weeks = year_period.weeks
    assert weeks == list(range(1, periods.weeks_in_year(year) + 1))
    assert [w for q in year_period.children() for w in q.weeks] == weeks
    assert [w for q in year_period.children() for b in q.children() for w in b.weeks] == weeks
    for quarter in year_period.children():
        assert quarter.parent() == year_period
        for block in quarter.children():
            assert block.parent() == quarter
            assert 4 <= len(block.weeks) <= 6
            for week in block.children():
                assert week.parent() == block and week.parent().parent() == quarter


def test_53_week_years_put_the_extra_week_in_the_last_block():
    assert periods.weeks_in_year(2026) == 53
    assert parse("2026-B12").weeks == [48, 49, 50, 51, 52, 53]
    assert parse("2026-W53").parent() == parse("2026-B12")
    with pytest.raises(ValueError):
        parse("2027-W53")


@pytest.mark.parametrize("key", ["2026-W01", "2026-W48", "2026-B01", "2026-B12", "2026-Q4", "2026"])
def test_keys_round_trip(key):
    assert parse(key).key == key
    assert parse(key.lower()).key == key


@pytest.mark.parametrize("bad", ["2026-W00", "2026-W54", "2026-B13", "2026-Q5", "26-W01", "2026-11-23", ""])
def test_anything_off_the_grid_is_refused(bad):
    with pytest.raises(ValueError, match="not a period of the grid"):
        parse(bad)


def test_stepping_crosses_years():
    assert parse("2026-W53").next() == parse("2027-W01")
    assert parse("2027-W01").previous() == parse("2026-W53")
    assert parse("2026-Q1").previous() == parse("2025-Q4")
    assert parse("2026-B12").next() == parse("2027-B01")
    assert parse("2026").next() == parse("2027")


def test_days_and_the_last_closed_week():
    week = parse("2026-W48")
    assert week.first_day == datetime.date(2026, 11, 23) and week.last_day == datetime.date(2026, 11, 29)
    assert periods.last_closed_week(datetime.datetime(2026, 11, 25, 12)) == parse("2026-W47")
    # A week closes an hour after Sunday midnight, so an answer sent at midnight is still in it.
    assert periods.last_closed_week(datetime.datetime(2026, 11, 30, 0, 30)) == parse("2026-W47")
    assert periods.last_closed_week(datetime.datetime(2026, 11, 30, 1, 0)) == parse("2026-W48")
    assert periods.last_closed_week(datetime.datetime(2027, 1, 4, 9)) == parse("2026-W53")
    assert periods.week_of(datetime.date(2027, 1, 1)) == parse("2026-W53")


def test_the_calendar_is_read_only_inside_the_app():
    with pytest.raises(RuntimeError, match="inside the app"):
        clock.now()


def test_only_the_clock_reads_the_date():
    """Every other module asks app/clock.py, or is handed the time; real Unix time (time.time)
    stays allowed for security: signatures, throttling and token expiry."""
    reads = re.compile(r"\b(date\.today|datetime\.now|datetime\.utcnow|datetime\.today)\(")
    found = [f"{path.relative_to(APP.parent)}:{number}" for path in sorted(APP.rglob("*.py")) if path.name != "clock.py"
             for number, line in enumerate(path.read_text().splitlines(), 1) if reads.search(line)]
    assert found == []
