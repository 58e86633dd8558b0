"""A centre's own figures as staff read them, on real answers through the pages and the CLI
(issue 25): a normal week shows every count, a year shows everything big, a small week its
number of answers alone. Every count but the number of answers is perturbed by at most 2 (the
cell key method, app/disclosure), so the tests assert that, not exact numbers: response ids
are random per insert, and so is each cell's change."""

import csv
import datetime
import html as markup
import io
import os
import random
import re
from collections import Counter

import pytest

from app import accounts, db, demo, figures, periods, questions
from app.disclosure import BANDS

from .conftest import run_cli_here
from .test_staff import PASSWORD, sign_in
from .test_summary import PERTURBED_NOTE, TOO_FEW_NOTE, percent, perturbed


SHARES_NOTE = "Andelene er af alle, der svarede i perioden."
BAND_IDS = {band for band, _label, _scores in BANDS}
ROW = re.compile(r'<th scope="row">(.*?)</th>\s*<td class="num">([^<]*)</td>\s*<td class="num">([^<]*)</td>', re.S)


# --- answers, and what they truly hold -------------------------------------------------------

def demo_answers(rng, how_many):
    """People answering as LVS's 2020 survey has it (app/demo.py's weights); never nobody at all
    (an empty answer is not stored)."""
    fields = questions.load().fields()
    found = []
    while len(found) < how_many:
        answers = demo._one_answer(rng, fields)
        if answers:
            found.append(answers)
    return found


def store(database, centre, by_week):
    """{week key: [answers]} into the history of closed weeks."""
    with db.write_transaction(database):
        for week, people in by_week.items():
            for answers in people:
                db.insert_response(database, centre_id=centre["id"], iso_week=week, question_set=1, answers=answers)


def true_counts(people):
    """{(field name, option id or band id): how many} of these people's answers."""
    counts = Counter(answer for answers in people for answer in answers)
    for band, _label, scores in BANDS:
        counts[("importance", band)] = sum(counts[("importance", score)] for score in scores)
    return counts


def labels(app):
    """How the Danish pages and files name each count: {(question, answer): (field, option)} for
    the CSV, and the same for the page's headings (its bands too)."""
    from flask_babel import force_locale, gettext as _

    in_csv, on_page = {}, {}
    with app.test_request_context(), force_locale("da"):
        for field in questions.load().fields():
            if field.kind == "text":
                continue
            question = f"{_(field.group)} – {_(field.text)}" if field.group else _(field.text)
            heading = f"{_(field.group)} {_(field.text)}" if field.group else _(field.text)
            for option in field.options:
                answer = option.text if field.kind == "scale" else _(option.text)
                in_csv[(question, answer)] = on_page[(heading, answer)] = (field.name, option.id)
            if field.kind == "scale":
                on_page.update({(heading, label): (field.name, band) for band, label, _scores in BANDS})
    return in_csv, on_page


# --- what the page and the files show --------------------------------------------------------

def plain(text):
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def page_counts(html):
    """{(question, answer): (count, share)} of every table of a summary page, bands included."""
    found = {}
    for heading, body in re.findall(r'<section class="figure">\s*<h2>(.*?)</h2>(.*?)</section>', html, re.S):
        for answer, count, share in ROW.findall(body):
            found[(plain(heading), plain(answer))] = (count.strip(), share.strip())
    return found


def csv_rows(body):
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig") if isinstance(body, bytes) else body), delimiter=";"))


def csv_counts(rows):
    """{(question, answer): (count, share)} of a summary's CSV, after its header row."""
    header = rows.index(["Spørgsmål", "Svarmulighed", "Antal", "Andel (%)"])
    end = next((i for i, row in enumerate(rows) if i > header and not row), len(rows))  # the trend follows
    return {(question, answer): (count, share) for question, answer, count, share, *_national in rows[header + 1:end]
            if not question.endswith(" – I intervaller")}  # the bands after the scores, as on the page


def assert_protected(shown, named, truth, answers, where):
    """Every count of the period is there, each a number (nothing withheld) at most 2 from the
    truth, never above the number of answers, a zero 0; each share is its count of all answers.
    Returns how many counts of 20 or more true answers were checked."""
    assert set(shown) == set(named), f"{where}: {sorted(set(named) ^ set(shown))[:5]}"
    big = 0
    for label, (count, share) in shown.items():
        true = truth[named[label]]
        value = perturbed(count, true, answers, f"{where} {label}")
        assert percent(share) == pytest.approx(100 * value / answers, abs=0.051), f"{where} {label}: {share}"
        big += true >= 20
    return big


@pytest.fixture
def staff(app, client, database, make_centre):
    def make(slug, clock):
        app.config["CLOCK"] = clock
        centre = make_centre(f"Café {slug.title()}", slug=slug)
        person = db.create_staff(database, f"leder@{slug}.example", accounts.hash_password(PASSWORD))
        db.set_membership(database, person["id"], centre["id"], "staff")
        sign_in(client, f"leder@{slug}.example")
        return centre
    return make


def cli_env(app, clock):
    return {**os.environ, "BRUGERSTEMMEN_DATA_DIR": app.config["DATA_DIR"], "BRUGERSTEMMEN_CLOCK": clock}


# --- a normal week ------------------------------------------------------------------------------

def test_a_normal_week_of_25_answers_shows_every_count_within_2_and_says_how(app, client, database, staff):
    centre = staff("uge", "2026-11-25T12:00:00")  # Wednesday of 2026-W48: W47 has closed
    people = demo_answers(random.Random(25), 25)
    store(database, centre, {"2026-W47": people})
    truth = true_counts(people)
    in_csv, on_page = labels(app)

    html = client.get("/staff/c/uge/summary/2026-W47").get_data(as_text=True)
    assert "<strong>25</strong> svar" in html  # exact
    shown = page_counts(html)
    assert_protected(shown, on_page, truth, 25, "page")
    assert {answer for question, answer in shown if question == "Hvor vigtigt er dette sted for dig?"} >= {
        "1–6", "7–8", "9–10"}  # the importance bands, each a number
    assert "&lt; 5" not in html and not re.search(r'<td class="num">\s*–\s*</td>', html)  # nothing withheld
    top = shown[("Hvor vigtigt er dette sted for dig?", "9–10")]
    assert f"Gav stedet 9 eller 10 ud af 10: <strong>{top[1]}</strong>" in html  # the headline is the band's share
    chart = re.search(r'<svg class="columns"[^>]*>(.*?)</svg>', html, re.S).group(1)
    assert 'class="withheld"' not in chart  # the importance chart: a column for every score, not empty
    assert re.findall(r'<text class="value"[^>]*>([^<]*)</text>', chart) == [
        shown[("Hvor vigtigt er dette sted for dig?", str(n))][0] for n in range(1, 11)]
    assert max(float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', chart)) > 50
    assert PERTURBED_NOTE in html and SHARES_NOTE in html  # the reader is told the counts are not exact

    body = client.get("/staff/c/uge/summary/2026-W47/download.csv").data
    rows = csv_rows(body)
    assert rows[2] == ["Svar", "25"] and ["Bemærk", SHARES_NOTE] in rows
    assert any(r[:1] == ["Bemærk"] and r[1].startswith(PERTURBED_NOTE) for r in rows)
    counts = csv_counts(rows)
    assert_protected(counts, in_csv, truth, 25, "csv")
    # The download prints the page's numbers, and both stay the same when read again.
    assert {in_csv[label]: count for label, (count, _share) in counts.items()} == {
        on_page[label]: count for label, (count, _share) in shown.items() if on_page[label][1] not in BAND_IDS}
    assert client.get("/staff/c/uge/summary/2026-W47/download.csv").data == body
    assert page_counts(client.get("/staff/c/uge/summary/2026-W47").get_data(as_text=True)) == shown


# --- a centre's year -----------------------------------------------------------------------------

def a_year_of_909(rng):
    """909 answers over 2026's 53 weeks, about 17 a week; a summer week of 3 and a Christmas week of 4."""
    sizes = {week: 17 for week in range(1, 54)}
    sizes[30], sizes[52] = 3, 4
    for week in [w for w in sizes if sizes[w] == 17][:909 - sum(sizes.values())]:
        sizes[week] += 1
    assert sum(sizes.values()) == 909
    return {f"2026-W{week:02d}": demo_answers(rng, size) for week, size in sizes.items()}


def test_a_centres_year_of_909_answers_shows_every_count_whole_to_within_2(app, client, database, staff, tmp_path):
    clock = "2027-01-13T12:00:00"  # 2026-W53 closed on 4 January: the whole year has
    centre = staff("aar", clock)
    by_week = a_year_of_909(random.Random(909))
    store(database, centre, by_week)
    in_csv, on_page = labels(app)

    out = tmp_path / "aar-2026.csv"
    run_cli_here(cli_env(app, clock), "summary", "--centre", "aar", "--period", "2026", "--format", "csv",
            "--output", str(out))
    rows = csv_rows(out.read_bytes())
    truth = true_counts([answers for people in by_week.values() for answers in people])
    assert rows[2] == ["Svar", "909"]
    assert any(r[:1] == ["Bemærk"] and r[1].startswith(PERTURBED_NOTE) for r in rows)
    big = assert_protected(csv_counts(rows), in_csv, truth, 909, "2026 csv")
    assert big >= 40  # importance 9 and 10, most reasons, frequency, meaning ...: none withheld, none off by more than 2
    html = client.get("/staff/c/aar/summary/2026").get_data(as_text=True)
    assert "<strong>909</strong> svar" in html and PERTURBED_NOTE in html
    assert_protected(page_counts(html), on_page, truth, 909, "2026 page")

    for key in [f"2026-Q{q}" for q in range(1, 5)] + [f"2026-B{b:02d}" for b in range(1, 13)]:
        people = [answers for week in periods.parse(key).week_keys for answers in by_week[week]]
        truth = true_counts(people)
        html = client.get(f"/staff/c/aar/summary/{key}").get_data(as_text=True)
        assert f"<strong>{len(people)}</strong> svar" in html, key
        assert_protected(page_counts(html), on_page, truth, len(people), f"{key} page")
        rows = csv_rows(client.get(f"/staff/c/aar/summary/{key}/download.csv").data)
        assert rows[2] == ["Svar", str(len(people))], key
        assert_protected(csv_counts(rows), in_csv, truth, len(people), f"{key} csv")
    # Its small weeks show their number of answers, and only that.
    small = client.get("/staff/c/aar/summary/2026-W30").get_data(as_text=True)
    assert "<strong>3</strong> svar" in small and TOO_FEW_NOTE in small and not page_counts(small)


# --- a small week ------------------------------------------------------------------------------

def test_a_week_of_3_answers_shows_3_and_why_nothing_more(app, client, database, staff, tmp_path):
    from openpyxl import load_workbook

    clock = "2026-11-25T12:00:00"
    centre = staff("lille", clock)
    store(database, centre, {"2026-W47": [[("importance", "9"), ("reasons", "meal")],
                                          [("importance", "10"), ("reasons", "meet_people")],
                                          [("importance", "7"), ("frequency", "daily")]]})
    html = client.get("/staff/c/lille/summary/2026-W47").get_data(as_text=True)
    assert "<strong>3</strong> svar" in html and TOO_FEW_NOTE in html
    assert not page_counts(html) and "Hvor vigtigt er dette sted for dig?" not in html  # no count at all
    assert "Gav stedet 9 eller 10" not in html and PERTURBED_NOTE not in html and "&lt; 5" not in html

    out = tmp_path / "lille.csv"
    run_cli_here(cli_env(app, clock), "summary", "--centre", "lille", "--week", "2026-W47", "--output", str(out))
    rows = csv_rows(out.read_bytes())
    assert rows[2] == ["Svar", "3"] and ["Bemærk", TOO_FEW_NOTE] in rows
    assert csv_counts(rows) == {}  # the header, and not one answer's count
    book = load_workbook(io.BytesIO(client.get("/staff/c/lille/summary/2026-W47/download.xlsx").data))
    assert book.sheetnames == ["Opsummering", "Udvikling"]  # and the trend, as on the page
    overview = list(book["Opsummering"].iter_rows(values_only=True))
    assert ("Svar", 3) in overview and ("Bemærk", TOO_FEW_NOTE) in overview
    # Nothing but the number was published for the week: nothing else can reach a page, a file or LVS.
    decisions = db.published_decisions(database, centre["id"], 2026)[0]
    assert {cell for period, cell in decisions if period == "2026-W47"} == {"N"}
    now = datetime.datetime.fromisoformat(clock)
    result = figures.period_figures(figures.stored_table(database, centre, 2026, now), periods.parse("2026-W47"))
    assert result["total"].exact and result["total"].value == 3 and not result["breakdown"] and not result["fields"]
