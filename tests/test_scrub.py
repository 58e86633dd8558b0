"""Free text is scrubbed of CPR numbers, phone numbers, e-mail addresses, links and @names, and
left alone otherwise: tests/scrub_corpus.txt holds what people write, with what must be kept."""

import datetime
from pathlib import Path

import pytest

from app.privacy import iso_week, scrub

CORPUS = Path(__file__).parent / "scrub_corpus.txt"


def corpus():
    """(message, what it must become) for every message of the corpus."""
    cases = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.startswith("→ "):
            cases[-1] = (cases[-1][0], line[2:])
        elif line and not line.startswith("#"):
            cases.append((line, line))
    return cases


def test_the_corpus_is_large_and_varied():
    cases = corpus()
    assert len(cases) >= 200
    scrubbed = [expected for text, expected in cases if text != expected]
    assert len(cases) - len(scrubbed) >= 100  # ordinary messages, left alone
    for marker in ("[CPR]", "[TELEFON]", "[E-MAIL]", "[LINK]"):
        assert sum(marker in expected for expected in scrubbed) >= 10


@pytest.mark.parametrize("text, expected", corpus())
def test_the_scrubber_keeps_to_the_corpus(text, expected):
    assert scrub(text) == expected


def test_scrubbing_twice_changes_nothing_more():
    for _message, expected in corpus():
        assert scrub(expected) == expected


def test_invisible_characters_are_dropped_so_they_hide_nothing():
    assert scrub("cpr 010190\u00ad1234") == "cpr [CPR]"
    assert scrub("ring 20\u200b30\u200b40\u200b50") == "ring [TELEFON]"
    assert scrub("tak\u200b for i dag") == "tak for i dag"


def test_iso_week_is_the_only_time_kept():
    assert iso_week(datetime.date(2026, 11, 23)) == "2026-W48"
    assert iso_week(datetime.date(2027, 1, 1)) == "2026-W53"


@pytest.mark.parametrize("pattern", ["a.", "1.", "a", "1 ", "ab.cd.", "www.", "a dot ", "a (at) ", "a at ", "a-",
                                     "2O", "@a", "a@b.dk ", "ole.hansen "])
def test_a_long_hostile_message_is_scrubbed_in_moments(pattern):
    """A message is at most 1,000 characters; no run of them makes a pattern backtrack for long
    (a.a.a... once took 25 seconds, a server thread held all the while)."""
    import time

    scrub("warm up the suffix list")
    text = (pattern * 1000)[:1000]
    started = time.perf_counter()
    scrub(text)
    assert time.perf_counter() - started < 0.5
