"""Short-lived counters against stuffing, in their own small SQLite file on a tmpfs.

Never in the database file: "this kiosk may answer again after 14:32:25" or "12 answers in
this minute" would time an answer to the second. Here they sit in memory that vanishes: the
file lives in a folder `brugerstemmen serve` makes afresh on every start (app/server.py), mode
0600, never backed up, and each row is deleted as soon as it stops mattering. Every gunicorn
worker opens the same file, so a limit is the same whichever worker answers.

A row is a name, a count and when it may be forgotten; no row names a person or an answer.
"""

import contextlib
import os
import sqlite3
from pathlib import Path

from .core import StorageError

FILENAME = "counters.sqlite3"
BUSY_TIMEOUT_MS = 2000


def open_counters(folder):
    """The counters file in `folder` (made private to this user), ready to use."""
    folder = Path(folder)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / FILENAME
        # Created 0600 before SQLite opens it; SQLite gives its journal the same mode. Only when
        # it is not there yet: closing any descriptor of a database file drops every POSIX lock
        # this process holds on it, a lingering connection's too, and then another process may
        # reset the WAL under it and lose counts (sqlite.org/howtocorrupt.html, 2.2).
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = OFF")  # a power cut may take it all: that is the point
        conn.execute("""CREATE TABLE IF NOT EXISTS counters (
                            name TEXT PRIMARY KEY,
                            count INTEGER NOT NULL,
                            forget_at INTEGER NOT NULL
                        ) WITHOUT ROWID""")
    except (OSError, sqlite3.Error) as error:
        raise StorageError(f"the counters in {folder} cannot be used: {error}") from error
    return conn


def _transaction(conn, work):
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work()
            conn.execute("COMMIT")
            return result
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    except sqlite3.Error as error:
        raise StorageError(f"the counters are busy: {error}") from error


def _forget_expired(conn, now):
    conn.execute("DELETE FROM counters WHERE forget_at <= ?", [int(now)])


def _count(conn, name):
    row = conn.execute("SELECT count FROM counters WHERE name = ?", [name]).fetchone()
    return row[0] if row else 0


def take_one_per_window(conn, prefix, window, now):
    """Count one under `prefix` unless one was counted in this window or the one before.

    Windows lie on a fixed grid of `window` seconds, so what is kept says only in which window
    something was counted, never its second; and since the window before must be empty too,
    any `window` seconds hold at most one. Returns the name counted, or None when refused.
    """
    index = int(now // window)
    current, previous = f"{prefix}:{index}", f"{prefix}:{index - 1}"

    def work():
        _forget_expired(conn, now)
        if _count(conn, current) or _count(conn, previous):
            return None
        conn.execute("INSERT INTO counters (name, count, forget_at) VALUES (?, 1, ?)", [current, (index + 2) * window])
        return current
    return _transaction(conn, work)


def take_within_rate(conn, prefix, limit, window, now):
    """Count one more under `prefix` unless `limit` per `window` seconds is reached.

    Two fixed windows, the previous one weighted by how much of it still overlaps the last
    `window` seconds: a burst at a window's edge cannot pass twice the limit, and only two
    counters per prefix are ever kept. Returns the name counted, or None when refused.
    """
    index = int(now // window)
    current, previous = f"{prefix}:{index}", f"{prefix}:{index - 1}"
    overlap = 1 - (now % window) / window

    def work():
        _forget_expired(conn, now)
        if _count(conn, previous) * overlap + _count(conn, current) + 1 > limit:
            return None
        conn.execute("""INSERT INTO counters (name, count, forget_at) VALUES (?, 1, ?)
                        ON CONFLICT (name) DO UPDATE SET count = count + 1""", [current, (index + 2) * window])
        return current
    return _transaction(conn, work)


def give_back(conn, name):
    """Undo one count of `name` (an answer that was not stored after all)."""
    def work():
        conn.execute("UPDATE counters SET count = count - 1 WHERE name = ?", [name])
        conn.execute("DELETE FROM counters WHERE name = ? AND count <= 0", [name])
    _transaction(conn, work)


def add(conn, name, forget_at, now):
    """Count one more under `name`, kept until `forget_at` (set when the count starts)."""
    def work():
        _forget_expired(conn, now)
        conn.execute("""INSERT INTO counters (name, count, forget_at) VALUES (?, 1, ?)
                        ON CONFLICT (name) DO UPDATE SET count = count + 1""", [name, int(forget_at)])
    _transaction(conn, work)


def take_all(conn, prefix, now, peek=False):
    """{name less prefix: count} of every counter under `prefix`, deleted unless `peek`."""
    def work():
        _forget_expired(conn, now)
        found = {name[len(prefix):]: number for name, number in conn.execute(
            "SELECT name, count FROM counters WHERE substr(name, 1, ?) = ?", [len(prefix), prefix])}
        if not peek:
            conn.execute("DELETE FROM counters WHERE substr(name, 1, ?) = ?", [len(prefix), prefix])
        return found
    return _transaction(conn, work)


def count(conn, name, now):
    row = conn.execute("SELECT count FROM counters WHERE name = ? AND forget_at > ?", [name, int(now)]).fetchone()
    return row[0] if row else 0


def all_counters(conn):
    """Every row, for tests that check what is kept."""
    return [tuple(row) for row in conn.execute("SELECT name, count, forget_at FROM counters ORDER BY name")]
