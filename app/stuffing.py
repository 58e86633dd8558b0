"""Limits that make stuffing the survey hard without knowing who anyone is.

- A paired kiosk stores at most one answer per interval (a centre setting, 20 s by default),
  decided here by the kiosk's pairing, never by the tablet's clock.
- A centre's survey link takes at most so many answers a minute (30 by default); past that a
  person is asked to try again in a minute, and staff see how many were turned away.

No address, device or person is counted: only the kiosk (by the hash of its pairing token) and
the centre. The counters live in db.counters' file on a tmpfs, forgotten on restart; they use
real time, as all security does (never app/clock.py).
"""

import hashlib
import time
from dataclasses import dataclass

from flask import current_app, g

from . import db

MINUTE = 60
DAY = 86400
# How long staff are told that answers were turned away: about a week, counted in whole days.
NOTICE_DAYS = 7


@dataclass
class Claim:
    """A place an answer has taken under a limit; given back if the answer is not stored."""

    name: str | None

    def give_back(self):
        if self.name:
            db.counters.give_back(counters(), self.name)


def kiosk_interval(centre):
    return _setting(centre, "kiosk_answer_interval_seconds", "KIOSK_ANSWER_INTERVAL_SECONDS")


def answers_per_minute(centre):
    return _setting(centre, "answers_per_minute", "SURVEY_ANSWERS_PER_MINUTE")


def claim_for_kiosk(centre, kiosk_token, now=None):
    """A Claim when this kiosk may store an answer now; None within its interval."""
    interval = kiosk_interval(centre)
    if interval <= 0:
        return Claim(None)
    kiosk = hashlib.sha256(kiosk_token.encode()).hexdigest()[:32]
    name = db.counters.take_one_per_window(counters(), f"kiosk:{kiosk}", interval, _now(now))
    return Claim(name) if name else None


def claim_for_survey_link(centre, now=None):
    """A Claim when the centre's survey link may take one more answer this minute; else None,
    and the turning away is counted for staff."""
    limit = answers_per_minute(centre)
    if limit <= 0:
        return Claim(None)
    now = _now(now)
    name = db.counters.take_within_rate(counters(), f"survey:{centre['id']}", limit, MINUTE, now)
    if name:
        return Claim(name)
    # Forgotten on a whole-day grid, so the notice's end says nothing finer than the day.
    db.counters.add(counters(), f"turned-away:{centre['id']}", (now // DAY + 1 + NOTICE_DAYS) * DAY, now)
    return None


def turned_away(centre, now=None):
    """How many answers the survey link turned away in about the last week (for staff)."""
    return db.counters.count(counters(), f"turned-away:{centre['id']}", _now(now))


def _setting(centre, column, config_name):
    value = centre.get(column)
    return current_app.config[config_name] if value is None else value


def _now(now):
    return time.time() if now is None else now


def counters():
    """This request's connection to the counters' file (also app/failures.py's)."""
    if "counters" not in g:
        g.counters = db.counters.open_counters(runtime_dir())
    return g.counters


def close_counters(_exc=None):
    conn = g.pop("counters", None)
    if conn is not None:
        conn.close()


def runtime_dir():
    """The folder of the counters: BRUGERSTEMMEN_RUNTIME_DIR (set by `brugerstemmen serve` for
    its workers), else one made for this process on a tmpfs and removed when it ends."""
    configured = current_app.config["RUNTIME_DIR"]
    if configured:
        return configured
    return _process_runtime_dir()


_made = {}


def _process_runtime_dir():
    # Outside the server (a development run, a test without a folder): this process's own.
    if "dir" not in _made:
        import atexit
        import shutil
        import tempfile

        from .config import runtime_base

        _made["dir"] = tempfile.mkdtemp(prefix="brugerstemmen-", dir=runtime_base())
        atexit.register(shutil.rmtree, _made["dir"], True)
    return _made["dir"]
