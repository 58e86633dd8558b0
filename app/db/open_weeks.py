"""The open weeks: answers of weeks that have not closed, kept apart from the history.

A table written answer by answer tells in which order the answers came: SQLite puts a new row's
bytes below the last one in its page, and the WAL keeps committed pages in commit order. So an
answer of a week that has not closed is written into a file of fixed-size slots instead, into a
slot chosen at random and overwritten in place. Where an answer lies says nothing of when it
came, at any size, and storing one costs the same whatever the history holds.

When its week closes, a week moves into the history in one transaction, in the order of its
answers' random ids, and its files are overwritten and deleted (settle). docs/anonymity.md says
why, and what is left that the app cannot control.

One folder beside the database, `open/`, and up to three files per week: `2026-W49.answers`,
`2026-W49.messages` and `2026-W49.receipts`. A message goes into a slot of its own in another
file, chosen apart from the answer's, so nothing pairs the two. Slot 0 is the file's header; a
slot is its payload's length and CRC, then the payload (compact JSON), then zeros. Writes hold an
exclusive lock on `open/.lock`, so every worker and every process follows the same rule.

A receipt (a kiosk's idempotency key, a phone form's one-time nonce) is kept apart from its
answer too, in a file of buckets: a keyed hash of the receipt names its bucket, a random free
slot in the bucket takes it. So whether an answer was sent before is one read of one bucket
however full the week is, and neither the bucket (a hash) nor the slot (a coin) says when it came
or which answer it belongs to.
"""

import contextlib
import datetime
import fcntl
import functools
import hashlib
import json
import os
import secrets
import sqlite3
import struct
import threading
import time
import weakref
import zlib
from pathlib import Path

from .. import periods
from . import file_times
from .core import BUSY_TIMEOUT_MS, StorageError, write_transaction

FOLDER = "open"
KINDS = ("answers", "messages", "receipts")
MAGIC = b"BRUGERSTEMMEN-OPEN-1\n"
HEADER = struct.Struct("<II")  # a slot's payload length and CRC-32; all zeros: a free slot
FILE_HEADER = struct.Struct("<21sI")  # MAGIC, then the slot size
FIRST_SLOTS = {"answers": (1024, 256), "messages": (4096, 64)}  # slot size, slots: 256 KB a file
# Where in slot 0 a file keeps how many slots are taken: a hint, for knowing when to grow, that
# says no more than counting the slots would (a file of an older version has 0 there).
COUNT = struct.Struct("<Q")
COUNT_AT = 64
# Half full, a file is rebuilt twice the size beside the live one by the writer that filled it,
# once its own answer is stored, while other answers go on being written (_grow_beside).
GROW_AT = 0.5
TAKE_BACK_TIMEOUT_MS = 10_000  # an answer that failed waits this long at most to take itself back
# A free slot is found by trying random ones. Past this many misses the file is about three
# quarters full (the rebuild beside it has not kept up), and the writer rebuilds it there and then.
PROBES = 24
# A kiosk may hold an answer for weeks while its network is down; its key is kept a little longer.
RECEIPT_WEEKS = 12
RECEIPT_MAGIC = b"BRUGERSTEMMEN-RCPT-1\n"
RECEIPT_HEADER = struct.Struct("<21sI16s")  # RECEIPT_MAGIC, the number of buckets, the hash's key
RECEIPT_SLOT = HEADER.size + 64  # a receipt is at most 64 ASCII characters (survey.views)
BUCKET_SLOTS = 8
BUCKET = RECEIPT_SLOT * BUCKET_SLOTS  # the file's header takes the place of bucket 0
FIRST_BUCKETS = 64  # 512 receipts before the first growth: 41 KB
# A full bucket makes its file grow at once. Grown beside the live file at a sixth of the slots
# taken, few buckets of a large file are full (8 in a bucket where 1.3 are usual).
GROW_RECEIPTS_AT = 1 / 6
GROWING = ".growing"  # a file being rebuilt beside the live one


_RANDOM = secrets.SystemRandom()

BUSY = "the open week is busy (another writer held it too long); try again"


class OpenWeekError(StorageError):
    """An open week's file could not be written (disk full, read-only...)."""


# A connection's file never changes: its folder is looked up once (connections are kept per thread).
_folders = weakref.WeakKeyDictionary()


def folder_of(database):
    """The open weeks' folder, beside the database file the connection has open."""
    folder = _folders.get(database)
    if folder is None:
        path = database.execute("PRAGMA database_list").fetchone()[2]
        folder = _folders[database] = Path(path).parent / FOLDER
    return folder


# --- the answer path -----------------------------------------------------------------------

def store(database, now, *, centre_id, iso_week, question_set, answers, message="",
          receipt=None, busy_timeout_ms=BUSY_TIMEOUT_MS):
    """Keep one person's answers (and, in a slot of its own, their scrubbed message) until their
    week closes. With a receipt (an idempotency key) an answer sent twice is kept once: the
    second time nothing is written and None is returned. Closed weeks are moved first."""
    folder = folder_of(database)
    response_id = secrets.token_hex(16)
    crowded = []  # files to grow once this answer is stored
    try:
        with contextlib.ExitStack() as held:
            if receipt is not None:
                # Held from the check to the receipt's write: the same answer sent twice at once
                # (a double tap, a kiosk's retry) waits here for the first, then finds its receipt.
                held.enter_context(_receipt_locked(folder, receipt, busy_timeout_ms))
            with _locked(folder, busy_timeout_ms) as names:
                try:
                    _move_closed(database, folder, now, names)
                except (StorageError, sqlite3.Error, OSError):
                    # The answer still goes into its own week; the next one, or the nightly
                    # `brugerstemmen decide`, tries the move again and says so. Not logged here:
                    # the line's time would be the time of this answer.
                    pass
                if receipt is not None and _has_receipt(database, folder, receipt, names):
                    return None
                written, placed = [], []  # the open files, and (file, record) of what is in them
                try:
                    if answers:
                        record = _encode({"i": response_id, "c": centre_id, "q": question_set,
                                          "a": [list(pair) for pair in answers]})
                        written.append(_put(folder / f"{iso_week}.answers", "answers", record, iso_week, crowded))
                        held.callback(os.close, written[-1])
                        placed.append((folder / f"{iso_week}.answers", record))
                    if message:
                        record = _encode({"i": secrets.token_hex(16), "c": centre_id, "b": message})
                        written.append(_put(folder / f"{iso_week}.messages", "messages", record, iso_week, crowded))
                        held.callback(os.close, written[-1])
                        placed.append((folder / f"{iso_week}.messages", record))
                except BaseException:
                    _take_back(folder, placed, names_held=True)
                    raise
            try:
                # The slots are taken; making them durable needs no lock, so answers that come at
                # the same time share the disk's flushes instead of queueing for them.
                for fd in written:
                    os.fdatasync(fd)
                if receipt is not None:
                    # Only once its answer is on the disk, so the receipt never reaches the disk
                    # without it. Not flushed on its own (a second flush would double the disk's
                    # work per answer): the kernel writes it back within half a minute, and the
                    # week's close puts it in the history. A power cut before that can at worst
                    # let an answer sent again be kept twice, never refuse one that was lost.
                    with _locked(folder, busy_timeout_ms):
                        os.close(_put_receipt(folder / f"{iso_week}.receipts", receipt, iso_week, crowded))
            except BaseException:
                # The person is told their answer was not saved: then nothing of it may stay.
                _take_back(folder, placed)
                raise
    except OSError as error:
        raise OpenWeekError(f"an answer could not be written ({error.strerror or error})") from error
    for path in crowded:
        _grow_beside(folder, path, busy_timeout_ms)
    return response_id


def settle(database, now):
    """Move every week that has closed by `now` into the history (the nightly job, the sync and
    the staff pages call this before they read closed weeks; so does every answer)."""
    folder = folder_of(database)
    if not _closed_files(folder, now):
        return
    try:
        with _locked(folder):
            _move_closed(database, folder, now)
    except OSError as error:
        raise OpenWeekError(f"a closed week could not be moved into the history ({error.strerror or error})") from error


def adopt(database, now):
    """Once, on upgrading from a version that wrote every answer into the history as it came:
    the rows of weeks that have not closed move out into their open week, the rest of the file
    is rebuilt, and nothing of their arrival order is left in it."""
    if database.execute("SELECT 1 FROM maintenance WHERE name = 'open weeks apart'").fetchone():
        return
    week = periods.week_of(now.date())
    first_open = (week.previous() if week.previous().closes_at > now else week).key
    folder = folder_of(database)
    responses = list(database.query("SELECT * FROM responses WHERE iso_week >= ?", [first_open]))
    messages = list(database.query("SELECT * FROM messages WHERE iso_week >= ?", [first_open]))
    try:
        _adopt(database, folder, first_open, responses, messages)
    except OSError as error:
        raise OpenWeekError(f"the open week could not be set apart ({error.strerror or error})") from error
    if responses or messages:
        # Every page rebuilt in key order: the history's pages no longer say who came when.
        database.execute("VACUUM")
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _adopt(database, folder, first_open, responses, messages):
    with _locked(folder):
        for row in responses:
            answers = database.execute("SELECT question, option FROM answers WHERE response_id = ?", [row["id"]])
            record = {"i": row["id"], "c": row["centre_id"], "q": row["question_set"], "a": [list(p) for p in answers]}
            _put_durably(folder / f"{row['iso_week']}.answers", "answers", _encode(record), row["iso_week"])
        for row in messages:
            _put_durably(folder / f"{row['iso_week']}.messages", "messages", _encode(
                {"i": row["id"], "c": row["centre_id"], "b": row["body"]}), row["iso_week"])
        with write_transaction(database):
            database.execute("DELETE FROM answers WHERE response_id IN (SELECT id FROM responses WHERE iso_week >= ?)",
                             [first_open])
            database.execute("DELETE FROM responses WHERE iso_week >= ?", [first_open])
            database.execute("DELETE FROM messages WHERE iso_week >= ?", [first_open])
            database.execute("INSERT INTO maintenance (name, value) VALUES ('open weeks apart', '1')")


def _move_closed(database, folder, now, names=None):
    for week in sorted({path.stem for path in _closed_files(folder, now, names)}):
        _move_week(database, folder, week)


def _closed_files(folder, now, names=None):
    """The files of weeks closed by `now`; `names`: the folder's, when the caller has them."""
    if names is None:
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return []
    found = []
    for name in names:
        week, _, kind = name.partition(".")
        if kind in KINDS and _closes_at(week) <= now:
            found.append(folder / name)
    return found


@functools.lru_cache(maxsize=64)
def _closes_at(week_key):
    return periods.parse(week_key).closes_at


def _move_week(database, folder, week):
    """Into the history in one transaction, ordered by new random ids (a copy of the open week
    taken earlier must not find its ids there); then the files go. Safe to repeat after a crash
    between the two: the files' contents are recorded as moved (by a digest of their ids), and
    what was moved is not added again."""
    responses = sorted(_records(folder / f"{week}.answers"), key=lambda r: r["i"])
    messages = sorted(_records(folder / f"{week}.messages"), key=lambda r: r["i"])
    digest = hashlib.blake2b("".join(sorted(r["i"] for r in responses + messages)).encode(),
                             digest_size=16).hexdigest()
    with write_transaction(database):
        if not database.execute("SELECT 1 FROM moved_weeks WHERE digest = ?", [digest]).fetchone():
            fresh = sorted((secrets.token_hex(16), record) for record in responses)
            database.conn.executemany("INSERT INTO responses (id, centre_id, iso_week, question_set) VALUES (?, ?, ?, ?)",
                                      [(rid, record["c"], week, record["q"]) for rid, record in fresh])
            database.conn.executemany("INSERT INTO answers (response_id, question, option) VALUES (?, ?, ?)",
                                      [(rid, q, o) for rid, record in fresh for q, o in record["a"]])
            database.conn.executemany("INSERT INTO messages (id, centre_id, iso_week, body) VALUES (?, ?, ?, ?)",
                                      sorted((secrets.token_hex(16), m["c"], week, m["b"]) for m in messages))
            database.execute("INSERT INTO moved_weeks (digest, iso_week) VALUES (?, ?)", [digest, week])
        # Sorted, not in any order they came in. An answer written by an older version carries its
        # receipt inside ("r").
        receipts = set(_receipt_keys(folder / f"{week}.receipts")) | {r["r"] for r in responses if "r" in r}
        database.conn.executemany("INSERT OR IGNORE INTO kiosk_receipts (key, iso_week) VALUES (?, ?)",
                                  [(key, week) for key in sorted(receipts)])
        oldest = periods.week_of(periods.parse(week).first_day - datetime.timedelta(weeks=RECEIPT_WEEKS))
        database.execute("DELETE FROM kiosk_receipts WHERE iso_week < ?", [oldest.key])
        database.execute("DELETE FROM moved_weeks WHERE iso_week < ?", [oldest.key])
    for kind in KINDS:
        _erase(folder / f"{week}.{kind}")
    _sync_folder(folder)


# --- reading, for counts and checks --------------------------------------------------------

def open_records(database, kind):
    """Every answer (or message) kept in the open weeks: [(week, record)], in no useful order."""
    folder = folder_of(database)
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    return [(name.partition(".")[0], record) for name in names if name.endswith("." + kind)
            for record in _records(folder / name)]


def open_receipts(database):
    """Every receipt kept in the open weeks: [(week, receipt)], in no useful order."""
    folder = folder_of(database)
    try:
        names = sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    return [(name.partition(".")[0], key) for name in names if name.endswith(".receipts")
            for key in _receipt_keys(folder / name)]


def _has_receipt(database, folder, receipt, names):
    if database.execute("SELECT 1 FROM kiosk_receipts WHERE key = ?", [receipt]).fetchone():
        return True
    wanted = receipt.encode()
    for name in names:  # one file for each week still open: one or two
        if name.endswith(".receipts"):
            try:
                fd = os.open(folder / name, os.O_RDONLY)
            except FileNotFoundError:  # its week has just moved, receipts and all, into the history
                continue
            try:
                if wanted in _bucket_keys(fd, wanted)[1]:
                    return True
            finally:
                os.close(fd)
    return False


# --- slots ---------------------------------------------------------------------------------

def _encode(record):
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


def _records(path):
    try:
        return list(_decode_all(path.read_bytes()))
    except FileNotFoundError:
        return []


def _decode_all(data):
    return (json.loads(payload) for payload in _slot_payloads(data))


def _slot_payloads(data):
    magic, slot_size = FILE_HEADER.unpack_from(data)
    if magic != MAGIC:
        raise StorageError("an open week's file is not one of ours")
    return _payloads_in(data, slot_size, len(data), slot_size)


def _payloads_in(data, start, stop, slot_size):
    """The payloads of the whole slots between two offsets (answers, messages and receipts all
    lay a slot out the same way)."""
    found = []
    for offset in range(start, stop - slot_size + 1, slot_size):
        length, crc = HEADER.unpack_from(data, offset)
        if 0 < length <= slot_size - HEADER.size:
            payload = data[offset + HEADER.size:offset + HEADER.size + length]
            if zlib.crc32(payload) == crc:  # else half written when the power went: never acknowledged
                found.append(payload)
    return found


def _payload(slot):
    length, crc = HEADER.unpack_from(slot)
    if length == 0 or length > len(slot) - HEADER.size:
        return None
    payload = slot[HEADER.size:HEADER.size + length]
    # A slot half written when the power went is not an answer: it was never acknowledged.
    return payload if zlib.crc32(payload) == crc else None


def _put(path, kind, payload, week, crowded=None):
    """Write `payload` into a random free slot of `path`; returns the file, still open, for the
    caller to make durable (fdatasync) and close. A file now half full is added to `crowded`."""
    if not os.path.exists(path):
        _create(path, *FIRST_SLOTS[kind], records=[])
    for _attempt in range(8):
        fd = os.open(path, os.O_RDWR)
        try:
            if _write_free_slot(fd, payload, crowded, path):
                _hide_time(fd, week)
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        _grow(path, needed=HEADER.size + len(payload))
    raise StorageError("no free slot after growing the open week's file")


def _take_back(folder, placed, names_held=False):
    """Erase the records an answer wrote before it failed, wherever their files are now (a file
    may have been grown meanwhile). Writing zeros over a slot needs no new space on the disk."""
    if not placed:
        return
    with contextlib.ExitStack() as held:
        if not names_held:
            try:
                held.enter_context(_locked(folder, TAKE_BACK_TIMEOUT_MS))
            except StorageError:
                pass  # the lock is stuck: erase anyway, the record must not stay
        for path, payload in placed:
            _erase_record(path, payload)


def _erase_record(path, payload):
    wanted = HEADER.pack(len(payload), zlib.crc32(payload)) + payload
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return
    try:
        slot_size, slots, taken = _geometry(fd)
        for index in range(1, slots + 1):
            if os.pread(fd, len(wanted), index * slot_size) == wanted:
                os.pwrite(fd, bytes(slot_size), index * slot_size)
                os.pwrite(fd, COUNT.pack(max(0, taken - 1)), COUNT_AT)
                os.fdatasync(fd)
                return
    finally:
        os.close(fd)


def _put_durably(path, kind, payload, week):
    fd = _put(path, kind, payload, week)
    try:
        os.fdatasync(fd)
    finally:
        os.close(fd)


def _write_free_slot(fd, payload, crowded=None, path=None):
    slot_size, slots, taken = _geometry(fd)
    if HEADER.size + len(payload) > slot_size:
        return False
    for _probe in range(PROBES):
        index = 1 + secrets.randbelow(slots)
        if os.pread(fd, HEADER.size, index * slot_size) == bytes(HEADER.size):
            slot = HEADER.pack(len(payload), zlib.crc32(payload)) + payload
            os.pwrite(fd, slot + bytes(slot_size - len(slot)), index * slot_size)
            os.pwrite(fd, COUNT.pack(taken + 1), COUNT_AT)
            if crowded is not None and taken + 1 >= GROW_AT * slots and path not in crowded:
                crowded.append(path)
            return True
    return False


def _geometry(fd):
    """The slot size, the number of slots and how many are taken (a hint)."""
    head = os.pread(fd, COUNT_AT + COUNT.size, 0)
    magic, slot_size = FILE_HEADER.unpack_from(head)
    if magic != MAGIC:
        raise StorageError("an open week's file is not one of ours")
    return slot_size, os.fstat(fd).st_size // slot_size - 1, COUNT.unpack_from(head, COUNT_AT)[0]


def _grow(path, needed):
    """Rebuild the file twice the size (slots large enough for `needed`), every record in a new
    random slot: a record placed before the growth cannot be told from one placed after."""
    fd = os.open(path, os.O_RDONLY)
    try:
        slot_size, slots, _taken = _geometry(fd)
    finally:
        os.close(fd)
    while slot_size < needed:
        slot_size *= 2
    _create(path, slot_size, slots * 2, records=list(_slot_payloads(path.read_bytes())), replacing=True)


def _create(path, slot_size, slots, records, replacing=False):
    """Write a whole file beside `path` (zeros, records at random slots), then put it in place."""
    _install(path, _slots_image(slot_size, slots, records), replacing)


def _slots_image(slot_size, slots, records):
    image = bytearray(slot_size * (slots + 1))
    FILE_HEADER.pack_into(image, 0, MAGIC, slot_size)
    COUNT.pack_into(image, COUNT_AT, len(records))
    for index, payload in zip(_RANDOM.sample(range(1, slots + 1), len(records)), records, strict=True):
        _fill(image, index * slot_size, payload)
    return image


def _fill(image, offset, payload):
    HEADER.pack_into(image, offset, len(payload), zlib.crc32(payload))
    image[offset + HEADER.size:offset + HEADER.size + len(payload)] = payload


def _install(path, image, replacing):
    """Put a whole new file in place of `path`; the old one, if any, is zeroed once it is gone."""
    file_times.make_folder(path.parent)
    staging = _stage(path, image, ".new")
    old = os.open(path, os.O_WRONLY) if replacing else None
    try:
        os.replace(staging, path)
        _sync_folder(path.parent)
        if old is not None:  # only once the new file is in place: a crash loses nothing
            _zero(old)
    finally:
        if old is not None:
            os.close(old)


def _stage(path, image, suffix):
    """`image` written and flushed to a new file beside `path`; its name."""
    staging = path.with_name(f"{path.name}.{secrets.token_hex(4)}{suffix}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _write_all(fd, image)
        os.fsync(fd)
        _hide_time(fd, path.stem)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            _erase(staging)  # a copy of the week, part written: not left lying about
        raise
    os.close(fd)
    return staging


def _write_all(fd, data):
    # A disk that fills part-way makes write() return short rather than fail: the rest would be
    # lost without a word, answers and all.
    view, done = memoryview(data), 0
    while done < len(view):
        done += os.write(fd, view[done:])


def _zero(fd):
    os.pwrite(fd, bytes(os.fstat(fd).st_size), 0)
    os.fsync(fd)


# --- receipts: buckets addressed by a keyed hash ---------------------------------------------

def _put_receipt(path, receipt, week, crowded=None):
    """As _put, for a receipt: a random free slot of its bucket; returns the file, still open."""
    wanted = receipt.encode()
    if HEADER.size + len(wanted) > RECEIPT_SLOT:
        raise ValueError(f"a receipt is at most {RECEIPT_SLOT - HEADER.size} bytes")
    if not os.path.exists(path):
        _create_receipts(path, FIRST_BUCKETS, keys=[])
    for _attempt in range(8):
        fd = os.open(path, os.O_RDWR)
        try:
            if _write_receipt(fd, wanted, crowded, path):
                _hide_time(fd, week)
                return fd
            buckets = _receipt_geometry(fd)[0]
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        _create_receipts(path, buckets * 2, keys=_receipt_keys(path), replacing=True)
    raise StorageError("no free slot after growing the open week's receipts")


def _write_receipt(fd, wanted, crowded=None, path=None):
    """Into a random free slot of its bucket; False when the bucket is full."""
    offset, _keys, free = _bucket_keys(fd, wanted)
    if not free:
        return False
    slot = HEADER.pack(len(wanted), zlib.crc32(wanted)) + wanted
    os.pwrite(fd, slot + bytes(RECEIPT_SLOT - len(slot)), offset + free[secrets.randbelow(len(free))] * RECEIPT_SLOT)
    buckets, _salt, taken = _receipt_geometry(fd)
    os.pwrite(fd, COUNT.pack(taken + 1), COUNT_AT)
    if crowded is not None and taken + 1 >= GROW_RECEIPTS_AT * buckets * BUCKET_SLOTS and path not in crowded:
        crowded.append(path)
    return True


def _receipt_geometry(fd):
    """The number of buckets, the hash's key and how many receipts are kept (a hint)."""
    head = os.pread(fd, COUNT_AT + COUNT.size, 0)
    magic, buckets, salt = RECEIPT_HEADER.unpack_from(head)
    if magic != RECEIPT_MAGIC:
        raise StorageError("an open week's receipts are not ours")
    return buckets, salt, COUNT.unpack_from(head, COUNT_AT)[0]


def _bucket_of(key, buckets, salt):
    digest = hashlib.blake2b(key, digest_size=8, key=salt).digest()
    return 1 + int.from_bytes(digest, "little") % buckets


def _bucket_keys(fd, key):
    """Where `key`'s bucket starts, the receipts in it and its free slots."""
    buckets, salt, _taken = _receipt_geometry(fd)
    offset = _bucket_of(key, buckets, salt) * BUCKET
    data = os.pread(fd, BUCKET, offset)
    slots = [_payload(data[n * RECEIPT_SLOT:(n + 1) * RECEIPT_SLOT]) for n in range(BUCKET_SLOTS)]
    return offset, {slot for slot in slots if slot is not None}, [n for n, slot in enumerate(slots) if slot is None]


def _receipt_keys(path):
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    return [key.decode() for key in _receipt_payloads(data)]


def _receipt_payloads(data):
    magic = RECEIPT_HEADER.unpack_from(data)[0]
    if magic != RECEIPT_MAGIC:
        raise StorageError("an open week's receipts are not ours")
    return _payloads_in(data, BUCKET, len(data), RECEIPT_SLOT)


def _create_receipts(path, buckets, keys, replacing=False):
    _install(path, _receipts_image(buckets, [key.encode() for key in keys]), replacing)


def _receipts_image(buckets, keys):
    """A file of `buckets` buckets under a new hash key, each receipt in a random free slot of
    its bucket; twice the buckets again if one overflows."""
    while True:
        salt = secrets.token_bytes(16)
        image = bytearray(BUCKET * (buckets + 1))
        RECEIPT_HEADER.pack_into(image, 0, RECEIPT_MAGIC, buckets, salt)
        COUNT.pack_into(image, COUNT_AT, len(keys))
        free = {}
        for key in keys:
            bucket = _bucket_of(key, buckets, salt)
            room = free.setdefault(bucket, list(range(BUCKET_SLOTS)))
            if not room:
                break
            _fill(image, bucket * BUCKET + room.pop(secrets.randbelow(len(room))) * RECEIPT_SLOT, key)
        else:
            return image
        buckets *= 2


# --- growing a file beside the live one ------------------------------------------------------

def _grow_beside(folder, path, busy_timeout_ms):
    """Rebuild a crowded file twice the size beside the live one, every record in a new random
    slot, while other answers go on being written into the live one; then, holding the lock for
    a moment only, add what came meanwhile and put the new file in place. One such rebuild at a
    time (a lock of its own); it is a saving, not a duty: if it cannot be done, a writer that
    finds the file full rebuilds it under the lock (_put)."""
    grower = _open_lock(folder, ".grow")
    try:
        try:
            fcntl.flock(grower, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another writer is rebuilding a file
        old = os.open(path, os.O_RDWR)
        try:
            _rebuild_beside(folder, path, old, busy_timeout_ms)
        finally:
            os.close(old)
    except Exception:  # noqa: BLE001 - the answer is stored; its file is only fuller than it should be
        return
    finally:
        os.close(grower)


def _rebuild_beside(folder, path, old, busy_timeout_ms):
    data = _read_all(old)
    if path.suffix == ".receipts":
        buckets = _receipt_geometry(old)[0]
        before, first, slot_size = _receipt_payloads(data), BUCKET, RECEIPT_SLOT
        if len(before) < GROW_RECEIPTS_AT * buckets * BUCKET_SLOTS:
            return  # grown already, by the writer who found it full
        image, write = _receipts_image(buckets * 2, before), _write_receipt
    else:
        slot_size, slots, _taken = _geometry(old)
        before, first = _slot_payloads(data), slot_size
        if len(before) < GROW_AT * slots:
            return
        image, write = _slots_image(slot_size, slots * 2, before), _write_free_slot
    staging = _stage(path, image, GROWING)
    del image  # hundreds of MB in a week of many thousands: not held while waiting for the lock
    replaced = False
    try:
        with _locked(folder, busy_timeout_ms):
            if not _same_file(path, old):  # its week has moved, or it was grown under the lock
                return
            added = _added_since(old, data, first, slot_size, set(before))
            if added:
                fd = os.open(staging, os.O_RDWR)
                try:
                    if not all(write(fd, item) for item in added):
                        return
                    os.fsync(fd)
                    _hide_time(fd, path.stem)
                finally:
                    os.close(fd)
            os.replace(staging, path)
            staging, replaced = None, True
            _sync_folder(folder)
    finally:
        if staging is not None:
            _erase(staging)
        if replaced:
            _zero(old)  # the old file is gone from the folder; its bytes go too


def _read_all(fd):
    size, chunks, done = os.fstat(fd).st_size, [], 0
    while done < size:  # one read returns at most about 2 GB
        chunk = os.pread(fd, size - done, done)
        if not chunk:
            break
        chunks.append(chunk)
        done += len(chunk)
    return b"".join(chunks)


def _added_since(fd, data, first, slot_size, before):
    """What was written into the file since it read as `data`: slots are only ever filled while
    a week is open, so only the stretches that differ are read slot by slot."""
    block, part = (slot_size * max(1, size // slot_size) for size in (2**16, 2**12))
    added = []
    for start in range(first, len(data), block):
        now = os.pread(fd, block, start)
        if now == data[start:start + block]:
            continue
        for offset in range(0, len(now), part):
            piece = now[offset:offset + part]
            if piece != data[start + offset:start + offset + len(piece)]:
                added += [payload for payload in _payloads_in(piece, 0, len(piece), slot_size) if payload not in before]
    return added


def _same_file(path, fd):
    try:
        here = os.stat(path)
    except FileNotFoundError:
        return False
    there = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _erase(path):
    """Overwrite with zeros, then delete, so the bytes do not linger on the disk."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except FileNotFoundError:
        return
    try:
        os.pwrite(fd, bytes(os.fstat(fd).st_size), 0)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.unlink(path)


def _hide_time(fd, week):
    # A copy (cp -a, rsync, tar) carries a file's modification time: make it the week's start,
    # not the moment of the last answer.
    start = _week_start(week)
    os.utime(fd, (start, start))


@functools.lru_cache(maxsize=16)
def _week_start(week):
    return datetime.datetime.combine(periods.parse(week).first_day, datetime.time()).timestamp()


def _sync_folder(folder):
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Waits between tries for a lock another process holds, in seconds. It is held for a slot's
# write, a fraction of a millisecond, so the first tries come soon; and the waits never grow
# long, or a writer that has waited a while would sleep through the lock's many free moments
# while the other workers take it in turn (that made the slowest answers 3-5 times slower under
# load). One thread per worker polls (the others queue in _THREADS): a syscall a millisecond.
_WAITS = (0.0001, 0.0002, 0.0005, 0.001)
# struct flock (fcntl(2)) on Linux: type, whence, start, length, and a pid that is 0 for the
# open file description locks used here.
_FLOCK = struct.Struct("hhqqi4x")
# The threads of one worker queue for the folder here, each woken the moment it is free; the
# file lock then settles only which process goes.
_THREADS = {}


@contextlib.contextmanager
def _locked(folder, busy_timeout_ms=BUSY_TIMEOUT_MS):
    """The whole open-weeks folder, for every writer in every process: while slots are chosen
    and written, weeks moved, files grown. Gives the names in the folder."""
    in_process = _THREADS.setdefault(str(folder), threading.Lock())
    if not in_process.acquire(timeout=busy_timeout_ms / 1000):
        raise OpenWeekError(BUSY)
    try:
        fd = _open_lock(folder)
        try:
            _wait_for(lambda: fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB), busy_timeout_ms)
            names = os.listdir(folder)
            for name in names:
                # A rebuild cut short by a crash: a copy of a week. One beside the live file is
                # left while its writer is still at it.
                if name.endswith(".new") or (name.endswith(GROWING) and not _growing(folder)):
                    _erase(folder / name)
            yield [name for name in names if not name.endswith((".new", GROWING))]
        finally:
            os.close(fd)  # closing releases the lock
    finally:
        in_process.release()


@contextlib.contextmanager
def _receipt_locked(folder, receipt, busy_timeout_ms=BUSY_TIMEOUT_MS):
    """One receipt, for every writer in every process: a byte of the lock file named by its hash,
    locked per open file (F_OFD_SETLK), so two threads of one worker exclude each other too.
    Independent of the folder's lock (flock), which it is taken before."""
    where = int.from_bytes(hashlib.blake2b(receipt.encode(), digest_size=7).digest(), "little")
    fd = _open_lock(folder)
    try:
        _wait_for(lambda: fcntl.fcntl(fd, fcntl.F_OFD_SETLK, _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, where, 1, 0)),
                  busy_timeout_ms)
        yield
    finally:
        os.close(fd)


def _growing(folder):
    """Whether a writer somewhere is rebuilding a file beside the live one (_grow_beside)."""
    fd = _open_lock(folder, ".grow")
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def _open_lock(folder, name=".lock"):
    try:
        return os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:
        file_times.make_folder(folder)
        return os.open(folder / name, os.O_RDWR | os.O_CREAT, 0o600)


def _wait_for(take, busy_timeout_ms):
    waited, tries = 0.0, 0
    while True:
        try:
            return take()
        except (BlockingIOError, PermissionError):  # held elsewhere (EAGAIN; EACCES for fcntl)
            if waited * 1000 >= busy_timeout_ms:
                raise OpenWeekError(BUSY) from None
            pause = _WAITS[min(tries, len(_WAITS) - 1)]
            time.sleep(pause)
            waited, tries = waited + pause, tries + 1
