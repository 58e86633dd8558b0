"""Nightly copies of the database and putting one back: what `brugerstemmen backup|restore` do."""

import sqlite3
from pathlib import Path

from . import clock, db, periods

PREFIX, SUFFIX = "brugerstemmen-", ".sqlite3"


class BackupError(Exception):
    """Something the operator can fix; the message says what."""


def first_open_week(now):
    """The earliest week whose answers may still change: left out of every backup."""
    current = periods.week_of(now.date())
    previous = current.previous()
    return previous.key if previous.closes_at > now else current.key


def make_backup(data_dir, dest, keep, now):
    """Write today's copy into dest and delete all but the newest `keep`; returns (copy, deleted)."""
    dest = Path(dest)
    try:
        dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"cannot create the backup folder {dest} ({error.strerror})") from None
    live = db.path_in(data_dir)
    if not live.exists():
        raise BackupError(f"there is no database at {live} to back up; check BRUGERSTEMMEN_DATA_DIR")
    target = dest / f"{PREFIX}{now.date().isoformat()}{SUFFIX}"
    try:
        db.write_backup(live, target, first_open_week(now))
    except OSError as error:
        raise BackupError(f"cannot write {target} ({error.strerror or error})") from None
    except (sqlite3.Error, db.StorageError, db.NotABackup) as error:  # a full disk, most likely
        raise BackupError(f"cannot write {target} ({error}); nothing of it is left behind") from None
    copies = sorted(dest.glob(f"{PREFIX}*{SUFFIX}"))
    deleted = copies[:-keep]
    for old in deleted:
        old.unlink()
    return target, deleted


def restore(data_dir, backup, force):
    """Check the copy, keep the current database aside, and put the copy in its place."""
    try:
        applied = db.check_backup(backup)
    except db.NotABackup as reason:
        raise BackupError(str(reason)) from None
    unknown = set(applied) - set(db.known_migrations())
    if unknown:
        raise BackupError(f"{backup} was made by a newer Brugerstemmen (it knows {sorted(unknown)[0]}); "
                          "upgrade this installation first")
    live = db.path_in(data_dir)
    kept = None
    if live.exists():
        if not force:
            raise BackupError(f"a database already exists at {live}; stop the server, then run again with "
                              "--force to replace it (the current one is kept beside it)")
        kept = live.with_name(f"{live.name}.before-restore-{clock.today().isoformat()}")
        number = 1
        while kept.exists():  # a second restore the same day must not overwrite the first one's copy
            number += 1
            kept = live.with_name(f"{live.name}.before-restore-{clock.today().isoformat()}-{number}")
        db.write_backup(live, kept, first_open_week="9999-W99")  # everything, as it was
    db.restore_backup(backup, live)
    database = db.connect(live)
    try:
        db.migrate(database)  # an older copy is brought up to this version's schema
    finally:
        database.close()
    return kept
