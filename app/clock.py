"""The calendar the app lives by: which week an answer falls in, which weeks have closed.

Real time, unless BRUGERSTEMMEN_CLOCK fixes it (an ISO date and time) so that tests and
demonstrations can close a week without waiting for Sunday. Security never reads this clock:
signatures and throttling use the real one.
"""

import datetime

from flask import current_app, has_app_context


def now():
    fixed = current_app.config.get("CLOCK") if has_app_context() else None
    if fixed and isinstance(fixed, str):
        fixed = datetime.datetime.fromisoformat(fixed)
    return fixed or datetime.datetime.now()


def today():
    return now().date()
