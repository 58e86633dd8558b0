"""Answers and messages: stored without anything that could point back to a person."""

import datetime
import secrets
import time

from .. import periods

from .core import StorageError, connect, write_transaction


# --- responses -----------------------------------------------------------------------------

# A kiosk may hold an answer for weeks while its network is down; its key is kept a little longer.
RECEIPT_WEEKS = 12


def record_response(db, *, centre_id, iso_week, channel, language, question_set, answers, message="",
                    receipt=None):
    """Store one person's answers (and, apart from them, their scrubbed message) atomically.

    With a receipt (a kiosk's idempotency key) an answer sent twice is stored once: the second
    time nothing is written and None is returned.
    """
    with write_transaction(db):
        if receipt is not None:
            oldest = periods.week_of(periods.parse(iso_week).first_day - datetime.timedelta(weeks=RECEIPT_WEEKS))
            db.execute("DELETE FROM kiosk_receipts WHERE iso_week < ?", [oldest.key])
            if db.execute("INSERT OR IGNORE INTO kiosk_receipts (key, iso_week) VALUES (?, ?)",
                          [receipt, iso_week]).rowcount == 0:
                return None
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


# When each worker last rewrote a large file. In memory, never in the file: a time written down
# just after an answer would tell when that answer came.
_last_erased = {}


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
            if now - _last_erased.get(str(path), -3600) < 3600:
                return False
            _last_erased[str(path)] = now
        _compact(database)
        return True
    finally:
        database.close()


def compact(path):
    """Rebuild the file and empty the WAL, so that nothing deleted lingers in either."""
    database = connect(path)
    try:
        _compact(database)
    finally:
        database.close()


def _compact(database, tries=10):
    database.execute("VACUUM")
    # A reader elsewhere can hold the WAL for a moment; its old pages must not stay behind.
    for _ in range(tries):
        busy = database.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if not busy:
            return
        time.sleep(0.2)
    raise StorageError("the write-ahead log could not be emptied (the database is busy); try again")


def receipts(db):
    return list(db.query("SELECT key, iso_week FROM kiosk_receipts ORDER BY key"))


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


def messages_before(db, centre_id, iso_week):
    """How many of a centre's messages are from weeks before this one."""
    return db.execute("SELECT count(*) FROM messages WHERE centre_id = ? AND iso_week < ?",
                      [centre_id, iso_week]).fetchone()[0]


def delete_messages_before(db, centre_id, iso_week):
    with write_transaction(db):
        return db.execute("DELETE FROM messages WHERE centre_id = ? AND iso_week < ?", [centre_id, iso_week]).rowcount


def messages_of(db, centre_id):
    return [row[0] for row in db.execute("SELECT body FROM messages WHERE centre_id = ?", [centre_id])]


