"""Copies of the database: taken while the server runs, and put back.

A backup leaves out every week that has not closed yet. Two nightly copies side by side would
otherwise show which answers came on which day, a finer time than the week a response keeps.
"""

import os
import sqlite3
from pathlib import Path

from .core import connect, write_transaction
from .schema import migrations

# Rows that belong to a week, and so to the day they came, while that week is open.
_BY_WEEK = ("answers", "responses", "messages", "kiosk_receipts")


class NotABackup(Exception):
    """The file is not a sound Brugerstemmen database."""


def write_backup(source_path, target_path, first_open_week):
    """Copy the live database to target_path (a new file, readable by its owner only), without
    the weeks from first_open_week on; consistent even while answers are being written."""
    target_path = Path(target_path)
    staging = target_path.with_name(target_path.name + ".partial")
    final = target_path.with_name(target_path.name + ".tmp")
    # Whatever an interrupted run left (a power cut, a full disk) holds open weeks: it goes first.
    for pattern in ("*.sqlite3*.partial*", "*.sqlite3*.tmp"):
        for leftover in target_path.parent.glob(pattern):
            leftover.unlink(missing_ok=True)
    try:
        source = sqlite3.connect(source_path)
        copy = sqlite3.connect(staging)
        try:
            source.backup(copy)  # SQLite's online backup: one consistent snapshot
        finally:
            source.close()
            copy.close()
        database = connect(staging)
        try:
            with write_transaction(database):
                database.execute("""DELETE FROM answers WHERE response_id IN
                                    (SELECT id FROM responses WHERE iso_week >= ?)""", [first_open_week])
                for table in _BY_WEEK[1:]:
                    # Not an injection: table names from _BY_WEEK, a constant.
                    database.execute(f"DELETE FROM {table} WHERE iso_week >= ?", [first_open_week])  # nosec B608
            database.execute("PRAGMA journal_mode = DELETE")
            # A fresh, compact file: the deleted rows' bytes are not carried over in free pages.
            database.execute("VACUUM INTO ?", [str(final)])
        finally:
            database.close()
        os.chmod(final, 0o600)
        check(final)
        os.replace(final, target_path)
    finally:
        for leftover in (staging, final, staging.with_name(staging.name + "-wal"),
                         staging.with_name(staging.name + "-shm"), staging.with_name(staging.name + "-journal")):
            leftover.unlink(missing_ok=True)
    return target_path


def check(path):
    """Raise NotABackup unless path is an intact Brugerstemmen database; returns its migrations."""
    if not Path(path).is_file():
        raise NotABackup(f"{path} is not a file")
    try:
        database = sqlite3.connect(_read_only(path), uri=True)
        try:
            result = [row[0] for row in database.execute("PRAGMA integrity_check")]
            if result != ["ok"]:
                problems = [line for row in result for line in row.splitlines() if not line.startswith("***")]
                raise NotABackup(f"{path} is damaged ({len(problems)} problems, the first: {problems[0]}); "
                                 "use an older copy")
            applied = [row[0] for row in database.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", [migrations.name])]
        finally:
            database.close()
    except sqlite3.DatabaseError as error:  # not a database, or no migrations table in it
        raise NotABackup(f"{path} is not a Brugerstemmen database ({error})") from None
    if not applied:
        raise NotABackup(f"{path} is an SQLite file but not a Brugerstemmen database")
    return applied


def restore_backup(backup_path, live_path):
    """Put a checked backup in place of the live database (the caller has made sure it may)."""
    source = sqlite3.connect(_read_only(backup_path), uri=True)
    target = connect(live_path)
    try:
        source.backup(target.conn)  # page by page, through SQLite's locks: never a half file
    finally:
        source.close()
        target.close()


def _read_only(path):
    return Path(path).resolve().as_uri() + "?mode=ro"
