"""A period's downloads say what its summary page says (issue 28): for a week, a block, a quarter
and a year, every figure the page shows (the number of answers, the 9-10 share and median,
each count and share, the importance bands, "All centres", a week's trend) is in the PDF, the
CSV and the XLSX, with the notes on how they are protected."""

import datetime
import html as markup
import io
import random
import re
import subprocess

import pytest
from openpyxl import load_workbook

from app import accounts, db

from .test_centre_figures import csv_rows, demo_answers, store
from .test_staff import PASSWORD, sign_in


PERIODS = ["2025-W10", "2025-B03", "2025-Q1", "2025"]


def plain(text):
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def key(text):
    """A heading as all files can be matched on: letters and digits only ("Betydning – Jeg …")."""
    return re.sub(r"[\W_]+", "", text).casefold()


def page_figures(html):
    """What a summary page shows: {"total", "top", "median", "notes", "rows"}; rows are
    (context, label, (cell, ...)), the context the table's heading (and a visible caption)."""
    found = {"total": re.search(r'<p class="total"><strong>([^<]*)</strong>', html).group(1),
             "top": None, "median": None, "rows": []}
    top = re.search(r"Gav stedet 9 eller 10 ud af 10: <strong>([^<]*)</strong>(?: · median ([^<]*))?</p>", html)
    if top:
        found["top"], found["median"] = top.group(1), top.group(2)
    notes = re.search(r'<div class="hint" data-notice="protection">(.*?)</div>', html, re.S)
    found["notes"] = [plain(p) for p in re.findall(r"<p>(.*?)</p>", notes.group(1), re.S)] if notes else [
        plain(p) for p in re.findall(r'<p class="notice"[^>]*>(.*?)</p>', html, re.S)]
    for heading, body in re.findall(r'<section class="figure(?: trend)?">\s*<h2>(.*?)</h2>(.*?)</section>', html, re.S):
        for hidden, caption, table in re.findall(
                r'<table class="figures[^"]*">\s*<caption( class="visually-hidden")?>(.*?)</caption>(.*?)</table>',
                body, re.S):
            context = plain(heading) + ("" if hidden else " " + plain(caption))
            for label, cells in re.findall(r'<th scope="row">(.*?)</th>((?:\s*<td class="num[^"]*">[^<]*</td>)+)',
                                           table, re.S):
                found["rows"].append((context, plain(label),
                                      tuple(c.strip() for c in re.findall(r'<td class="num[^"]*">([^<]*)</td>', cells))))
    return found


def share_text(value):
    """A share as a file holds it (0.4, or "40,0" in the CSV) as the page prints it: "40,0 %"."""
    if value in (None, "", "–"):
        return value or ""  # a withheld share is the dash in the files as on the page
    if isinstance(value, (int, float)):
        value = f"{100 * value:.1f}".replace(".", ",")
    return value if value.endswith("%") else f"{value} %"


def count_text(value):
    """A count (1.234) or a median (8,5) as the page prints it."""
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return f"{value:,}".replace(",", ".") if isinstance(value, int) else str(value)


def as_page(cells):
    """A file's row (count, share, ...) as the page prints it."""
    return (count_text(cells[0]), *(share_text(c) for c in cells[1:]))


# --- the downloads, read back ------------------------------------------------------------------

def csv_figures(body):
    """{(context key, label): cells as the page prints them} and the first lines {label: value}."""
    rows, head, found, context = csv_rows(body), {}, {}, None
    figures = False
    for row in rows:
        if not any(row):
            figures = False
            continue
        if row[:2] == ["Spørgsmål", "Svarmulighed"]:
            figures = True
        elif figures:
            found[(key(row[0]), row[1])] = as_page(row[2:])
        elif len(row) == 1:
            context = row[0]  # a table's title: the trend's
        elif context and row[0] not in ("Bemærk", "Uge", "Periode"):
            found[(key(context), row[0])] = as_page(row[1:])
        elif context is None:
            head.setdefault(row[0], []).append(row[1])
    return head, found


def xlsx_figures(body):
    book = load_workbook(io.BytesIO(body))
    head = {}
    for label, value in book.worksheets[0].iter_rows(values_only=True):
        head.setdefault(label, []).append(share_text(value) if isinstance(value, float) and label.startswith("Gav")
                                          else count_text(value))
    found = {}
    for sheet in book.worksheets[1:]:
        context = None
        for row in sheet.iter_rows(values_only=True):
            cells = [c for c in row if c is not None]
            if len(cells) == 1:
                context = cells[0] if context is None else f"{context} {cells[0]}"
            elif cells and cells[0] not in ("Svarmulighed", "Uge", "Periode"):
                found[(key(context), cells[0])] = as_page(list(row[1:]))
    return head, found


def pdf_text(tmp_path, body):
    path = tmp_path / "download.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


# --- a centre with answers ---------------------------------------------------------------------------

@pytest.fixture
def centre(app, client, database, make_centre):
    app.config["CLOCK"] = datetime.datetime(2026, 1, 14, 12, 0)  # all of 2025 has closed
    centre = make_centre("Café Fuld", slug="fuld")
    person = db.create_staff(database, "leder@fuld.example", accounts.hash_password(PASSWORD))
    db.set_membership(database, person["id"], centre["id"], "staff")
    rng = random.Random(28)
    store(database, centre, {f"2025-W{week:02d}": demo_answers(rng, 3 if week == 5 else 17) for week in range(1, 14)})
    # What LVS sent back for week 10: the "All centres" column of the page.
    db.save_national(database, "2025-W10", 1, {"questions": [
        {"question": "importance", "status": "shown", "answers": 400,
         "cells": [{"answer": str(n), "count": 10 * n, "status": "perturbed"} for n in range(1, 11)]},
        {"question": "frequency", "status": "shown", "answers": 400,
         "cells": [{"answer": "daily", "count": 123, "status": "perturbed"}]}],
        "bands": {"question": "importance", "status": "shown", "answers": 400,
                  "cells": [{"answer": "9_10", "count": 190, "status": "perturbed"}]}})
    sign_in(client, "leder@fuld.example")
    return centre


@pytest.mark.parametrize("period", PERIODS)
def test_every_figure_on_the_summary_page_is_in_each_download(client, centre, tmp_path, period):
    html = client.get(f"/staff/c/fuld/summary/{period}").get_data(as_text=True)
    page = page_figures(html)
    assert page["rows"] and page["top"] and page["notes"]
    contexts = {context for context, _label, _cells in page["rows"]}
    assert any(context.endswith("I intervaller") for context in contexts)  # the importance bands
    if period == "2025-W10":
        assert "De sidste 12 uger" in contexts and any(len(cells) == 3 and cells[2] for _c, _l, cells in page["rows"])

    head, found = csv_figures(client.get(f"/staff/c/fuld/summary/{period}/download.csv").data)
    assert head["Svar"] == [page["total"]] and head["Gav stedet 9 eller 10 ud af 10"] == [page["top"]]
    if page["median"]:
        assert head["Median"] == [page["median"]]
    assert set(page["notes"]) <= set(head["Bemærk"])
    missing = [(c, label, cells) for c, label, cells in page["rows"] if found.get((key(c), label)) != cells]
    assert not missing, f"CSV: {missing[:3]}"

    head, found = xlsx_figures(client.get(f"/staff/c/fuld/summary/{period}/download.xlsx").data)
    assert head["Svar"] == [page["total"]] and head["Gav stedet 9 eller 10 ud af 10"] == [page["top"]]
    if page["median"]:
        assert head["Median"] == [page["median"]]
    assert set(page["notes"]) <= set(head["Bemærk"])
    missing = [(c, label, cells) for c, label, cells in page["rows"] if found.get((key(c), label)) != cells]
    assert not missing, f"XLSX: {missing[:3]}"

    text = pdf_text(tmp_path, client.get(f"/staff/c/fuld/summary/{period}/download.pdf").data)
    flat = " ".join(text.split())
    assert f"{page['total']} svar" in flat and f"Gav stedet 9 eller 10 ud af 10: {page['top']}" in flat
    if page["median"]:
        assert f"median {page['median']}" in flat
    for note in page["notes"]:
        assert note in flat
    missing = [(c, label, cells) for c, label, cells in page["rows"] if not in_pdf(flat, c, label, cells)]
    assert not missing, f"PDF: {missing[:3]}"


def in_pdf(flat, context, label, cells):
    """Whether the PDF's text has the row after its heading and before the next one: the label,
    then each of its figures in order (a share maybe in brackets)."""
    words = context.split()
    starts = [flat.find(" ".join(words[skip:skip + 5])) for skip in (0, 1)]  # a matrix's group is a heading
    start = next((s for s in starts if s >= 0), -1)
    if start < 0:
        return False
    # Between two figures, words at most (a matrix line names "Alle værester" before theirs).
    pattern = re.escape(label) + "".join(r"[^\d–]{1,40}?" + re.escape(cell) for cell in cells if cell)
    return re.search(pattern, flat[start:]) is not None


def test_a_week_too_small_to_show_its_answers_downloads_its_number_and_trend_alone(client, centre, tmp_path):
    html = client.get("/staff/c/fuld/summary/2025-W05").get_data(as_text=True)
    page = page_figures(html)
    assert page["total"] == "3" and page["top"] is None
    assert {context for context, _l, _c in page["rows"]} == {"De sidste 12 uger"}  # the trend alone
    head, found = csv_figures(client.get("/staff/c/fuld/summary/2025-W05/download.csv").data)
    assert head["Svar"] == ["3"] and set(page["notes"]) <= set(head["Bemærk"])
    assert all(found.get((key(c), label)) == cells for c, label, cells in page["rows"])
    assert not any(context.startswith(key("Hvor vigtigt")) for context, _label in found)
    flat = " ".join(pdf_text(tmp_path, client.get("/staff/c/fuld/summary/2025-W05/download.pdf").data).split())
    assert all(in_pdf(flat, c, label, cells) for c, label, cells in page["rows"]) and "Hvor vigtigt" not in flat


def test_a_week_where_nobody_gave_a_score_prints_no_empty_chart(client, centre, database, tmp_path):
    store(database, centre, {"2025-W20": [[("reasons", "meal")]] * 12})  # twelve answers, not one score
    page = page_figures(client.get("/staff/c/fuld/summary/2025-W20").get_data(as_text=True))
    assert page["total"] == "12" and [cells[0] for c, label, cells in page["rows"]
                                      if c.startswith("Hvor vigtigt") and label == "9"] == ["0"]
    text = pdf_text(tmp_path, client.get("/staff/c/fuld/summary/2025-W20/download.pdf").data)
    assert not re.search(r"^\s*1\s+2\s+3\s+4\s+5\s+6\s+7\s+8\s+9\s+10\s*$", text, re.M)  # no columns of nothing
    flat = " ".join(text.split())
    assert all(in_pdf(flat, c, label, cells) for c, label, cells in page["rows"])  # the table says it


@pytest.mark.parametrize("status, says", [
    ("small", "For få svar i perioden til at vise noget: færre end 5. Se på en længere periode."),
    ("hidden", "Perioden vises ikke, så en mindre periode ved siden af forbliver anonym."),
])
def test_a_period_whose_number_of_answers_was_withheld_says_so_in_every_download(
        client, centre, database, tmp_path, status, says):
    """A week decided by cell suppression (before December 2026) whose number was "< 5" or a dash:
    each download says what the page says, and never prints it as 0."""
    from app.disclosure import SUPPRESSED

    db.save_published(database, centre["id"], {("2025-W30", "N"): (status, None)}, 5, SUPPRESSED)
    html = client.get("/staff/c/fuld/summary/2025-W30").get_data(as_text=True)
    assert says.split(":")[0] in html
    head, _found = csv_figures(client.get("/staff/c/fuld/summary/2025-W30/download.csv").data)
    assert head["Svar"] == ["< 5" if status == "small" else "–"] and any(says.split(":")[0] in n for n in head["Bemærk"])
    head, _found = xlsx_figures(client.get("/staff/c/fuld/summary/2025-W30/download.xlsx").data)
    assert head["Svar"] == ["< 5" if status == "small" else "–"]
    flat = " ".join(pdf_text(tmp_path, client.get("/staff/c/fuld/summary/2025-W30/download.pdf").data).split())
    assert says.split(":")[0] in flat and "0 svar" not in flat
