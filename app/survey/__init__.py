"""The respondent side: the phone survey reached by QR code, and the paired kiosk tablet."""

from flask import Blueprint

bp = Blueprint("survey", __name__, template_folder="templates")

from . import views  # noqa: E402,F401  (routes register themselves on bp)
