"""Hostile input against every form and the hub API: hypothesis writes the bodies. Whatever comes,
the answer is a 4xx with a friendly page or a JSON error (never a 500), and nothing is stored
from a refused request."""

import io
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import accounts, create_app, db

from .conftest import NO_STUFFING_LIMITS, answer_token

PASSWORD = "en lang og tilfældig sætning"
# Names the forms know, so that bodies reach past "unknown field" into each field's checks.
FIELD_NAMES = [
    "importance", "reasons", "frequency", "meaning.community", "meaning.respected", "wishes", "message",
    "website", "csrf_token", "answer_token", "week", "pin", "nickname", "email", "password", "new_password", "confirm",
    "current_password", "name", "questions", "languages", "min_cell_size", "kiosk_idle_seconds", "understood",
    "role", "language", "next", "lvs_code", "org_form", "municipality", "municipality_type",
]
NASTY_TEXT = ["", "\x00", "9\x00", "10", "-1", "1e308", "NaN", "[]", "{}", "null", "a" * 5000, "\u202e10",
              "\ud800", "١٠", "😀" * 50, "' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd",
              "2026-W53", "2026-W00", "9999-W99", "%00", "\r\n\r\nX: y", "Café\x1b[31m", "\x07\x08\x7f", "0001",
              "9999-W52", str(2 ** 64)]
URL_ARGUMENTS = {"slug": "a", "staff_id": 2, "message_id": "0" * 32, "kiosk_id": "0" * 10, "token": "no-such-token",
                 "centre_id": "c-000000000000", "period": "2026-W01", "period_key": "2026-W01",
                 "extension": "csv"}


def encode(pairs):
    return b"&".join(urllib.parse.quote_from_bytes(name).encode() + b"=" + urllib.parse.quote_from_bytes(value).encode()
                     for name, value in pairs)


def to_bytes(text):
    return text.encode("utf-8", "surrogatepass")  # lone surrogates too, as a broken client sends them


names = st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=30)).map(to_bytes)
values = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=200), st.binary(max_size=200),
                   st.integers(-10**20, 10**20).map(str)).map(lambda v: v if isinstance(v, bytes) else to_bytes(v))
form_bodies = st.lists(st.tuples(names, values), max_size=12).map(encode)
bodies = st.one_of(
    form_bodies.map(lambda body: ("application/x-www-form-urlencoded", body)),
    st.binary(max_size=2000).map(lambda body: ("application/x-www-form-urlencoded", body)),
    st.binary(max_size=500).map(lambda body: ("multipart/form-data; boundary=x", body)),
    st.binary(max_size=500).map(lambda body: ("application/json", body)),
    st.just(("application/x-www-form-urlencoded", b"message=" + b"x" * 70_000)),  # over the size limit
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A hub-and-centre installation with a centre, a tablet, and a signed-in admin of everything."""
    data_dir = tmp_path_factory.mktemp("fuzz")
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "ROLE": "both", "RUNTIME_DIR": str(data_dir / "run"),
                      "WTF_CSRF_ENABLED": False, "CLOCK": "2026-11-25T12:00:00", **NO_STUFFING_LIMITS})
    with app.app_context():
        database = db.get_db()
        db.migrate(database)
        centre = db.create_centre(database, "Centre A", "a")
        admin = db.create_staff(database, "admin@example.dk", accounts.hash_password(PASSWORD), site_admin=True)
        db.set_membership(database, admin["id"], centre["id"], "admin")
        db.make_hub_admin(database, admin["id"])
        pairing = db.create_pairing(database, centre["id"], ttl_hours=1)
    staff, tablet, phone = app.test_client(), app.test_client(), app.test_client()
    assert staff.post("/staff/login", data={"email": "admin@example.dk", "password": PASSWORD}).status_code == 303
    assert tablet.post(f"/kiosk/pair/{pairing}").status_code == 303
    return app, centre, {"staff": staff, "tablet": tablet, "phone": phone}


def post_routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in ("staff.logout", "static"):
            continue
        arguments = {name: URL_ARGUMENTS[name] for name in rule.arguments}
        routes.append(rule.build(arguments, append_unknown=False)[1])
    return sorted(routes)


def stored_rows(app):
    """Responses, answers, messages and receipts kept, in the history and in the open weeks."""
    with app.app_context():
        database = db.get_db()
        closed = [database.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                  for table in ("responses", "answers", "messages", "kiosk_receipts")]
        answers = [record for _week, record in db.open_weeks.open_records(database, "answers")]
        return (closed[0] + len(answers), closed[1] + sum(len(r["a"]) for r in answers),
                closed[2] + len(db.open_weeks.open_records(database, "messages")),
                closed[3] + sum("r" in r for r in answers))


def test_every_post_route_is_fuzzed(site):
    app, _, _ = site
    routes = post_routes(app)
    assert "/kiosk/" in routes and "/staff/c/a/settings" in routes and "/api/v1/aggregates" in routes
    assert len(routes) >= 15


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(data=st.data())
def test_hostile_bodies_never_break_a_form_or_store_a_refused_answer(site, data):
    app, centre, clients = site
    route = data.draw(st.sampled_from(post_routes(app)), label="route")
    content_type, body = data.draw(bodies, label="body")
    client = clients["tablet" if route.startswith("/kiosk") else "phone" if route.startswith("/s/") else "staff"]
    if route.startswith("/s/"):
        route = f"/s/{centre['survey_token']}"
    before = stored_rows(app)
    response = client.post(route, data=body, content_type=content_type,
                           headers={"Idempotency-Key": "k" * 24} if data.draw(st.booleans(), label="keyed") else {})
    assert response.status_code < 500, (route, body[:200], response.status_code)
    page = response.get_data(as_text=True)
    assert "Traceback" not in page
    if response.status_code not in (302, 303):
        assert stored_rows(app) == before, (route, body[:200])
    if route.startswith("/api/"):
        assert response.mimetype == "application/json"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(st.sampled_from(FIELD_NAMES[:8]).map(to_bytes), values), min_size=1, max_size=14))
def test_the_survey_stores_a_whole_valid_answer_or_nothing(site, pairs):
    app, centre, clients = site
    before = stored_rows(app)
    # The fuzzing of the staff pages above may have rotated the survey token (a valid form, by chance);
    # a genuine form's answer token, so that a valid answer is stored (and a repeated one once).
    with app.app_context():
        survey_token = db.centre_by_slug(db.get_db(), centre["slug"])["survey_token"]
    token = answer_token(clients["phone"].get(f"/s/{survey_token}").get_data(as_text=True))
    response = clients["phone"].post(f"/s/{survey_token}", data=encode(pairs + [(b"answer_token", token.encode())]),
                                     content_type="application/x-www-form-urlencoded")
    assert response.status_code in (303, 400, 413), response.status_code
    after = stored_rows(app)
    if response.status_code == 303:
        assert after[0] in (before[0], before[0] + 1) and after[2] in (before[2], before[2] + 1)
    else:
        assert after == before


@pytest.mark.parametrize("path", [
    "/staff/c/a/summary/0001", "/staff/c/a/summary/9999-W52", "/staff/c/a/summary/9999-W52/download.csv",
    "/staff/c/a/summary/0001/download.csv", "/hub/0001-W01", "/hub/9999", "/hub/9999/report.csv",
    "/hub/year/0001", "/hub/year/9999", "/hub/year/9999/report.csv"])
def test_periods_beyond_the_calendar_are_not_found(site, path):
    _app, _centre, clients = site
    assert clients["staff"].get(path).status_code == 404


def test_an_id_too_large_for_the_database_is_not_found(site):
    _app, _centre, clients = site
    for action in ("remove", "sign-out"):
        assert clients["staff"].post(f"/staff/c/a/team/{2 ** 64}/{action}").status_code == 404


def test_a_form_field_sent_as_a_file_is_refused_on_every_form(site):
    """Every POST route, every field the forms know, sent as a file part: 400, never a 500."""
    app, _centre, clients = site
    for route in post_routes(app):
        for name in ("email", "password", "pin", "nickname", "name", "importance", "message", "csrf_token"):
            response = clients["staff" if route.startswith(("/staff", "/hub")) else "tablet"].post(
                route, data={name: (io.BytesIO(b"x"), "x.txt")}, content_type="multipart/form-data")
            assert response.status_code in (400, 401, 404, 405, 415), (route, name, response.status_code)
