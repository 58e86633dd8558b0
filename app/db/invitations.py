"""Invitations: one-time links, stored hashed, that expire and are bound to the membership they create.

Two kinds. A *password* link lets a new person choose the password of an account that has none;
it is made only while the account holds nothing but what its maker may grant (see
`may_set_password`). A *join* link adds a membership to an account that exists, and works only
for that account, signed in: it never sets a password. Which kind a link is, its maker's page
does not say (app/staff/views.py: team).
"""

import time

from .core import _hash, new_token, write_transaction


def may_set_password(db, staff_id, centre_id):
    """Whether an admin of `centre_id` may hand out the link that sets this account's password:
    only while it has no password, no powers beyond that centre and no password link from
    anyone else (another centre's admin, the operator). Otherwise whoever holds the link would
    take over more than the admin could ever grant."""
    row = db.execute("""
        SELECT password_hash IS NULL AND NOT is_site_admin AND NOT is_hub_admin
           AND NOT EXISTS (SELECT 1 FROM memberships WHERE staff_id = :staff AND centre_id != :centre)
           AND NOT EXISTS (SELECT 1 FROM invites WHERE staff_id = :staff AND sets_password
                           AND centre_id IS NOT :centre AND expires_at >= :now)
        FROM staff WHERE id = :staff""", {"staff": staff_id, "centre": centre_id, "now": int(time.time())}).fetchone()
    return bool(row and row[0])


def create_invite(db, staff_id, centre_id, role, *, sets_password, ttl_hours):
    """A new link for this membership (centre_id None: the operator's password link, no membership).

    It replaces the account's earlier links for the same centre, and a password link replaces
    every earlier password link of the account: one live link per purpose, never two beside
    each other.
    """
    token = new_token()
    now = int(time.time())
    with write_transaction(db):
        db.execute("DELETE FROM invites WHERE expires_at < ?", [now])
        db.execute("DELETE FROM invites WHERE staff_id = ? AND (centre_id IS ? OR (sets_password AND ?))",
                   [staff_id, centre_id, int(sets_password)])
        db.execute("""INSERT INTO invites (token_hash, staff_id, centre_id, role, sets_password, expires_at)
                      VALUES (?, ?, ?, ?, ?, ?)""",
                   [_hash(token), staff_id, centre_id, role, int(sets_password), now + ttl_hours * 3600])
    return token


def forget_password_links(db, staff_id):
    """The account gained powers (the operator's command): a password link made before must not
    open them."""
    with write_transaction(db):
        db.execute("DELETE FROM invites WHERE staff_id = ? AND sets_password", [staff_id])


_LIVE = """
    SELECT invites.staff_id, invites.centre_id, invites.role, invites.sets_password, staff.email,
           centres.name AS centre_name, centres.slug AS centre_slug
    FROM invites JOIN staff ON staff.id = invites.staff_id LEFT JOIN centres ON centres.id = invites.centre_id
    WHERE invites.token_hash = ? AND invites.expires_at >= ?
      AND (NOT invites.sets_password OR staff.password_hash IS NULL)"""


def invitation(db, token):
    """The live invitation behind a link, or None (used, expired, or a password link for an
    account that has a password by now)."""
    return next(db.query(_LIVE, [_hash(token), int(time.time())]), None)


def accept_password_invite(db, token, password_hash):
    """Set the password of a new account and create its membership; the link is used up. The
    staff id, or None when the link no longer works."""
    with write_transaction(db):
        found = db.execute(_LIVE, [_hash(token), int(time.time())]).fetchone()
        if found is None or not found[3]:
            return None
        staff_id, centre_id, role = found[0], found[1], found[2]
        db.execute("UPDATE staff SET password_hash = ?, session_version = session_version + 1 WHERE id = ?",
                   [password_hash, staff_id])
        db.execute("DELETE FROM invites WHERE staff_id = ? AND sets_password", [staff_id])
        if centre_id is not None:
            _join(db, staff_id, centre_id, role)
    return staff_id


def accept_join_invite(db, token, staff_id):
    """Add the membership a join link is for, to the account it is for only; the link is used up.
    The centre's slug, or None."""
    with write_transaction(db):
        found = db.execute(_LIVE, [_hash(token), int(time.time())]).fetchone()
        if found is None or found[3] or found[0] != staff_id:
            return None
        _join(db, staff_id, found[1], found[2])
        db.execute("DELETE FROM invites WHERE token_hash = ?", [_hash(token)])
    return found[6]


def withdraw_invites(db, staff_id, centre_id):
    """The centre's pending links for this account stop working (a leaked link, a mistake)."""
    with write_transaction(db):
        return db.execute("DELETE FROM invites WHERE staff_id = ? AND centre_id = ?", [staff_id, centre_id]).rowcount


def _join(db, staff_id, centre_id, role):
    db.execute("""INSERT INTO memberships (staff_id, centre_id, role) VALUES (?, ?, ?)
                  ON CONFLICT (staff_id, centre_id) DO UPDATE SET role = excluded.role""", [staff_id, centre_id, role])


def invitations_at(db, centre_id):
    """Who has been invited to the centre and not yet accepted: the same for a new account as for
    one that exists elsewhere."""
    return list(db.query("""
        SELECT staff.email, invites.role, invites.expires_at FROM invites JOIN staff ON staff.id = invites.staff_id
        WHERE invites.centre_id = ? AND invites.expires_at >= ?
          AND NOT EXISTS (SELECT 1 FROM memberships WHERE staff_id = invites.staff_id AND centre_id = invites.centre_id)
        ORDER BY staff.email""", [centre_id, int(time.time())]))
