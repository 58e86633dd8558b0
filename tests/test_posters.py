"""The QR posters, read back from the PDF: every language's lines translated, the same layout for
all six, and Arabic and Farsi joined and ordered right to left (pdftotext alone cannot tell:
it puts RTL text back in reading order whatever the page shows)."""

import re
import shutil
import subprocess

import pytest
from PIL import Image, ImageChops

from app import posters

from .poster_references import CENTRE, LANGUAGES, REFERENCE, URL, poster, render

LINES = ["What does this place mean to you?", "Scan the code with your phone and answer anonymously in a few taps.",
         "Or type this address:", "Anonymous: we do not save your name, your phone or when you answered."]
BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


@pytest.fixture(scope="module", autouse=True)
def tools():
    for tool in ("pdftoppm", "pdftotext", "pdfinfo", "zbarimg"):
        assert shutil.which(tool), f"{tool} is missing: `make test` installs poppler-utils and zbar-tools"


def translated(language, text):
    from flask_babel import force_locale, gettext

    with force_locale(language):
        return gettext(text)


def pdf_text(pdf, tmp_path, *options):
    path = tmp_path / "poster.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def shows(text, line, language):
    """Whether the page's text has this line. pdftotext rebuilds right-to-left text in reading order
    but guesses wrong around punctuation, so there only the words count (their order and shaping are
    the next tests' business)."""
    if language not in posters.RIGHT_TO_LEFT:
        return line in text

    def words(value):
        return set(re.sub(r"[.,:;!?\u060c\u061f]", " ", value).split())
    # The lam-alef ligature comes back with its two letters the other way round.
    for ligature in ("لا", "لأ", "لإ", "لآ"):
        line = line.replace(ligature, ligature[::-1])
    return words(line) <= words(text)


def words_by_line(pdf, tmp_path):
    """Each line's words as drawn on the page, left to right: [(y, [(x, word), ...]), ...]."""
    html = pdf_text(pdf, tmp_path, "-bbox")
    lines = {}
    for x, y, word in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', html):
        lines.setdefault(round(float(y) / 4), []).append((float(x), word))  # one line, whatever its script
    return [(4 * y, sorted(words)) for y, words in sorted(lines.items())]


@pytest.mark.parametrize("language", ["da", "en", "ar", "fa", "pl", "uk"])
def test_every_line_of_the_poster_is_in_its_language_and_the_others_are_labelled(app, tmp_path, language):
    with app.test_request_context():
        pdf = posters.poster_pdf(CENTRE, URL, language)
        text = " ".join(pdf_text(pdf, tmp_path).translate(BIDI_MARKS).split())
        for line in LINES:
            assert shows(text, translated(language, line), language), (language, line)
        if language != "en":  # no English left over (the English line has only its question and invitation)
            assert not [line for line in LINES[2:] if line in text]
        # Each other language the centre offers has its line, labelled in that language ("På dansk:").
        for other in CENTRE["languages"]:
            if other != language:
                assert shows(text, f"{translated(other, 'In this language:')} {translated(other, LINES[0])}", other)
    info = subprocess.run(["pdfinfo", str(tmp_path / "poster.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\b", info) and "595.28 x 841.89" in info  # one A4 page
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(tmp_path / "poster.pdf"),
                    str(tmp_path / "poster")], check=True)
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "poster.png")], capture_output=True,
                             text=True, check=True).stdout.strip()
    assert decoded == URL


def test_polish_has_its_danish_line_like_every_other_language(app, tmp_path):
    with app.test_request_context():
        text = pdf_text(posters.poster_pdf(CENTRE, URL, "pl"), tmp_path)
    assert "På dansk: Hvad betyder stedet for dig?" in " ".join(text.split())


def test_the_layout_is_the_same_in_every_language(app, tmp_path):
    """The same blocks in the same order, the name in the same place and the QR code as large, in
    every language; only a line that needs two lines in one language pushes what follows down."""
    layouts = {}
    with app.test_request_context():
        for language in ("da", "en", "ar", "fa", "pl", "uk"):
            lines = words_by_line(posters.poster_pdf(CENTRE, URL, language), tmp_path)
            ys = [y for y, _ in lines]
            url = next(index for index, (_, words) in enumerate(lines) if any(word == URL for _, word in words))
            # From the invitation's last line to "Or type this address:": the QR code and its margins.
            qr_gap = ys[url - 1] - ys[url - 2]
            layouts[language] = (ys[0], lines[0][1][0][1] == "Værestedet", qr_gap, len(lines) - url > 6)
    assert len(set(layouts.values())) == 1, layouts


@pytest.mark.parametrize("language", ["ar", "fa"])
def test_right_to_left_words_run_from_the_right(app, tmp_path, language):
    """On the page, the question's first word is the rightmost one, each word read right to left."""
    with app.test_request_context():
        question = translated(language, LINES[0])
        lines = words_by_line(posters.poster_pdf(CENTRE, URL, language), tmp_path)
    logical = question.split()
    drawn = next(words for _, words in lines if len(words) == len(logical)
                 and {word[::-1] for _, word in words} == set(logical))
    # poppler gives each word's letters in the order they are drawn, left to right.
    assert [word[::-1] for _, word in reversed(drawn)] == logical


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_poster_looks_as_reviewed(tmp_path, language):
    """Rendered, it matches the reference image made once and looked at (tests/poster_references.py):
    joined Arabic letters, words right to left, the same layout. Unshaped text would not match."""
    reference = REFERENCE / f"poster-{language}.png"
    assert reference.exists(), "run `python -m tests.poster_references`, look at the images, commit them"
    expected = Image.open(reference).convert("L")
    actual = Image.open(render(poster(language), tmp_path, language)).convert("L")
    assert actual.size == expected.size
    assert differing(actual, expected) < 0.001, f"{language}: the poster no longer looks as reviewed"
    if language in ("ar", "fa"):
        # The comparison can tell: the same poster without shaping (letters apart, left to right) fails it.
        unshaped = Image.open(render(poster(language, shaping=False), tmp_path, f"{language}-unshaped")).convert("L")
        assert differing(unshaped, expected) > 0.005


def differing(first, second):
    """The share of pixels that differ clearly (not just in their anti-aliasing)."""
    histogram = ImageChops.difference(first, second).histogram()
    return sum(histogram[97:]) / (first.width * first.height)


@pytest.mark.calendar
def test_the_staff_download_a_poster_in_each_offered_language(client, database, make_centre, tmp_path):
    from app import accounts, db

    centre = make_centre("Café Plakat", slug="plakat", languages=["da", "ar", "pl"])
    person = db.create_staff(database, "plakat@example.dk", accounts.hash_password("en lang plakat-sætning"))
    db.set_membership(database, person["id"], centre["id"], "staff")
    client.post("/staff/login", data={"email": "plakat@example.dk", "password": "en lang plakat-sætning"})
    page = client.get("/staff/c/plakat/").get_data(as_text=True)
    assert [language for language in re.findall(r'poster\.pdf\?language=(\w+)', page)] == ["da", "ar", "pl"]
    arabic = client.get("/staff/c/plakat/poster.pdf?language=ar")
    assert arabic.status_code == 200 and 'filename="brugerstemmen-plakat-plakat-ar.pdf"' in arabic.headers[
        "Content-Disposition"]
    assert "ماذا يعني لك هذا المكان" in pdf_text(arabic.data, tmp_path).translate(BIDI_MARKS)
    assert client.get("/staff/c/plakat/poster.pdf?language=uk").status_code == 404  # not offered here
    assert 'filename="brugerstemmen-plakat-plakat.pdf"' in client.get("/staff/c/plakat/poster.pdf").headers[
        "Content-Disposition"]
