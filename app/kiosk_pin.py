"""The PIN that lets staff out of a locked kiosk: set by an admin (Settings, or
`brugerstemmen centre kiosk-pin`), checked on the kiosk.

A room of its own, used by the kiosk, the staff settings and the command alike: the kiosk
needs nothing else of the staff accounts.
"""

import re
import time

from flask_babel import force_locale, gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from . import db

PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
# A PIN has few digits, so wrong guesses soon cost waiting time: a few free, then waits that
# double up to a quarter of an hour, as for a staff account; never forever.
FREE_FAILURES = 5
MAX_LOCK_SECONDS = 15 * 60
FORGET_AFTER_SECONDS = 24 * 3600


# The exit dialog is for staff, whatever language the last person chose on the kiosk.
STAFF_LANGUAGES = ("da", "en")


def exit_dialog_texts():
    """The exit dialog's words in Danish and in English, shown together."""
    texts = []
    for code in STAFF_LANGUAGES:
        with force_locale(code):
            texts.append({"lang": code, "title": _("Staff: leave the kiosk"), "pin": _("Kiosk PIN"),
                          "go": _("Continue"), "cancel": _("Cancel")})
    return texts


def _lock_seconds(failures):
    return 0 if failures < FREE_FAILURES else min(MAX_LOCK_SECONDS, 30 * 2 ** (failures - FREE_FAILURES))


def set_pin(database, centre, pin):
    if not PIN_PATTERN.match(pin):
        raise ValueError("a kiosk PIN is 4 to 8 digits")
    db.set_kiosk_pin(database, centre["id"], generate_password_hash(pin, method="scrypt"))


def check(throttle, centre, pin, now=None):
    """'right', 'wrong', 'locked' (too many wrong tries just now) or 'unset'. `throttle` is the
    throttle file's connection (db.get_throttle_db()); real time, not the calendar."""
    if not centre["kiosk_pin_hash"]:
        return "unset"
    now = int(now or time.time())
    key = f"kiosk-pin:{centre['id']}"
    # Checked and counted in one step: guesses sent at once get no more tries than one by one.
    if db.claim_attempt(throttle, [key], [(key, _lock_seconds)], now):
        return "locked"
    if check_password_hash(centre["kiosk_pin_hash"], pin or ""):
        db.forget_login_failures(throttle, [key])
        return "right"
    db.forget_login_failures(throttle, older_than=now - FORGET_AFTER_SECONDS)
    return "wrong"
