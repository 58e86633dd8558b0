"""The hub's side: registered centres, nonces seen, and the aggregates centres pushed."""

import json
import secrets

from .core import by_name, write_transaction

HUB_CENTRE_FIELDS = ("name", "lvs_code", "org_form", "municipality", "municipality_type")


class HubCentreExists(Exception):
    pass


def register_hub_centre(db, *, key, **fields):
    centre_id = "c-" + secrets.token_hex(6)
    with write_transaction(db):
        if db.execute("SELECT 1 FROM hub_centres WHERE lvs_code = ?", [fields["lvs_code"]]).fetchone():
            raise HubCentreExists(fields["lvs_code"])
        # Not an injection: column names from HUB_CENTRE_FIELDS, a constant.
        db.execute(f"INSERT INTO hub_centres (id, key, {', '.join(HUB_CENTRE_FIELDS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",  # nosec B608
                   [centre_id, key, *(fields[name] for name in HUB_CENTRE_FIELDS)])
    return hub_centre(db, centre_id)


def hub_centre(db, centre_id):
    return next(db.query("SELECT * FROM hub_centres WHERE id = ?", [centre_id]), None)


def hub_centre_by_code(db, lvs_code):
    return next(db.query("SELECT * FROM hub_centres WHERE lvs_code = ?", [lvs_code]), None)


def list_hub_centres(db):
    return by_name(db.query("SELECT * FROM hub_centres"))


def count_active_hub_centres(db):
    return db.execute("SELECT count(*) FROM hub_centres WHERE NOT revoked").fetchone()[0]


def set_hub_centre_key(db, centre_id, key):
    with write_transaction(db):
        db.execute("UPDATE hub_centres SET key = ?, revoked = 0 WHERE id = ?", [key, centre_id])


def revoke_hub_centre(db, centre_id):
    with write_transaction(db):
        db.execute("UPDATE hub_centres SET revoked = 1 WHERE id = ?", [centre_id])


def signing_key(db, centre_id):
    row = db.execute("SELECT key FROM hub_centres WHERE id = ? AND revoked = 0", [centre_id]).fetchone()
    return row[0] if row else None


def remember_nonce(db, centre_id, nonce, expires_at, now):
    """False if this centre used the nonce before (a replay). Forgets nonces that have expired:
    their timestamps are too old to pass the signature check anyway."""
    with write_transaction(db):
        db.execute("DELETE FROM hub_nonces WHERE expires_at < ?", [now])
        cursor = db.execute("INSERT OR IGNORE INTO hub_nonces (centre_id, nonce, expires_at) VALUES (?, ?, ?)",
                            [centre_id, nonce, expires_at])
        return cursor.rowcount == 1


def store_aggregate(db, centre_id, level, aggregate):
    """Keep a centre's aggregate for a period, replacing any earlier push of the same period
    (and the national figures decided from the earlier one), under a push id of its own."""
    key = [centre_id, aggregate["period"], aggregate["question_set"]]
    answers = aggregate["answers"]
    with write_transaction(db):
        db.execute("DELETE FROM hub_national WHERE period = ? AND question_set = ?", key[1:])
        db.execute("DELETE FROM hub_cells WHERE centre_id = ? AND period = ? AND question_set = ?", key)
        db.execute("DELETE FROM hub_aggregates WHERE centre_id = ? AND period = ? AND question_set = ?", key)
        db.execute("""INSERT INTO hub_aggregates (centre_id, period, question_set, level, k, answers_status, answers,
                                                  push_id)
                      VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                   [*key, level, aggregate["k"], answers["status"], answers.get("count"), secrets.token_hex(8)])
        db.conn.executemany("""INSERT INTO hub_cells (centre_id, period, question_set, question, answer, status, count)
                               VALUES (?, ?, ?, ?, ?, ?, ?)""",
                            [(*key, c["question"], c["answer"], c["status"], c.get("count"))
                             for c in aggregate["cells"]])


def period_aggregates(db, period, question_set):
    """Every centre's aggregate of a period, with where the centre belongs: {centre id:
    {"org_form", "municipality_type", "k", "answers": count, "cells": {(question, answer): count},
    "exact": {(question, answer): whether the count is the true one}}}, a count None where the
    centre sent no number."""
    found = {}
    for centre_id, org_form, municipality_type, k, status, answers in db.execute("""
            SELECT a.centre_id, c.org_form, c.municipality_type, a.k, a.answers_status, a.answers
            FROM hub_aggregates a JOIN hub_centres c ON c.id = a.centre_id
            WHERE a.period = ? AND a.question_set = ?""", [period, question_set]):
        found[centre_id] = {"org_form": org_form, "municipality_type": municipality_type, "k": k,
                            "answers": answers if status == "shown" else None, "cells": {}, "exact": {}}
    for centre_id, question, answer, status, count in db.execute("""
            SELECT centre_id, question, answer, status, count FROM hub_cells
            WHERE period = ? AND question_set = ?""", [period, question_set]):
        found[centre_id]["cells"][(question, answer)] = count if status in ("shown", "perturbed") else None
        found[centre_id]["exact"][(question, answer)] = status == "shown"
    return found


def period_pushes(db, period, question_set):
    """What a period's national figures rest on, in a few short rows: [(centre id, organisation form,
    municipality type, push id)] of every centre that reported it. A new push, or a centre moved to
    another group, changes it."""
    return [tuple(row) for row in db.execute("""
        SELECT a.centre_id, c.org_form, c.municipality_type, a.push_id
        FROM hub_aggregates a JOIN hub_centres c ON c.id = a.centre_id
        WHERE a.period = ? AND a.question_set = ? ORDER BY a.centre_id""", [period, question_set])]


def decided_national(db, period, question_set, digest):
    """The national figures decided from the aggregates with this digest, or None."""
    row = db.execute("SELECT body FROM hub_national WHERE period = ? AND question_set = ? AND digest = ?",
                     [period, question_set, digest]).fetchone()
    return json.loads(row[0]) if row else None


def save_decided_national(db, period, question_set, digest, figures):
    with write_transaction(db):
        db.execute("INSERT OR REPLACE INTO hub_national (period, question_set, digest, body) VALUES (?, ?, ?, ?)",
                   [period, question_set, digest, json.dumps(figures)])


def reported_periods(db, question_set):
    """The periods at least one centre reported, newest first."""
    return [row[0] for row in db.execute(
        "SELECT DISTINCT period FROM hub_aggregates WHERE question_set = ? ORDER BY period DESC", [question_set])]


def has_reports(db, period, question_set):
    """Whether any centre has reported this period."""
    return db.execute("SELECT 1 FROM hub_aggregates WHERE period = ? AND question_set = ? LIMIT 1",
                      [period, question_set]).fetchone() is not None


def first_reported_year(db):
    """The earliest year any centre reported a period of, or None."""
    # min() of the indexed column itself, so SQLite reads one entry of the index, not every row.
    return db.execute("SELECT CAST(substr(min(period), 1, 4) AS INTEGER) FROM hub_aggregates").fetchone()[0]


def first_answered_week(db):
    """The key of the earliest week any centre reported answers for (a count, or "fewer than k"),
    or None. A centre also reports the empty weeks of its first year: those are not a start."""
    # In the order of the index by period, so SQLite stops at the first one.
    row = db.execute("""SELECT period FROM hub_aggregates INDEXED BY hub_aggregates_by_period
                        WHERE level = 'week' AND NOT (answers_status = 'shown' AND answers = 0)
                        ORDER BY period LIMIT 1""").fetchone()
    return row[0] if row else None


def set_hub_centre_status(db, centre_id, *, publishes_replies):
    with write_transaction(db):
        db.execute("UPDATE hub_centres SET publishes_replies = ? WHERE id = ?", [int(publishes_replies), centre_id])


def centres_publishing_replies(db):
    """How many registered, unrevoked centres publish replies: a count for LVS, never the texts."""
    return db.execute("SELECT count(*) FROM hub_centres WHERE publishes_replies AND NOT revoked").fetchone()[0]
