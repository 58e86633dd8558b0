"""The staff side: logins, the centres a person works at, and (admins) their team."""

import functools

from flask import Blueprint, abort, g, redirect, request, session, url_for

from .. import db

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")

# The only staff pages open without a login.
PUBLIC_ENDPOINTS = {"staff.login", "staff.accept_invite"}
ROLES = ("staff", "admin")


@bp.before_request
def require_login():
    g.staff = signed_in_staff()
    if g.staff is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("staff.login", next=request.path))
    return None


def signed_in_staff():
    staff_id = session.get("staff_id")
    if staff_id is None:
        return None
    staff = db.staff_by_id(db.get_db(), staff_id)
    # A password change bumps session_version and so ends every other session.
    if staff and staff["password_hash"] and staff["session_version"] == session.get("staff_version"):
        return staff
    session.clear()
    return None


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
