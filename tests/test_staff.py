"""The staff side: sign-in, throttling, invitations, and who may open which centre."""

import re

import pytest

from app import accounts, create_app, db

from .conftest import CLOCK, run_cli_here

PASSWORD = "blå kaffekande på hylden"


@pytest.fixture
def app(app):
    """Accounts, sessions and invitations keep to real time; the calendar (which week a page
    shows) is not what these tests are about, so it is fixed and they pass on any date."""
    app.config["CLOCK"] = CLOCK
    return app


@pytest.fixture
def make_staff(database):
    def make(email, centre=None, role="staff", *, site_admin=False, password=PASSWORD):
        person = db.create_staff(database, email, accounts.hash_password(password) if password else None,
                                 site_admin=site_admin)
        if centre:
            db.set_membership(database, person["id"], centre["id"], role)
        return person
    return make


@pytest.fixture
def env_cli(app):
    import os

    return {**os.environ, "BRUGERSTEMMEN_DATA_DIR": app.config["DATA_DIR"],
            "BRUGERSTEMMEN_SECRET_KEY": app.secret_key, "BRUGERSTEMMEN_CLOCK": CLOCK}


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


def test_behind_a_path_prefix_the_way_back_after_signing_in_keeps_it(client, make_centre, make_staff):
    make_staff("anna@example.dk", make_centre(slug="nord"))
    prefixed = {"base_url": "http://localhost/stemme/"}  # the server's SCRIPT_NAME is /stemme
    first = client.get("/staff/c/nord/", **prefixed)
    assert first.headers["Location"] == "/stemme/staff/login?next=/staff/c/nord/"
    signed_in = client.post("/staff/login?next=/staff/c/nord/", data={"email": "anna@example.dk", "password": PASSWORD},
                            **prefixed)
    assert signed_in.headers["Location"] == "/stemme/staff/c/nord/"


def test_session_cookie_is_httponly_and_samesite(client, make_centre, make_staff):
    make_staff("anna@example.dk", make_centre())
    cookies = sign_in(client, "anna@example.dk").headers.getlist("Set-Cookie")
    session = next(cookie for cookie in cookies if cookie.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" not in session
    device = next(cookie for cookie in cookies if cookie.startswith("staff_device="))
    assert "HttpOnly" in device and "SameSite=Strict" in device and "Path=/staff/login" in device


def test_session_cookie_is_secure_over_https(data_dir):
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "BASE_URL": "https://stemme.example.dk"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


# --- throttling ----------------------------------------------------------------------------

@pytest.fixture
def throttle(app):
    connection = db.open_throttle(db.throttle_path(app.config["DATA_DIR"]))
    yield connection
    connection.close()


def throttle_keys_stored(throttle):
    return [key for (key,) in throttle.execute("SELECT key FROM login_throttle")]


def test_guessing_is_slowed_per_account_but_not_forever(client, throttle, make_centre, make_staff):
    make_staff("anna@example.dk", make_centre())
    for _ in range(accounts.ACCOUNT_FREE_FAILURES):
        assert sign_in(client, "anna@example.dk", "guess").status_code == 401
    locked = sign_in(client, "anna@example.dk")  # even the right password waits now
    assert locked.status_code == 429
    assert "Prøv igen om 1 minutter" in locked.get_data(as_text=True)
    keys = accounts.throttle_keys("anna@example.dk", "127.0.0.1", client.application.secret_key)
    assert keys.client is None  # this machine itself (a proxy, or the test client): the account only
    wait = accounts.seconds_locked(throttle, keys)
    assert 0 < wait <= 30
    assert accounts.seconds_locked(throttle, keys, now=__import__("time").time() + 31) == 0
    # The longest wait is a quarter of an hour, however long the guessing goes on.
    lock_for = accounts._lock_seconds(accounts.ACCOUNT_FREE_FAILURES)
    assert lock_for(1000) == accounts.MAX_LOCK_SECONDS == 900


def test_the_throttle_keeps_no_address_in_clear_and_nothing_beside_the_answers(client, database, throttle,
                                                                                make_centre, make_staff):
    make_staff("anna@example.dk", make_centre())
    client.post("/staff/login", data={"email": "anna@example.dk", "password": "guess"},
                environ_base={"REMOTE_ADDR": "198.51.100.23"})
    keys = throttle_keys_stored(throttle)
    assert len(keys) == 2
    assert not any("198.51.100.23" in key or "anna" in key for key in keys)
    # Not a row, not a table of it in the file that holds the answers.
    assert not list(database.query("SELECT name FROM sqlite_master WHERE name = 'login_throttle'"))
    data = db.path_in(client.application.config["DATA_DIR"])
    stored = b"".join(p.read_bytes() for p in data.parent.glob(db.DB_FILENAME + "*"))
    assert not any(key.encode() in stored for key in keys)


def test_behind_an_untrusted_proxy_a_guessing_bot_cannot_lock_everyone_out(client, throttle, make_centre, make_staff):
    make_staff("bo@example.dk", make_centre())
    for n in range(accounts.CLIENT_FREE_FAILURES + 5):  # every client is 127.0.0.1 behind nginx
        sign_in(client, f"guess{n}@example.dk", "guess")
    assert sign_in(client, "bo@example.dk").status_code == 303
    assert not [key for key in throttle_keys_stored(throttle) if key.startswith("client:")]


@pytest.fixture
def behind_nginx(data_dir):
    """The app as deploy/ runs it: behind one proxy that puts the client's address in
    X-Forwarded-For (BRUGERSTEMMEN_PROXY_HOPS=1)."""
    app = create_app({"TESTING": True, "DATA_DIR": str(data_dir), "WTF_CSRF_ENABLED": False, "PROXY_HOPS": 1,
                      "CLOCK": CLOCK})
    with app.app_context():
        db.migrate(db.get_db())
    return app


def from_address(address):
    # Every request reaches the app from nginx on 127.0.0.1; nginx says who asked.
    return {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}, "headers": {"X-Forwarded-For": address}}


def test_behind_nginx_one_client_trying_one_password_on_fifty_accounts_is_slowed(behind_nginx, database, make_centre,
                                                                                 throttle):
    centre = make_centre()
    shared_hash = accounts.hash_password(PASSWORD)
    for n in range(50):
        db.set_membership(database, db.create_staff(database, f"person{n}@example.dk", shared_hash)["id"],
                          centre["id"], "staff")
    bot = behind_nginx.test_client()
    statuses = [bot.post("/staff/login", data={"email": f"person{n}@example.dk", "password": "sommer2025!"},
                         **from_address("198.51.100.7")).status_code for n in range(50)]
    assert statuses[:accounts.CLIENT_FREE_FAILURES] == [401] * accounts.CLIENT_FREE_FAILURES
    assert set(statuses[accounts.CLIENT_FREE_FAILURES:]) == {429}  # slowed: waits that double, up to 15 min
    # Another client, the real person of an account the bot tried once, is not held up.
    assert behind_nginx.test_client().post("/staff/login", data={"email": "person49@example.dk", "password": PASSWORD},
                                           **from_address("198.51.100.8")).status_code == 303
    assert not any("198.51.100" in key for key in throttle_keys_stored(throttle))


def test_a_flood_at_one_account_from_many_clients_never_locks_its_owner_out(behind_nginx, make_centre, make_staff,
                                                                           throttle, monkeypatch):
    import time

    make_staff("anna@example.dk", make_centre(slug="nord"))
    make_staff("bo@example.dk", make_centre(slug="syd"))
    annas_browser = behind_nginx.test_client()
    home = from_address("198.51.100.20")
    assert annas_browser.post("/staff/login", data={"email": "anna@example.dk", "password": PASSWORD},
                              **home).status_code == 303
    annas_browser.post("/staff/logout", **home)
    for n in range(50):  # fifty clients, three guesses each
        attacker = behind_nginx.test_client()
        for guess in ("123456", "anna2025", "værested"):
            attacker.post("/staff/login", data={"email": "anna@example.dk", "password": guess},
                          **from_address(f"203.0.113.{n + 1}"))
    # Her own browser gets in at once, with the right password.
    assert annas_browser.post("/staff/login", data={"email": "anna@example.dk", "password": PASSWORD},
                              **home).status_code == 303
    assert annas_browser.get("/staff/c/nord/", **home).status_code == 200
    # Anywhere else (a new browser, an attacker) the account waits, but never more than 15 minutes.
    stranger = behind_nginx.test_client()
    waiting = stranger.post("/staff/login", data={"email": "anna@example.dk", "password": PASSWORD},
                            **from_address("198.51.100.21"))
    assert waiting.status_code == 429
    keys = accounts.throttle_keys("anna@example.dk", "198.51.100.21", behind_nginx.secret_key, proxied=True)
    assert 0 < accounts.seconds_locked(throttle, keys) <= 15 * 60
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert stranger.post("/staff/login", data={"email": "anna@example.dk", "password": PASSWORD},
                         **from_address("198.51.100.21")).status_code == 303
    # Her browser's standing is hers alone: it does not let anyone past another account's lock.
    for _ in range(accounts.ACCOUNT_FREE_FAILURES):
        behind_nginx.test_client().post("/staff/login", data={"email": "bo@example.dk", "password": "x" * 9},
                                        **from_address("203.0.113.200"))
    assert annas_browser.post("/staff/login", data={"email": "bo@example.dk", "password": PASSWORD},
                              **home).status_code == 429


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


@pytest.mark.real_hashing
def test_passwords_are_hashed_with_scrypt(database, make_staff):
    person = make_staff("anna@example.dk")
    stored = db.staff_by_id(database, person["id"])["password_hash"]
    assert stored.startswith("scrypt:32768:8:1$") and PASSWORD not in stored


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


# --- sessions that end ---------------------------------------------------------------------

def copied_session(app, client):
    """Another browser holding a copy of this one's session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_signing_out_ends_the_session_even_for_a_copied_cookie(app, make_centre, make_staff):
    make_staff("anna@example.dk", make_centre(slug="nord"))
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, "anna@example.dk")
    sign_in(phone, "anna@example.dk")
    copy = copied_session(app, laptop)
    assert copy.get("/staff/c/nord/").status_code == 200  # the copy works while the session lasts
    response = laptop.post("/staff/logout")
    assert response.status_code == 303
    assert "Du er logget ud, på alle enheder." in laptop.get(response.headers["Location"]).get_data(as_text=True)
    for client in (laptop, copy, phone):  # the replayed cookie, and every other device too
        assert client.get("/staff/c/nord/").status_code == 302


def test_a_new_password_ends_every_earlier_session_including_copies(app, make_centre, make_staff):
    make_staff("anna@example.dk", make_centre(slug="nord"))
    laptop = app.test_client()
    sign_in(laptop, "anna@example.dk")
    copy = copied_session(app, laptop)
    laptop.post("/staff/password", data={"current": PASSWORD, "password": "en helt ny lang sætning",
                                         "repeat": "en helt ny lang sætning"})
    assert laptop.get("/staff/c/nord/").status_code == 200 and copy.get("/staff/c/nord/").status_code == 302


def test_removal_from_the_last_centre_ends_every_session(app, client, database, make_centre, make_staff):
    nord, syd = make_centre(slug="nord"), make_centre(slug="syd")
    make_staff("anna@example.dk", nord, "admin")
    make_staff("cleo@example.dk", syd, "admin")
    bo = make_staff("bo@example.dk", nord)
    db.set_membership(database, bo["id"], syd["id"], "staff")
    colleague = app.test_client()
    sign_in(colleague, "bo@example.dk")
    sign_in(client, "anna@example.dk")
    assert client.post(f"/staff/c/nord/team/{bo['id']}/remove").status_code == 303
    assert colleague.get("/staff/c/syd/").status_code == 200  # still works at another centre
    other_admin = app.test_client()
    sign_in(other_admin, "cleo@example.dk")
    assert other_admin.post(f"/staff/c/syd/team/{bo['id']}/remove").status_code == 303
    assert colleague.get("/staff/").status_code == 302  # nothing left: signed out


def test_a_centres_admin_cannot_touch_the_sessions_of_someone_outside_the_centre(app, client, database, two_centres,
                                                                                 make_staff):
    """Removing from centre B an account that is not a member of B (a site admin, ids being small
    and sequential) changes nothing: not the account, not its sessions."""
    site = make_staff("site@example.dk", site_admin=True)
    admin = app.test_client()
    sign_in(admin, "site@example.dk")
    assert admin.get("/staff/").status_code == 200
    for _ in range(3):
        assert client.post(f"/staff/c/b/team/{site['id']}/remove").status_code in (303, 404)
    assert admin.get("/staff/").status_code == 200  # still signed in
    assert db.staff_by_id(database, site["id"])["session_version"] == site["session_version"]


def test_an_admin_signs_a_colleague_out_everywhere(app, client, database, make_centre, make_staff, env_cli):
    centre = make_centre(slug="nord")
    make_staff("anna@example.dk", centre, "admin")
    bo = make_staff("bo@example.dk", centre)
    stranger = make_staff("eve@example.dk", make_centre(slug="syd"))
    colleague, other = app.test_client(), app.test_client()
    sign_in(colleague, "bo@example.dk")
    sign_in(other, "eve@example.dk")
    sign_in(client, "anna@example.dk")
    assert "Log bo@example.dk ud på alle enheder" in client.get("/staff/c/nord/team").get_data(as_text=True)
    response = client.post(f"/staff/c/nord/team/{bo['id']}/sign-out")
    assert response.status_code == 303 and "bo@example.dk er logget ud på alle enheder." in \
        client.get(response.headers["Location"]).get_data(as_text=True)
    assert colleague.get("/staff/c/nord/").status_code == 302
    client.post(f"/staff/c/nord/team/{stranger['id']}/sign-out")  # not on this team: nothing happens
    assert other.get("/staff/c/syd/").status_code == 200
    # The operator can do the same from the command line.
    sign_in(colleague, "bo@example.dk")
    assert "bo@example.dk is signed out on every device" in run_cli_here(env_cli, "staff", "sign-out", "bo@example.dk").stdout
    assert colleague.get("/staff/c/nord/").status_code == 302
    refused = run_cli_here(env_cli, "staff", "sign-out", "nobody@example.dk", check=False)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1 and "staff list" in refused.stderr


@pytest.mark.parametrize("idle_minutes, hours_ago, ends", [(59, 0, False), (61, 0, True), (1, 11.9, False),
                                                            (1, 12.1, True)])
def test_a_session_ends_when_idle_and_some_hours_after_signing_in(app, make_centre, make_staff, idle_minutes,
                                                                  hours_ago, ends):
    import time

    make_staff("anna@example.dk", make_centre(slug="nord"))
    client = app.test_client()
    sign_in(client, "anna@example.dk")
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time() - idle_minutes * 60)
        session["signed_in_at"] = int(time.time() - hours_ago * 3600)
    assert client.get("/staff/c/nord/").status_code == (302 if ends else 200)
    if not ends:  # the idle clock starts again with every page
        with client.session_transaction() as session:
            assert time.time() - session["seen_at"] < 5


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


def invite_link(client, slug, email, role="staff"):
    """Invite from the Team page, as an admin does; the page and the link it shows."""
    page = client.post(f"/staff/c/{slug}/team", data={"email": email, "role": role})
    html = page.get_data(as_text=True)
    found = re.search(r"http://brugerstemmen\.test(/staff/invite/[\w-]+)", html)
    return page, html, found.group(1) if found else None


def choose_password(app, link, password="sne på taget i marts"):
    stranger = app.test_client()
    return stranger, stranger.post(link, data={"password": password, "repeat": password})


@pytest.fixture
def two_centres(client, make_centre, make_staff):
    """Centre A with its admin Anna, centre B with its admin Bob (signed in on `client`)."""
    a, b = make_centre("Centre A", slug="a"), make_centre("Centre B", slug="b")
    make_staff("anna@example.dk", a, "admin")
    make_staff("bob@example.dk", b, "admin")
    sign_in(client, "bob@example.dk")
    return a, b


def pending_centre_admin(app, env_cli):
    anna = app.test_client()
    sign_in(anna, "anna@example.dk")
    return invite_link(anna, "a", "vic@example.dk", "admin")[2]


def pending_by_the_operator(flag):
    def make(app, env_cli):
        printed = run_cli_here(env_cli, "staff", "add", "vic@example.dk", flag).stdout
        return re.search(r"/staff/invite/[\w-]+", printed).group(0)
    return make


def test_the_invitation_link_comes_with_a_copy_button_and_its_qr_code_inline(app, client, two_centres):
    import base64

    from app import links

    _page, html, link = invite_link(client, "b", "ny@example.dk")
    assert f'<code id="invite-url">http://brugerstemmen.test{link}</code>' in html  # still text to select
    assert 'data-copy="invite-url"' in html and "hidden>Kopiér linket</button>" in html  # shown by staff.js
    assert '<script src="/static/staff.js" defer></script>' in html
    uri = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    with app.app_context():
        assert base64.b64decode(uri) == links.qr_svg(f"http://brugerstemmen.test{link}")  # no request for it
    assert "data:image" not in client.get("/staff/c/b/team").get_data(as_text=True)  # only with a fresh link


@pytest.mark.parametrize("pending", [pending_centre_admin, pending_by_the_operator("--site-admin"),
                                     pending_by_the_operator("--hub-admin")],
                         ids=["centre admin", "site admin", "hub admin"])
def test_a_second_invitation_never_hands_over_a_pending_account(app, client, database, two_centres, env_cli, pending):
    first_link = pending(app, env_cli)  # the real person's, not yet used
    page, html, link = invite_link(client, "b", "vic@example.dk", "admin")  # Bob, admin of another centre
    assert page.status_code == 200 and link
    opened = app.test_client().get(link).get_data(as_text=True)
    assert 'name="password"' not in opened and "Log ind som vic@example.dk" in opened
    attacker, response = choose_password(app, link)
    assert response.status_code != 303 and attacker.get("/staff/").status_code == 302
    vic = db.staff_by_email(database, "vic@example.dk")
    assert vic["password_hash"] is None and db.role_at(database, vic["id"], two_centres[1]["id"]) is None
    # The real person's own link still works, and then Bob's invitation too, for them only.
    person, response = choose_password(app, first_link)
    assert response.status_code == 303 and person.get("/staff/").status_code in (200, 302)
    assert "Centre B" in person.get(link).get_data(as_text=True)
    assert person.post(link).status_code == 303
    assert db.role_at(database, vic["id"], two_centres[1]["id"]) == "admin"
    assert app.test_client().get(link).status_code == 410  # used


def test_the_team_page_answers_the_same_whether_or_not_an_account_exists(client, database, two_centres):
    def seen(email):
        page, html, link = invite_link(client, "b", email)
        html = html.replace(email, "EMAIL").replace(link, "LINK")
        html = re.sub(r'data:image/svg\+xml;base64,[^"]+', "QR-OF-LINK", html)  # the link's QR code, drawn
        row = re.search(r"<tr>\s*<td[^>]*>EMAIL</td>.*?</tr>", html, re.S).group(0)
        html = re.sub(r'<table class="team stack">.*</table>', "", html, flags=re.S)  # everyone invited so far
        # CSRF tokens differ anyway (they carry the second they were made in).
        return page.status_code, re.sub(r'value="[^"]*"', "", html), re.sub(r'value="[^"]*"', "", row)

    existing = seen("anna@example.dk")  # active, admin at centre A
    new = seen("nobody@example.dk")
    assert existing == new and existing[0] == 200 and "Inviteret" in existing[2]
    anna = db.staff_by_email(database, "anna@example.dk")
    assert db.role_at(database, anna["id"], two_centres[1]["id"]) is None  # not until she accepts


def test_invitation_links_are_hashed_single_use_bound_and_expire(app, client, database, two_centres, monkeypatch):
    import hashlib
    import time

    _, _, first = invite_link(client, "b", "new@example.dk", "staff")
    _, _, link = invite_link(client, "b", "new@example.dk", "staff")  # again: the earlier link stops working
    token = link.rsplit("/", 1)[1]
    rows = list(database.query("SELECT * FROM invites"))
    assert len(rows) == 1 and rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(rows) and abs(rows[0]["expires_at"] - time.time() - 7 * 86400) < 60
    assert app.test_client().get(first).status_code == 410
    later = time.time() + 7 * 86400 + 60
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: later)
        assert app.test_client().get(link).status_code == 410  # a week on: expired
    person, response = choose_password(app, link)
    assert response.status_code == 303
    new = db.staff_by_email(database, "new@example.dk")
    assert db.role_at(database, new["id"], two_centres[1]["id"]) == "staff"  # what the link was for, nothing else
    assert db.centres_of(database, new["id"])[0]["slug"] == "b" and len(db.centres_of(database, new["id"])) == 1
    assert choose_password(app, link)[1].status_code == 410  # once
    # A join link is for its own account: anyone else signed in gets nothing from it.
    _, _, join = invite_link(client, "b", "anna@example.dk", "admin")
    assert client.get(join).status_code == 403 and client.post(join).status_code == 403
    assert db.role_at(database, db.staff_by_email(database, "anna@example.dk")["id"], two_centres[1]["id"]) is None


def test_the_operator_granting_more_ends_an_earlier_password_link(app, database, two_centres, env_cli):
    anna = app.test_client()
    sign_in(anna, "anna@example.dk")
    _, _, admins_link = invite_link(anna, "a", "vic@example.dk")
    printed = run_cli_here(env_cli, "staff", "add", "vic@example.dk", "--site-admin").stdout
    operators_link = re.search(r"/staff/invite/[\w-]+", printed).group(0)
    assert app.test_client().get(admins_link).status_code == 410  # it would open every centre now
    _, response = choose_password(app, operators_link)
    assert response.status_code == 303
    # And a link for an account that holds more than the inviting admin may grant is a join link.
    _, _, again = invite_link(anna, "a", "vic@example.dk")
    assert 'name="password"' not in app.test_client().get(again).get_data(as_text=True)


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
    assert f"http://brugerstemmen.test/k/{centre['short_code'][:4]}-{centre['short_code'][4:]}" in text  # to type
    assert "What does this place mean to you?" in text  # English is offered too
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


def test_an_admin_sets_the_kiosk_pin(client, database, throttle, make_centre, make_staff):
    from app import kiosk_pin

    centre = make_centre(slug="nord")
    make_staff("anna@example.dk", centre, "admin")
    sign_in(client, "anna@example.dk")
    assert "Der er ikke sat nogen PIN" in client.get("/staff/c/nord/settings").get_data(as_text=True)
    refused = client.post("/staff/c/nord/kiosks/pin", data={"pin": "12"})
    assert refused.status_code == 400 and "Brug 4 til 8 cifre." in refused.get_data(as_text=True)
    assert client.post("/staff/c/nord/kiosks/pin", data={"pin": "97531"}).status_code == 303
    centre = db.centre_by_slug(database, "nord")
    assert kiosk_pin.check(throttle, centre, "97531") == "right"
    assert "Der er sat en PIN" in client.get("/staff/c/nord/settings").get_data(as_text=True)


def test_a_redirect_never_names_the_host_the_request_claimed(client, make_centre, make_staff):
    make_centre("Centre B", slug="b")
    for path in ("/staff/c/b", "/staff"):  # a missing trailing slash: Werkzeug's own redirect
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code in (301, 302, 308)
        assert "evil.example" not in response.headers["Location"]
        assert response.headers["Location"].startswith("/")


def test_the_team_page_shows_every_address_in_one_spelling(client, database, two_centres, make_staff):
    """An address with an account somewhere (in whatever case it was typed) and one without are
    shown the same way: the page does not give away the stored spelling."""
    make_staff("site@example.dk", site_admin=True)
    rows = {}
    for typed in ("SITE@Example.DK", "NOBODY@Example.DK"):
        _page, html, _link = invite_link(client, "b", typed)
        rows[typed] = re.findall(r"<td[^>]*>([^<]*@[^<]*)</td>", html)
    assert "site@example.dk" in rows["SITE@Example.DK"] and "nobody@example.dk" in rows["NOBODY@Example.DK"]
    assert not [email for found in rows.values() for email in found if email != email.lower()]


def test_a_pending_invitation_can_be_withdrawn_and_its_link_then_is_spent(app, client, database, two_centres):
    _page, html, link = invite_link(client, "b", "leaked@example.dk")
    assert "Træk invitationen til leaked@example.dk tilbage" in html
    assert client.post("/staff/c/b/team/withdraw", data={"email": "leaked@example.dk"}).status_code == 303
    assert app.test_client().get(link).status_code == 410
    assert "leaked@example.dk" not in client.get("/staff/c/b/team").get_data(as_text=True)


def test_a_name_with_a_control_character_is_refused_and_downloads_leave_one_out(client, database, make_centre,
                                                                                   make_staff, env_cli, caplog):
    centre = make_centre("Café Før", slug="nord")
    make_staff("anna@example.dk", centre, "admin")
    sign_in(client, "anna@example.dk")
    settings = {"name": "Café\x1b[31mRød", "questions": ["meaning"], "languages": [], "min_cell_size": "5",
                "kiosk_idle_seconds": "45", "message_retention_months": "2", "retention_months": "36",
                "kiosk_answer_interval_seconds": "40", "answers_per_minute": "12"}
    refused = client.post("/staff/c/nord/settings", data=settings)
    assert refused.status_code == 200 and "kontroltegn" in refused.get_data(as_text=True)
    assert db.centre_by_slug(database, "nord")["name"] == "Café Før"
    result = run_cli_here(env_cli, "centre", "add", "Café\x07Bip", check=False)
    assert result.returncode != 0 and "control character" in result.stderr and len(result.stderr.splitlines()) == 1
    # A name an older version stored: the XLSX still downloads, without the character.
    db.update_centre(database, "nord", name="Café\x1bGammel")
    download = client.get("/staff/c/nord/summary/2026-W01/download.xlsx")
    assert download.status_code == 200 and b"\x1bGammel" not in download.data
    with caplog.at_level("WARNING"):
        for path in ("/staff/c/nord/summary/2026-W01/download.pdf", "/staff/c/nord/summary/2026-W01/download.csv",
                     "/staff/c/nord/poster.pdf"):
            response = client.get(path)
            assert response.status_code == 200 and b"\x1bGammel" not in response.data, path
    assert "glyphs" not in caplog.text and "Gammel" not in caplog.text  # no character fpdf cannot draw


def test_limits_switched_off_by_the_configuration_are_shown_and_saved_as_off(app, client, database, make_centre,
                                                                                make_staff):
    """conftest switches both limits off, as the README says an operator can (0)."""
    assert app.config["SURVEY_ANSWERS_PER_MINUTE"] == 0 and app.config["KIOSK_ANSWER_INTERVAL_SECONDS"] == 0
    centre = make_centre("Café Fri", slug="fri")
    make_staff("anna@example.dk", centre, "admin")
    sign_in(client, "anna@example.dk")
    page = client.get("/staff/c/fri/settings").get_data(as_text=True)
    assert "0 betyder slået fra" in page
    saved = client.post("/staff/c/fri/settings", data={
        "name": "Café Fri", "questions": ["meaning"], "languages": [], "min_cell_size": "5",
        "kiosk_idle_seconds": "45", "message_retention_months": "2", "retention_months": "36",
        "kiosk_answer_interval_seconds": "0", "answers_per_minute": "0"})
    assert saved.status_code == 303 and db.centre_by_slug(database, "fri")["answers_per_minute"] == 0
    app.config["SURVEY_ANSWERS_PER_MINUTE"] = 30  # a server where the limit is on: 0 is no choice
    refused = client.post("/staff/c/fri/settings", data={
        "name": "Café Fri", "questions": ["meaning"], "languages": [], "min_cell_size": "5",
        "kiosk_idle_seconds": "45", "message_retention_months": "2", "retention_months": "36",
        "kiosk_answer_interval_seconds": "0", "answers_per_minute": "0"})
    assert refused.status_code == 200


def test_someone_at_many_centres_finds_theirs_by_a_few_letters(client, database, make_centre, make_staff):
    names = ["Café Nord", "Café Syd", "Værestedet Solsikken", "Værestedet Solstrålen", "Huset", "Kirkens Korshær",
             "Mødestedet", "Skuret", "Stjernen", "Trappen"]
    centres = [make_centre(name) for name in names]
    person = make_staff("lvs@example.dk")
    for centre in centres:
        db.set_membership(database, person["id"], centre["id"], "staff")
    sign_in(client, "lvs@example.dk")
    page = client.get("/staff/").get_data(as_text=True)
    assert 'type="search"' not in page and all(name in page for name in names)  # ten: a list is enough
    db.set_membership(database, person["id"], make_centre("Åstedet")["id"], "staff")
    page = client.get("/staff/").get_data(as_text=True)
    assert 'type="search"' in page and "11 værester." in page
    page = client.get("/staff/", query_string={"q": "solS"}).get_data(as_text=True)
    assert "2 af 11 værester passer" in page
    assert "Værestedet Solsikken" in page and "Værestedet Solstrålen" in page and "Café Nord" not in page
    page = client.get("/staff/", query_string={"q": "ingen sådan"}).get_data(as_text=True)
    assert "Intet værested passer på det" in page
