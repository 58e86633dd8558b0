"""Connections, transactions and one-time tokens: what every part of the data layer stands on."""

import contextlib
import hashlib
import secrets
import sqlite3
import threading
import time
import unicodedata
from pathlib import Path

import sqlite_utils
from flask import current_app, g

DB_FILENAME = "brugerstemmen.sqlite3"
BUSY_TIMEOUT_MS = 10_000


class StorageError(Exception):
    """The database could not take a write (disk full, locked too long, read-only...)."""


class CentreExists(Exception):
    pass


# --- connections ---------------------------------------------------------------------------

def connect(path, busy_timeout_ms=BUSY_TIMEOUT_MS):
    """Open the database with the settings every connection must have.

    isolation_level=None leaves transactions to us: writes use BEGIN IMMEDIATE (below), since
    in WAL mode a deferred read-then-write transaction gets SQLITE_BUSY without waiting.
    """
    conn = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_ms / 1000)
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA journal_mode = WAL")
    # FULL: an answer acknowledged by the thank-you page survives a power cut.
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten, not left readable
    return sqlite_utils.Database(conn)


# Centres are listed by name in Danish order: case and accents aside, with æ, ø and å after z
# (SQLite's own order puts Å before Æ and Ø, and every capital before every small letter). Sorted
# here, a key a row: as an SQLite collation it would cost a Python call a comparison, 5 ms at 200.
_LAST_LETTERS = str.maketrans({"æ": "\U0010fff0", "ä": "\U0010fff0", "ø": "\U0010fff1", "ö": "\U0010fff1",
                               "å": "\U0010fff2"})


def danish_key(text):
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_LAST_LETTERS))
    return "".join(c for c in folded if not unicodedata.combining(c)), text


def by_name(rows):
    return sorted(rows, key=lambda row: danish_key(row["name"]))


def path_in(data_dir):
    return Path(data_dir) / DB_FILENAME


# One connection kept per thread and reused by its requests, as a careful engineer keeps a pool:
# opening one (and its pragmas) costs more than storing an answer. Opened on first use, so
# never before gunicorn forks; one at a time, so a thread that moves to another database
# (tests do) closes the old one.
_kept = threading.local()


def get_db():
    """The request's connection: this thread's own, opened on first use."""
    if "db" not in g:
        path = path_in(current_app.config["DATA_DIR"])
        timeout = current_app.config["DB_BUSY_TIMEOUT_MS"]
        kept = getattr(_kept, "connection", None)
        if kept is None or _kept.key != (str(path), timeout):
            if kept is not None:
                kept.close()
                _kept.connection = None
            try:
                _kept.connection = connect(path, timeout)
            except sqlite3.OperationalError as error:  # a full disk can refuse even the opening
                raise StorageError(str(error)) from error
            _kept.key = (str(path), timeout)
        g.db = _kept.connection
    return g.db


def close_db(_exc=None):
    """End of a request: the connection stays for the thread's next one, with nothing open."""
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.execute("ROLLBACK")


@contextlib.contextmanager
def write_transaction(db):
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        raise StorageError(str(error)) from error
    try:
        yield db
        db.execute("COMMIT")
    except BaseException as error:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        if isinstance(error, sqlite3.OperationalError):
            raise StorageError(str(error)) from error
        raise


# --- tokens --------------------------------------------------------------------------------

def new_token():
    return secrets.token_urlsafe(24)  # 192 bits


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def _issue_one_time_token(db, table, owner_column, owner_id, ttl_hours):
    """A link that works once and expires; only its hash is kept. Expired ones are swept here."""
    token = new_token()
    now = int(time.time())
    with write_transaction(db):
        # Not an injection: table and column from the callers' constants.
        db.execute(f"DELETE FROM {table} WHERE expires_at < ?", [now])  # nosec B608
        # Not an injection: as above.
        db.execute(f"INSERT INTO {table} (token_hash, {owner_column}, expires_at) VALUES (?, ?, ?)",  # nosec B608
                   [_hash(token), owner_id, now + ttl_hours * 3600])
    return token


