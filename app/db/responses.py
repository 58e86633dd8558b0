"""Answers and messages: stored without anything that could point back to a person."""

import secrets
import time

from . import open_weeks
from .core import StorageError, connect, write_transaction


# --- responses -----------------------------------------------------------------------------

def record_response(db, *, centre_id, iso_week, question_set, answers, message=""):
    """Put one answer straight into the history: only for a week that has closed (demo data,
    tests, benchmarks). An answer a person sends goes to its open week (open_weeks.store)."""
    with write_transaction(db):
        return insert_response(db, centre_id=centre_id, iso_week=iso_week, question_set=question_set, answers=answers,
                               message=message)


def insert_response(db, *, centre_id, iso_week, question_set, answers, message=""):
    """As record_response, inside a write_transaction the caller holds."""
    response_id = secrets.token_hex(16)
    if answers:
        db.execute("INSERT INTO responses (id, centre_id, iso_week, question_set) VALUES (?, ?, ?, ?)",
                   [response_id, centre_id, iso_week, question_set])
        db.conn.executemany("INSERT INTO answers (response_id, question, option) VALUES (?, ?, ?)",
                            [(response_id, q, o) for q, o in answers])
    if message:
        db.execute("INSERT INTO messages (id, centre_id, iso_week, body) VALUES (?, ?, ?, ?)",
                   [secrets.token_hex(16), centre_id, iso_week, message])
    return response_id


def compact(path):
    """Rebuild the file and empty the WAL, so that nothing deleted lingers in either."""
    database = connect(path)
    try:
        _compact(database)
    finally:
        database.close()


def compact_open(database):
    """As compact, on a connection the caller keeps."""
    _compact(database)


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
    """Every idempotency key kept, in the history and in the open weeks."""
    kept = list(db.query("SELECT key, iso_week FROM kiosk_receipts"))
    kept += [{"key": key, "iso_week": week} for week, key in open_weeks.open_receipts(db)]
    return sorted(kept, key=lambda r: r["key"])


def count_responses(db, centre_id):
    """All of a centre's answers: in the history and in the weeks still open."""
    closed = db.execute("SELECT count(*) FROM responses WHERE centre_id = ?", [centre_id]).fetchone()[0]
    return closed + sum(1 for _week, r in open_weeks.open_records(db, "answers") if r["c"] == centre_id)


def responses_of(db, centre_id):
    """Every response of a centre, in the history and in the weeks still open, each with its
    answers: [(id, iso_week, [(question, option)])] in no particular order."""
    found = {}
    for rid, week, question, option in db.execute(
            """SELECT r.id, r.iso_week, a.question, a.option
               FROM responses r JOIN answers a ON a.response_id = r.id WHERE r.centre_id = ?""", [centre_id]):
        found.setdefault(rid, (rid, week, []))[2].append((question, option))
    found.update({r["i"]: (r["i"], week, [tuple(pair) for pair in r["a"]])
                  for week, r in open_weeks.open_records(db, "answers") if r["c"] == centre_id})
    return list(found.values())


def open_week_counts(db, centre_id):
    """{week: answers so far} for the weeks that have not closed."""
    counts = {}
    for week, record in open_weeks.open_records(db, "answers"):
        if record["c"] == centre_id:
            counts[week] = counts.get(week, 0) + 1
    return counts


def answers_of(db, response_id):
    """One response's (question, option) pairs, wherever it is kept."""
    found = [tuple(row) for row in db.execute("SELECT question, option FROM answers WHERE response_id = ?",
                                              [response_id])]
    found += [tuple(pair) for _week, r in open_weeks.open_records(db, "answers") if r["i"] == response_id
              for pair in r["a"]]
    return sorted(found)


def messages_in_week(db, centre_id, iso_week):
    """A week's messages, in the order of their random ids (never the order they came in)."""
    return list(db.query("SELECT id, body FROM messages WHERE centre_id = ? AND iso_week = ? ORDER BY id",
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
    """A centre's messages, in the history and in the weeks still open."""
    return ([row[0] for row in db.execute("SELECT body FROM messages WHERE centre_id = ?", [centre_id])]
            + [r["b"] for _week, r in open_weeks.open_records(db, "messages") if r["c"] == centre_id])


