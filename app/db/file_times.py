"""What a copy of the data folder keeps of when: the times of its files and folders.

`cp -a`, `rsync -a` and `tar` keep every file's and folder's modification and access times. A
folder's change whenever a file in it is made, renamed or deleted; a file's access time moves
on its first read after a change (relatime) and once a day; SQLite's shared-memory file is
written by every reader. Left alone, each would date the request that moved it, an answer's
among them. So whatever the app touches is set back to the start of its week (docs/anonymity.md
says what a program cannot set: the change time, the file system's journal, block snapshots).
"""

import ctypes
import datetime
import functools
import os

from .. import periods

_libc = ctypes.CDLL(None, use_errno=True)
_AT_FDCWD = -100
_UTIME_OMIT = (1 << 30) - 2


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


@functools.lru_cache(maxsize=16)
def week_start(week):
    """The first second of an ISO week ("2026-W48"), as a timestamp."""
    return datetime.datetime.combine(periods.parse(week).first_day, datetime.time()).timestamp()


def week_of(moment):
    return periods.week_of(moment.date()).key


def set_back(path, week):
    """A file's or folder's access and modification times: the start of `week`."""
    start = week_start(week)
    os.utime(path, (start, start))


def set_back_access(path, week):
    """Only the access time: a file whose content a copy must notice changing (the database,
    its WAL) keeps its modification time, untouched even by a writer at the same moment."""
    times = (_Timespec * 2)(_Timespec(int(week_start(week)), 0), _Timespec(0, _UTIME_OMIT))
    if _libc.utimensat(_AT_FDCWD, os.fsencode(path), times, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error), str(path))


def after_request(database_path, week):
    """What a request to the survey moved in the data folder, set back: the database's and its
    WAL's access times, the shared-memory file's times (rebuilt by SQLite, never copied for its
    content), the open weeks' files, their folder and the data folder, last. Whatever is missing is skipped."""
    database_path = str(database_path)
    folder = os.path.join(os.path.dirname(database_path), "open")
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        names = []
    found = [(database_path, False), (database_path + "-wal", False), (database_path + "-shm", True)]
    found += [(os.path.join(folder, name), True) for name in names]
    found += [(folder, True), (os.path.dirname(database_path), True)]  # SQLite makes its WAL at a first request
    for path, whole in found:
        try:
            (set_back if whole else set_back_access)(path, _file_week(path, week))
        except FileNotFoundError:
            pass


def _file_week(path, week):
    # An open week's file keeps its own week's start (open_weeks._hide_time); anything else, `week`.
    name = os.path.basename(path).split(".", 1)[0]
    try:
        return name if periods.parse(name).level == "week" else week
    except ValueError:
        return week
