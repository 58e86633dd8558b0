"""The fixed grid: weeks nest in blocks, blocks in quarters, quarters in the year."""

import datetime

import pytest

from app import periods
from app.periods import Period, parse


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


def test_days_and_the_last_full_week():
    week = parse("2026-W48")
    assert week.first_day == datetime.date(2026, 11, 23) and week.last_day == datetime.date(2026, 11, 29)
    assert periods.last_full_week(datetime.date(2026, 11, 23)) == parse("2026-W47")
    assert periods.week_of(datetime.date(2027, 1, 1)) == parse("2026-W53")
