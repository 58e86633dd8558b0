"""The calendar the app lives by: which week an answer falls in, which weeks have closed.

Real time, unless BRUGERSTEMMEN_CLOCK fixes it (an ISO date and time) so that tests and
demonstrations can close a week without waiting for Sunday. It is read only inside the app (a
request or a CLI command); code outside it is handed the time by its caller, so that nothing
falls back to the real date unnoticed. Security never reads this clock: signatures, throttling
and token expiry use real time.
"""

import datetime

from flask import current_app, has_app_context


def now():
    if not has_app_context():
        raise RuntimeError("the app's calendar is read inside the app; pass the time in explicitly")
    fixed = current_app.config.get("CLOCK")
    if fixed and isinstance(fixed, str):
        fixed = datetime.datetime.fromisoformat(fixed)
    return fixed or datetime.datetime.now()


def today():
    return now().date()
