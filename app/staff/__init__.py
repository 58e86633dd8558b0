"""The staff side: logins, the centres a person works at, and (admins) their team."""

import functools
import time

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for

from .. import db, failures

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")

# The only staff pages open without a login.
PUBLIC_ENDPOINTS = {"staff.login", "staff.accept_invite"}
ROLES = ("staff", "admin")


@bp.before_request
def report_failures():
    """A staff page is never an answer: the operator's hourly line on answers not stored goes
    out here (app/failures.py)."""
    failures.report()


@bp.before_request
def require_login():
    g.staff = signed_in_staff()
    if g.staff is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("staff.login", next=request.path))
    return None


# The idle clock is moved on at most this often, so the cookie is not rewritten on every page.
SEEN_EVERY_SECONDS = 60


def sign_in(staff):
    session.clear()  # a fresh session: nothing from before the login carries over
    now = int(time.time())
    session.update(staff_id=staff["id"], staff_version=staff["session_version"], signed_in_at=now, seen_at=now)


def signed_in_staff():
    """The staff member this session belongs to, while it lasts.

    The session lives in a signed cookie, which a copy can replay: so it names the account's
    session generation, and signing out, a new password, the loss of one's last centre or an
    admin's "sign out everywhere" move the generation on and end every earlier session. It also
    ends after a while without a page, and some hours after signing in. Real time, not the
    calendar: this is security.
    """
    staff_id = session.get("staff_id")
    if staff_id is None:
        return None
    staff = db.staff_by_id(db.get_db(), staff_id)
    now = int(time.time())
    idle = current_app.config["STAFF_IDLE_MINUTES"] * 60
    lifetime = current_app.config["STAFF_SESSION_HOURS"] * 3600
    if not (staff and staff["password_hash"] and staff["session_version"] == session.get("staff_version")
            and now - session.get("seen_at", 0) < idle and now - session.get("signed_in_at", 0) < lifetime):
        session.clear()
        return None
    if now - session["seen_at"] >= SEEN_EVERY_SECONDS:
        session["seen_at"] = now
    return staff


def centre_access(minimum_role):
    """The one place that decides who may see which centre.

    Wraps a view taking `slug`; the view receives the centre instead. Someone without access
    gets the same 404 whether the centre exists or not, so slugs cannot be probed.
    """
    def decorator(view):
        @functools.wraps(view)
        def wrapped(slug, **kwargs):
            database = db.get_db()
            centre = db.centre_by_slug(database, slug)
            role = None
            if centre is not None:
                role = "admin" if g.staff["is_site_admin"] else db.role_at(database, g.staff["id"], centre["id"])
            if role is None:
                abort(404)
            if ROLES.index(role) < ROLES.index(minimum_role):
                abort(403)
            g.centre, g.role = centre, role
            return view(centre, **kwargs)
        wrapped.minimum_role = minimum_role
        return wrapped
    return decorator


from . import views  # noqa: E402,F401  (routes register themselves on bp)
