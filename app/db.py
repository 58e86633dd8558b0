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
    conn.execute("PRAGMA secure_delete = ON")  # deleted rows are overwritten, not left readable
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


@migrations()
def m002_staff(db):
    _run_script(db, """
        CREATE TABLE staff (
            id INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE COLLATE NOCASE,
            password_hash TEXT,
            is_site_admin INTEGER NOT NULL DEFAULT 0,
            session_version INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE memberships (
            staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            role TEXT NOT NULL CHECK (role IN ('staff', 'admin')),
            PRIMARY KEY (staff_id, centre_id)
        ) WITHOUT ROWID;
        CREATE TABLE invites (
            token_hash TEXT PRIMARY KEY,
            staff_id INTEGER NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        -- Failed staff logins, by account and by client. A client is a keyed hash of its
        -- address, never the address. Rows are forgotten once they stop mattering.
        CREATE TABLE login_throttle (
            key TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            last_failure INTEGER NOT NULL,
            locked_until INTEGER NOT NULL
        ) WITHOUT ROWID
    """)


@migrations()
def m003_maintenance(db):
    db.execute("CREATE TABLE maintenance (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")


@migrations()
def m004_published(db):
    # What each period's cells were decided to be (suppression.py), once, when it closed.
    db.execute("""
        CREATE TABLE published (
            centre_id INTEGER NOT NULL REFERENCES centres(id) ON DELETE CASCADE,
            period TEXT NOT NULL,
            cell TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('shown', 'small', 'hidden')),
            k INTEGER NOT NULL,
            PRIMARY KEY (centre_id, period, cell)
        ) WITHOUT ROWID""")


@migrations()
def m005_centre_settings(db):
    db.execute("ALTER TABLE centres ADD COLUMN min_cell_size INTEGER NOT NULL DEFAULT 5")
    db.execute("""ALTER TABLE centres ADD COLUMN languages TEXT NOT NULL DEFAULT '["da", "en"]'""")


def _run_script(db, script):
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        db.execute(statement)


def migrate(db):
    """Create or bring the schema up to date; safe to run any number of times, from any process."""
    with write_transaction(db):
        migrations.apply(db)


def applied_migrations(db):
    return [m.name for m in migrations.applied(db)]


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
        db.execute(f"DELETE FROM {table} WHERE expires_at < ?", [now])
        db.execute(f"INSERT INTO {table} (token_hash, {owner_column}, expires_at) VALUES (?, ?, ?)",
                   [_hash(token), owner_id, now + ttl_hours * 3600])
    return token


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
    centre["languages"] = json.loads(centre["languages"])
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


CENTRE_SETTINGS = {"name", "disabled_questions", "kiosk_idle_seconds", "min_cell_size", "languages"}


def update_centre(db, slug, **settings):
    """Change a centre's settings (see CENTRE_SETTINGS); lists are stored as JSON."""
    unknown = set(settings) - CENTRE_SETTINGS
    if unknown:
        raise ValueError(f"unknown centre settings: {sorted(unknown)}")
    with write_transaction(db):
        for name, value in settings.items():
            if isinstance(value, (list, tuple, set)):
                value = json.dumps(sorted(value))
            db.execute(f"UPDATE centres SET {name} = ? WHERE slug = ?", [value, slug])
    return centre_by_slug(db, slug)


# --- kiosks --------------------------------------------------------------------------------

def kiosks_of(db, centre_id):
    """Paired tablets by nickname; the id is the start of the stored hash, never the token."""
    return [{"id": row[0][:10], "nickname": row[1]} for row in db.execute(
        "SELECT token_hash, nickname FROM kiosks WHERE centre_id = ? ORDER BY nickname, token_hash", [centre_id])]


def revoke_kiosk(db, centre_id, kiosk_id):
    with write_transaction(db):
        return db.execute("DELETE FROM kiosks WHERE centre_id = ? AND substr(token_hash, 1, 10) = ?",
                          [centre_id, kiosk_id]).rowcount


def create_pairing(db, centre_id, ttl_hours):
    return _issue_one_time_token(db, "kiosk_pairings", "centre_id", centre_id, ttl_hours)


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


# Below this size the whole file is rewritten after every answer; above it, at most hourly.
ERASE_EVERY_TIME_BELOW_BYTES = 16 * 1024 * 1024


def erase_arrival_order(path, now=None):
    """Rewrite the database so that nothing in the file shows in which order answers came.

    SQLite appends a new row's bytes inside its page and keeps committed pages in the WAL in
    commit order; VACUUM rebuilds every table in key (random) order, and the truncating
    checkpoint empties the WAL. Runs after the thank-you page is on its way, on its own
    connection; a failure only postpones it to the next answer.
    """
    database = connect(path)
    try:
        size = database.execute("PRAGMA page_count").fetchone()[0] * database.execute("PRAGMA page_size").fetchone()[0]
        now = int(now or time.time())
        if size >= ERASE_EVERY_TIME_BELOW_BYTES:
            last = database.execute("SELECT value FROM maintenance WHERE name = 'erased'").fetchone()
            if last and now - int(last[0]) < 3600:
                return False
            database.execute("INSERT OR REPLACE INTO maintenance (name, value) VALUES ('erased', ?)", [now])
        database.execute("VACUUM")
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return True
    finally:
        database.close()


def count_responses(db, centre_id):
    return db.execute("SELECT count(*) FROM responses WHERE centre_id = ?", [centre_id]).fetchone()[0]


def response_ids_in_storage_order(db):
    """Rows as SQLite keeps them, for checking that storage order reveals nothing."""
    return [row[0] for row in db.execute("SELECT id FROM responses")]


def answers_of(db, response_id):
    return sorted(tuple(row) for row in db.execute(
        "SELECT question, option FROM answers WHERE response_id = ?", [response_id]))


def messages_in_week(db, centre_id, iso_week):
    """A week's messages, in the order of their random ids (never the order they came in)."""
    return list(db.query("SELECT id, language, body FROM messages WHERE centre_id = ? AND iso_week = ? ORDER BY id",
                         [centre_id, iso_week]))


def delete_message(db, centre_id, message_id):
    with write_transaction(db):
        return db.execute("DELETE FROM messages WHERE centre_id = ? AND id = ?", [centre_id, message_id]).rowcount


def messages_of(db, centre_id):
    return [row[0] for row in db.execute("SELECT body FROM messages WHERE centre_id = ?", [centre_id])]


# --- staff ---------------------------------------------------------------------------------

class StaffExists(Exception):
    pass


def create_staff(db, email, password_hash=None, *, site_admin=False):
    with write_transaction(db):
        if db.execute("SELECT 1 FROM staff WHERE email = ?", [email]).fetchone():
            raise StaffExists(email)
        cursor = db.execute("INSERT INTO staff (email, password_hash, is_site_admin) VALUES (?, ?, ?)",
                            [email, password_hash, int(site_admin)])
    return staff_by_id(db, cursor.lastrowid)


def staff_by_id(db, staff_id):
    return next(db.query("SELECT * FROM staff WHERE id = ?", [staff_id]), None)


def staff_by_email(db, email):
    return next(db.query("SELECT * FROM staff WHERE email = ?", [email]), None)


def set_password(db, staff_id, password_hash):
    """New password; every session signed in with the old one ends."""
    with write_transaction(db):
        db.execute("UPDATE staff SET password_hash = ?, session_version = session_version + 1 WHERE id = ?",
                   [password_hash, staff_id])
        db.execute("DELETE FROM invites WHERE staff_id = ?", [staff_id])


def make_site_admin(db, staff_id):
    with write_transaction(db):
        db.execute("UPDATE staff SET is_site_admin = 1 WHERE id = ?", [staff_id])


def set_membership(db, staff_id, centre_id, role):
    with write_transaction(db):
        db.execute("""INSERT INTO memberships (staff_id, centre_id, role) VALUES (?, ?, ?)
                      ON CONFLICT (staff_id, centre_id) DO UPDATE SET role = excluded.role""",
                   [staff_id, centre_id, role])


def remove_membership(db, staff_id, centre_id):
    with write_transaction(db):
        db.execute("DELETE FROM memberships WHERE staff_id = ? AND centre_id = ?", [staff_id, centre_id])


def role_at(db, staff_id, centre_id):
    row = db.execute("SELECT role FROM memberships WHERE staff_id = ? AND centre_id = ?",
                     [staff_id, centre_id]).fetchone()
    return row[0] if row else None


def centres_of(db, staff_id):
    """The centres a person works at, with their role; a site admin sees every centre."""
    return [_centre(row) for row in db.query("""
        SELECT centres.*, coalesce(memberships.role, 'admin') AS role FROM centres
        LEFT JOIN memberships ON memberships.centre_id = centres.id AND memberships.staff_id = :staff
        WHERE memberships.staff_id IS NOT NULL
           OR (SELECT is_site_admin FROM staff WHERE id = :staff)
        ORDER BY centres.name""", {"staff": staff_id})]


def team_of(db, centre_id):
    return list(db.query("""
        SELECT staff.id, staff.email, memberships.role, staff.password_hash IS NOT NULL AS active
        FROM memberships JOIN staff ON staff.id = memberships.staff_id
        WHERE memberships.centre_id = ? ORDER BY staff.email""", [centre_id]))


def create_invite(db, staff_id, ttl_hours):
    return _issue_one_time_token(db, "invites", "staff_id", staff_id, ttl_hours)


def staff_for_invite(db, token):
    return next(db.query("""
        SELECT staff.* FROM invites JOIN staff ON staff.id = invites.staff_id
        WHERE token_hash = ? AND expires_at >= ?""", [_hash(token), int(time.time())]), None)


# --- login throttling ----------------------------------------------------------------------

def throttle_locked_until(db, keys):
    """The latest time any of these keys is locked until (0 when none is)."""
    marks = ",".join("?" * len(keys))
    row = db.execute(f"SELECT max(locked_until) FROM login_throttle WHERE key IN ({marks})", list(keys)).fetchone()
    return row[0] or 0


def record_login_failure(db, key, now, lock_for):
    """Count one more failure for key; lock_for(failures) says for how many seconds to lock."""
    with write_transaction(db):
        row = db.execute("SELECT failures FROM login_throttle WHERE key = ?", [key]).fetchone()
        failures = (row[0] if row else 0) + 1
        db.execute("""INSERT INTO login_throttle (key, failures, last_failure, locked_until) VALUES (?, ?, ?, ?)
                      ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
                      last_failure = excluded.last_failure, locked_until = excluded.locked_until""",
                   [key, failures, now, now + lock_for(failures)])
    return failures


def forget_login_failures(db, keys=(), older_than=None):
    with write_transaction(db):
        for key in keys:
            db.execute("DELETE FROM login_throttle WHERE key = ?", [key])
        if older_than is not None:
            db.execute("DELETE FROM login_throttle WHERE last_failure < ? AND locked_until < ?",
                       [older_than, older_than])


# --- counts for summaries ------------------------------------------------------------------

def weekly_counts(db, centre_id, first_week, last_week):
    """Per ISO week: N, answers per (question, option), and people answering each question."""
    span = [centre_id, first_week, last_week]
    weeks = {}
    for week, total in db.execute("""SELECT iso_week, count(*) FROM responses
            WHERE centre_id = ? AND iso_week BETWEEN ? AND ? GROUP BY iso_week""", span):
        weeks[week] = {"N": total, "options": {}, "answered": {}}
    for week, question, option, count in db.execute("""
            SELECT r.iso_week, a.question, a.option, count(*) FROM responses r
            JOIN answers a ON a.response_id = r.id
            WHERE r.centre_id = ? AND r.iso_week BETWEEN ? AND ? GROUP BY r.iso_week, a.question, a.option""", span):
        weeks[week]["options"][(question, option)] = count
    for week, question, count in db.execute("""
            SELECT r.iso_week, a.question, count(DISTINCT r.id) FROM responses r
            JOIN answers a ON a.response_id = r.id
            WHERE r.centre_id = ? AND r.iso_week BETWEEN ? AND ? GROUP BY r.iso_week, a.question""", span):
        weeks[week]["answered"][question] = count
    return weeks


def published_statuses(db, centre_id, year):
    """The year's decided cells, and the k they were decided with (None before the first)."""
    rows = db.execute("SELECT period, cell, status, k FROM published WHERE centre_id = ? AND period LIKE ?",
                      [centre_id, f"{year}%"]).fetchall()
    return {(period, cell): status for period, cell, status, _ in rows}, (rows[0][3] if rows else None)


def save_published(db, centre_id, statuses, k):
    with write_transaction(db):
        db.conn.executemany(
            "INSERT OR IGNORE INTO published (centre_id, period, cell, status, k) VALUES (?, ?, ?, ?, ?)",
            [(centre_id, period, cell, status, k) for (period, cell), status in statuses.items()])
