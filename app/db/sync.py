"""The centre's side of the sync: its hub credentials, the outbox, and national figures received.

The outbox holds, per closed period, the digest of the aggregate as it stands and of the one
the hub last acknowledged; a period waits while they differ. A waiting period's aggregate is
built again each round from its stored figures, so nothing can be lost while the hub is away.
What the sync keeps beside (which format the digests were made in, the status last sent) lives
in the `maintenance` table, one name per centre.
"""

import json

from .core import write_transaction


def connect_hub(db, centre_id, hub_url, hub_centre_id, key):
    with write_transaction(db):
        db.execute("""INSERT INTO hub_links (centre_id, hub_url, hub_centre_id, key) VALUES (?, ?, ?, ?)
                      ON CONFLICT (centre_id) DO UPDATE SET hub_url = excluded.hub_url,
                          hub_centre_id = excluded.hub_centre_id, key = excluded.key,
                          failures = 0, failing_since = NULL, next_attempt_at = 0, last_error = NULL""",
                   [centre_id, hub_url, hub_centre_id, key])
        # Another hub (or another registration) has acknowledged nothing yet, nor had a status.
        db.execute("UPDATE outbox SET acknowledged = NULL WHERE centre_id = ?", [centre_id])
        db.execute("DELETE FROM maintenance WHERE name = ?", [_status_mark(centre_id)])


def hub_link(db, centre_id):
    return next(db.query("SELECT * FROM hub_links WHERE centre_id = ?", [centre_id]), None)


def hub_links(db):
    return list(db.query("""SELECT l.*, c.slug, c.name FROM hub_links l JOIN centres c ON c.id = l.centre_id
                            ORDER BY c.slug"""))


def record_sync_failure(db, centre_id, now, next_attempt_at, error):
    with write_transaction(db):
        db.execute("""UPDATE hub_links SET failures = failures + 1, failing_since = coalesce(failing_since, ?),
                      next_attempt_at = ?, last_error = ? WHERE centre_id = ?""",
                   [now, next_attempt_at, error, centre_id])


def record_sync_success(db, centre_id, now, status=None):
    """A round went through; `status` is the status the hub now has (sent again only if it changes)."""
    with write_transaction(db):
        db.execute("""UPDATE hub_links SET failures = 0, failing_since = NULL, next_attempt_at = 0,
                      last_error = NULL, last_success_at = ? WHERE centre_id = ?""", [now, centre_id])
        if status is not None:
            _write_mark(db, _status_mark(centre_id), status)


def status_sent(db, centre_id):
    return _read_mark(db, _status_mark(centre_id))


def _status_mark(centre_id):
    return f"hub status sent:{centre_id}"


def outbox_format(db, centre_id):
    """The format the centre's outbox digests were made in (None before the first round)."""
    return _read_mark(db, f"outbox format:{centre_id}")


def set_outbox_format(db, centre_id, value):
    with write_transaction(db):
        _write_mark(db, f"outbox format:{centre_id}", value)


def _read_mark(db, name):
    row = db.execute("SELECT value FROM maintenance WHERE name = ?", [name]).fetchone()
    return row[0] if row else None


def _write_mark(db, name, value):
    db.execute("INSERT OR REPLACE INTO maintenance (name, value) VALUES (?, ?)", [name, value])


def outbox_state(db, centre_id, question_set):
    """{period: whether the hub has acknowledged it as it stands} for one question-set version."""
    return {period: bool(done) for period, done in db.execute(
        "SELECT period, acknowledged IS digest FROM outbox WHERE centre_id = ? AND question_set = ?",
        [centre_id, question_set])}


def refresh_outbox(db, centre_id, digests):
    """Record the digest of every closed period's aggregate as computed now: {(period, question_set): digest}."""
    with write_transaction(db):
        db.conn.executemany("""INSERT INTO outbox (centre_id, period, question_set, digest) VALUES (?, ?, ?, ?)
                               ON CONFLICT (centre_id, period, question_set) DO UPDATE SET digest = excluded.digest""",
                            [(centre_id, period, version, digest) for (period, version), digest in digests.items()])


def waiting(db, centre_id):
    """(period, question_set, digest) the hub has not acknowledged as they stand, oldest first."""
    return [tuple(row) for row in db.execute("""
        SELECT period, question_set, digest FROM outbox
        WHERE centre_id = ? AND acknowledged IS NOT digest ORDER BY period, question_set""", [centre_id])]


def acknowledge(db, centre_id, period, question_set, digest):
    with write_transaction(db):
        db.execute("UPDATE outbox SET acknowledged = ? WHERE centre_id = ? AND period = ? AND question_set = ?",
                   [digest, centre_id, period, question_set])


def acknowledged_periods(db, centre_id):
    return [row[0] for row in db.execute(
        "SELECT period FROM outbox WHERE centre_id = ? AND acknowledged = digest ORDER BY period", [centre_id])]


def save_national(db, period, question_set, figures):
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO national_figures (period, question_set, body) VALUES (?, ?, ?)",
                   [period, question_set, json.dumps(figures)])


def national(db, period, question_set):
    row = db.execute("SELECT body FROM national_figures WHERE period = ? AND question_set = ?",
                     [period, question_set]).fetchone()
    return json.loads(row[0]) if row else None


def outbox_weeks(db, centre_id):
    """(week, acknowledged as it stands) for every week the outbox knows."""
    return [(period, bool(acknowledged)) for period, acknowledged in db.execute(
        """SELECT period, max(acknowledged IS digest) FROM outbox
           WHERE centre_id = ? AND period LIKE '____-W__' GROUP BY period""", [centre_id])]
