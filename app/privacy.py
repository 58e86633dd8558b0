"""What protects respondents on the way in and out: free-text scrubbing, token masking, the week."""

import re

from . import clock, periods
from .scrubber import scrub  # noqa: F401  (the survey scrubs a message through privacy.scrub)

# Survey and pairing tokens are keys: whoever reads a log must not be able to use them.
_TOKEN_IN_PATH = re.compile(r"/(s|kiosk/pair|staff/invite)/[^/?]+")


def mask_tokens(path):
    return _TOKEN_IN_PATH.sub(r"/\1/…", path)


def iso_week(day):
    """The only time a response keeps: its ISO week, like '2026-W48'."""
    return periods.week_of(day).key


def current_iso_week():
    return iso_week(clock.today())


def week_for_late_answer(claimed):
    """The week an answer a kiosk held back (offline) is counted in: the week the person gave it,
    as the tablet says, while that week is still open; otherwise this week. A closed week's
    numbers are decided and published, and one late answer added to them would stand out."""
    now = clock.now()
    current = periods.week_of(now.date())
    try:
        week = periods.parse(claimed or "")
    except ValueError:
        return current.key
    if week.level != "week" or week >= current or week.closes_at <= now:
        return current.key
    return week.key
