"""Free text is scrubbed before it is stored: CPR numbers, phone numbers, e-mail addresses, links
and @profile names become [CPR], [TELEFON], [E-MAIL] and [LINK].

People write these to get around such a filter as often as by habit: "navn (at) mail (dot) dk",
a full-width ＠, "2 0 3 0 4 0 5 0", "2O3O4O5O" with the letter O, "o l e @ g m a i l . c o m".
So the patterns look at views of the text that undo those tricks (full-width and other digits
made plain, letters spaced out drawn together), and every match is replaced in the text as
written. Dates, times, prices, years and room numbers are numbers too: they are recognised
first and left alone. Whether a word is a top-level domain comes from the Public Suffix List
(the `publicsuffixlist` package, which ships a current copy), not from a list of our own.

What cannot be found reliably, names and street addresses above all, is not attempted: the
form asks people not to write them, and the staff guide says to delete a message that does.
"""

import datetime
import functools
import re
import unicodedata

from publicsuffixlist import PublicSuffixList

CPR, PHONE, EMAIL, LINK = "[CPR]", "[TELEFON]", "[E-MAIL]", "[LINK]"
# Where two findings overlap, the first of these names the whole.
PRIORITY = [EMAIL, LINK, CPR, PHONE]

# Top-level domains that are also everyday Danish or English words, so "godt.vi ses" with a
# missing space is a sentence, not a website. Such a domain is still caught with "www.", a
# scheme or a path ("vi.dk/x" is a link whatever its last word).
SENTENCE_WORDS = {"af", "am", "as", "at", "be", "by", "in", "is", "it", "men", "om", "so", "to", "us", "vi"}


@functools.cache
def _suffixes():
    return PublicSuffixList(only_icann=True, accept_unknown=False)


def is_tld(word):
    return bool(word) and word.isascii() and _suffixes().publicsuffix("x." + word.lower()) is not None


# --- views of the text ---------------------------------------------------------------------
# A view is (text, where): where[i] is the index in the original text of the view's i-th character.

def _plain(text):
    """Full-width and other compatibility forms (＠, ｄｋ, ①) and every kind of digit (٢٠٣٠)
    as their plain ASCII selves."""
    chars, where = [], []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Nd":
            plain = str(unicodedata.decimal(ch))
        else:
            plain = unicodedata.normalize("NFKC", ch) or ch
        chars.extend(plain)
        where.extend([i] * len(plain))
    return "".join(chars), where


# Four or more single characters with single spaces between: "o l e @ g m a i l . c o m".
_SPACED = re.compile(r"(?<!\S)\S(?: \S){3,}(?!\S)")


def _drawn_together(view):
    text, where = view
    chars, positions, last = [], [], 0
    for match in _SPACED.finditer(text):
        chars.append(text[last:match.start()])
        positions.extend(where[last:match.start()])
        for i in range(match.start(), match.end()):
            if text[i] != " ":
                chars.append(text[i])
                positions.append(where[i])
        last = match.end()
    chars.append(text[last:])
    positions.extend(where[last:])
    return "".join(chars), positions


# --- e-mail addresses, links and profile names -----------------------------------------------

_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_BRACKETED = r"\s*(?:\(\s*{0}\s*\)|\[\s*{0}\s*\]|\{{\s*{0}\s*\}}|<\s*{0}\s*>)\s*"
_AT_WORD = r"(?:at|snabel-?a)"
_DOT_WORD = r"(?:dot|punktum|prik)"
_AT = rf"(?:\s*[@]\s*|{_BRACKETED.format(_AT_WORD)}|\s+snabel-?a\s+|\s+at\s+(?=\S+\s+{_DOT_WORD}\s))"
_DOT = rf"(?:\.|{_BRACKETED.format(_DOT_WORD)}|\s+{_DOT_WORD}\s+)"
_LOOSE_DOT = r"\s?[.,]\s?"  # "navn@gmail. com", "navn@gmail,com": once, and only without a real dot
# The local part starts where a word starts, and its dots separate parts that hold none: every
# way to read it is one way, so a long run of "a.a.a." is read once, not cubically often.
_LOCAL = rf"(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*"
_EMAIL = re.compile(rf"{_LOCAL}({_AT})({_LABEL}(?:(?:{_DOT}{_LABEL})+|{_LOOSE_DOT}{_LABEL})?)", re.IGNORECASE)
_SCHEME_OR_WWW = re.compile(r"\b(?:(?:https?|ftp)://|www\d{0,3}\.)[^\s<>\"]+", re.IGNORECASE)
_DOMAIN = re.compile(rf"(?<![\w@.-]){_LABEL}(?:{_DOT}{_LABEL})+(?P<path>/[^\s<>\"]*)?", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@./])@(?=[\w.]*[^\W\d_])\w(?:[\w.]{0,28}\w)?")
_TRAILING = ".,;:!?)]}'\""
_SEPARATOR = re.compile(rf"{_LOOSE_DOT}|{_DOT}", re.IGNORECASE)


def _labels(domain):
    """The labels of a domain as written, each with where it ends in `domain`."""
    found, start = [], 0
    for separator in _SEPARATOR.finditer(domain):
        found.append((domain[start:separator.start()], separator.start()))
        start = separator.end()
    found.append((domain[start:], len(domain)))
    return found


def _domain_end(domain):
    """Where the longest part of `domain` that ends in a top-level domain ends (None: nowhere)."""
    labels = _labels(domain)
    for count in range(len(labels), 1, -1):
        if is_tld(labels[count - 1][0]):
            return labels[count - 1][1]
    return None


def _emails(text):
    for match in _EMAIL.finditer(text):
        end = _domain_end(match.group(2))
        if end is not None:
            yield match.start(), match.start(2) + end, EMAIL
        elif match.group(1) == "@":  # "navn@gmail": an @ between words needs no domain
            yield match.start(), match.start(2) + len(_labels(match.group(2))[0][0]), EMAIL


def _links(text):
    for match in _SCHEME_OR_WWW.finditer(text):
        yield match.start(), match.end() - (len(match.group(0)) - len(match.group(0).rstrip(_TRAILING))), LINK
    for match in _DOMAIN.finditer(text):
        labels = _labels(match.group(0)[:match.start("path") - match.start()] if match.group("path")
                         else match.group(0))
        end = _domain_end(match.group(0)[:labels[-1][1]])
        if end is None:
            continue
        tld = next(label for label, ends in labels if ends == end)
        if not any(ch.isalpha() for ch in labels[0][0]):  # "2.tv" is the second floor, left
            continue
        if match.group("path"):
            yield match.start(), match.end() - (len(match.group(0)) - len(match.group(0).rstrip(_TRAILING))), LINK
        elif tld.lower() not in SENTENCE_WORDS and not tld.istitle():
            # A capitalised last word ("godt.Fun", "maden.Nu") starts a sentence after a missing
            # space: with no scheme, no www. and no path, it is not an address.
            yield match.start(), match.start() + end, LINK


def _handles(text):
    for match in _HANDLE.finditer(text):
        yield match.start(), match.end(), LINK


# --- numbers ---------------------------------------------------------------------------------

_TIME = r"(?:[01]?\d|2[0-4])[.:][0-5]\d"
# Numbers that are left alone, each only when nothing numeric follows or precedes it directly.
_ALONE = r"(?<![\d.:,/-]){0}(?![.:,/-]?\d)"
_ORDINARY = [re.compile(_ALONE.format(pattern), re.IGNORECASE) for pattern in (
    r"(?P<d>\d{1,2})[./-](?P<m>\d{1,2})[./-](?:\d{4}|\d{2})",     # 24.12.2025, 1/3-26
    r"\d{4}-(?P<m>\d{2})-(?P<d>\d{2})",                            # 2025-12-24
    r"(?:19|20)\d\d\s?[-–/]\s?(?:(?:19|20)\d\d|\d\d)",              # 2019-2025, 2024/25
    rf"{_TIME}\s?[-–]\s?{_TIME}",                                       # 10.00-14.00
    _TIME,                                                              # 16.30, 9:15
    r"\d{1,3}(?:\.\d{3})+(?:,\d+)?",                                  # 1.250.000,50
    r"\d+(?:[.,]\d+)?\s?(?:kr\b\.?|dkk\b|€|eur\b|euro\b|%)",          # 2500000 kr
)]
# Separators people put between digit groups: spaces, dots, dashes of any kind, slashes,
# brackets; up to three in a row ("20. 30", "010190 - 1234", "(+45) 2030").
_SEP = r"[\s.\-\u2010-\u2015\u2212/()]{0,3}"
_DIGITS = re.compile(rf"(?<![\d+])(?:\+\s?)?\d(?:{_SEP}\d)*")
_ZERO = re.compile(r"(?<![^\W\dOo_])[Oo](?![^\W\dOo_])")  # an O standing among digits, not in a word


def _numbers(text):
    view = list(_ZERO.sub("0", text))
    for pattern in _ORDINARY:
        for match in pattern.finditer(text):
            if _valid_date(match):
                view[match.start():match.end()] = "§" * (match.end() - match.start())
    for match in _DIGITS.finditer("".join(view)):
        digits = re.sub(r"\D", "", match.group(0))
        real = sum(ch.isdigit() for ch in text[match.start():match.end()])
        if len(digits) < 8 or real < 4:
            continue
        # "(+45) 2030 4050": the bracket opened before the number goes with it.
        start = match.start() - (match.start() > 0 and text[match.start() - 1] == "(" and ")" in match.group(0))
        if len(digits) == 10 and not match.group(0).startswith("+") and _is_date(digits[:6]):
            yield start, match.end(), CPR
        else:
            yield start, match.end(), PHONE


def _valid_date(match):
    found = match.groupdict()
    if found.get("d") is None:
        return True
    return 1 <= int(found["d"]) <= 31 and 1 <= int(found["m"]) <= 12


def _is_date(ddmmyy):
    try:
        datetime.date(2000, int(ddmmyy[2:4]), int(ddmmyy[:2]))  # a leap year: 29 February exists
    except ValueError:
        return False
    return True


# --- all together ----------------------------------------------------------------------------

FINDERS = [_emails, _links, _handles, _numbers]


def scrub(text):
    """Replace CPR numbers, phone numbers, e-mail addresses, links and @names with a marker."""
    # Invisible characters (zero-width spaces, soft hyphens) could hide a number from the patterns.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    plain = _plain(text)
    found = []
    for view, where in (plain, _drawn_together(plain)):
        for finder in FINDERS:
            for start, end, marker in finder(view):
                if end > start:
                    found.append((where[start], where[end - 1] + 1, marker))
    for start, end, marker in reversed(_merged(found)):
        text = text[:start] + marker + text[end:]
    return text


def _merged(found):
    """Overlapping findings as one, named by the most telling marker."""
    merged = []
    for start, end, marker in sorted(found):
        if merged and start < merged[-1][1]:
            first_start, first_end, first_marker = merged[-1]
            marker = min(marker, first_marker, key=PRIORITY.index)
            merged[-1] = (first_start, max(end, first_end), marker)
        else:
            merged.append((start, end, marker))
    return merged
