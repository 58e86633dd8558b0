"""What protects respondents on the way in and out: free-text scrubbing (and, later, suppression)."""

import datetime
import re

from . import periods

# Order matters: a CPR number also looks like a phone number, a link may hold an address.
_SCRUBBERS = [
    # E-mail addresses, before links so that "name@site.dk" is not half a link.
    ("[E-MAIL]", re.compile(r"[\w.+\-]+\s?(?:@|\(at\)|\[at\])\s?[\w\-]+(?:\.[\w\-]+)+", re.IGNORECASE)),
    # Links: with a scheme, starting with www., or a bare domain with a common top-level domain.
    ("[LINK]", re.compile(
        r"\b(?:https?://|www\.)\S+"
        r"|\b[\w\-]+(?:\.[\w\-]+)*\.(?:dk|com|net|org|eu|se|no|de|info|io|me|nu|app|co)\b(?:/\S*)?",
        re.IGNORECASE)),
    # CPR: DDMMYY then four digits, with or without a dash or space. No modulus-11 check:
    # numbers issued since 2007 need not pass it, and a false alarm only costs ten digits.
    ("[CPR]", re.compile(r"(?<![\d])\d{6}[\s\-]?\d{4}(?![\d])")),
    # Phone numbers: eight or more digits, optionally +45/0045 and single separators.
    ("[TELEFON]", re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[\s.\-]?\d){7,}(?!\d)")),
]


def scrub(text):
    """Replace CPR numbers, phone numbers, e-mail addresses and links with a marker."""
    for marker, pattern in _SCRUBBERS:
        text = pattern.sub(marker, text)
    return text


def iso_week(day):
    """The only time a response keeps: its ISO week, like '2026-W48'."""
    return periods.week_of(day).key


def current_iso_week():
    return iso_week(datetime.date.today())
