"""Staff accounts and memberships (invitations: invitations.py; login throttling: throttle.py)."""

from .centres import _centre
from .core import by_name, write_transaction


# --- staff ---------------------------------------------------------------------------------

class StaffExists(Exception):
    pass


def create_staff(db, email, password_hash=None, *, site_admin=False):
    """An account; its e-mail kept in lower case, so that no page shows a stored spelling that
    differs from a new one (the Team page would tell which addresses have an account)."""
    email = email.lower()
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
        db.execute("DELETE FROM invites WHERE staff_id = ? AND sets_password", [staff_id])


def end_sessions(db, staff_id):
    """Every session of this account ends: its generation moves on (app/staff: signed_in_staff)."""
    with write_transaction(db):
        db.execute("UPDATE staff SET session_version = session_version + 1 WHERE id = ?", [staff_id])


def set_staff_language(db, staff_id, language):
    with write_transaction(db):
        db.execute("UPDATE staff SET language = ? WHERE id = ?", [language, staff_id])


def make_hub_admin(db, staff_id):
    with write_transaction(db):
        db.execute("UPDATE staff SET is_hub_admin = 1 WHERE id = ?", [staff_id])


def make_site_admin(db, staff_id):
    with write_transaction(db):
        db.execute("UPDATE staff SET is_site_admin = 1 WHERE id = ?", [staff_id])


def set_membership(db, staff_id, centre_id, role):
    with write_transaction(db):
        db.execute("""INSERT INTO memberships (staff_id, centre_id, role) VALUES (?, ?, ?)
                      ON CONFLICT (staff_id, centre_id) DO UPDATE SET role = excluded.role""",
                   [staff_id, centre_id, role])


def remove_membership(db, staff_id, centre_id):
    """Someone removed from their last centre is signed out everywhere as well. Someone who was
    not a member is left alone: a centre's admin touches nobody else's sessions (a site or hub
    admin has no membership to lose). Whether there was one to remove."""
    with write_transaction(db):
        removed = db.execute("DELETE FROM memberships WHERE staff_id = ? AND centre_id = ?",
                             [staff_id, centre_id]).rowcount
        if removed and not db.execute("SELECT 1 FROM memberships WHERE staff_id = ?", [staff_id]).fetchone():
            db.execute("UPDATE staff SET session_version = session_version + 1 WHERE id = ?", [staff_id])
    return bool(removed)


def role_at(db, staff_id, centre_id):
    row = db.execute("SELECT role FROM memberships WHERE staff_id = ? AND centre_id = ?",
                     [staff_id, centre_id]).fetchone()
    return row[0] if row else None


def centres_of(db, staff_id):
    """The centres a person works at, with their role; a site admin sees every centre."""
    return by_name(_centre(row) for row in db.query("""
        SELECT centres.*, coalesce(memberships.role, 'admin') AS role FROM centres
        LEFT JOIN memberships ON memberships.centre_id = centres.id AND memberships.staff_id = :staff
        WHERE memberships.staff_id IS NOT NULL
           OR (SELECT is_site_admin FROM staff WHERE id = :staff)""", {"staff": staff_id}))


def team_of(db, centre_id):
    return list(db.query("""
        SELECT staff.id, staff.email, memberships.role, staff.password_hash IS NOT NULL AS active
        FROM memberships JOIN staff ON staff.id = memberships.staff_id
        WHERE memberships.centre_id = ? ORDER BY staff.email""", [centre_id]))
