"""The national figures LVS exists for, through the centres' own figures and a real hub (#25).

Three scenes, each on a fixed clock (the tests pass on any date), each a hub server and one
installation holding the centres, whose answers are put in as the history holds them:

- LVS's 2020 user survey replayed: 956 answers at 24 centres in one ISO week. Its six lines come
  back at week, four-week block and quarter level within 3 points of the answers' own shares,
  each with its base printed, and the nation's number of answers is exactly 956.
- Six centres' year: the yearly report's page, PDF and CSV show "Kort fortalt", the whole 1-10
  scale and the breakdowns; a group of fewer than 3 centres is withheld and says so; the
  national shares lie within 1 point of the answers' own.
- Three centres' quarter with 38, 14 and 0 answers: the nation's 52 answers are shown exactly;
  every question, resting on two centres, is withheld and says so, never as 0.

What a centre sends is what its sync builds (app/hub/sync.current_aggregates) from the figures
its own periods published, signed with its key; the last scene runs `brugerstemmen sync` itself.
Perturbed counts depend on the responses' random ids, so the tests assert what the method
promises (exact totals, each centre's count within disclosure.BOUND of the truth) and never a
particular perturbed number.
"""

import csv
import io
import json
import os
import random
import re
import subprocess
import urllib.parse

import pytest

from app import accounts, create_app, db, demo, questions
from app.disclosure import BOUND, MIN_CENTRES
from app.hub import aggregates, signing
from app.hub import sync as sync_client

from .conftest import LiveServer, Respondent, csrf_token, run_cli_here

# Its module fixtures take seconds to build: `make test` (--dist loadgroup) runs these tests on one worker.
pytestmark = pytest.mark.xdist_group("national_figures")

LVS, PASSWORD = "analytiker@lvs.example", "kaffe og boller hver tirsdag"
# The six lines of LVS's 2020 survey: (question, its answers that count) -> the line's Danish label.
LINES = {("importance", ("9", "10")): "Gav 9–10", ("frequency", ("daily", "few_times_week")): "Mindst et par gange om ugen",
         ("reasons", ("meet_people",)): "Møde andre mennesker", ("reasons", ("meal",)): "Et måltid mad",
         ("reasons", ("activities",)): "Sport, kreative ting, ture",
         ("reasons", ("volunteering",)): "Være frivillig, have en rolle"}


class Scene:
    """A hub server, an installation of centres connected to it, and an LVS analyst signed in."""

    def __init__(self, root, clock):
        self.clock, self.data_dir, self.centres = clock, root / "centres", []
        (root / "hub").mkdir()
        self.hub = LiveServer(root / "hub", probe="/api/v1/openapi.yaml", ROLE="hub", CLOCK=clock).start()
        self.env = {**os.environ, "BRUGERSTEMMEN_DATA_DIR": str(self.data_dir),
                    "BRUGERSTEMMEN_BASE_URL": "https://stemme.example.dk", "BRUGERSTEMMEN_CLOCK": clock}
        run_cli_here(self.env, "centre", "add", "Værested 0", "--slug", "c0")
        hub_db = self.hub.database()
        try:
            db.make_hub_admin(hub_db, db.create_staff(hub_db, LVS, accounts.hash_password(PASSWORD))["id"])
        finally:
            hub_db.close()
        self.reader = None

    def add(self, given, org_form="municipal", municipality_type="large-city"):
        """A centre with these answers, [(ISO week, [(question, option), ...])], registered at the hub."""
        i = len(self.centres)
        database, hub_db = db.connect(db.path_in(self.data_dir)), self.hub.database()
        try:
            centre = db.centre_by_slug(database, "c0") if i == 0 else db.create_centre(database, f"Værested {i}", f"c{i}")
            key = signing.new_key()
            found = db.register_hub_centre(hub_db, key=key, name=f"Værested {i}", lvs_code=f"LVS-{i}",
                                           org_form=org_form, municipality="Et sted",
                                           municipality_type=municipality_type)
            db.connect_hub(database, centre["id"], self.hub.url, found["id"], key)
            with db.write_transaction(database):
                for week, answer in given:
                    db.insert_response(database, centre_id=centre["id"], iso_week=week, question_set=1, answers=answer)
        finally:
            database.close()
            hub_db.close()
        self.centres.append({"slug": centre["slug"], "org-form": org_form, "municipality-type": municipality_type,
                             "given": given})

    def push(self, *period_keys):
        """What `sync` sends for these periods, every centre: built by the sync client and signed
        with the centre's key (the whole `sync` sends every closed period of the year besides)."""
        app = create_app({"TESTING": True, "DATA_DIR": str(self.data_dir), "CLOCK": self.clock})
        with app.app_context():
            database = db.get_db()
            for link in db.hub_links(database):
                built = sync_client.current_aggregates(database, db.centre_by_slug(database, link["slug"]))
                for key in period_keys:
                    sync_client.request(link, "POST", "/api/v1/aggregates", aggregates.encode(built[(key, 1)]))

    def sent(self, period_key):
        """{slug: what the centre sends for a period}: its sync's own aggregates."""
        app = create_app({"TESTING": True, "DATA_DIR": str(self.data_dir), "CLOCK": self.clock})
        with app.app_context():
            database = db.get_db()
            return {c["slug"]: sync_client.current_aggregates(database, db.centre_by_slug(database, c["slug"]))
                    [(period_key, 1)] for c in self.centres}

    def get(self, path):
        """A hub page or file as the signed-in LVS analyst gets it."""
        if self.reader is None:
            self.reader = Respondent()
            with self.reader.opener.open(self.hub.url + "/staff/login", timeout=30) as response:
                form = response.read().decode()
            body = urllib.parse.urlencode({"email": LVS, "password": PASSWORD, "csrf_token": csrf_token(form)}).encode()
            self.reader.opener.open(self.hub.url + "/staff/login", data=body, timeout=30).close()
        with self.reader.opener.open(self.hub.url + path, timeout=60) as response:
            return response.read()

    def report(self, *args):
        return json.loads(self.hub.cli("hub", "report", *args, "--format", "json").stdout)

    def stop(self):
        self.hub.stop()


def true_shares(centres):
    """{line: the answers' own share} over these centres' answers, and their number."""
    total, found = 0, dict.fromkeys(LINES, 0)
    for centre in centres:
        for _week, answer in centre["given"]:
            total += 1
            for question, options in LINES:
                found[(question, options)] += any((question, option) in answer for option in options)
    return {line: count / total for line, count in found.items()}, total


def line_shares(national):
    """{line: (count, share, its base)} from the hub's figures of one group."""
    items = {item["question"]: item for item in national["questions"]}
    found = {}
    for question, options in LINES:
        item = national["top"] if options == ("9", "10") else items[question]
        cells = {c["answer"]: c for c in item["cells"]}
        parts = ["9_10"] if options == ("9", "10") else options
        assert item["status"] == "shown" and all(cells[p]["status"] == "perturbed" for p in parts), item
        count = sum(cells[p]["count"] for p in parts)
        found[(question, options)] = (count, count / item["answers"], item)
    return found


def shown_share(html, label):
    """The count and share (%) a dashboard prints on the row of this answer."""
    match = re.search(rf'<th scope="row">{re.escape(label)}</th>\s*<td class="num">([\d.]+)</td>\s*'
                      rf'<td class="num">(\d+,\d) %</td>', html)
    assert match, label
    return int(match.group(1).replace(".", "")), float(match.group(2).replace(",", "."))


def pdf_text(body, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


# --- LVS's 2020 user survey, replayed in one week -----------------------------------------------

PAPER_CLOCK = "2026-04-01T12:00:00"  # a Wednesday of 2026-W14: W13 has closed, and with it B03 and Q1
PAPER_PERIODS = ("2026-W13", "2026-B03", "2026-Q1")
PAPER_SIZES = [4, 9, 12, 15, 18, 20, 22, 25, 28, 30, 33, 35, 38, 40, 42, 45, 48, 50, 55, 60, 65, 70, 80, 112]
PAPER_ORG_FORMS = ["municipal"] * 8 + ["self-governing"] * 7 + ["self-governing-with-agreement"] * 5 + \
    ["user-driven"] * 4
PAPER_MUNICIPALITY_TYPES = ["rural", "commuter", "provincial", "large-city", "capital-area", "large-city"] * 4


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    """24 centres of 4 to 112 answers, 956 in all, every one of them in 2026-W13; synced."""
    assert sum(PAPER_SIZES) == 956 and len(PAPER_SIZES) == 24
    scene = Scene(tmp_path_factory.mktemp("paper"), PAPER_CLOCK)
    fields = questions.load().fields()
    rng = random.Random(2020)
    for size, org_form, municipality_type in zip(PAPER_SIZES, PAPER_ORG_FORMS, PAPER_MUNICIPALITY_TYPES, strict=True):
        scene.add([("2026-W13", demo._one_answer(rng, fields)) for _ in range(size)], org_form, municipality_type)
    scene.push(*PAPER_PERIODS)
    yield scene
    scene.stop()


def test_the_replayed_survey_is_like_lvss(paper):
    """The data, not the app: the shares the survey reported (PRODUCT.md)."""
    shares, total = true_shares(paper.centres)
    assert total == 956
    top, often, meet, meal, activities, volunteering = shares.values()
    assert top > 0.5 and often > 0.7 and meet > 0.7 and 0.3 < meal < 0.5 and 0.3 < activities < 0.5
    assert volunteering > 0.3


@pytest.mark.parametrize("period", PAPER_PERIODS)
def test_the_six_lines_of_lvss_survey_come_back_within_3_points_at_every_level(paper, period):
    national = paper.report("--period", period)["groups"][""]
    assert (national["centres"], national["answers"], national["answers_status"]) == (24, 956, "shown")
    base = [c for c in paper.centres if len(c["given"]) >= 5]  # the centre of 4 answers sent its number alone
    truth, base_answers = true_shares(base)
    assert (len(base), base_answers) == (23, 952)
    for line, (count, share, item) in line_shares(national).items():
        assert (item["centres"], item["answers"], item["withheld"]) == (23, 952, 1), line
        assert abs(share - truth[line]) <= 0.03, (period, line, share, truth[line])
        true_count = round(truth[line] * base_answers)
        cells = 1 if line[0] == "importance" else len(line[1])  # 9-10 is one count, the 9-10 band
        assert abs(count - true_count) <= cells * BOUND * 23  # each centre's counts within 2 of its own

    # The page: the nation's answers, and each line with its count, its share and its base.
    page = paper.get(f"/hub/{period}").decode()
    assert "24 værester har sendt tal" in page and "<strong>956</strong> svar" in page
    assert "Hvert væresteds antal svar er præcist" in page
    base_line = "Bygger på 952 svar fra 23 værester · 1 værested sendte det ikke"
    top = re.search(r"Gav stedet 9 eller 10 ud af 10: <strong>(\d+,\d) %</strong> <span class=\"hint\">\(([^)]*)\)", page)
    assert top and top.group(2) == base_line
    assert abs(float(top.group(1).replace(",", ".")) / 100 - truth[("importance", ("9", "10"))]) <= 0.03
    for heading in ("Hvor vigtigt er dette sted for dig?", "Hvor tit kommer du her?", "Hvorfor kommer du her?"):
        section = page.split(heading, 1)[1].split("</section>", 1)[0]
        assert f'<p class="hint base">{base_line}</p>' in section, heading
    often = [shown_share(page, "Hver dag"), shown_share(page, "Et par gange om ugen")]
    assert abs(sum(share for _, share in often) / 100 - truth[("frequency", ("daily", "few_times_week"))]) <= 0.03
    for (question, options), label in LINES.items():
        if question == "reasons":
            count, share = shown_share(page, label)
            assert abs(share / 100 - truth[(question, options)]) <= 0.03, label
            assert abs(share - 100 * count / 952) <= 0.05


def test_a_block_and_a_quarter_of_one_weeks_answers_show_every_number_the_week_shows(paper):
    """The block and the quarter hold only the week's answers: they show every count the week
    shows (drawn apart, so two equal numbers tell nothing), on the same exact base."""
    def counts(period):
        national = paper.report("--period", period)["groups"][""]
        return national["answers"], {(item["question"], c["answer"]): c["count"]
                                     for item in [*national["questions"], national["bands"]] for c in item["cells"]}

    answers, week = counts("2026-W13")
    assert len(week) > 40 and all(count is not None for count in week.values())
    for period in ("2026-B03", "2026-Q1"):
        found_answers, found = counts(period)
        assert found_answers == answers and found.keys() == week.keys()
        assert all(count is not None for count in found.values())


def test_the_survey_week_at_the_hub_as_a_file_names_every_line_with_its_base(paper):
    rows = list(csv.reader(io.StringIO(paper.get("/hub/2026-W13/report.csv").decode("utf-8-sig")), delimiter=";"))
    truth, _ = true_shares([c for c in paper.centres if len(c["given"]) >= 5])
    found = {r[4]: r for r in rows[4:]}
    for (question, options), label in LINES.items():
        if question != "reasons":
            continue
        row = found[label]
        assert row[1:3] == ["24", "956"] and row[7:] == ["23", "952", "1"], row
        assert abs(float(row[6].replace(",", ".")) / 100 - truth[(question, options)]) <= 0.03
    assert found["Gav 9–10"][7:] == ["23", "952", "1"]


def test_what_each_centre_sent_for_the_survey_week(paper):
    """Its number of answers exact at any size; every count within 2 of the truth; a centre of
    fewer than k answers sends its number of answers alone."""
    everything = paper.sent("2026-W13")
    for centre in paper.centres:
        sent = everything[centre["slug"]]
        size = len(centre["given"])
        assert sent["answers"] == {"status": "shown", "count": size}
        if size < 5:
            assert sent["cells"] == []
            continue
        counts = {(c["question"], c["answer"]): c for c in sent["cells"]}
        for option in ("meet_people", "meal", "activities", "volunteering"):
            true = sum(("reasons", option) in answer for _week, answer in centre["given"])
            cell = counts[("reasons", option)]
            assert cell["status"] == "perturbed" and abs(cell["count"] - true) <= BOUND and cell["count"] <= size
            assert true or cell["count"] == 0


# --- six centres' year --------------------------------------------------------------------------

AFTER_2026 = "2027-01-05T12:00:00"  # a Tuesday: 2026-W53 and so the year 2026 has closed
YEAR_SIZES = [780, 650, 520, 610, 430, 560]
YEAR_ORG_FORMS = ["municipal", "municipal", "municipal", "self-governing", "self-governing", "user-driven"]
YEAR_MUNICIPALITY_TYPES = ["large-city", "rural", "large-city", "large-city", "rural", "large-city"]
HEADLINES = ["Gav 9–10", "Mindst et par gange om ugen", "Møde andre mennesker", "Et måltid mad",
             "Sport, kreative ting, ture", "Være frivillig, have en rolle"]


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """Six centres with 3,550 answers spread over the weeks of 2026, their years synced."""
    scene = Scene(tmp_path_factory.mktemp("year"), AFTER_2026)
    fields = questions.load().fields()
    rng = random.Random(2026)
    for size, org_form, municipality_type in zip(YEAR_SIZES, YEAR_ORG_FORMS, YEAR_MUNICIPALITY_TYPES, strict=True):
        scene.add([(f"2026-W{rng.randint(1, 53):02d}", demo._one_answer(rng, fields)) for _ in range(size)],
                  org_form, municipality_type)
    scene.push("2026")
    yield scene
    scene.stop()


def _own_shares(centres):
    """{(set, answer): share} of the whole scale, the reasons and the frequency, and the lines."""
    total, counts = 0, {}
    for centre in centres:
        for _week, answer in centre["given"]:
            total += 1
            for question, option in set(answer):
                counts[(question, option)] = counts.get((question, option), 0) + 1
    counts[("reasons", "answered")] = sum(any(q == "reasons" for q, _o in answer)
                                          for centre in centres for _week, answer in centre["given"])
    shares = {key: count / total for key, count in counts.items()}
    lines, _ = true_shares(centres)
    shares[("top", "9_10")] = lines[("importance", ("9", "10"))]
    shares[("often", "often")] = lines[("frequency", ("daily", "few_times_week"))]
    return shares, total


def test_the_yearly_shares_lie_within_1_point_of_the_answers_own(year):
    report = year.report("--year", "2026")
    everyone = report["groups"][0]
    assert (everyone["centres"], everyone["answers"]) == (6, sum(YEAR_SIZES))
    truth, total = _own_shares(year.centres)
    checked = 0
    for name in ("top", "often", "importance", "frequency", "reasons"):
        found = everyone["sets"][name]
        assert (found["base"]["centres"], found["base"]["answers"], found["base"]["withheld"]) == (6, total, 0)
        for row in found["rows"]:
            key = (name, row["answer"])
            assert row["share"] is not None and abs(row["share"] - truth.get(key, 0)) < 0.01, (name, row)
            checked += 1
    assert checked == 2 + 10 + 6 + 10
    # Each group: its answers exact; three centres or more, every share; fewer, none.
    for group in report["groups"][1:]:
        members = [c for c in year.centres if c[group["grouping"]] == group["name"]]
        assert (group["centres"], group["answers"]) == (len(members), sum(len(c["given"]) for c in members))
        own, own_total = _own_shares(members)
        for name in ("top", "often", "importance", "frequency", "reasons"):
            found = group["sets"][name]
            if len(members) >= MIN_CENTRES:
                assert found["base"]["answers"] == own_total
                top = found["rows"][0] if name in ("top", "often") else None
                if top:
                    bound = (2 if name == "often" else 1) * BOUND * len(members) / own_total
                    assert abs(top["share"] - own[(name, top["answer"])]) <= bound + 1e-9
                assert all(row["share"] is not None for row in found["rows"])
            else:
                assert (found["base"]["centres"], found["base"]["answers"]) == (len(members), None)
                assert all(row["share"] is None and row["count"] is None for row in found["rows"])


def _year_page(year):
    page = year.get("/hub/year/2026").decode()
    return page, {name: page.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]
                  for name in ("headlines", "importance", "frequency", "reasons", "org-form", "municipality-type")}


def test_the_yearly_page_shows_every_headline_the_whole_scale_and_the_breakdowns(year):
    page, sections = _year_page(year)
    assert "6 værester har sendt tal" in page and f"<strong>{sum(YEAR_SIZES):,}</strong>".replace(",", ".") in page
    assert "Hvert væresteds antal svar er præcist" in page
    assert "Kort fortalt" in sections["headlines"]
    for label in HEADLINES:
        assert re.search(rf'<th scope="row">{re.escape(label)}</th>\s*<td class="num">\d+,\d %</td>',
                         sections["headlines"]), label
    scale = re.findall(r'<th scope="row">(\d+)</th>\s*<td class="num">(\d+,\d) %</td>', sections["importance"])
    assert [score for score, _share in scale[:10]] == [str(n) for n in range(1, 11)]
    assert f"Bygger på {sum(YEAR_SIZES):,} svar fra 6 værester".replace(",", ".") in sections["importance"]
    for name in ("frequency", "reasons"):
        assert len(re.findall(r'<td class="num">\d+,\d %</td>', sections[name])) >= 6, name
    assert "tilbageholdt" not in "".join(sections[name] for name in ("headlines", "importance", "frequency", "reasons"))

    org_form = sections["org-form"]
    header = re.findall(r'<th scope="col" class="num">([^<]+)</th>', org_form)
    assert header[:3] == ["Kommunal", "Selvejende", "Brugerstyret"]
    nine_ten = re.search(r'<th scope="row">Gav 9–10</th>(.*?)</tr>', org_form, re.S).group(1)
    cells = re.findall(r'<td class="num"[^>]*>([^<]*)', nine_ten)
    assert re.fullmatch(r"\d+,\d %", cells[0]) and cells[1:] == ["tilbageholdt", "tilbageholdt"]  # 3, 2 and 1 centres
    base = re.search(r'<th scope="row">Svar i grundlaget</th>(.*?)</tr>', org_form, re.S).group(1)
    assert re.findall(r'<td class="num hint"[^>]*>([^<]*)', base)[:3] == ["1.950", "Kun 2 værester sendte det, færre end 3",
                                                                    "Kun 1 værested sendte det, færre end 3"]
    centres = re.search(r'<th scope="row">Værester i grundlaget</th>(.*?)</tr>', org_form, re.S).group(1)
    assert re.findall(r'<td class="num hint"[^>]*>([^<]*)', centres)[:3] == ["3", "2", "1"]
    by_type = sections["municipality-type"]
    assert re.findall(r'<th scope="col" class="num">([^<]+)</th>', by_type)[:2] == ["Landkommune", "Storby"]
    centres = re.search(r'<th scope="row">Værester i grundlaget</th>(.*?)</tr>', by_type, re.S).group(1)
    assert re.findall(r'<td class="num hint"[^>]*>([^<]*)', centres)[:2] == ["2", "4"]
    assert re.findall(r'<td class="num"[^>]*>([^<]*)', re.search(r'<th scope="row">Gav 9–10</th>(.*?)</tr>',
                                                            by_type, re.S).group(1))[0] == "tilbageholdt"
    for reason in HEADLINES[2:]:
        row = re.search(rf'<th scope="row">{re.escape(reason)}</th>(.*?)</tr>', by_type, re.S).group(1)
        assert re.findall(r'<td class="num"[^>]*>([^<]*)', row)[0] == "tilbageholdt"  # two rural centres
        assert re.fullmatch(r"\d+,\d %", re.findall(r'<td class="num"[^>]*>([^<]*)', row)[1])  # four in large cities


def test_a_withheld_group_in_the_yearly_report_says_why(year, tmp_path):
    _page, sections = _year_page(year)
    assert "Kun 2 værester sendte det, færre end 3" in sections["org-form"]
    assert "Kun 1 værested sendte det, færre end 3" in sections["org-form"]
    assert "Kun 2 værester sendte" in " ".join(pdf_text(year.get("/hub/year/2026/report.pdf"), tmp_path).split())


def test_the_yearly_pdf_and_csv_show_every_headline_the_scale_and_the_breakdowns(year, tmp_path):
    text = pdf_text(year.get("/hub/year/2026/report.pdf"), tmp_path)
    assert "Kort fortalt" in text and "Hvert væresteds antal svar er præcist" in re.sub(r"\s+", " ", text)
    lines = text.splitlines()
    for label in HEADLINES:
        assert any(re.match(rf"\s*{re.escape(label)}\s+\d+,\d %", line) for line in lines), label
    assert f"Bygger på {sum(YEAR_SIZES):,} svar fra 6 værester".replace(",", ".") in text
    assert "Efter organisationsform" in text and "Efter kommunetype" in text
    assert re.search(r"Kommunal\s+Selvejende\s+Brugerstyret", text)
    row = next(line for line in lines if line.strip().startswith("Gav 9–10") and "tilbageholdt" in line)
    assert re.search(r"\d+,\d %\s+tilbageholdt\s+tilbageholdt", row)
    assert re.search(r"Værester i grundlaget\s+3\s+2\s+1\n", text)
    assert re.search(r"Gav 9–10\s+tilbageholdt\s+\d+,\d %\n", text)  # two rural centres, four in large cities

    rows = list(csv.reader(io.StringIO(year.get("/hub/year/2026/report.csv").decode("utf-8-sig")), delimiter=";"))
    header = next(i for i, r in enumerate(rows) if r[:1] == ["Gruppe"])  # after the answers, as on the page
    assert rows[2][0] == "Bemærk" and rows[3][0] == "Svar"
    assert rows[header][:6] == ["Gruppe", "Værester i gruppen", "Svar i gruppen", "Spørgsmål",
                                "Svarmulighed", "Antal"]
    everyone = [r for r in rows[header + 1:] if r[0] == "Alle værester"]
    assert all(r[2] == str(sum(YEAR_SIZES)) and re.fullmatch(r"\d+,\d", r[6]) for r in everyone)
    labels = [r[4] for r in everyone]
    assert set(HEADLINES) <= set(labels) and [str(n) for n in range(1, 11)] == [r[4] for r in everyone
                                                                                if r[3].startswith("Hvor vigtigt")
                                                                                and r[4].isdigit()]
    truth, total = _own_shares(year.centres)
    meet = next(r for r in everyone if r[4] == "Møde andre mennesker")
    assert meet[9:] == ["6", str(total), "0"] and abs(float(meet[6].replace(",", ".")) / 100 -
                                                       truth[("reasons", "meet_people")]) < 0.01
    for group, centres in (("Kommunal", "3"), ("Storby", "4")):
        shown = [r for r in rows[header + 1:] if r[0] == group]
        assert shown and all(r[5].isdigit() and r[6] and r[9] == centres for r in shown), group
    for group, centres in (("Selvejende", "2"), ("Brugerstyret", "1"), ("Landkommune", "2")):
        withheld = [r for r in rows[header + 1:] if r[0] == group]
        assert withheld and all(r[2].isdigit() for r in withheld)  # a group's number of answers: always
        assert all(r[5] == "tilbageholdt" and r[6] == "" and r[9] == centres and r[10] == "tilbageholdt"
                   for r in withheld), group


# --- three centres' quarter, two of them with answers -------------------------------------------

QUARTER_CLOCK = "2026-10-01T12:00:00"  # a Thursday of 2026-W40: W39, and with it 2026-Q3, has closed


@pytest.fixture(scope="module")
def quarter(tmp_path_factory):
    """Three centres: 38 and 14 answers in 2026-Q3, and one whose 9 answers were all in Q2."""
    scene = Scene(tmp_path_factory.mktemp("quarter"), QUARTER_CLOCK)
    fields = questions.load().fields()
    rng = random.Random(3)
    for weeks, size in (((27, 39), 38), ((30, 36), 14), ((20, 20), 9)):
        scene.add([(f"2026-W{rng.randint(*weeks):02d}", demo._one_answer(rng, fields)) for _ in range(size)])
    report = json.loads(run_cli_here(scene.env, "sync", "--json").stdout)  # the real thing: every closed period
    assert [r["outcome"] for r in report["centres"]] == ["ok"] * 3 and all("2026-Q3" in r["sent"]
                                                                           for r in report["centres"])
    yield scene
    scene.stop()


def test_two_centres_quarter_shows_the_nations_answers_and_withholds_the_questions_saying_so(quarter):
    assert [s["answers"]["count"] for s in quarter.sent("2026-Q3").values()] == [38, 14, 0]
    national = quarter.report("--period", "2026-Q3")["groups"][""]
    assert (national["centres"], national["answers"], national["answers_status"], national["answers_centres"]) == \
        (3, 52, "shown", 3)
    for item in [*national["questions"], national["bands"], national["top"]]:
        assert (item["status"], item["centres"], item["answers"], item["withheld"]) == ("withheld", 2, None, 1), item
        assert all(c["status"] == "withheld" and c["count"] is None for c in item["cells"])  # never 0
    assert national["cells"] == []

    page = quarter.get("/hub/2026-Q3").decode()
    assert "3 værester har sendt tal" in page and "<strong>52</strong> svar" in page
    why = "Kun 2 værester sendte det, færre end 3"
    assert f"Gav stedet 9 eller 10 ud af 10: tilbageholdt ({why}" in page
    assert page.count(f'<p class="hint base">{why}') == len(national["questions"])
    figures = page.split('<section class="national-group">', 1)[1]
    assert not re.search(r'<td class="num">\d', figures) and " %" not in figures  # a dash, never 0
    rows = list(csv.reader(io.StringIO(quarter.get("/hub/2026-Q3/report.csv").decode("utf-8-sig")), delimiter=";"))
    assert rows[4:] and all(r[1:3] == ["3", "52"] and r[5] == "tilbageholdt" and r[6] == "" and r[7] == "2"
                            for r in rows[4:])


def test_each_centre_of_the_quarter_shows_its_own_number_of_answers(quarter):
    """The centres' own periods: the quarter's total at any size, its counts where it has k."""
    sent = list(quarter.sent("2026-Q3").values())
    assert [s["answers"] for s in sent] == [{"status": "shown", "count": n} for n in (38, 14, 0)]
    assert sent[0]["cells"] and sent[1]["cells"] and sent[2]["cells"] == []
    assert all(c["status"] == "perturbed" and 0 <= c["count"] <= 14 for c in sent[1]["cells"])
    assert quarter.sent("2026-Q2")["c2"]["answers"] == {"status": "shown", "count": 9}
    week = next(w for w in range(27, 40) if 0 < sum(g[0] == f"2026-W{w:02d}" for g in quarter.centres[1]["given"]) < 5)
    small = quarter.sent(f"2026-W{week:02d}")["c1"]  # a week of fewer than 5: its number alone
    assert 0 < small["answers"]["count"] < 5 and small["cells"] == []
