"""The data layer on a real SQLite file."""

import sqlite3

import pytest

from app import db


def record(database, centre, answers=(("importance", "9"),), message="", week="2026-W48"):
    return db.record_response(database, centre_id=centre["id"], iso_week=week, question_set=1, answers=list(answers),
                              message=message)


def test_every_connection_has_the_durability_settings(database):
    pragma = lambda name: database.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") == db.BUSY_TIMEOUT_MS


def test_migrations_are_recorded_and_idempotent(database):
    db.migrate(database)
    db.migrate(database)
    applied = db.applied_migrations(database)
    assert applied[:5] == ["m001_initial", "m002_staff", "m003_maintenance", "m004_published", "m005_centre_settings"]
    assert applied == sorted(set(applied))  # each once, in order


def test_response_tables_have_no_rowid_and_no_time_column(database):
    for table in ("responses", "answers", "messages"):
        with pytest.raises(sqlite3.OperationalError):
            database.execute(f"SELECT rowid FROM {table}")
        columns = {c.name for c in database[table].columns}
        assert not columns & {"created", "created_at", "timestamp", "time", "date", "ip", "user_agent"}


def test_a_response_is_stored_with_only_its_week_and_question_set(database, make_centre):
    centre = make_centre()
    response_id = record(database, centre, [("importance", "10"), ("reasons", "meal")])
    row = next(database.query("SELECT * FROM responses"))
    assert set(row) == {"id", "centre_id", "iso_week", "question_set"}
    assert row["iso_week"] == "2026-W48" and row["id"] == response_id
    assert len(response_id) == 32 and int(response_id, 16)  # 128 random bits, not a counter
    assert db.answers_of(database, response_id) == [("importance", "10"), ("reasons", "meal")]


def test_messages_are_kept_apart_from_the_answers(database, make_centre):
    centre = make_centre()
    record(database, centre, message="Mere kaffe")
    assert db.messages_of(database, centre["id"]) == ["Mere kaffe"]
    columns = {c.name for c in database["messages"].columns}
    assert "response_id" not in columns


def test_a_failed_write_stores_nothing_and_says_so(database, make_centre, data_dir):
    centre = make_centre()
    blocker = sqlite3.connect(db.path_in(data_dir), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    impatient = db.connect(db.path_in(data_dir), busy_timeout_ms=50)
    try:
        with pytest.raises(db.StorageError):
            record(impatient, centre)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert db.count_responses(impatient, centre["id"]) == 0
    impatient.close()


def test_answers_and_response_are_written_together_or_not_at_all(database, make_centre):
    centre = make_centre()
    with pytest.raises(sqlite3.IntegrityError):
        record(database, centre, [("importance", "1"), ("importance", "1")])  # duplicate key
    assert db.count_responses(database, centre["id"]) == 0
    assert database.execute("SELECT count(*) FROM answers").fetchone()[0] == 0


def test_centres_are_listed_in_danish_alphabetical_order(database, make_centre):
    for name, slug in (("Åhuset", "aa"), ("zebra", "z"), ("Ørnen", "oe"), ("Æblet", "ae"), ("Café Ågade", "c2"),
                       ("café Nord", "c1"), ("Élan", "e"), ("Bænken", "b")):
        make_centre(name, slug=slug)
    expected = ["Bænken", "café Nord", "Café Ågade", "Élan", "zebra", "Æblet", "Ørnen", "Åhuset"]
    assert [c["name"] for c in db.list_centres(database)] == expected
    site_admin = db.create_staff(database, "alle@example.dk", None, site_admin=True)
    assert [c["name"] for c in db.centres_of(database, site_admin["id"])] == expected


def test_duplicate_slug_is_refused(database, make_centre):
    make_centre(slug="nord")
    with pytest.raises(db.CentreExists):
        db.create_centre(database, "Nord igen", "nord")


def test_survey_tokens_are_long_random_and_rotatable(database, make_centre):
    centre = make_centre()
    assert len(centre["survey_token"]) >= 32  # 24 random bytes, url-safe base64
    rotated = db.rotate_survey_token(database, centre["slug"])
    assert rotated["survey_token"] != centre["survey_token"]
    assert db.centre_by_survey_token(database, centre["survey_token"]) is None
    assert db.centre_by_survey_token(database, rotated["survey_token"])["id"] == centre["id"]


def test_a_pairing_link_pairs_exactly_one_tablet(database, make_centre):
    centre = make_centre()
    link = db.create_pairing(database, centre["id"], ttl_hours=1)
    assert db.centre_for_pairing(database, link)["id"] == centre["id"]
    kiosk_token = db.pair_kiosk(database, link, "Tablet i caféen")
    assert db.centre_for_kiosk(database, kiosk_token)["id"] == centre["id"]
    assert db.pair_kiosk(database, link, "a second tablet") is None
    assert db.centre_for_pairing(database, link) is None
    # Only hashes are stored: the database alone cannot pair or impersonate a tablet.
    assert kiosk_token not in str(list(database.query("SELECT * FROM kiosks")))
    assert link not in str(list(database.query("SELECT * FROM kiosk_pairings")))


def test_an_expired_pairing_link_does_nothing(database, make_centre):
    centre = make_centre()
    link = db.create_pairing(database, centre["id"], ttl_hours=-1)
    assert db.centre_for_pairing(database, link) is None
    assert db.pair_kiosk(database, link, "Tablet") is None


def test_creating_the_app_opens_no_database(tmp_path):
    """gunicorn forks after loading: a connection made before the fork would be shared."""
    from app import create_app

    create_app({"DATA_DIR": str(tmp_path)})
    assert not db.path_in(tmp_path).exists()


def test_the_upgrade_drops_the_language_and_channel_and_rebuilds_the_file(tmp_path):
    """A database from before keeps every answer and message, and no page of the file keeps the
    language or channel they were stored with."""
    from app.db import schema

    path = tmp_path / "old.db"
    database = db.connect(path)
    with db.write_transaction(database):
        schema.migrations.apply(database, stop_before="m022_nothing_beside_an_answer")
        # As a centre was made then (db.create_centre makes it as it is made now).
        database.execute("INSERT INTO centres (slug, name, survey_token) VALUES ('foer', 'Café Før', 'token')")
    centre = {"id": database.execute("SELECT id FROM centres WHERE slug = 'foer'").fetchone()[0]}
    with db.write_transaction(database):
        for n in range(50):
            database.execute("INSERT INTO responses (id, centre_id, iso_week, channel, language, question_set) "
                             "VALUES (?, ?, '2026-W40', 'kiosk', 'QQLANGQQ', 1)", [f"{n:032x}", centre["id"]])
            database.execute("INSERT INTO answers VALUES (?, 'importance', '9')", [f"{n:032x}"])
        database.execute("INSERT INTO messages (id, centre_id, iso_week, language, body) "
                         "VALUES ('m', ?, '2026-W40', 'QQLANGQQ', 'Mere kaffe')", [centre["id"]])
    db.migrate(database)
    assert db.count_responses(database, centre["id"]) == 50 and db.messages_of(database, centre["id"]) == ["Mere kaffe"]
    database.close()
    for name in ("old.db", "old.db-wal"):
        if (tmp_path / name).exists():
            assert b"QQLANGQQ" not in (tmp_path / name).read_bytes(), name


def test_the_upgrade_gives_every_centre_its_own_short_code(tmp_path):
    """m025: each centre made before short codes gets one, each its own (issue 28)."""
    from app import short_codes
    from app.db import schema

    database = db.connect(tmp_path / "old.db")
    with db.write_transaction(database):
        schema.migrations.apply(database, stop_before="m025_short_codes")
        for n in range(40):
            database.execute("INSERT INTO centres (slug, name, survey_token) VALUES (?, ?, ?)", [f"c{n}", f"C {n}", f"t{n}"])
    db.migrate(database)
    centres = db.list_centres(database)
    codes = [centre["short_code"] for centre in centres]
    assert len(centres) == 40 and len(set(codes)) == 40
    assert all(short_codes.normalise(code) == code for code in codes)
    assert db.centre_by_short_code(database, codes[0])["id"] == centres[0]["id"]
    with pytest.raises(sqlite3.IntegrityError):  # the database itself keeps them apart
        with db.write_transaction(database):
            database.execute("UPDATE centres SET short_code = ? WHERE slug = 'c1'", [codes[0] if centres[0]["slug"] != "c1"
                                                                                    else codes[1]])
    database.close()


def test_a_centre_is_made_with_a_short_code_and_a_new_survey_link_gets_a_new_one(database, make_centre):
    from app import short_codes

    first, second = make_centre(), make_centre()
    assert short_codes.normalise(first["short_code"]) == first["short_code"] != second["short_code"]
    rotated = db.rotate_survey_token(database, first["slug"])
    assert rotated["short_code"] != first["short_code"] and short_codes.normalise(rotated["short_code"])
    assert db.centre_by_short_code(database, first["short_code"]) is None  # the old poster's code opens nothing
    assert db.centre_by_short_code(database, rotated["short_code"])["id"] == first["id"]
