"""The only module that speaks SQL: connection, migrations and named queries."""

import contextlib
import hashlib
import json
import secrets
import sqlite3
import time
from pathlib import Path

import sqlite_utils
from flask import current_app, g
from sqlite_utils.migrations import Migrations

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
    return sqlite_utils.Database(conn)


def path_in(data_dir):
    return Path(data_dir) / DB_FILENAME


def get_db():
    """The request's connection, opened on first use (never before gunicorn forks)."""
    if "db" not in g:
        g.db = connect(path_in(current_app.config["DATA_DIR"]),
                       current_app.config.get("DB_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS))
    return g.db


def close_db(_exc=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()


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


# --- schema --------------------------------------------------------------------------------

migrations = Migrations("brugerstemmen")


@migrations()
def m001_initial(db):
    # Statement by statement: executescript() would commit the migration's transaction early.
    _run_script(db, """
        CREATE TABLE centres (
            id INTEGER PRIMARY KEY,
            slug TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            survey_token TEXT NOT NULL UNIQUE,
            disabled_questions TEXT NOT NULL DEFAULT '[]',
            kiosk_idle_seconds INTEGER
        );
        -- One-time links that pair a tablet. Only a hash is kept, so the database cannot pair.
        CREATE TABLE kiosk_pairings (
            token_hash TEXT PRIMARY KEY,
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE kiosks (
            token_hash TEXT PRIMARY KEY,
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            nickname TEXT NOT NULL
        ) WITHOUT ROWID;
        -- A response keeps no time finer than the ISO week. The random primary key of a
        -- WITHOUT ROWID table orders rows by chance, never by when they arrived.
        CREATE TABLE responses (
            id TEXT PRIMARY KEY,
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            iso_week TEXT NOT NULL,
            channel TEXT NOT NULL CHECK (channel IN ('kiosk', 'phone')),
            language TEXT NOT NULL,
            question_set INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX responses_by_centre_week ON responses (centre_id, iso_week);
        CREATE TABLE answers (
            response_id TEXT NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            option TEXT NOT NULL,
            PRIMARY KEY (response_id, question, option)
        ) WITHOUT ROWID;
        -- Free text is kept apart from the answers, with its own random id, so a message
        -- cannot be joined to the ticks of the person who wrote it.
        CREATE TABLE messages (
            id TEXT PRIMARY KEY,
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            iso_week TEXT NOT NULL,
            language TEXT NOT NULL,
            body TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX messages_by_centre_week ON messages (centre_id, iso_week);
    """)


def _run_script(db, script):
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def migrate(db):
    """Create or bring the schema up to date; safe to run any number of times."""
    migrations.apply(db)


def applied_migrations(db):
    return [m.name for m in migrations.applied(db)]


# --- tokens --------------------------------------------------------------------------------

def new_token():
    return secrets.token_urlsafe(24)  # 192 bits


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


# --- centres -------------------------------------------------------------------------------

def create_centre(db, name, slug):
    with write_transaction(db):
        if db.execute("SELECT 1 FROM centres WHERE slug = ?", [slug]).fetchone():
            raise CentreExists(slug)
        db.execute("INSERT INTO centres (slug, name, survey_token) VALUES (?, ?, ?)",
                   [slug, name, new_token()])
    return centre_by_slug(db, slug)


def _centre(row):
    if row is None:
        return None
    centre = dict(row)
    centre["disabled_questions"] = json.loads(centre["disabled_questions"])
    return centre


def centre_by_slug(db, slug):
    return _centre(next(db.query("SELECT * FROM centres WHERE slug = ?", [slug]), None))


def centre_by_survey_token(db, token):
    return _centre(next(db.query("SELECT * FROM centres WHERE survey_token = ?", [token]), None))


def list_centres(db):
    return [_centre(row) for row in db.query("""
        SELECT centres.*, (SELECT count(*) FROM kiosks WHERE centre_id = centres.id) AS kiosk_count
        FROM centres ORDER BY name""")]


def rotate_survey_token(db, slug):
    with write_transaction(db):
        db.execute("UPDATE centres SET survey_token = ? WHERE slug = ?", [new_token(), slug])
    return centre_by_slug(db, slug)


def update_centre(db, slug, *, disabled_questions=None, kiosk_idle_seconds=None):
    with write_transaction(db):
        if disabled_questions is not None:
            db.execute("UPDATE centres SET disabled_questions = ? WHERE slug = ?",
                       [json.dumps(sorted(disabled_questions)), slug])
        if kiosk_idle_seconds is not None:
            db.execute("UPDATE centres SET kiosk_idle_seconds = ? WHERE slug = ?",
                       [kiosk_idle_seconds, slug])
    return centre_by_slug(db, slug)


# --- kiosks --------------------------------------------------------------------------------

def create_pairing(db, centre_id, ttl_hours):
    token = new_token()
    with write_transaction(db):
        db.execute("DELETE FROM kiosk_pairings WHERE expires_at < ?", [int(time.time())])
        db.execute("INSERT INTO kiosk_pairings (token_hash, centre_id, expires_at) VALUES (?, ?, ?)",
                   [_hash(token), centre_id, int(time.time()) + ttl_hours * 3600])
    return token


def centre_for_pairing(db, token):
    """The centre a pairing link is for, while it is unused and unexpired; else None."""
    row = next(db.query("""
        SELECT centres.* FROM kiosk_pairings JOIN centres ON centres.id = centre_id
        WHERE token_hash = ? AND expires_at >= ?""", [_hash(token), int(time.time())]), None)
    return _centre(row)


def pair_kiosk(db, pairing_token, nickname):
    """Use up a pairing link; returns the new kiosk's secret token, or None if the link is spent."""
    kiosk_token = new_token()
    with write_transaction(db):
        row = db.execute(
            "SELECT centre_id FROM kiosk_pairings WHERE token_hash = ? AND expires_at >= ?",
            [_hash(pairing_token), int(time.time())]).fetchone()
        if row is None:
            return None
        db.execute("DELETE FROM kiosk_pairings WHERE token_hash = ?", [_hash(pairing_token)])
        db.execute("INSERT INTO kiosks (token_hash, centre_id, nickname) VALUES (?, ?, ?)",
                   [_hash(kiosk_token), row[0], nickname])
    return kiosk_token


def centre_for_kiosk(db, kiosk_token):
    row = next(db.query("""
        SELECT centres.* FROM kiosks JOIN centres ON centres.id = centre_id
        WHERE token_hash = ?""", [_hash(kiosk_token)]), None)
    return _centre(row)


# --- responses -----------------------------------------------------------------------------

def record_response(db, *, centre_id, iso_week, channel, language, question_set, answers, message=""):
    """Store one person's answers (and, apart from them, their scrubbed message) atomically."""
    with write_transaction(db):
        return insert_response(db, centre_id=centre_id, iso_week=iso_week, channel=channel,
                               language=language, question_set=question_set, answers=answers,
                               message=message)


def insert_response(db, *, centre_id, iso_week, channel, language, question_set, answers, message=""):
    """As record_response, inside a write_transaction the caller holds."""
    response_id = secrets.token_hex(16)
    if answers:
        db.execute("""INSERT INTO responses (id, centre_id, iso_week, channel, language, question_set)
                      VALUES (?, ?, ?, ?, ?, ?)""",
                   [response_id, centre_id, iso_week, channel, language, question_set])
        db.conn.executemany("INSERT INTO answers (response_id, question, option) VALUES (?, ?, ?)",
                            [(response_id, q, o) for q, o in answers])
    if message:
        db.execute("INSERT INTO messages (id, centre_id, iso_week, language, body) VALUES (?, ?, ?, ?, ?)",
                   [secrets.token_hex(16), centre_id, iso_week, language, message])
    return response_id


def count_responses(db, centre_id):
    return db.execute("SELECT count(*) FROM responses WHERE centre_id = ?", [centre_id]).fetchone()[0]


def response_ids_in_storage_order(db):
    """Rows as SQLite keeps them, for checking that storage order reveals nothing."""
    return [row[0] for row in db.execute("SELECT id FROM responses")]


def answers_of(db, response_id):
    return sorted(tuple(row) for row in db.execute(
        "SELECT question, option FROM answers WHERE response_id = ?", [response_id]))


def messages_of(db, centre_id):
    return [row[0] for row in db.execute("SELECT body FROM messages WHERE centre_id = ?", [centre_id])]
