"""What protects respondents on the way in and out: free-text scrubbing, token masking, the week."""

import re
import unicodedata

from . import clock, periods

# Separators people (and phone keyboards) put between digit groups: spaces, dots, dashes of any
# kind, slashes; up to three in a row ("20. 30", "010190 - 1234").
_SEP = r"[\s.\-\u2010-\u2015\u2212/]{0,3}"

# Order matters: a CPR number also looks like a phone number, a link may hold an address.
_SCRUBBERS = [
    # E-mail addresses, also written around ("navn (at) gmail.com", "navn snabel-a gmail. com").
    ("[E-MAIL]", re.compile(
        r"[\w.+\-]+\s*(?:@|\(at\)|\[at\]|\bsnabel-?a\b)\s*[\w\-]+(?:\s?[.,]\s?[\w\-]+)+", re.IGNORECASE)),
    # Links: with a scheme, starting with www., any dotted name followed by a path ("bit.ly/x"),
    # or a bare domain with a common top-level domain.
    ("[LINK]", re.compile(
        r"\b(?:https?://|www\.)\S+"
        r"|\b[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}/\S*"
        r"|\b[\w\-]+(?:\.[\w\-]+)*\.(?:dk|com|net|org|eu|se|no|de|info|io|me|nu|app|co|ly|be|ee|gg|tv|link)\b",
        re.IGNORECASE)),
    # CPR: DDMMYY then four digits, whatever stands between. No modulus-11 check: numbers
    # issued since 2007 need not pass it, and a false alarm only costs ten digits.
    ("[CPR]", re.compile(rf"(?<!\d)\d{{6}}{_SEP}\d{{4}}(?!\d)")),
    # Phone numbers: eight or more digits, optionally +45/0045, with separators between them;
    # a word glued in front ("tlf12345678") does not protect them.
    ("[TELEFON]", re.compile(rf"(?:\+|00)?(?<!\d)\d(?:{_SEP}\d){{7,}}(?!\d)")),
]


def scrub(text):
    """Replace CPR numbers, phone numbers, e-mail addresses and links with a marker."""
    # Invisible characters (zero-width spaces, soft hyphens) could hide a number from the patterns.
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    for marker, pattern in _SCRUBBERS:
        text = pattern.sub(marker, text)
    return text


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
