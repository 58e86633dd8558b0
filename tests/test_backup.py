"""`brugerstemmen backup` and `restore`, run as an operator runs them, on real database files."""

import datetime
import os
import sqlite3
import threading
import time

import pytest

from app import db

from .conftest import LiveServer, Respondent, run_cli

CLOCK = "2026-11-25T12:00:00"  # Wednesday of 2026-W48: weeks up to W47 have closed
OPEN_WEEK_MESSAGE = "Kaffen i denne uge var god"


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "BRUGERSTEMMEN_DATA_DIR": str(tmp_path / "data"), "BRUGERSTEMMEN_CLOCK": CLOCK}


def counts_by_week(path):
    connection = sqlite3.connect(path)
    try:
        return dict(connection.execute("SELECT iso_week, count(*) FROM responses GROUP BY iso_week"))
    finally:
        connection.close()


def answer_this_week(env, message=OPEN_WEEK_MESSAGE):
    """As the survey stores an answer: into its open week (app/db/open_weeks.py)."""
    database = db.connect(db.path_in(env["BRUGERSTEMMEN_DATA_DIR"]))
    try:
        centre = db.centre_by_slug(database, "demo")
        db.store_answer(database, datetime.datetime.fromisoformat(CLOCK), centre_id=centre["id"], iso_week="2026-W48",
                        question_set=1, answers=[("importance", "9")],
                        message=message, receipt="r" * 24)
        return db.open_week_counts(database, centre["id"])
    finally:
        database.close()


def test_a_backup_round_trips_every_closed_week_and_leaves_the_open_one_out(env, tmp_path):
    run_cli(env, "demo")
    assert answer_this_week(env)["2026-W48"] >= 2  # the demo's few and this one, kept apart
    live = db.path_in(env["BRUGERSTEMMEN_DATA_DIR"])
    before = counts_by_week(live)
    assert "2026-W48" not in before and sum(before.values()) > 100

    result = run_cli(env, "backup", str(tmp_path / "backups"))
    copy = tmp_path / "backups" / "brugerstemmen-2026-11-25.sqlite3"
    assert str(copy) in result.stdout and "2026-W48" in result.stdout
    assert oct(copy.stat().st_mode & 0o777) == "0o600"
    closed = before
    assert counts_by_week(copy) == closed
    # Not in the rows, and not in the file's bytes either: copies side by side show no day.
    raw = copy.read_bytes()
    assert OPEN_WEEK_MESSAGE.encode() not in raw and b"2026-W48" not in raw
    assert not list((tmp_path / "backups").glob("*.partial")) and not list((tmp_path / "backups").glob("*.tmp"))

    # Onto a new machine: an empty data folder, the copy restored, everything closed is back.
    elsewhere = {**env, "BRUGERSTEMMEN_DATA_DIR": str(tmp_path / "new-box")}
    restored = run_cli(elsewhere, "restore", str(copy))
    assert "Restored" in restored.stdout
    new_live = db.path_in(elsewhere["BRUGERSTEMMEN_DATA_DIR"])
    assert counts_by_week(new_live) == closed
    summary = run_cli(elsewhere, "summary", "--centre", "demo", "--week", "2026-W47", "--format", "csv",
                      "--output", str(tmp_path / "after.csv"))
    original = run_cli(env, "summary", "--centre", "demo", "--week", "2026-W47", "--format", "csv",
                       "--output", str(tmp_path / "before.csv"))
    assert summary.returncode == original.returncode == 0
    assert (tmp_path / "after.csv").read_bytes() == (tmp_path / "before.csv").read_bytes()


def centre_slugs(path):
    connection = sqlite3.connect(path)
    try:
        return {row[0] for row in connection.execute("SELECT slug FROM centres")}
    finally:
        connection.close()


def test_restore_never_overwrites_a_database_by_accident(env, tmp_path):
    run_cli(env, "demo")
    run_cli(env, "backup", str(tmp_path / "backups"))
    copy = next((tmp_path / "backups").glob("*.sqlite3"))
    run_cli(env, "centre", "add", "Café Efter Kopien")
    open_before = answer_this_week(env)
    refused = run_cli(env, "restore", str(copy), check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip().count("\n") == 0 and "--force" in refused.stderr
    assert "cafe-efter-kopien" in centre_slugs(db.path_in(env["BRUGERSTEMMEN_DATA_DIR"]))  # untouched
    forced = run_cli(env, "restore", str(copy), "--force")
    kept = tmp_path / "data" / "brugerstemmen.sqlite3.before-restore-2026-11-25"
    assert str(kept) in forced.stdout
    assert "cafe-efter-kopien" not in centre_slugs(db.path_in(env["BRUGERSTEMMEN_DATA_DIR"]))
    assert "cafe-efter-kopien" in centre_slugs(kept)  # what it replaced, whole, beside it
    # The week still open was never in a copy; it stays where it is, and counts on.
    database = db.connect(db.path_in(env["BRUGERSTEMMEN_DATA_DIR"]))
    try:
        assert db.open_week_counts(database, db.centre_by_slug(database, "demo")["id"]) == open_before
    finally:
        database.close()


def test_restore_refuses_what_is_not_a_sound_backup(env, tmp_path):
    run_cli(env, "demo")
    run_cli(env, "backup", str(tmp_path / "backups"))
    copy = next((tmp_path / "backups").glob("*.sqlite3"))
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(copy.read_bytes())
    data[5000:9000] = os.urandom(4000)  # a bad sector in the middle of the tables
    damaged.write_bytes(bytes(data))
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    newer = tmp_path / "newer.sqlite3"
    newer.write_bytes(copy.read_bytes())
    connection = sqlite3.connect(newer)
    connection.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                       "VALUES ('brugerstemmen', 'm999_future', '')")
    connection.commit()
    connection.close()
    fresh = {**env, "BRUGERSTEMMEN_DATA_DIR": str(tmp_path / "fresh")}
    for path, says in [(damaged, "damaged"), (other, "not a Brugerstemmen database"),
                       (tmp_path / "missing.sqlite3", "is not a file"), (newer, "newer Brugerstemmen")]:
        result = run_cli(fresh, "restore", str(path), check=False)
        assert result.returncode == 1, path
        assert says in result.stderr and result.stderr.strip().count("\n") == 0, result.stderr
        assert not db.path_in(fresh["BRUGERSTEMMEN_DATA_DIR"]).exists()


def test_old_copies_are_rotated_away(env, tmp_path):
    run_cli(env, "demo")
    backups = tmp_path / "backups"
    backups.mkdir()
    for day in ("2026-11-20", "2026-11-21", "2026-11-22"):
        (backups / f"brugerstemmen-{day}.sqlite3").write_bytes(b"an older copy")
    (backups / "notes.txt").write_text("not ours: left alone")
    result = run_cli(env, "backup", str(backups), "--keep", "2")
    assert "deleted 2 older copies" in result.stdout
    assert sorted(p.name for p in backups.iterdir()) == [
        "brugerstemmen-2026-11-22.sqlite3", "brugerstemmen-2026-11-25.sqlite3", "notes.txt"]


def test_backup_without_a_database_says_so(env, tmp_path):
    result = run_cli(env, "backup", str(tmp_path / "backups"), check=False)
    assert result.returncode == 1 and "no database" in result.stderr


def wait_for_open_answers(server, centre, at_least):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        database = server.database()
        try:
            if sum(db.open_week_counts(database, db.centre_by_slug(database, centre["slug"])["id"]).values()) >= at_least:
                return
        finally:
            database.close()
        time.sleep(0.05)
    raise AssertionError("no answers arrived")


def test_a_backup_taken_while_answers_pour_in_is_consistent(tmp_path):
    """The online backup is one snapshot: intact, and every response in it has its answers."""
    server = LiveServer(tmp_path, CLOCK="2026-11-30T02:00:00").start()  # W48 has just closed
    try:
        centre = server.add_centre("Café Travl")
        stop = threading.Event()

        failures = []

        def answer():
            person = Respondent()
            while not stop.is_set():
                try:
                    person.answer(centre["survey_url"], {"importance": "7", "reasons": ["meal", "meet_people"]})
                except OSError as error:
                    failures.append(f"{error}\n{server.log()[-3000:]}")
                    return

        threads = [threading.Thread(target=answer) for _ in range(3)]
        for thread in threads:
            thread.start()
        try:
            copies = []
            for n in range(3):
                wait_for_open_answers(server, centre, at_least=5)
                # As if W49 had closed too: the backup moves the week into the history while
                # answers keep coming into it.
                env = {**server.env, "BRUGERSTEMMEN_CLOCK": "2026-12-08T02:00:00"}
                run_cli(env, "backup", str(tmp_path / f"backups{n}"))
                copies.append(next((tmp_path / f"backups{n}").glob("*.sqlite3")))
        finally:
            stop.set()
            for thread in threads:
                thread.join()
        assert not failures, failures[0]
        for copy in copies:
            connection = sqlite3.connect(copy)
            try:
                assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
                per_response = connection.execute(
                    "SELECT count(*) FROM answers GROUP BY response_id").fetchall()
                assert per_response and {n for (n,) in per_response} == {3}  # whole answers only
            finally:
                connection.close()
    finally:
        server.stop()


def test_what_an_interrupted_backup_left_is_swept_away(env, tmp_path):
    run_cli(env, "demo")
    backups = tmp_path / "backups"
    backups.mkdir()
    # A power cut in the middle of last night's copy left its staging file: a whole database.
    (backups / "brugerstemmen-2026-11-24.sqlite3.partial").write_bytes(b"the open week, and every message")
    (backups / "brugerstemmen-2026-11-24.sqlite3.partial-wal").write_bytes(b"more of it")
    (backups / "brugerstemmen-2026-11-24.sqlite3.tmp").write_bytes(b"and this")
    run_cli(env, "backup", str(backups))
    assert sorted(p.name for p in backups.iterdir()) == ["brugerstemmen-2026-11-25.sqlite3"]


def test_two_restores_on_one_day_keep_both_replaced_databases(env, tmp_path):
    run_cli(env, "demo")
    run_cli(env, "backup", str(tmp_path / "backups"))
    copy = next((tmp_path / "backups").glob("*.sqlite3"))
    first = run_cli(env, "restore", str(copy), "--force").stdout
    second = run_cli(env, "restore", str(copy), "--force").stdout
    assert "before-restore-2026-11-25 " in first.replace(":", " ") and "before-restore-2026-11-25-2" in second
    assert "delete it once you are sure" in second


def test_no_time_of_an_answer_is_written_into_a_file_or_its_dates(tmp_path):
    path = tmp_path / "brugerstemmen.sqlite3"
    database = db.connect(path)
    db.migrate(database)
    centre = db.create_centre(database, "Café Tid", "tid")
    now = datetime.datetime(2026, 11, 25, 14, 32, 5)
    db.store_answer(database, now, centre_id=centre["id"], iso_week="2026-W48", question_set=1, answers=[("importance", "9")],
                    message="Godt sted")
    database.close()
    monday = datetime.datetime(2026, 11, 23).timestamp()
    for kept in (tmp_path / "open").glob("2026-W48.*"):
        # cp -a, rsync and tar carry a file's modification time: it says Monday, not 14:32.
        assert kept.stat().st_mtime == monday and oct(kept.stat().st_mode & 0o777) == "0o600"
        for stamp in (now.timestamp(), now.isoformat(), now.strftime("%H:%M")):
            assert str(int(stamp) if isinstance(stamp, float) else stamp).encode() not in kept.read_bytes()
