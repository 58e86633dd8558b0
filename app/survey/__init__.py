"""The respondent side: the phone survey reached by QR code, and the paired kiosk tablet."""

from flask import Blueprint, current_app

from .. import clock, db

bp = Blueprint("survey", __name__, template_folder="templates")


@bp.after_request
def set_times_back(response):
    """No time a copy of the data folder keeps falls on a person's request (app/db/file_times.py)."""
    try:
        db.file_times.after_request(db.path_in(current_app.config["DATA_DIR"]), db.file_times.week_of(clock.now()))
    except OSError:
        pass  # never the reason a person's page fails; the next request sets them back
    return response

from . import views  # noqa: E402,F401  (routes register themselves on bp)
