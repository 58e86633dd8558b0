"""Centres, their settings, and the kiosks paired to them."""

import json
import time

from ..short_codes import new_code
from .core import _hash, _issue_one_time_token, by_name, new_token, write_transaction, CentreExists


# --- centres -------------------------------------------------------------------------------

def create_centre(db, name, slug):
    with write_transaction(db):
        if db.execute("SELECT 1 FROM centres WHERE slug = ?", [slug]).fetchone():
            raise CentreExists(slug)
        db.execute("INSERT INTO centres (slug, name, survey_token, short_code) VALUES (?, ?, ?, ?)",
                   [slug, name, new_token(), _free_short_code(db)])
    return centre_by_slug(db, slug)


def _free_short_code(db):
    """A short code no centre has (in the caller's transaction)."""
    while True:
        code = new_code()
        if not db.execute("SELECT 1 FROM centres WHERE short_code = ?", [code]).fetchone():
            return code


def _centre(row):
    if row is None:
        return None
    centre = dict(row)
    centre["disabled_questions"] = json.loads(centre["disabled_questions"])
    centre["languages"] = json.loads(centre["languages"])
    return centre


def set_kiosk_pin(db, centre_id, pin_hash):
    with write_transaction(db):
        db.execute("UPDATE centres SET kiosk_pin_hash = ? WHERE id = ?", [pin_hash, centre_id])


def centre_by_slug(db, slug):
    return _centre(next(db.query("SELECT * FROM centres WHERE slug = ?", [slug]), None))


def centre_by_survey_token(db, token):
    return _centre(next(db.query("SELECT * FROM centres WHERE survey_token = ?", [token]), None))


def centre_by_short_code(db, code):
    """The centre whose poster has this short code (stored form: app/short_codes.normalise)."""
    return _centre(next(db.query("SELECT * FROM centres WHERE short_code = ?", [code]), None)) if code else None


def list_centres(db):
    return by_name(_centre(row) for row in db.query("""
        SELECT centres.*, (SELECT count(*) FROM kiosks WHERE centre_id = centres.id) AS kiosk_count
        FROM centres"""))


def rotate_survey_token(db, slug):
    """A new survey link, and with it a new short code: the old poster's code opens nothing."""
    with write_transaction(db):
        db.execute("UPDATE centres SET survey_token = ?, short_code = ? WHERE slug = ?",
                   [new_token(), _free_short_code(db), slug])
    return centre_by_slug(db, slug)


CENTRE_SETTINGS = {"name", "disabled_questions", "kiosk_idle_seconds", "min_cell_size", "languages",
                   "message_retention_months", "show_said", "retention_months", "kiosk_answer_interval_seconds",
                   "answers_per_minute"}


def update_centre(db, slug, **settings):
    """Change a centre's settings (see CENTRE_SETTINGS); lists are stored as JSON."""
    unknown = set(settings) - CENTRE_SETTINGS
    if unknown:
        raise ValueError(f"unknown centre settings: {sorted(unknown)}")
    with write_transaction(db):
        for name, value in settings.items():
            if isinstance(value, (list, tuple, set)):
                value = json.dumps(sorted(value))
            # Not an injection: name checked against CENTRE_SETTINGS above.
            db.execute(f"UPDATE centres SET {name} = ? WHERE slug = ?", [value, slug])  # nosec B608
    return centre_by_slug(db, slug)


# --- kiosks --------------------------------------------------------------------------------

def kiosks_of(db, centre_id):
    """Paired tablets by nickname, with the day each was paired and last seen (ISO dates, None
    where not known); the id is the start of the stored hash, never the token."""
    return [{"id": row[0][:10], "nickname": row[1], "paired_on": row[2], "last_seen_on": row[3]} for row in db.execute(
        """SELECT token_hash, nickname, paired_on, last_seen_on FROM kiosks WHERE centre_id = ?
           ORDER BY nickname, token_hash""", [centre_id])]


def kiosk_seen(db, kiosk_token, day):
    """A tablet said it is on today (a day, never a time). Written only when the day changes."""
    with write_transaction(db):
        return db.execute("UPDATE kiosks SET last_seen_on = ? WHERE token_hash = ? AND last_seen_on IS NOT ?",
                          [day.isoformat(), _hash(kiosk_token), day.isoformat()]).rowcount


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


def pair_kiosk(db, pairing_token, nickname, day=None):
    """Use up a pairing link; returns the new kiosk's secret token, or None if the link is spent.
    `day` is the day it was paired (kept as a day, never a time)."""
    kiosk_token = new_token()
    with write_transaction(db):
        row = db.execute(
            "SELECT centre_id FROM kiosk_pairings WHERE token_hash = ? AND expires_at >= ?",
            [_hash(pairing_token), int(time.time())]).fetchone()
        if row is None:
            return None
        db.execute("DELETE FROM kiosk_pairings WHERE token_hash = ?", [_hash(pairing_token)])
        db.execute("INSERT INTO kiosks (token_hash, centre_id, nickname, paired_on) VALUES (?, ?, ?, ?)",
                   [_hash(kiosk_token), row[0], nickname, day.isoformat() if day else None])
    return kiosk_token


def centre_for_kiosk(db, kiosk_token):
    row = next(db.query("""
        SELECT centres.* FROM kiosks JOIN centres ON centres.id = centre_id
        WHERE token_hash = ?""", [_hash(kiosk_token)]), None)
    return _centre(row)


