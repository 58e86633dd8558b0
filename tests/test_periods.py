"""The fixed grid: weeks nest in blocks, blocks in quarters, quarters in the year."""

import datetime
import re
from pathlib import Path

import pytest

from app import clock, periods
from app.periods import Period, parse

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


# --- the period picker: every closed period within two clicks, no open one offered ----------------

def picker_links(picker):
    """Every period the picker's page links to."""
    linked = {picker.previous, picker.next, *(target for _level, target in picker.levels),
              *(target for _year, target in picker.years)}
    choices = [picker.year] + [c for quarter, blocks in picker.quarters
                               for c in [quarter] + [b for block, weeks in blocks for b in [block] + weeks]]
    linked |= {c.period for c in choices if c.closed and not c.current}
    return linked - {None}


@pytest.mark.parametrize("now", ["2025-03-20T12:00", "2026-12-31T12:00", "2027-01-04T00:30", "2027-01-04T01:30",
                                 "2026-06-29T00:59"])
def test_every_closed_period_is_two_clicks_from_any_summary_and_no_open_one_is_offered(now):
    from app import period_picker

    now = datetime.datetime.fromisoformat(now)
    first_year = now.year - 2
    closed = {p for year in range(first_year, now.year + 1) for p in periods.Period(year, "year", 0).subtree()
              if periods.is_closed(p, now)}
    pickers = {}

    def links(period):
        if period not in pickers:
            pickers[period] = picker_links(period_picker.build(period, now, first_year, url=str))
        return pickers[period]

    for start in closed:
        one = links(start)
        assert all(periods.is_closed(p, now) for p in one), start
        assert all(p.year >= first_year for p in one), start
        two = one.union(*(links(p) for p in one))
        assert closed <= two | {start}, (start, sorted(closed - two - {start})[:5])


def test_the_picker_goes_finer_to_the_latest_part_and_coarser_to_the_newest_closed_whole():
    from app import period_picker

    now = datetime.datetime(2026, 12, 2, 12)  # 2026-W49: W48 closed, B12, Q4 and 2026 open
    picker = period_picker.build(periods.parse("2026-W47"), now, 2025, url=str)
    assert {level: t.key for level, t in picker.levels} == {"week": "2026-W47", "block": "2026-B11",
                                                           "quarter": "2026-Q3", "year": "2025"}
    quarter = period_picker.build(periods.parse("2026-Q3"), now, 2025, url=str)
    assert {level: t.key for level, t in quarter.levels} == {"week": "2026-W39", "block": "2026-B09",
                                                            "quarter": "2026-Q3", "year": "2025"}
    assert quarter.previous.key == "2026-Q2" and quarter.next is None  # Q4 has not closed
    first = period_picker.build(periods.parse("2026-W01"), now, 2026, url=str)
    assert first.previous is None and dict(first.levels)["year"] is None  # nothing before the first year
