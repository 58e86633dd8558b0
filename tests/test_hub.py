"""The hub's API: signed, idempotent pushes; rejections store nothing; a national question needs 3 centres."""

import json
import os
import re
import time
import urllib.parse

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import (
    ignored_auth, missing_required_header, negative_data_rejection, positive_data_acceptance)

from app import create_app, db
from app.hub import aggregates, signing

from .conftest import run_cli_here

HUB_CLOCK = "2026-12-02T12:00:00"  # a Wednesday of 2026-W49: W48 has closed, its block, Q4 and 2026 have not


@pytest.fixture
def hub_app(data_dir):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "ROLE": "hub", "WTF_CSRF_ENABLED": False,
                      "CLOCK": HUB_CLOCK})
    with app.app_context():
        db.migrate(db.get_db())
    return app


@pytest.fixture
def hub(hub_app):
    return hub_app.test_client()


@pytest.fixture
def hub_db(hub_app):
    connection = db.connect(db.path_in(hub_app.config["DATA_DIR"]))
    yield connection
    connection.close()


@pytest.fixture
def register(hub_db):
    def make(code="LVS-1", org_form="user-driven", municipality_type="large-city"):
        key = signing.new_key()
        found = db.register_hub_centre(hub_db, key=key, name=f"Centre {code}", lvs_code=code, org_form=org_form,
                                       municipality="Aarhus", municipality_type=municipality_type)
        return found["id"], key
    return make


def aggregate(period="2026-W47", n=20, nine=8, small=("1", "2"), k=5, answers="shown", top="shown"):
    """A centre's push: importance scores, `nine` giving 9, the ones in `small` "< k" (two
    answers each), the rest giving 10, and nobody anything else; and the bands. `top`: the
    status of its 9-10 band."""
    cells = []
    for score in map(str, range(1, 11)):
        if score in small:
            cells.append({"question": "importance", "answer": score, "status": "small"})
        else:
            count = nine if score == "9" else n - nine - 2 * len(small) if score == "10" else 0
            cells.append({"question": "importance", "answer": score, "status": "shown", "count": count})
    low = 2 * len([s for s in small if int(s) <= 6])
    cells.append({"question": "importance", "answer": "1_6", **({"status": "small"} if 0 < low < k
                                                                else {"status": "shown", "count": low})})
    cells.append({"question": "importance", "answer": "7_8", "status": "shown", "count": 0})
    cells.append({"question": "importance", "answer": "9_10", **({"status": "shown", "count": n - low}
                                                                 if top == "shown" else {"status": top})})
    if answers != "shown":
        return {"question_set": 1, "period": period, "k": k, "answers": {"status": answers}, "cells": []}
    return {"question_set": 1, "period": period, "k": k, "answers": {"status": "shown", "count": n}, "cells": cells}


def push(client, centre_id, key, body, *, path="/api/v1/aggregates", now=None, headers=None):
    raw = body if isinstance(body, bytes) else aggregates.encode(body)
    signed = signing.sign(centre_id, key, "POST", path, raw, now)
    signed.update(headers or {})
    return client.post(path, data=raw, headers=signed, content_type="application/json")


def stored(hub_db):
    return (hub_db.execute("SELECT count(*) FROM hub_aggregates").fetchone()[0],
            hub_db.execute("SELECT count(*) FROM hub_cells").fetchone()[0])


def test_a_signed_push_is_stored_and_a_repeat_replaces_it(hub, hub_db, register):
    centre_id, key = register()
    response = push(hub, centre_id, key, aggregate())
    assert response.status_code == 200, response.json
    assert response.json == {"period": "2026-W47", "question_set": 1, "cells": 13}
    assert push(hub, centre_id, key, aggregate(n=25, nine=10)).status_code == 200
    assert stored(hub_db) == (1, 13)
    pushed = db.period_aggregates(hub_db, "2026-W47", 1)[centre_id]
    assert pushed["answers"] == 25 and pushed["cells"][("importance", "9")] == 10  # replaced, not added
    assert pushed["cells"][("importance", "3")] == 0 and pushed["cells"][("importance", "1")] is None


@pytest.mark.parametrize("change, status, message", [
    (lambda h, body: (h | {signing.SIGNATURE: "0" * 64}, body), 401, "signature"),
    (lambda h, body: (h, body.replace(b'"count":20', b'"count":21')), 401, "signature"),  # tampered body
    (lambda h, body: ({k: v for k, v in h.items() if k != signing.NONCE}, body), 401, "headers"),
    (lambda h, body: (h | {signing.CENTRE: "c-unknown"}, body), 401, "signature"),
])
def test_a_bad_signature_is_refused_and_nothing_is_stored(hub, hub_db, register, change, status, message):
    centre_id, key = register()
    body = aggregates.encode(aggregate())
    headers, body = change(signing.sign(centre_id, key, "POST", "/api/v1/aggregates", body), body)
    response = hub.post("/api/v1/aggregates", data=body, headers=headers, content_type="application/json")
    assert response.status_code == status and message in response.json["error"]
    assert stored(hub_db) == (0, 0)


def test_a_wrong_key_a_stale_timestamp_and_a_replay_are_refused(hub, hub_db, register):
    centre_id, key = register()
    assert push(hub, centre_id, signing.new_key(), aggregate()).status_code == 401
    stale = push(hub, centre_id, key, aggregate(), now=time.time() - 600)
    assert stale.status_code == 401 and "clock" in stale.json["error"]
    raw = aggregates.encode(aggregate())
    headers = signing.sign(centre_id, key, "POST", "/api/v1/aggregates", raw)
    assert hub.post("/api/v1/aggregates", data=raw, headers=headers).status_code == 200
    replay = hub.post("/api/v1/aggregates", data=raw, headers=headers)
    assert replay.status_code == 409 and "nonce" in replay.json["error"]
    assert stored(hub_db) == (1, 13)


def test_a_revoked_centre_is_refused(hub, hub_db, register):
    centre_id, key = register()
    db.revoke_hub_centre(hub_db, centre_id)
    assert push(hub, centre_id, key, aggregate()).status_code == 401


@pytest.mark.parametrize("body, fragment", [
    (b"not json", "not JSON"),
    (aggregate() | {"k": 2}, "k"),
    (aggregate() | {"period": "2026-W54"}, "period"),
    (aggregate() | {"question_set": 9}, "question_set"),
    (aggregate() | {"message": "Jeg hedder Ole"}, "Additional properties"),  # no free text travels
    (aggregate(nine=3), "from 1 to k-1"),
    (aggregate() | {"answers": {"status": "small", "count": 2}}, "answers"),
    ({**aggregate(), "cells": [{"question": "importance", "answer": "11", "status": "small"}]}, "no answer"),
    ({**aggregate(), "cells": [{"question": "importance", "answer": "9", "status": "shown"}]}, "count"),
])
def test_a_body_off_the_schema_gets_400_saying_what_is_wrong(hub, hub_db, register, body, fragment):
    centre_id, key = register()
    response = push(hub, centre_id, key, body)
    assert response.status_code == 400 and fragment in response.json["error"], response.json
    assert stored(hub_db) == (0, 0)


def test_hostile_bodies_and_queries_from_a_registered_centre_get_400_not_500(hub, hub_db, register):
    centre_id, key = register()
    deep = push(hub, centre_id, key, b"[" * 30_000 + b"]" * 30_000)
    assert deep.status_code == 400 and "not JSON" in deep.json["error"]
    path = "/api/v1/national/2026-W47?question_set=" + "9" * 40
    huge = hub.get(path, headers=signing.sign(centre_id, key, "GET", path))
    assert huge.status_code == 400 and "question_set" in huge.json["error"]
    assert stored(hub_db) == (0, 0)


def test_an_oversize_body_gets_413(hub, register):
    centre_id, key = register()
    response = push(hub, centre_id, key, b"{" + b" " * 200_000 + b"}")
    assert response.status_code == 413 and response.json["error"] == "the body is too large"


def perturbed(body):
    """The same push as a period decided by the cell key method sends it: every count "perturbed"
    (the hub sums what it is sent; whether the numbers are near the truth is the centre's business)."""
    return {**body, "cells": [{**c, "status": "perturbed"} if c["status"] == "shown" else c for c in body["cells"]]}


def test_a_question_needs_three_centres_the_answers_never_and_each_level_is_summed_separately(hub, hub_db, register):
    centres = [register(f"LVS-{i}") for i in range(3)]
    for i, (centre_id, key) in enumerate(centres[:2]):
        assert push(hub, centre_id, key, aggregate(n=10 + i, nine=5 + i, small=())).status_code == 200
    assert push(hub, *centres[0], aggregate(period="2026-Q4", n=100, nine=50, small=())).status_code == 200

    def national(period):
        path = f"/api/v1/national/{period}?question_set=1"
        return hub.get(path, headers=signing.sign(*centres[2], "GET", path)).json

    # Two centres: how many answered is shown (a total identifies nobody); what they answered is
    # not, for each could read the other's figures off it. Withheld, never 0.
    two = national("2026-W47")
    assert (two["centres"], two["answers"], two["answers_status"], two["answers_centres"], two["answers_withheld"]) \
        == (2, 21, "shown", 2, 0)
    for item in [*two["questions"], two["bands"], two["top"]]:
        sent_by = 2 if item["question"] == "importance" else 0  # these pushes carry importance alone
        assert (item["status"], item["answers"], item["centres"]) == ("withheld", None, sent_by), item
        assert item["cells"] and all(c["status"] == "withheld" and c["count"] is None for c in item["cells"]), item
    assert two["cells"] == []
    assert push(hub, *centres[2], perturbed(aggregate(n=12, nine=6, small=()))).status_code == 200
    three = national("2026-W47")
    assert three["centres"] == 3 and three["answers"] == 33 and three["answers_withheld"] == 0
    importance = three["questions"][0]
    assert (importance["question"], importance["status"], importance["answers"], importance["centres"],
            importance["withheld"]) == ("importance", "shown", 33, 3, 0)
    cells = {c["answer"]: c for c in importance["cells"]}
    assert cells["9"] == {"answer": "9", "status": "perturbed", "count": 17}  # one perturbed part: not exact
    assert cells["10"]["count"] == 16 and cells["1"]["count"] == 0
    assert three["top"]["cells"] == [{"answer": "9_10", "status": "perturbed", "count": 33}]
    assert {"question": "importance", "answer": "9", "count": 17, "centres": 3, "base": 33} in three["cells"]
    for centre_id, key in centres:  # periods decided by cell suppression: every count exact, and said so
        assert push(hub, centre_id, key, aggregate(period="2026-W46", n=20, nine=7, small=())).status_code == 200
    exact = national("2026-W46")["questions"][0]
    assert {c["answer"]: (c["status"], c["count"]) for c in exact["cells"]}["9"] == ("shown", 21)
    assert all(c["status"] == "shown" for c in exact["cells"])
    quarter = national("2026-Q4")  # the quarter is its own level, never weeks added up
    assert (quarter["centres"], quarter["answers"], quarter["answers_status"]) == (1, 100, "shown")
    assert quarter["questions"][0]["status"] == "withheld" and quarter["cells"] == []


def test_a_centre_that_hid_part_of_a_question_is_left_out_of_its_base_and_said_to_be(hub, register):
    """A period decided by cell suppression sends "< k" for some counts: that centre is left out
    of the question (and only that question), its answers still count in the total."""
    centres = [register(f"LVS-{i}") for i in range(4)]
    for i, (centre_id, key) in enumerate(centres[:3]):
        assert push(hub, centre_id, key, aggregate(n=20 + i, nine=8, small=())).status_code == 200
    assert push(hub, *centres[3], aggregate(n=30, nine=9, small=("1", "2"))).status_code == 200
    path = "/api/v1/national/2026-W47?question_set=1"
    figures = hub.get(path, headers=signing.sign(*centres[0], "GET", path)).json
    assert figures["answers"] == 20 + 21 + 22 + 30
    importance = figures["questions"][0]
    assert (importance["centres"], importance["withheld"], importance["answers"]) == (3, 1, 63)
    assert {c["answer"]: c["count"] for c in importance["cells"]}["9"] == 24
    assert figures["top"]["centres"] == 4 and figures["top"]["cells"][0]["count"] == 63 + 26  # the 9-10 band it did send


def test_the_api_answers_in_json_and_ships_its_openapi_file(hub):
    assert hub.get("/api/v1/nowhere").json == {"error": "no such address in this API"}
    spec = hub.get("/api/v1/openapi.yaml")
    assert spec.status_code == 200 and b"openapi: 3.1.0" in spec.data
    assert hub.get("/s/anything").status_code == 404  # a hub has no survey
    assert json.loads(hub.post("/api/v1/aggregates", data=b"{}").data)["error"].startswith("a signed request")


# --- the API against its own description -----------------------------------------------------

schema = schemathesis.openapi.from_path(str(aggregates.SPEC))


def keeps_to_the_openapi_file(case, hub, hub_db, register):
    """Schemathesis makes requests from openapi.yaml; each that carries the signing headers is
    signed with a real key, so the body reaches the hub's own checks. No 5xx, every answer as described, and whatever is stored
    holds no count below the k it came with."""
    centre = hub_db.execute("SELECT id, key FROM hub_centres").fetchone() or register()
    body = b"" if case.body is NOT_SET else case.body if isinstance(case.body, bytes) else json.dumps(case.body).encode()
    path = "/api/v1" + case.formatted_path + (f"?{urllib.parse.urlencode(case.query)}" if case.query else "")
    generated = case.headers or {}
    signed = all(name in generated for name in (signing.CENTRE, signing.TIMESTAMP, signing.NONCE))
    headers = signing.sign(centre[0], centre[1], case.method, path, body) if signed else generated
    response = hub.open(path, method=case.method, data=body or None, content_type="application/json",
                        headers=headers)
    assert response.status_code < 500, response.get_data(as_text=True)
    # Excluded: ignored_auth would send its own unsigned request to a network host; a body can
    # fit the schema yet be refused with 400 for what a schema cannot say (a count below its k,
    # an answer the question set does not have, week 53 of a 52-week year); and signing here
    # replaces the generated headers (a header a case left out is put back), so whether they
    # were valid is no longer the case's.
    case.validate_response(response, excluded_checks=[ignored_auth, positive_data_acceptance,
                                                      negative_data_rejection, missing_required_header])
    if case.method == "POST" and response.status_code == 200:
        # whatever the hub took passes its own reading
        (aggregates.parse_status if path.endswith("/status") else aggregates.parse)(body)
    assert not hub_db.execute("""SELECT 1 FROM hub_cells c JOIN hub_aggregates a USING (centre_id, period, question_set)
                                 WHERE c.count < a.k""").fetchone()


# One test for each operation: schemathesis would give one test for all three the same node id,
# and pytest-xdist's grouped distribution keys its work by node id (it ran one of the three).
FUZZED = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@schema.include(method="POST", path="/aggregates").parametrize()
@FUZZED
def test_a_push_of_aggregates_keeps_to_the_openapi_file_and_never_fails_with_a_server_error(case, hub, hub_db, register):
    keeps_to_the_openapi_file(case, hub, hub_db, register)


@schema.include(method="POST", path="/status").parametrize()
@FUZZED
def test_a_push_of_status_keeps_to_the_openapi_file_and_never_fails_with_a_server_error(case, hub, hub_db, register):
    keeps_to_the_openapi_file(case, hub, hub_db, register)


@schema.include(method="GET", path="/national/{period}").parametrize()
@FUZZED
def test_the_national_figures_keep_to_the_openapi_file_and_never_fail_with_a_server_error(case, hub, hub_db, register):
    keeps_to_the_openapi_file(case, hub, hub_db, register)


# --- LVS staff: the dashboard and the register of centres -----------------------------------

PASSWORD = "blå kaffekande på hylden"


@pytest.fixture
def lvs(hub_app, hub_db):
    """A signed-in hub admin's browser."""
    from app import accounts

    person = db.create_staff(hub_db, "analytiker@lvs.example", accounts.hash_password(PASSWORD))
    db.make_hub_admin(hub_db, person["id"])
    client = hub_app.test_client()
    client.post("/staff/login", data={"email": "analytiker@lvs.example", "password": PASSWORD})
    return client


def fill_week(hub, register):
    """Five centres report 2026-W47: three user-driven, two municipal."""
    forms = ["user-driven"] * 3 + ["municipal"] * 2
    for i, org_form in enumerate(forms):
        centre_id, key = register(f"LVS-{i}", org_form=org_form)
        assert push(hub, centre_id, key, aggregate(n=10 + i, nine=5 + i, small=())).status_code == 200


def test_hub_pages_are_for_hub_admins_only(hub_app, hub_db, lvs):
    from app import accounts

    rules = [r for r in hub_app.url_map.iter_rules() if r.endpoint.startswith("hub.")]
    assert len(rules) >= 5
    db.create_staff(hub_db, "medarbejder@example.dk", accounts.hash_password(PASSWORD))
    staff = hub_app.test_client()
    staff.post("/staff/login", data={"email": "medarbejder@example.dk", "password": PASSWORD})
    for rule in rules:
        url = rule.build({"period_key": "2026-W47", "extension": "csv", "centre_id": "c-000000000000", "year": 2025},
                         append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            anonymous = hub_app.test_client().open(url, method=method)
            assert anonymous.status_code == 302 and "/staff/login" in anonymous.headers["Location"], url
            assert staff.open(url, method=method).status_code == 404, url  # not a hub admin: no hub
            assert lvs.open(url, method=method).status_code in (200, 303, 400, 404), url


def test_the_dashboard_shows_every_figure_with_its_base_and_a_group_of_two_its_answers_alone(hub, register, lvs):
    fill_week(hub, register)
    page = lvs.get("/hub/2026-W47").get_data(as_text=True)
    assert "5 værester har sendt tal" in page and "<strong>60</strong> svar" in page
    assert re.search(r'<th scope="row">9</th>\s*<td class="num">35</td>\s*<td class="num">58,3 %</td>', page)
    assert "Bygger på 60 svar fra 5 værester" in page
    assert "Gav stedet 9 eller 10 ud af 10: <strong>100,0 %</strong>" in page
    assert page.count('data-notice="protection"') == 1 and "Hvert væresteds antal svar er præcist, og dets andre " \
        "tal er ændret med højst 2" in page
    by_form = lvs.get("/hub/2026-W47?by=org-form").get_data(as_text=True)
    groups = dict(re.findall(r'<section class="national-group">\s*<h2>([^<]+)</h2>(.*?)</section>\s*</section>', by_form,
                             re.S))
    assert set(groups) == {"Kommunal", "Brugerstyret"}
    # Three user-driven centres: every figure, on its base.
    user_driven = groups["Brugerstyret"]
    assert "3 værester har sendt tal" in user_driven and "<strong>33</strong> svar" in user_driven
    assert re.search(r'<th scope="row">9</th>\s*<td class="num">18</td>\s*<td class="num">54,5 %</td>', user_driven)
    assert "Bygger på 33 svar fra 3 værester" in user_driven
    # Two municipal centres: how many answered, and every figure withheld saying why, never 0. (All
    # centres less the user-driven ones gives the municipal ones' sums: figures those centres
    # publish themselves, with nothing in them that points to a person.)
    municipal = groups["Kommunal"]
    assert "2 værester har sendt tal" in municipal and "<strong>27</strong> svar" in municipal
    assert "Kun 2 værester sendte det, færre end 3" in municipal
    assert "Gav stedet 9 eller 10 ud af 10: tilbageholdt" in municipal
    assert re.search(r'<th scope="row">9</th>\s*<td class="num">–</td>\s*<td class="num">–</td>', municipal)  # as the chart
    assert not re.search(r'<td class="num">\d', municipal) and "%" not in municipal
    by_type = lvs.get("/hub/2026-W47?by=municipality-type").get_data(as_text=True)
    assert "Storby" in by_type and "<strong>60</strong> svar" in by_type  # all five: the same as all centres
    assert re.search(r'<th scope="row">9</th>\s*<td class="num">35</td>', by_type)
    assert lvs.get("/hub/2026-W47?by=shoe-size").status_code == 404


def test_the_national_report_downloads_as_csv_and_xlsx_and_from_the_command(hub_app, hub, register, lvs, tmp_path):
    import csv
    import io

    from openpyxl import load_workbook

    fill_week(hub, register)
    response = lvs.get("/hub/2026-W47/report.csv?by=org-form")
    assert response.headers["Content-Disposition"] == 'attachment; filename="brugerstemmen-lvs-2026-W47-org-form.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Periode", "uge 47 · 2026"]
    assert rows[1][0] == "Bemærk" and rows[1][1].startswith("Hvert væresteds antal svar er præcist")
    assert rows[3] == ["Gruppe", "Værester i gruppen", "Svar i gruppen", "Spørgsmål", "Svarmulighed", "Antal",
                       "Andel (%)", "Værester i grundlaget", "Svar i grundlaget", "Værester, der har tilbageholdt"]
    assert len(set(rows[3])) == len(rows[3])  # no header twice
    nine = {r[0]: r for r in rows if len(r) > 4 and r[4] == "9"}
    assert nine["Kommunal"][1:3] == ["2", "27"]  # two centres: their answers, and no figure
    assert nine["Kommunal"][5:] == ["tilbageholdt", "", "2", "tilbageholdt", "0"]
    assert nine["Brugerstyret"][1:3] == ["3", "33"] and nine["Brugerstyret"][5:] == ["18", "54,5", "3", "33", "0"]
    municipal = [r for r in rows[4:] if r[0] == "Kommunal"]
    assert len(municipal) == len([r for r in rows[4:] if r[0] == "Brugerstyret"]) > 10
    assert all(r[5] == "tilbageholdt" and r[6] == "" for r in municipal)  # withheld is never written as 0
    total = list(csv.reader(io.StringIO(lvs.get("/hub/2026-W47/report.csv").data.decode("utf-8-sig")), delimiter=";"))
    assert next(r for r in total if len(r) > 4 and r[4] == "9")[1:] == \
        ["5", "60", "Hvor vigtigt er dette sted for dig?", "9", "35", "58,3", "5", "60", "0"]
    book = load_workbook(io.BytesIO(lvs.get("/hub/2026-W47/report.xlsx").data))
    assert book.active["A2"].value == "Bemærk" and book.active["B2"].value.startswith("Hvert væresteds antal svar")
    values = [row for row in book.active.iter_rows(values_only=True) if row[4] == "9"]
    assert values[0][5] == 35 and abs(values[0][6] - 35 / 60) < 1e-9 and values[0][7:] == (5, 60, 0)
    env = {**os.environ, "BRUGERSTEMMEN_DATA_DIR": hub_app.config["DATA_DIR"], "BRUGERSTEMMEN_ROLE": "hub",
           "BRUGERSTEMMEN_CLOCK": HUB_CLOCK}
    everyone = json.loads(run_cli_here(env, "hub", "report", "--period", "2026-W47", "--format", "json").stdout)
    assert everyone["note"].startswith("Hvert væresteds antal svar er præcist")  # Danish unless asked
    assert everyone["groups"][""]["answers"] == 60 and everyone["groups"][""]["centres"] == 5
    by_form = json.loads(run_cli_here(env, "hub", "report", "--period", "2026-W47", "--by", "org-form",
                                 "--format", "json").stdout)["groups"]
    assert (by_form["municipal"]["answers"], by_form["municipal"]["answers_status"]) == (27, "shown")
    assert {q["status"] for q in by_form["municipal"]["questions"]} == {"withheld"}
    assert by_form["user-driven"]["questions"][0]["status"] == "shown"
    run_cli_here(env, "hub", "report", "--period", "2026-W47", "--by", "municipality-type", "--format", "xlsx",
            "--output", str(tmp_path / "lvs.xlsx"))
    sheet = load_workbook(tmp_path / "lvs.xlsx").active
    assert sheet["A4"].value == "Gruppe" and sheet["A5"].value == "Storby" and sheet["C5"].value == 60
    refused = run_cli_here(env, "hub", "report", "--period", "2026-W99", check=False)
    assert refused.returncode == 1 and "not a period of the grid" in refused.stderr


def test_the_csv_headers_say_different_things_in_both_languages(hub, register, lvs):
    import csv
    import io

    fill_week(hub, register)
    for language in ("da", "en"):
        body = lvs.get(f"/hub/2026-W47/report.csv?lang={language}").data.decode("utf-8-sig")
        header = next(row for row in csv.reader(io.StringIO(body), delimiter=";") if len(row) > 4)
        assert len(header) == len(set(header)), header


def test_an_open_period_at_the_hub_says_when_it_closes_and_leads_to_the_newest_closed_one(hub, register, lvs):
    fill_week(hub, register)
    page = lvs.get("/hub/2026-Q4?by=org-form")
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and "Perioden er ikke slut endnu" in html
    assert "den varer til og med søndag den 3. januar 2027" in html and "mandag den 4. januar 2027 kl. 01.00" in html
    assert set(re.findall(r'href="/hub/([0-9][^"/]+)"', html)) == {"2026-Q3?by=org-form", "2026-W48?by=org-form"}
    assert lvs.get("/hub/2026-Q4/report.csv").status_code == 404
    centre_id, key = register("LVS-empty")  # a centre reports the empty weeks of its first year too
    assert push(hub, centre_id, key, aggregate(period="2026-W40", n=0, nine=0, small=())).status_code == 200
    picker = lvs.get("/hub/2026-W47").get_data(as_text=True)
    assert 'href="/hub/2026-W48"' in picker and 'href="/hub/2026"' not in picker
    assert 'href="/hub/2026-W49"' not in picker and 'href="/hub/2026-Q4"' not in picker
    # Nothing is offered from before the first report (2026-W47): no week, block or quarter that only says "none".
    assert 'href="/hub/2026-W46"' not in picker and 'href="/hub/2026-Q3"' not in picker and "2026-B01" not in picker
    assert 'aria-label="uge 46 · 2026"' not in picker and 'aria-label="uge 40 · 2026"' not in picker
    assert 'aria-label="uge 48 · 2026"' in picker


def test_registering_a_centre_shows_its_key_once(hub_db, lvs):
    page = lvs.post("/hub/centres", data={"name": "Værestedet Lyset", "code": "LVS-77", "org_form": "municipal",
                                          "municipality": "Odense", "municipality_type": "large-city"})
    html = page.get_data(as_text=True)
    found = db.hub_centre_by_code(hub_db, "LVS-77")
    assert page.status_code == 200 and found["key"] in html and found["id"] in html
    assert page.headers["Cache-Control"] == "no-store"
    assert found["key"] not in lvs.get("/hub/centres").get_data(as_text=True)
    again = lvs.post("/hub/centres", data={"name": "X", "code": "LVS-77", "org_form": "municipal",
                                           "municipality": "Odense", "municipality_type": "large-city"})
    assert "allerede registreret" in again.get_data(as_text=True)
    rotated = lvs.post(f"/hub/centres/{found['id']}/rotate").get_data(as_text=True)
    new_key = db.hub_centre(hub_db, found["id"])["key"]
    assert new_key != found["key"] and new_key in rotated
    assert lvs.post(f"/hub/centres/{found['id']}/revoke").status_code == 303
    assert db.signing_key(hub_db, found["id"]) is None


def test_lvs_finds_a_centre_among_hundreds_a_page_at_a_time(hub_db, lvs):
    for i in range(117):
        db.register_hub_centre(hub_db, key=signing.new_key(), name=f"Værested {i:03}", lvs_code=f"LVS-{i:03}",
                               org_form="user-driven", municipality="Aarhus", municipality_type="large-city")
    # Registered out of order, named in Danish: listed by the Danish alphabet, æ, ø and å after z.
    for name, code, municipality in (("Åbent Hus", "LVS-ÅH", "Aabenraa"), ("Ørestad Café", "LVS-ØC", "Høje-Taastrup"),
                                     ("Æblehaven", "LVS-ÆH", "Ærø"), ("aftenåbent", "LVS-AÅ", "Odense")):
        db.register_hub_centre(hub_db, key=signing.new_key(), name=name, lvs_code=code, org_form="municipal",
                               municipality=municipality, municipality_type="suburban")

    def rows(html):
        return re.findall(r'<td class="lead">([^<]+)</td>', html)

    first = lvs.get("/hub/centres").get_data(as_text=True)
    assert rows(first) == ["aftenåbent"] + [f"Værested {i:03}" for i in range(49)]
    assert "121 værester." in first and "Viser 1–50, efter navn." in first and "Side 1 af 3" in first
    assert 'href="/hub/centres?page=2" rel="next"' in first and 'rel="prev"' not in first
    last = lvs.get("/hub/centres?page=3").get_data(as_text=True)
    assert rows(last) == [f"Værested {i:03}" for i in range(99, 117)] + ["Æblehaven", "Ørestad Café", "Åbent Hus"]
    assert 'href="/hub/centres?page=2" rel="prev"' in last and 'rel="next"' not in last
    assert rows(lvs.get("/hub/centres?page=99").get_data(as_text=True)) == rows(last)
    assert rows(lvs.get("/hub/centres?page=nonsense").get_data(as_text=True)) == rows(first)
    # By a few letters of its name, its LVS code or its municipality, in any case, æ, ø and å too.
    for query in ("ØRESTAD", "café ørestad", "lvs-øc", "høje"):
        found = lvs.get("/hub/centres", query_string={"q": query}).get_data(as_text=True)
        assert rows(found) == ["Ørestad Café"], query
        assert "1 af 121 værester passer" in found and "Side 1" not in found
    many = lvs.get("/hub/centres", query_string={"q": "værested 10"}).get_data(as_text=True)
    assert rows(many) == [f"Værested {i:03}" for i in range(117) if "10" in f"{i:03}"] and "Side" not in many
    nothing = lvs.get("/hub/centres", query_string={"q": "Skagen"}).get_data(as_text=True)
    assert rows(nothing) == [] and "Intet værested passer" in nothing and "Registrér et værested" in nothing


def test_one_installation_can_be_centre_and_hub_and_a_wrong_role_says_so(data_dir):
    from app.config import ConfigError

    both = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "ROLE": "both"})
    endpoints = {rule.endpoint.split(".")[0] for rule in both.url_map.iter_rules()}
    assert {"survey", "staff", "api", "hub"} <= endpoints
    centre = create_app({"TESTING": True, "DATA_DIR": str(data_dir)})
    assert not {"api", "hub"} & {rule.endpoint.split(".")[0] for rule in centre.url_map.iter_rules()}
    with pytest.raises(ConfigError, match="use centre, hub or both"):
        create_app({"TESTING": True, "DATA_DIR": str(data_dir), "ROLE": "lvs"})


def test_a_failing_hub_is_retried_later_and_later_with_jitter(app, database, make_centre):
    from app.hub import sync as sync_client

    from .conftest import free_port

    delays = [sync_client.backoff_seconds(n, 60, 3600) for n in range(1, 10) for _ in range(20)]
    assert all(30 <= d <= 3600 for d in delays) and len(set(delays)) > 100  # jittered, capped
    assert max(sync_client.backoff_seconds(1, 60, 3600) for _ in range(50)) <= 60
    assert min(sync_client.backoff_seconds(5, 60, 3600) for _ in range(50)) >= 480

    centre = make_centre("Café Nord", slug="nord")
    db.record_response(database, centre_id=centre["id"], iso_week="2026-W01", question_set=1, answers=[("importance", "9")])
    db.connect_hub(database, centre["id"], f"http://127.0.0.1:{free_port()}", "c-1", signing.new_key())
    with app.app_context():
        app.config["CLOCK"] = "2026-01-12T12:00:00"
        first = sync_client.sync_all(db.get_db(), app.config, now=1_000_000)[0]
        assert first["outcome"] == "failed" and "unreachable" in first["error"] and first["waiting"] > 0
        assert 1_000_000 + 30 <= first["retry_at"] <= 1_000_000 + 60
        second = sync_client.sync_all(db.get_db(), app.config, now=1_000_010)[0]
        assert second["outcome"] == "waiting" and second["sent"] == []  # not knocking again yet
        third = sync_client.sync_all(db.get_db(), app.config, now=1_000_100)[0]
        assert third["outcome"] == "failed" and third["retry_at"] >= 1_000_100 + 60  # twice as long
    link = db.hub_link(database, centre["id"])
    assert link["failures"] == 2 and link["failing_since"] == 1_000_000


def test_lvs_sees_how_many_centres_write_back_to_their_users_never_what(hub, hub_db, register, lvs):
    first, first_key = register("LVS-1")
    second, second_key = register("LVS-2")
    register("LVS-3")
    assert push(hub, first, first_key, {"publishes_replies": True}, path="/api/v1/status").json == \
        {"publishes_replies": True}
    assert push(hub, second, second_key, {"publishes_replies": False}, path="/api/v1/status").status_code == 200
    page = lvs.get("/hub/2026-W47").get_data(as_text=True)
    assert "Væresteder, der svarer deres brugere tilbage (“I sagde – vi gjorde”): 1 af 3" in page
    # A yes or no, nothing else: a text (or anything more) is refused by the schema.
    refused = push(hub, second, second_key, {"publishes_replies": True, "text": "Vi købte en kaffemaskine"},
                   path="/api/v1/status")
    assert refused.status_code == 400 and "text" in refused.json["error"]
    assert push(hub, second, second_key, {"publishes_replies": "yes"}, path="/api/v1/status").status_code == 400
    assert db.centres_publishing_replies(hub_db) == 1


# --- behind a path prefix ------------------------------------------------------------------------

def test_the_signature_covers_the_hubs_path_prefix(hub, hub_db, register):
    """A hub at https://lvs.example/hub/: nginx passes the path whole and the server knows its
    prefix (SCRIPT_NAME). The centre signs the path it called, prefix and all."""
    centre_id, key = register()
    raw = aggregates.encode(aggregate())
    called = "/hub/api/v1/aggregates"
    headers = signing.sign(centre_id, key, "POST", called, raw)
    elsewhere = hub.post("/api/v1/aggregates", data=raw, headers=headers, base_url="http://localhost/other/")
    assert elsewhere.status_code == 401 and stored(hub_db) == (0, 0)  # signed for another address
    assert hub.post("/api/v1/aggregates", data=raw, headers=headers, base_url="http://localhost/hub/").status_code == 200
    unprefixed = signing.sign(centre_id, key, "POST", "/api/v1/aggregates", raw)
    assert hub.post("/api/v1/aggregates", data=raw, headers=unprefixed,
                    base_url="http://localhost/hub/").status_code == 401


def test_a_centre_syncs_with_a_hub_behind_a_path_prefix(tmp_path):
    from app.hub import sync as sync_client

    from .conftest import CLOCK, LiveServer

    hub_server = LiveServer(tmp_path, probe="/lvs/api/v1/openapi.yaml", ROLE="hub", CLOCK=CLOCK)
    hub_server.env["SCRIPT_NAME"] = "/lvs"  # gunicorn takes the prefix from here
    hub_server.start()
    try:
        registered = json.loads(hub_server.cli("hub", "centre", "add", "Café Nord", "--code", "LVS-9", "--org-form",
                                               "user-driven", "--municipality", "Aarhus", "--municipality-type",
                                               "large-city", "--json").stdout)
        link = {"hub_url": hub_server.url + "/lvs/", "hub_centre_id": registered["centre_id"], "key": registered["key"]}
        answer = sync_client.request(link, "POST", "/api/v1/status", aggregates.encode({"publishes_replies": True}))
        assert answer == {"publishes_replies": True}
        figures = sync_client.request(link, "GET", "/api/v1/national/2026-W47?question_set=1")
        assert figures["period"] == "2026-W47"
    finally:
        hub_server.stop()
