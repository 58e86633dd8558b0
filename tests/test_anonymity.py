"""The attacker with the files. Forty people answer through the real server, in a known order, half
of them with a message. Whoever then reads every file the installation keeps (the database, its
WAL and shm, the open weeks' files, every backup) page by page and cell by cell must learn neither
the order in which the answers came nor which message came with which answer: not while the week
is open, not after it has closed, on a fresh file and on one past 20 MB.

Each attack gives a p-value against "the layout is independent of arrival"; a test fails below
ALPHA, strict enough that chance alone fails a run about once in ten thousand years of CI.
"""

import datetime
import json
import random
import struct

import pytest
from scipy import stats

from app import db, demo, questions
from app.db import open_weeks

from .conftest import LiveServer, Respondent, run_cli_here
from .sqlite_file import database_cells, wal_cells

ALPHA = 1e-6
WEDNESDAY = "2026-11-25T12:00:00"  # 2026-W48 is open
CLOSED = "2026-11-30T02:00:00"  # 2026-W48 has closed
PEOPLE = 40
FREQUENCIES = ["daily", "few_times_week", "once_week", "few_times_month", "rarely", "first_time"]


def answer_of(n):
    """Forty different answers, so that each stored row tells which person gave it."""
    answer = {"importance": str(1 + n % 10), "frequency": FREQUENCIES[n // 10 % 6], "reasons": ["meal", "meet_people"]}
    if n % 2 == 0:
        answer["message"] = f"Besked nummer {n} fra en person"
    return answer


def fill_history(path, centre_id, megabytes):
    """Closed weeks of realistic answers, written fast through the data layer, until the file is
    past `megabytes`: a busy centre after a year or two."""
    database = db.connect(path)
    database.execute("PRAGMA synchronous = OFF")  # a fill, not answers: no fsync per row
    rng, fields = random.Random(14), questions.load().fields()
    weeks = [f"2025-W{w:02d}" for w in range(1, 53)] + [f"2026-W{w:02d}" for w in range(1, 48)]
    n = 0
    while path.stat().st_size < megabytes * 2**20:
        with db.write_transaction(database):
            for _ in range(2000):
                db.insert_response(database, centre_id=centre_id, iso_week=weeks[n % len(weeks)], question_set=1,
                                   answers=demo._one_answer(rng, fields),
                                   message="Tak for kaffen" if n % 7 == 0 else "")
                n += 1
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    return n


@pytest.fixture(params=[0, 21], ids=["fresh file", "past 20 MB"])
def week_answered(request, tmp_path):
    """The server after forty answers in week 48, in a known order; the arrival index of every
    response id and message id; and the server itself, still running."""
    server = LiveServer(tmp_path, CLOCK=WEDNESDAY)
    centre = json.loads(run_cli_here(server.env, "centre", "add", "Café Rækkefølge", "--json").stdout)
    path = db.path_in(server.data_dir)
    if request.param:
        database = db.connect(path)
        centre_id = db.centre_by_slug(database, centre["slug"])["id"]
        database.close()
        fill_history(path, centre_id, request.param)
    server.start()
    try:
        receipts = {}
        for n in range(PEOPLE):
            respondent = Respondent()
            status, url, _ = respondent.answer(centre["survey_url"], answer_of(n))
            assert status == 200 and "/tak" in url
            receipts["phone:" + respondent.answer_token.split(".")[0]] = n
        database = server.database()
        try:
            arrival = {}
            for _week, record in open_weeks.open_records(database, "answers"):
                pairs = dict(record["a"])
                arrival[record["i"]] = next(n for n in range(PEOPLE) if answer_of(n)["importance"] == pairs["importance"]
                                            and answer_of(n)["frequency"] == pairs["frequency"])
            message_ids = set()
            for _week, record in open_weeks.open_records(database, "messages"):
                arrival[record["i"]] = int(record["b"].split()[2])
                message_ids.add(record["i"])
        finally:
            database.close()
        assert len(arrival) == PEOPLE + PEOPLE // 2
        yield server, arrival, message_ids, receipts
    finally:
        server.stop()


def arrival_in_history(server):
    """After the week has moved: the arrival index of every response and message id in the
    history (new ids: found by what each holds), and the message ids."""
    database = server.database()
    try:
        arrival, message_ids = {}, set()
        for rid, week, pairs in db.responses_of(database, 1):
            if week != "2026-W48":  # the history filled before
                continue
            pairs = dict(pairs)
            arrival[rid] = next(n for n in range(PEOPLE) if answer_of(n)["importance"] == pairs["importance"]
                                and answer_of(n)["frequency"] == pairs["frequency"])
        for row in database.query("SELECT id, body FROM messages WHERE iso_week = '2026-W48'"):
            arrival[row["id"]] = int(row["body"].split()[2])
            message_ids.add(row["id"])
    finally:
        database.close()
    assert len(arrival) == PEOPLE + PEOPLE // 2
    return arrival, message_ids


def kept_files(server, backups=()):
    """Every file the installation keeps, and every backup taken."""
    return [p for p in server.data_dir.rglob("*") if p.is_file() and p.name != "secret_key"] + list(backups)


# --- the attacks ---------------------------------------------------------------------------

def order_p(arrival, position):
    """Kendall's tau between arrival and position: the p-value that it is chance."""
    if len(arrival) < 5:
        return 1.0
    return stats.kendalltau(arrival, position).pvalue


def neighbours_p(cells, arrival):
    """In each page, cells lying next to each other: is the later answer's cell the lower one
    more (or less) often than a coin would say? SQLite fills a page from the bottom up."""
    by_page = {}
    for cell in cells:
        by_page.setdefault((cell.source, cell.page), []).append(cell)
    lower_later = pairs = 0
    for in_page in by_page.values():
        in_page.sort(key=lambda c: c.offset)
        for first, second in zip(in_page, in_page[1:], strict=False):
            if arrival[_id(first)] != arrival[_id(second)]:  # not two rows of one answer
                pairs += 1
                lower_later += arrival[_id(first)] > arrival[_id(second)]
    return stats.binomtest(lower_later, pairs).pvalue if pairs >= 5 else 1.0


def paired_by_position(answer_positions, message_positions, arrival):
    """The attacker pairs the n-th message with the n-th answer with a message, in file order;
    how many pairs are right? (The attacker is told which answers have one: a stricter test.)"""
    with_message = sorted((pos, rid) for rid, pos in answer_positions.items() if arrival[rid] % 2 == 0)
    messages = sorted((pos, mid) for mid, pos in message_positions.items())
    right = sum(arrival[rid] == arrival[mid] for (_, rid), (_, mid) in zip(with_message, messages, strict=False))
    # Right pairs of a random matching are about Poisson(1): ten or more has p < 1e-6.
    assert right < 10, f"{right} of {len(messages)} messages paired with their answer"
    return right


def _id(cell):
    return next(v for v in cell.values if isinstance(v, str) and len(v) == 32)


def our_cells(cells, arrival, message_ids):
    """{b-tree, told apart by the shape of its rows: [cells of the forty]}."""
    found = {}
    for cell in cells:
        at = [i for i, v in enumerate(cell.values) if isinstance(v, str) and v in arrival]
        if at:
            kind = "message" if cell.values[at[0]] in message_ids else "response"
            found.setdefault((kind, len(cell.values), at[0]), []).append(cell)
    return found


def attack_database(name, cells, arrival, message_ids=frozenset()):
    """Every b-tree holding the forty, in a database file or a WAL: the order of their cells (in
    the WAL: the frame each row first appears in), neighbours in a page, and message pairing."""
    trees = our_cells(cells, arrival, message_ids)
    first_seen = {}
    for tree, found in trees.items():
        seen = {}
        for cell in sorted(found, key=lambda c: (c.frame, c.page, c.offset)):
            seen.setdefault(_id(cell), (cell.frame, cell.page, cell.offset))
        first_seen[tree] = seen
        ranks = sorted(seen, key=seen.get)
        p = order_p([arrival[i] for i in ranks], list(range(len(ranks))))
        assert p > ALPHA, f"{name} {tree}: where a row lies tells when it came (p = {p:.1e})"
        p = neighbours_p(found, arrival)
        assert p > ALPHA, f"{name} {tree}: neighbouring cells tell which came later (p = {p:.1e})"
    responses = next((seen for tree, seen in first_seen.items() if tree[0] == "response" and tree[1:] == (4, 0)), {})
    messages = next((seen for tree, seen in first_seen.items() if tree[0] == "message" and tree[1:] == (4, 0)), {})
    if responses and messages:
        paired_by_position(responses, messages, arrival)
    return trees


def slot_positions(path):
    """{id: slot} of an open week's file, as its bytes lie."""
    data = path.read_bytes()
    size = open_weeks.FILE_HEADER.unpack_from(data)[1]
    found = {}
    for index in range(1, len(data) // size):
        length, _crc = struct.unpack_from("<II", data, index * size)
        if length:
            found[json.loads(data[index * size + 8:index * size + 8 + length])["i"]] = index
    return found


# --- the tests -----------------------------------------------------------------------------

def test_nothing_kept_tells_the_order_of_a_weeks_answers_or_pairs_a_message_with_its_answer(week_answered, tmp_path):
    server, arrival, message_ids, receipts = week_answered
    ids = [identifier.encode() for identifier in arrival]

    # While the week is open: the history and a backup hold nothing of it ...
    run_cli_here(server.env, "backup", str(tmp_path / "backups"))
    open_backup = next((tmp_path / "backups").glob("*.sqlite3"))
    for path in kept_files(server, [open_backup]):
        if "open" not in path.parts:
            data = path.read_bytes()
            assert not [i for i in ids if i in data], f"{path.name} holds answers of the open week"
    # ... and the open week's files keep each answer and each message in a slot chosen at random.
    folder = server.data_dir / "open"
    answers, messages = slot_positions(folder / "2026-W48.answers"), slot_positions(folder / "2026-W48.messages")
    assert len(answers) == PEOPLE and len(messages) == PEOPLE // 2
    for name, slots in (("answers", answers), ("messages", messages)):
        ranks = sorted(slots, key=slots.get)
        p = order_p([arrival[i] for i in ranks], list(range(len(ranks))))
        assert p > ALPHA, f"the open week's {name}: the slot tells when it came (p = {p:.1e})"
    paired_by_position(answers, messages, arrival)
    # Each phone form's receipt (its one-time nonce) lies in a bucket named by a keyed hash, in a
    # random slot of it, and beside nothing of its answer.
    receipt_file = (folder / "2026-W48.receipts").read_bytes()
    places = {key: receipt_file.find(key.encode()) for key in receipts}
    assert min(places.values()) > 0
    ranks = sorted(places, key=places.get)
    p = order_p([receipts[key] for key in ranks], list(range(len(ranks))))
    assert p > ALPHA, f"the open week's receipts: the place tells when it came (p = {p:.1e})"
    assert not [i for i in ids if i in receipt_file]

    # The week closes: the nightly job moves it into the history all at once.
    closed_env = {**server.env, "BRUGERSTEMMEN_CLOCK": CLOSED}
    run_cli_here(closed_env, "decide")
    assert not list(folder.glob("2026-W48.*"))
    run_cli_here(closed_env, "backup", str(tmp_path / "backups-after"))
    closed_backup = next((tmp_path / "backups-after").glob("*.sqlite3"))
    live = db.path_in(server.data_dir)
    kept = {"the database": database_cells(live), "its WAL": wal_cells(live.with_name(live.name + "-wal")),
            "the backup": database_cells(closed_backup)}
    moved, moved_messages = arrival_in_history(server)
    # A copy of the open week names none of the history's rows: every id is drawn afresh.
    for cells in kept.values():
        assert not {v for cell in cells for v in cell.values if isinstance(v, str)} & set(arrival)
    assert our_cells(kept["the database"] + kept["its WAL"], moved, moved_messages), "the week never reached the history"
    for name, cells in kept.items():
        attack_database(name, cells, moved, moved_messages)
    shm = live.with_name(live.name + "-shm")
    assert not shm.exists() or not [i for i in ids + [m.encode() for m in moved] if i in shm.read_bytes()]


def test_the_attack_sees_the_order_of_rows_written_one_by_one(tmp_path):
    """The attack is not blind: forty answers written into the history one by one, as the old
    design did, give their order away in the file."""
    path = tmp_path / "brugerstemmen.sqlite3"
    database = db.connect(path)
    db.migrate(database)
    centre = db.create_centre(database, "Café Gammel", "gammel")
    keeper = db.connect(path)  # while a connection is open the WAL stays, as on a running server
    arrival = {}
    for n in range(PEOPLE):
        arrival[db.record_response(database, centre_id=centre["id"], iso_week="2026-W48", question_set=1,
                                   answers=[("importance", str(1 + n % 10))])] = n
    with pytest.raises(AssertionError, match="tell"):
        attack_database("the WAL", wal_cells(path.with_name(path.name + "-wal")), arrival)
    database.close()
    keeper.close()  # the last one out copies the WAL into the file
    with pytest.raises(AssertionError, match="tell"):
        attack_database("the database", database_cells(path), arrival)


def test_one_message_in_arabic_among_danish_answers_singles_out_no_answer(app, client, database, make_centre):
    """Six people answer the same, one of them on the Arabic page with a message in Arabic. After
    the week closes, every stored row of an answer is the same but for its random id, and the
    message row says nothing that an answer row says too: nothing pairs the message with its
    answer (the screen language did, when both kept it)."""
    from .conftest import post_answer

    centre = make_centre(languages=["da", "ar"])
    app.config["CLOCK"] = WEDNESDAY
    for n in range(6):
        data = {"importance": "8", "reasons": ["meal"]}
        if n == 3:
            data["message"] = "شكرا على القهوة"
        assert post_answer(client, f"/s/{centre['survey_token']}?lang={'ar' if n == 3 else 'da'}",
                           data).status_code == 303
    for _week, record in [*open_weeks.open_records(database, "answers"), *open_weeks.open_records(database, "messages")]:
        assert set(record) <= {"i", "c", "q", "a", "b"}, record  # not while the week is open either
    db.settle(database, datetime.datetime.fromisoformat(CLOSED))
    answers = [dict(row) for row in database.query("SELECT * FROM responses")]
    assert len(answers) == 6
    assert len({tuple(v for k, v in row.items() if k != "id") for row in answers}) == 1
    assert {tuple(db.answers_of(database, row["id"])) for row in answers} == {(("importance", "8"), ("reasons", "meal"))}
    (message,) = database.query("SELECT * FROM messages")
    assert set(message) == {"id", "centre_id", "iso_week", "body"} and message["id"] not in {r["id"] for r in answers}
    for table in ("responses", "messages"):
        columns = {row["name"] for row in database.query(f"PRAGMA table_info({table})")}
        assert not columns & {"language", "channel"}, table


def test_no_time_under_the_data_folder_falls_within_the_answers(tmp_path):
    """A copy of the data folder (cp -a, rsync -a, tar) keeps every file's and folder's times.
    Answers spaced over some seconds, the first of them the first ever (its week's files, and the
    folder of the open weeks, made by it): afterwards no time under the data folder falls inside
    the moments they were given."""
    import os
    import time

    server = LiveServer(tmp_path, CLOCK=WEDNESDAY).start()
    try:
        centre = server.add_centre("Café Tidløs")
        time.sleep(1.1)  # whole seconds apart from the start's own files
        started = time.time()
        for n in range(6):
            Respondent().answer(centre["survey_url"], answer_of(n))
            time.sleep(0.4)
        ended = time.time()
        time.sleep(1.1)
        inside = []
        for root, folders, files in os.walk(server.data_dir):
            for name in [".", *folders, *files]:
                path = os.path.join(root, name)
                found = os.stat(path, follow_symlinks=False)
                for kind in ("st_mtime", "st_atime"):
                    if started - 0.01 <= getattr(found, kind) <= ended + 0.01:
                        inside.append((os.path.relpath(path, server.data_dir), kind))
        assert not inside, "\n".join(f"{p} {k}" for p, k in inside)
    finally:
        server.stop()
