"""The staff side: sign-in, throttling, invitations, and who may open which centre."""

import re

import pytest

from app import accounts, create_app, db

PASSWORD = "blå kaffekande på hylden"


@pytest.fixture
def make_staff(database):
    def make(email, centre=None, role="staff", *, site_admin=False, password=PASSWORD):
        person = db.create_staff(database, email, accounts.hash_password(password) if password else None,
                                 site_admin=site_admin)
        if centre:
            db.set_membership(database, person["id"], centre["id"], role)
        return person
    return make


def sign_in(client, email, password=PASSWORD):
    return client.post("/staff/login", data={"email": email, "password": password})


# --- signing in ----------------------------------------------------------------------------

def test_staff_pages_need_a_login_and_are_never_cached(client, make_centre):
    centre = make_centre(slug="nord")
    response = client.get("/staff/c/nord/")
    assert response.status_code == 302 and "/staff/login?next=/staff/c/nord/" in response.headers["Location"]
    login_page = client.get("/staff/login")
    assert login_page.headers["Cache-Control"] == "no-store"
    assert centre["name"] not in login_page.get_data(as_text=True)


def test_sign_in_opens_the_centre_and_sign_out_closes_it(client, make_centre, make_staff):
    centre = make_centre("Café Nord", slug="nord")
    make_staff("anna@example.dk", centre, "admin")
    response = sign_in(client, "Anna@Example.dk")  # e-mail case does not matter
    assert response.status_code == 303
    page = client.get(response.headers["Location"], follow_redirects=True)
    assert "Café Nord" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    client.post("/staff/logout")
    assert client.get("/staff/c/nord/").status_code == 302


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(client, make_centre, make_staff):
    make_staff("anna@example.dk", make_centre())
    wrong_password = sign_in(client, "anna@example.dk", "not the password")
    no_such_person = sign_in(client, "nobody@example.dk", "not the password")
    for response in (wrong_password, no_such_person):
        assert response.status_code == 401
        assert "Forkert e-mail eller adgangskode." in response.get_data(as_text=True)


def test_the_next_address_never_leaves_the_staff_area(client, make_centre, make_staff):
    make_staff("anna@example.dk", make_centre())
    response = client.post("/staff/login?next=https://evil.example/", data={"email": "anna@example.dk",
                                                                            "password": PASSWORD})
    assert response.headers["Location"] == "/staff/"


def test_session_cookie_is_httponly_and_samesite(client, make_centre, make_staff):
    make_staff("anna@example.dk", make_centre())
    cookie = sign_in(client, "anna@example.dk").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(data_dir):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "BASE_URL": "https://stemme.example.dk"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


# --- throttling ----------------------------------------------------------------------------

def test_guessing_is_slowed_per_account_but_not_forever(client, database, make_centre, make_staff):
    make_staff("anna@example.dk", make_centre())
    for _ in range(accounts.ACCOUNT_FREE_FAILURES):
        assert sign_in(client, "anna@example.dk", "guess").status_code == 401
    locked = sign_in(client, "anna@example.dk")  # even the right password waits now
    assert locked.status_code == 429
    assert "Prøv igen om 1 minutter" in locked.get_data(as_text=True)
    keys = accounts.throttle_keys("anna@example.dk", "127.0.0.1", client.application.secret_key)
    assert len(keys) == 1  # this machine itself (a proxy, or the test client): the account only
    wait = accounts.seconds_locked(database, keys)
    assert 0 < wait <= 30
    assert accounts.seconds_locked(database, keys, now=__import__("time").time() + 31) == 0
    # The longest wait is a quarter of an hour, however long the guessing goes on.
    lock_for = accounts._lock_seconds(accounts.ACCOUNT_FREE_FAILURES)
    assert lock_for(1000) == accounts.MAX_LOCK_SECONDS == 900


def test_the_throttle_keeps_no_address_in_clear(client, database, make_centre, make_staff):
    make_staff("anna@example.dk", make_centre())
    client.post("/staff/login", data={"email": "anna@example.dk", "password": "guess"},
                environ_base={"REMOTE_ADDR": "198.51.100.23"})
    keys = [row[0] for row in database.execute("SELECT key FROM login_throttle")]
    assert len(keys) == 2
    assert not any("198.51.100.23" in key or "anna" in key for key in keys)


def test_behind_the_proxy_a_guessing_bot_cannot_lock_everyone_out(client, database, make_centre, make_staff):
    make_staff("bo@example.dk", make_centre())
    for n in range(accounts.CLIENT_FREE_FAILURES + 5):  # every client is 127.0.0.1 behind nginx
        sign_in(client, f"guess{n}@example.dk", "guess")
    assert sign_in(client, "bo@example.dk").status_code == 303
    assert not [key for (key,) in database.execute("SELECT key FROM login_throttle") if key.startswith("client:")]


def test_a_shared_centre_address_is_not_locked_by_one_persons_typos(client, make_centre, make_staff):
    centre = make_centre()
    make_staff("anna@example.dk", centre)
    make_staff("bo@example.dk", centre)
    for _ in range(accounts.ACCOUNT_FREE_FAILURES):
        sign_in(client, "anna@example.dk", "guess")
    assert sign_in(client, "bo@example.dk").status_code == 303


# --- passwords and invitations -------------------------------------------------------------

@pytest.mark.parametrize("password, reason", [("kort", "at least"), ("password123", "too common"),
                                              ("sommer2024", "too common"), ("anna@example.dk", "too common")])
def test_weak_passwords_are_refused(password, reason):
    with pytest.raises(accounts.PasswordRejected, match=reason):
        accounts.check_new_password(password, "anna@example.dk")


def test_no_composition_rules():
    accounts.check_new_password("alle små bogstaver og mellemrum", "anna@example.dk")


def test_passwords_are_hashed_with_scrypt(database, make_staff):
    person = make_staff("anna@example.dk")
    stored = db.staff_by_id(database, person["id"])["password_hash"]
    assert stored.startswith("scrypt:") and PASSWORD not in stored


def test_changing_the_password_signs_out_other_sessions(app, make_centre, make_staff):
    make_staff("anna@example.dk", make_centre(slug="nord"))
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "anna@example.dk")
    sign_in(phone, "anna@example.dk")
    response = laptop.post("/staff/password", data={"current": PASSWORD, "password": "en helt ny lang sætning",
                                                    "repeat": "en helt ny lang sætning"})
    assert response.status_code == 303
    assert laptop.get("/staff/c/nord/").status_code == 200
    assert phone.get("/staff/c/nord/").status_code == 302


def test_an_admin_invites_a_colleague_who_chooses_a_password(app, client, database, make_centre, make_staff):
    centre = make_centre(slug="nord")
    make_staff("anna@example.dk", centre, "admin")
    sign_in(client, "anna@example.dk")
    page = client.post("/staff/c/nord/team", data={"email": "bo@example.dk", "role": "staff"})
    link = re.search(r"http://brugerstemmen\.test(/staff/invite/[\w-]+)", page.get_data(as_text=True)).group(1)
    newcomer = app.test_client()
    assert "bo@example.dk" in newcomer.get(link).get_data(as_text=True)
    weak = newcomer.post(link, data={"password": "password1", "repeat": "password1"})
    assert "for almindelig" in weak.get_data(as_text=True)
    good = newcomer.post(link, data={"password": "sne på taget i marts", "repeat": "sne på taget i marts"})
    assert good.status_code == 303
    assert newcomer.get("/staff/c/nord/").status_code == 200
    assert app.test_client().get(link).status_code == 410  # used up
    assert db.role_at(database, db.staff_by_email(database, "bo@example.dk")["id"], centre["id"]) == "staff"


def test_a_staff_members_language_follows_them_to_every_page_and_download(client, make_centre, make_staff):
    make_centre("Café Nord", slug="nord")
    make_staff("anna@example.dk", make_centre("Café Syd", slug="syd"))
    sign_in(client, "anna@example.dk")
    page = client.get("/staff/c/syd/").get_data(as_text=True)
    assert '<html lang="da"' in page and "Log ud" in page
    response = client.post("/staff/language", data={"language": "en", "back": "/staff/c/syd/"})
    assert response.status_code == 303 and response.headers["Location"] == "/staff/c/syd/"
    page = client.get("/staff/c/syd/").get_data(as_text=True)
    assert '<html lang="en"' in page and "Sign out" in page
    assert client.get("/staff/c/syd/?lang=da").get_data(as_text=True).count("Log ud") == 1  # the address still wins
    assert client.post("/staff/language", data={"language": "xx"}).status_code == 400
    assert client.post("/staff/language", data={"language": "en", "back": "https://evil.example/"}
                       ).headers["Location"] == "/staff/"
    client.post("/staff/logout")
    sign_in(client, "anna@example.dk")  # kept with the account, not the browser
    assert "Sign out" in client.get("/staff/c/syd/").get_data(as_text=True)


# --- the authorization matrix --------------------------------------------------------------

ROLES = ["anonymous", "staff_a", "admin_a", "staff_b", "admin_b", "site_admin", "no_centre"]


def expected_status(rule_role, role):
    """What each kind of person gets from a page of centre A needing `rule_role`."""
    if role == "anonymous":
        return 302
    if role in ("staff_b", "admin_b", "no_centre"):
        return 404  # centre A does not exist, as far as they can tell
    if rule_role == "admin" and role == "staff_a":
        return 403
    return 200


@pytest.fixture
def people(make_centre, make_staff):
    a, b = make_centre("Centre A", slug="a"), make_centre("Centre B", slug="b")
    make_staff("staff_a@example.dk", a, "staff")
    make_staff("admin_a@example.dk", a, "admin")
    make_staff("staff_b@example.dk", b, "staff")
    make_staff("admin_b@example.dk", b, "admin")
    make_staff("site_admin@example.dk", site_admin=True)
    make_staff("no_centre@example.dk")
    return a, b


def centre_routes(app):
    """Every staff route about one centre, with the role its view demands."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("staff.") and "slug" in rule.arguments:
            view = app.view_functions[rule.endpoint]
            assert hasattr(view, "minimum_role"), f"{rule.rule} does not go through centre_access"
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((rule, method, view.minimum_role))
    return routes


def test_every_staff_route_is_login_protected_or_deliberately_public(app):
    from app.staff import PUBLIC_ENDPOINTS

    staff_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("staff.")]
    assert staff_rules
    public = {r.endpoint for r in staff_rules} & PUBLIC_ENDPOINTS
    assert public == {"staff.login", "staff.accept_invite"}


def test_authorization_matrix(app, database, people):
    routes = centre_routes(app)
    assert len(routes) >= 4
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            assert sign_in(client, f"{role}@example.dk").status_code == 303
        for rule, method, minimum_role in routes:
            url = rule.build({"slug": "a", "staff_id": 999999, "period": "2026-W01",
                              "extension": "csv" if "summary" in rule.rule else "pdf",
                              "message_id": "0" * 32, "kiosk_id": "0" * 10},
                             append_unknown=False)[1]
            response = client.open(url, method=method, data={})
            expected = expected_status(minimum_role, role)
            if method == "POST" and expected == 200:
                assert response.status_code in (200, 303, 400), f"{role} {method} {url}"  # 400: let in, form empty
            else:
                assert response.status_code == expected, f"{role} {method} {url}: {response.status_code}"
            if response.mimetype == "text/html":
                assert "Centre A" not in response.get_data(as_text=True) or expected == 200


# --- centre settings -----------------------------------------------------------------------

def test_an_admin_changes_the_settings_the_survey_follows(client, database, make_centre, make_staff):
    centre = make_centre("Café Før", slug="nord")
    make_staff("anna@example.dk", centre, "admin")
    sign_in(client, "anna@example.dk")
    assert "Indstillinger" in client.get("/staff/c/nord/").get_data(as_text=True)
    response = client.post("/staff/c/nord/settings", data={
        "name": "Café Efter", "questions": ["meaning"], "languages": [], "min_cell_size": "7",
        "kiosk_idle_seconds": "45", "message_retention_months": "2", "retention_months": "36",
        "kiosk_answer_interval_seconds": "40", "answers_per_minute": "12"})
    assert response.status_code == 303
    changed = db.centre_by_slug(database, "nord")
    assert changed["name"] == "Café Efter" and changed["min_cell_size"] == 7
    assert changed["message_retention_months"] == 2 and changed["retention_months"] == 36
    assert changed["kiosk_answer_interval_seconds"] == 40 and changed["answers_per_minute"] == 12
    assert changed["disabled_questions"] == ["message", "wishes"] and changed["languages"] == ["da"]
    survey = client.get(f"/s/{changed['survey_token']}").get_data(as_text=True)
    assert 'name="meaning.community"' in survey and 'name="wishes"' not in survey
    assert 'hreflang="en"' not in survey  # English no longer offered
    refused = client.post("/staff/c/nord/settings", data={"name": "X", "min_cell_size": "2", "kiosk_idle_seconds": "45"})
    assert refused.status_code == 200 and db.centre_by_slug(database, "nord")["min_cell_size"] == 7


def test_rotating_the_token_needs_a_confirmation_and_then_retires_the_old_code(client, database, make_centre,
                                                                              make_staff):
    centre = make_centre(slug="nord")
    make_staff("anna@example.dk", centre, "admin")
    sign_in(client, "anna@example.dk")
    assert client.post("/staff/c/nord/settings/rotate", data={}).status_code == 400
    assert db.centre_by_slug(database, "nord")["survey_token"] == centre["survey_token"]
    assert client.post("/staff/c/nord/settings/rotate", data={"understood": "y"}).status_code == 303
    assert client.get(f"/s/{centre['survey_token']}").status_code == 404


def test_an_admin_pairs_and_unpairs_tablets(client, database, make_centre, make_staff):
    centre = make_centre(slug="nord")
    make_staff("anna@example.dk", centre, "admin")
    sign_in(client, "anna@example.dk")
    page = client.post("/staff/c/nord/kiosks/pair").get_data(as_text=True)
    link = re.search(r"/kiosk/pair/([\w-]+)", page).group(1)
    kiosk_token = db.pair_kiosk(database, link, "Tablet i caféen")
    (kiosk,) = db.kiosks_of(database, centre["id"])
    assert "Tablet i caféen" in client.get("/staff/c/nord/settings").get_data(as_text=True)
    client.post(f"/staff/c/nord/kiosks/{kiosk['id']}/revoke")
    assert db.centre_for_kiosk(database, kiosk_token) is None


# --- posters ---------------------------------------------------------------------------------

def test_the_poster_prints_the_name_the_invitation_and_a_qr_code_that_scans(client, database, make_centre,
                                                                            make_staff, tmp_path):
    import shutil
    import subprocess

    for tool in ("pdftoppm", "pdftotext", "pdfinfo", "zbarimg"):
        assert shutil.which(tool), f"{tool} is missing: `make test` installs poppler-utils and zbar-tools"
    centre = make_centre("Værestedet Solstrålen", slug="sol")
    make_staff("anna@example.dk", centre, "staff")
    sign_in(client, "anna@example.dk")
    response = client.get("/staff/c/sol/poster.pdf")
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert 'filename="brugerstemmen-sol-plakat.pdf"' in response.headers["Content-Disposition"]
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(response.data)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+1\b", info) and "595.28 x 841.89" in info  # one A4 page
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    survey_url = f"http://brugerstemmen.test/s/{centre['survey_token']}"
    assert "Værestedet Solstrålen" in text and "Hvad betyder stedet for dig?" in text
    assert survey_url in text and "What does this place mean to you?" in text  # English is offered too
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(tmp_path / "poster")], check=True)
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(tmp_path / "poster.png")],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert decoded == survey_url
    assert client.get("/staff/c/sol/poster.svg").data.startswith(b"<?xml")
    assert client.get("/staff/c/sol/poster.png").data[:4] == b"\x89PNG"


def test_the_posters_address_stays_on_one_line_however_wide_its_letters(app, tmp_path):
    import subprocess

    from app import posters

    url = "https://brugerstemmen.example.dk/s/" + "W" * 32  # the widest letters a token can have
    with app.test_request_context():
        pdf = posters.poster_pdf({"name": "Værestedet Solstrålen", "languages": ["da"]}, url)
    (tmp_path / "poster.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "poster.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert url in text.splitlines()


def test_an_admin_sets_the_kiosk_pin(client, database, make_centre, make_staff):
    from app import accounts

    centre = make_centre(slug="nord")
    make_staff("anna@example.dk", centre, "admin")
    sign_in(client, "anna@example.dk")
    assert "Der er ikke sat nogen PIN" in client.get("/staff/c/nord/settings").get_data(as_text=True)
    refused = client.post("/staff/c/nord/kiosks/pin", data={"pin": "12"})
    assert refused.status_code == 400 and "Brug 4 til 8 cifre." in refused.get_data(as_text=True)
    assert client.post("/staff/c/nord/kiosks/pin", data={"pin": "97531"}).status_code == 303
    centre = db.centre_by_slug(database, "nord")
    assert accounts.check_kiosk_pin(database, centre, "97531") == "right"
    assert "Der er sat en PIN" in client.get("/staff/c/nord/settings").get_data(as_text=True)
