"""Failed staff logins and kiosk PIN tries, in a file of their own beside the database.

Apart on purpose: a client is kept only as a keyed hash of its address, and even that never
sits in the file that holds the answers, its backups or its WAL. A row goes as soon as it
stops mattering (`forget`), and the whole file could be deleted at any time without harm.
"""

import sqlite3
from pathlib import Path

from flask import current_app, g

from .core import StorageError, connect, write_transaction

THROTTLE_FILENAME = "throttle.sqlite3"


def throttle_path(data_dir):
    return Path(data_dir) / THROTTLE_FILENAME


def open_throttle(path):
    database = connect(path)
    database.execute("""CREATE TABLE IF NOT EXISTS login_throttle (
                            key TEXT PRIMARY KEY,
                            failures INTEGER NOT NULL,
                            last_failure INTEGER NOT NULL,
                            locked_until INTEGER NOT NULL
                        ) WITHOUT ROWID""")
    return database


def get_throttle_db():
    """The request's connection to the throttle file, opened on first use."""
    if "throttle_db" not in g:
        try:
            g.throttle_db = open_throttle(throttle_path(current_app.config["DATA_DIR"]))
        except sqlite3.Error as error:  # a full disk can refuse even the opening
            raise StorageError(str(error)) from error
    return g.throttle_db


def close_throttle_db(_exc=None):
    database = g.pop("throttle_db", None)
    if database is not None:
        database.close()


def throttle_locked_until(db, keys):
    """The latest time any of these keys is locked until (0 when none is)."""
    marks = ",".join("?" * len(keys))
    # Not an injection: only ? placeholders are joined in.
    row = db.execute(f"SELECT max(locked_until) FROM login_throttle WHERE key IN ({marks})", list(keys)).fetchone()  # nosec B608
    return row[0] or 0


def record_login_failure(db, key, now, lock_for):
    """Count one more failure for key; lock_for(failures) says for how many seconds to lock."""
    with write_transaction(db):
        return _count_failure(db, key, now, lock_for, +1)


def claim_attempt(db, watched, counted, now):
    """Check and count in one step, so that attempts sent at once (by any number of workers)
    cannot all pass the check before any is counted: None, and one failure counted against each
    of `counted` [(key, lock_for)], when none of `watched` is locked; else the time the lock ends.
    A right password then takes its count back (give_back_failure) or forgets it."""
    with write_transaction(db):
        marks = ",".join("?" * len(watched))
        # Not an injection: only ? placeholders are joined in.
        row = db.execute(f"SELECT max(locked_until) FROM login_throttle WHERE key IN ({marks})",  # nosec B608
                         list(watched)).fetchone()
        if (row[0] or 0) > now:
            return row[0]
        for key, lock_for in counted:
            _count_failure(db, key, now, lock_for, +1)
    return None


def give_back_failure(db, key, now, lock_for):
    """Undo the count claim_attempt made for an attempt that turned out right."""
    with write_transaction(db):
        _count_failure(db, key, now, lock_for, -1)


def _count_failure(db, key, now, lock_for, step):
    row = db.execute("SELECT failures, last_failure FROM login_throttle WHERE key = ?", [key]).fetchone()
    failures = max(0, (row[0] if row else 0) + step)
    last = now if step > 0 or row is None else row[1]
    db.execute("""INSERT INTO login_throttle (key, failures, last_failure, locked_until) VALUES (?, ?, ?, ?)
                  ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                  last_failure = excluded.last_failure, locked_until = excluded.locked_until""",
               [key, failures, last, now + lock_for(failures) if failures else 0])
    return failures


def forget_login_failures(db, keys=(), older_than=None):
    """Forget these keys, and every key whose last failure and lock are both older than `older_than`."""
    with write_transaction(db):
        for key in keys:
            db.execute("DELETE FROM login_throttle WHERE key = ?", [key])
        if older_than is not None:
            db.execute("DELETE FROM login_throttle WHERE last_failure < ? AND locked_until < ?",
                       [older_than, older_than])
