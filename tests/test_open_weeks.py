"""The open weeks' store (app/db/open_weeks.py): random slots until the week closes, then the
history in one go. The attacker's view of the whole installation is tests/test_anonymity.py."""

import concurrent.futures
import datetime
import json
import os
import threading
import time

import pytest

from app import db
from app.db import open_weeks


WEDNESDAY = datetime.datetime(2026, 11, 25, 12)  # 2026-W48
CLOSED = datetime.datetime(2026, 11, 30, 1, 30)  # W48 has closed


def store(database, centre, now=WEDNESDAY, week="2026-W48", answers=(("importance", "9"),), **extra):
    return db.store_answer(database, now, centre_id=centre["id"], iso_week=week, question_set=1, answers=list(answers), **extra)


def slot_of(database, kind="answers", week="2026-W48"):
    """{response or message id: slot number}, as someone with the file would read it."""
    data = (open_weeks.folder_of(database) / f"{week}.{kind}").read_bytes()
    size = open_weeks.FILE_HEADER.unpack_from(data)[1]
    found = {}
    for index in range(1, len(data) // size):
        payload = open_weeks._payload(data[index * size:(index + 1) * size])
        if payload:
            found[json.loads(payload)["i"]] = index
    return found


def test_an_answer_waits_in_its_open_week_and_the_history_gets_it_when_the_week_closes(database, make_centre):
    centre = make_centre()
    rid = store(database, centre, answers=[("importance", "9"), ("reasons", "meal")], message="Mere kaffe")
    assert database.execute("SELECT count(*) FROM responses").fetchone()[0] == 0  # not in the history yet
    assert db.count_responses(database, centre["id"]) == 1 and db.open_week_counts(database, centre["id"]) == {"2026-W48": 1}
    assert db.answers_of(database, rid) == [("importance", "9"), ("reasons", "meal")]
    db.settle(database, WEDNESDAY)
    assert db.open_week_counts(database, centre["id"]) == {"2026-W48": 1}  # not closed: stays
    (message_id,) = slot_of(database, "messages")
    folder = open_weeks.folder_of(database)
    files = {path.name: path.read_bytes() for path in folder.glob("2026-W48.*")}
    db.settle(database, CLOSED)
    assert db.open_week_counts(database, centre["id"]) == {}
    assert not list(open_weeks.folder_of(database).glob("2026-W48.*"))
    (row,) = [dict(r) for r in database.query("SELECT * FROM responses")]
    assert row == {"id": row["id"], "centre_id": centre["id"], "iso_week": "2026-W48", "question_set": 1}
    assert db.answers_of(database, row["id"]) == [("importance", "9"), ("reasons", "meal")]
    # New ids: a copy of the open week taken before names no row of the history.
    assert row["id"] != rid and db.answers_of(database, rid) == []
    (message,) = db.messages_in_week(database, centre["id"], "2026-W48")
    assert message["body"] == "Mere kaffe" and message["id"] != message_id
    # A crash after the history took the week but before its files went: the move is repeated,
    # and adds nothing.
    for name, data in files.items():
        (folder / name).write_bytes(data)
    db.settle(database, CLOSED)
    assert [database.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("responses", "messages")] == [1, 1]
    assert not list(folder.glob("2026-W48.*"))


def test_slots_are_chosen_at_random_and_a_message_apart_from_its_answer(database, make_centre):
    centre = make_centre()
    arrived = [store(database, centre, message=f"besked {n}") for n in range(60)]
    slots = slot_of(database)
    assert sorted(slots) == sorted(arrived)
    in_order = sum(slots[a] < slots[b] for a, b in zip(arrived, arrived[1:], strict=False))
    assert 12 < in_order < 47  # a coin per pair, not the order they came in
    messages = slot_of(database, "messages")
    assert len(messages) == 60 and not set(messages) & set(arrived)  # own ids, own slots


def test_a_file_that_fills_up_is_rebuilt_larger_with_every_answer_in_a_new_random_slot(database, make_centre):
    centre = make_centre()
    first_size = open_weeks.FIRST_SLOTS["answers"][0] * (open_weeks.FIRST_SLOTS["answers"][1] + 1)
    arrived = [store(database, centre) for _ in range(600)]
    path = open_weeks.folder_of(database) / "2026-W48.answers"
    assert path.stat().st_size >= 2 * first_size
    assert sorted(slot_of(database)) == sorted(arrived)
    assert not list(path.parent.glob("*.new"))


def test_a_half_full_file_is_rebuilt_after_the_answer_that_filled_it(database, make_centre):
    centre = make_centre()
    slots = open_weeks.FIRST_SLOTS["answers"][1]
    path = open_weeks.folder_of(database) / "2026-W48.answers"
    arrived = [store(database, centre) for _ in range(slots // 2 - 1)]
    assert len(path.read_bytes()) // open_weeks.FIRST_SLOTS["answers"][0] == slots + 1
    arrived.append(store(database, centre))  # the half
    assert len(path.read_bytes()) // open_weeks.FIRST_SLOTS["answers"][0] == 2 * slots + 1
    assert sorted(slot_of(database)) == sorted(arrived)
    assert not list(path.parent.glob("*.growing"))


def test_a_rebuild_cut_short_by_a_full_disk_loses_no_answer_and_leaves_no_copy(database, make_centre):
    import resource

    centre = make_centre()
    slots = open_weeks.FIRST_SLOTS["answers"][1]
    arrived = [store(database, centre) for _ in range(slots // 2 - 1)]
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    # Room for the live file, not for the new one twice its size: its write comes back short.
    resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, limit[1]))
    try:
        arrived.append(store(database, centre))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
    assert sorted(slot_of(database)) == sorted(arrived)
    assert not list(open_weeks.folder_of(database).glob("*.growing"))


@pytest.mark.parametrize("kind", ["answers", "receipts"])
def test_answers_go_on_being_written_while_a_file_is_rebuilt_beside_the_live_one(tmp_path, kind):
    folder = tmp_path / "open"
    path = folder / f"2026-W48.{kind}"

    def put(n):
        if kind == "receipts":
            os.close(open_weeks._put_receipt(path, f"k{n:05d}{'y' * 20}", "2026-W48"))
        else:
            os.close(open_weeks._put(path, kind, f"record {n}".encode(), "2026-W48"))

    def kept():
        if kind == "receipts":
            return sorted(receipt_slots(path))
        return sorted(payload.decode() for payload in open_weeks._slot_payloads(path.read_bytes()))

    def crowded():  # as the file is now: a full bucket may have grown it under the lock
        fd = os.open(path, os.O_RDONLY)
        try:
            if kind == "receipts":
                buckets, _salt, taken = open_weeks._receipt_geometry(fd)
                return taken >= open_weeks.GROW_RECEIPTS_AT * buckets * open_weeks.BUCKET_SLOTS
            _size, slots, taken = open_weeks._geometry(fd)
            return taken >= open_weeks.GROW_AT * slots
        finally:
            os.close(fd)

    with open_weeks._locked(folder):
        put(0)
        count = 1
        while not crowded():  # half the slots; a sixth of the receipts' slots
            put(count)
            count += 1
        size = path.stat().st_size
        grower = threading.Thread(target=open_weeks._grow_beside, args=(folder, path, 10_000))
        grower.start()
        deadline = time.monotonic() + 10
        while not list(folder.glob("*.growing")) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert list(folder.glob("*.growing"))  # rebuilding, and waiting for the lock this test holds
        for n in range(count, count + 20):  # written meanwhile, into the live file
            put(n)
    grower.join(10)
    assert path.stat().st_size > size
    expected = [f"k{n:05d}{'y' * 20}" if kind == "receipts" else f"record {n}" for n in range(count + 20)]
    assert kept() == sorted(expected)
    assert not list(folder.glob("*.growing"))


def test_a_rebuild_cut_short_is_erased_unless_its_writer_is_still_at_it(database, make_centre):
    import fcntl

    centre = make_centre()
    store(database, centre)
    folder = open_weeks.folder_of(database)
    leftover = folder / "2026-W48.answers.0badcafe.growing"
    leftover.write_bytes(b"a copy of the week")
    with open(folder / ".grow", "a+") as grow:
        fcntl.flock(grow, fcntl.LOCK_EX)  # a writer rebuilding it
        store(database, centre)
        assert leftover.exists()
    store(database, centre)  # that writer has gone: a crash
    assert not leftover.exists() and db.count_responses(database, centre["id"]) == 3


def test_a_long_answer_gets_larger_slots(database, make_centre):
    centre = make_centre()
    many = [("wishes", f"option-{n:03d}") for n in range(80)]  # more than a slot of 1 KB holds
    rid = store(database, centre, answers=many)
    assert db.answers_of(database, rid) == sorted(many)


def test_a_slot_half_written_in_a_power_cut_is_not_an_answer(database, make_centre):
    centre = make_centre()
    rid = store(database, centre)
    path = open_weeks.folder_of(database) / "2026-W48.answers"
    slot = slot_of(database)[rid]
    size = open_weeks.FIRST_SLOTS["answers"][0]
    with open(path, "r+b") as handle:
        handle.seek(slot * size + 20)
        handle.write(b"\x00" * 10)  # the tail of the payload never reached the disk
    assert db.count_responses(database, centre["id"]) == 0
    store(database, centre)
    db.settle(database, CLOSED)
    assert db.count_responses(database, centre["id"]) == 1


def test_moving_a_week_twice_after_a_crash_adds_nothing_twice(database, make_centre, monkeypatch):
    centre = make_centre()
    for n in range(5):
        store(database, centre, message=f"besked {n}", receipt=f"{'k' * 20}{n:04d}")
    monkeypatch.setattr(open_weeks, "_erase", lambda path: None)  # the power went before the erase
    db.settle(database, CLOSED)
    monkeypatch.undo()
    db.settle(database, CLOSED)
    assert database.execute("SELECT count(*) FROM responses").fetchone()[0] == 5
    assert database.execute("SELECT count(*) FROM answers").fetchone()[0] == 5
    assert database.execute("SELECT count(*) FROM messages").fetchone()[0] == 5
    assert len(db.receipts(database)) == 5


def test_a_receipt_stops_a_second_copy_in_the_open_week_and_after_it_closed(database, make_centre):
    centre = make_centre()
    assert store(database, centre, receipt="r" * 24) is not None
    assert store(database, centre, receipt="r" * 24) is None
    db.settle(database, CLOSED)
    later = datetime.datetime(2026, 12, 2, 12)
    assert store(database, centre, now=later, week="2026-W49", receipt="r" * 24) is None
    assert db.count_responses(database, centre["id"]) == 1


def test_the_same_answer_sent_at_once_from_many_places_is_kept_once(database, make_centre, data_dir, monkeypatch):
    # A double tap, a kiosk's retry: copies that meet inside the write path, each on a connection
    # of its own, while the disk is slow to flush.
    centre = make_centre()
    flush = os.fdatasync
    monkeypatch.setattr(open_weeks.os, "fdatasync", lambda fd: (time.sleep(0.05), flush(fd)))
    start = threading.Barrier(6)

    def send(_n):
        connection = db.connect(db.path_in(data_dir))
        try:
            start.wait()
            return store(connection, centre, receipt="phone:" + "d" * 24)
        finally:
            connection.close()

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        kept = [rid for rid in pool.map(send, range(6)) if rid is not None]
    assert len(kept) == 1 and db.count_responses(database, centre["id"]) == 1


def test_flushing_an_answer_to_the_disk_holds_no_other_answer_back(database, make_centre, data_dir, monkeypatch):
    centre = make_centre()
    store(database, centre)  # the week's files exist: the first answer is slow only in its flush below
    flushing, done = threading.Event(), threading.Event()
    flush = os.fdatasync

    def slow_once(fd):
        if not flushing.is_set():
            flushing.set()
            done.wait(10)  # a disk that takes its time over this one flush
        flush(fd)

    def first_answer():
        connection = db.connect(db.path_in(data_dir))
        try:
            return store(connection, centre, receipt="phone:" + "s" * 24)
        finally:
            connection.close()

    monkeypatch.setattr(open_weeks.os, "fdatasync", slow_once)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        first = pool.submit(first_answer)
        assert flushing.wait(10)
        # Another person's answer, while the first waits for the disk: stored without waiting.
        assert store(database, centre, receipt="phone:" + "t" * 24, busy_timeout_ms=200) is not None
        done.set()
        assert first.result() is not None
    assert db.count_responses(database, centre["id"]) == 3


def test_a_receipt_is_written_only_once_its_answer_is_on_the_disk(database, make_centre, monkeypatch):
    centre = make_centre()
    store(database, centre, receipt="phone:" + "a" * 24)  # the files exist: what follows is one answer
    calls = []
    for name in ("pwrite", "fdatasync"):
        real = getattr(os, name)

        def spy(fd, *args, name=name, real=real):
            calls.append((name, os.readlink(f"/proc/self/fd/{fd}").rsplit(".", 1)[-1]))
            return real(fd, *args)
        monkeypatch.setattr(open_weeks.os, name, spy)
    store(database, centre, message="Mere kaffe", receipt="phone:" + "b" * 24)
    assert calls.index(("fdatasync", "answers")) < calls.index(("pwrite", "receipts"))
    assert calls.index(("fdatasync", "messages")) < calls.index(("pwrite", "receipts"))
    assert ("fdatasync", "receipts") not in calls  # the kernel writes it back: one flush per answer


def receipt_slots(path):
    """{receipt: its slot's place in the file}, as someone with the file would read it."""
    data = path.read_bytes()
    found = {}
    for offset in range(open_weeks.BUCKET, len(data), open_weeks.RECEIPT_SLOT):
        payload = open_weeks._payload(data[offset:offset + open_weeks.RECEIPT_SLOT])
        if payload:
            found[payload.decode()] = offset
    return found


def test_receipts_are_kept_apart_from_their_answers_in_places_that_say_nothing_of_when(database, make_centre):
    centre = make_centre()
    keys = [f"phone:{n:04d}{'x' * 20}" for n in range(60)]
    arrived = [store(database, centre, receipt=key) for key in keys]
    folder = open_weeks.folder_of(database)
    slots = receipt_slots(folder / "2026-W48.receipts")
    assert sorted(slots) == sorted(keys) and sorted(k for _w, k in open_weeks.open_receipts(database)) == sorted(keys)
    in_order = sum(slots[a] < slots[b] for a, b in zip(keys, keys[1:], strict=False))
    assert 12 < in_order < 47  # a coin per pair, not the order they came in
    answers = (folder / "2026-W48.answers").read_bytes()
    assert not [key for key in keys if key.encode() in answers]  # the answer does not carry it
    receipts = (folder / "2026-W48.receipts").read_bytes()
    assert not [rid for rid in arrived if rid.encode() in receipts]  # nor the receipt its answer


def test_the_receipts_file_grows_under_a_new_hash_and_still_finds_every_receipt(tmp_path):
    folder = tmp_path / "open"
    path = folder / "2026-W48.receipts"
    keys = [f"k{n:05d}{'y' * 20}" for n in range(700)]  # more than the first file's 512 slots
    with open_weeks._locked(folder):
        for key in keys:
            open_weeks._put_receipt(path, key, "2026-W48")
    buckets = open_weeks.RECEIPT_HEADER.unpack_from(path.read_bytes())[1]
    assert buckets > open_weeks.FIRST_BUCKETS and not list(folder.glob("*.new"))
    assert sorted(receipt_slots(path)) == keys
    fd = os.open(path, os.O_RDONLY)
    try:
        assert all(key.encode() in open_weeks._bucket_keys(fd, key.encode())[1] for key in keys)
        assert not open_weeks._bucket_keys(fd, b"phone:never-sent-aaaaaaaaaaaa")[1] & {b"phone:never-sent-aaaaaaaaaaaa"}
    finally:
        os.close(fd)


def test_a_receipt_written_by_the_older_version_inside_its_answer_still_reaches_the_history(database, make_centre):
    centre = make_centre()
    folder = open_weeks.folder_of(database)
    with open_weeks._locked(folder):
        open_weeks._put(folder / "2026-W48.answers", "answers", open_weeks._encode(
            {"i": "a" * 32, "c": centre["id"], "ch": "kiosk", "l": "da", "q": 1, "a": [["importance", "7"]],
             "r": "o" * 24}), "2026-W48")
    db.settle(database, CLOSED)
    assert db.receipts(database) == [{"key": "o" * 24, "iso_week": "2026-W48"}]


def test_the_files_are_private_and_dated_to_the_weeks_start(database, make_centre):
    centre = make_centre()
    store(database, centre, message="hej", receipt="phone:" + "z" * 24)
    folder = open_weeks.folder_of(database)
    assert len(list(folder.glob("2026-W48.*"))) == 3
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    for path in folder.glob("2026-W48.*"):
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert path.stat().st_mtime == datetime.datetime(2026, 11, 23).timestamp()


def test_an_upgrade_moves_the_open_weeks_rows_out_of_the_history_once(database, make_centre):
    centre = make_centre()
    # What an older version did: every answer into the history as it came, the open week too.
    for week in ("2026-W47", "2026-W48", "2026-W48"):
        db.record_response(database, centre_id=centre["id"], iso_week=week, question_set=1, answers=[("importance", "8")],
                           message="gammel" if week == "2026-W48" else "")
    db.adopt_open_weeks(database, WEDNESDAY)
    assert [r[0] for r in database.execute("SELECT iso_week FROM responses")] == ["2026-W47"]
    assert database.execute("SELECT count(*) FROM messages").fetchone()[0] == 0
    assert db.open_week_counts(database, centre["id"]) == {"2026-W48": 2}
    assert sorted(db.messages_of(database, centre["id"])) == ["gammel", "gammel"]
    db.record_response(database, centre_id=centre["id"], iso_week="2026-W48", question_set=1, answers=[("importance", "8")])
    db.adopt_open_weeks(database, WEDNESDAY)  # once only
    assert database.execute("SELECT count(*) FROM responses WHERE iso_week = '2026-W48'").fetchone()[0] == 1


def test_another_writer_holding_the_week_too_long_is_a_storage_error(database, make_centre, data_dir):
    from .conftest import open_weeks_held

    centre = make_centre()
    with open_weeks_held(data_dir), pytest.raises(db.StorageError):
        db.store_answer(database, WEDNESDAY, centre_id=centre["id"], iso_week="2026-W48", question_set=1,
                        answers=[("importance", "9")], busy_timeout_ms=50)
    assert db.count_responses(database, centre["id"]) == 0


def test_a_full_disk_is_a_storage_error_and_leaves_no_half_file(database, make_centre, data_dir):
    centre = make_centre()
    folder = open_weeks.folder_of(database)
    folder.parent.mkdir(exist_ok=True)
    folder.write_bytes(b"")  # the folder cannot be made: as good as a full or read-only disk
    with pytest.raises(db.StorageError):
        store(database, centre)
    os.unlink(folder)
    assert store(database, centre)


def test_a_copy_on_write_file_system_is_told_apart_and_warned_of(tmp_path):
    from app.db import file_times

    mounts = tmp_path / "mountinfo"
    mounts.write_text("22 1 0:21 / / rw,relatime - ext4 /dev/vda rw\n"
                      "40 22 0:35 / /srv/data rw - zfs tank/data rw\n"
                      "41 22 0:36 / /srv/with\\040space rw - btrfs /dev/vdb rw\n")
    assert file_times.file_system("/srv/data/brugerstemmen", mounts) == "zfs"
    assert file_times.file_system("/srv/with space/data", mounts) == "btrfs"
    assert file_times.file_system("/srv/database", mounts) == "ext4"  # not inside /srv/data
    assert "ext4 or XFS" in file_times.copy_on_write_warning("/srv/data/brugerstemmen", mounts)
    # btrfs: the open weeks' folder is made with copy-on-write off instead; ext4 needs nothing.
    assert file_times.copy_on_write_warning("/srv/with space/data", mounts) is None
    assert file_times.copy_on_write_warning("/var/lib/brugerstemmen", mounts) is None
    file_times.make_folder(tmp_path / "open")  # on this machine's file system: made, private
    assert (tmp_path / "open").stat().st_mode & 0o777 == 0o700
