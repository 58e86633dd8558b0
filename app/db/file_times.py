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
import fcntl
import functools
import os
import struct

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


# --- copy-on-write file systems ---------------------------------------------------------------

COPY_ON_WRITE = {"btrfs", "zfs", "bcachefs"}
_FS_IOC_GETFLAGS, _FS_IOC_SETFLAGS, _FS_NOCOW_FL = 0x80086601, 0x40086602, 0x00800000


def make_folder(folder):
    """A folder for the open weeks: private, and on btrfs with copy-on-write off (chattr +C),
    which files made in it inherit. Copy-on-write moves a block on every write, so the order of
    a file's blocks (filefrag) would follow the order of the answers written into it."""
    folder.mkdir(mode=0o700, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        flags = struct.unpack("l", fcntl.ioctl(fd, _FS_IOC_GETFLAGS, struct.pack("l", 0)))[0]
        if not flags & _FS_NOCOW_FL:
            fcntl.ioctl(fd, _FS_IOC_SETFLAGS, struct.pack("l", flags | _FS_NOCOW_FL))
    except OSError:
        pass  # ext4, XFS, tmpfs: no such flag, and no need of it
    finally:
        os.close(fd)


def file_system(path, mountinfo="/proc/self/mountinfo"):
    """The type of the file system `path` is on ("ext4", "btrfs", ...), or None if unknown."""
    path, found, longest = os.path.realpath(path), None, -1
    try:
        with open(mountinfo, encoding="utf-8") as lines:
            for line in lines:
                fields = line.split()
                mount_point = fields[4].encode().decode("unicode_escape")
                kind = fields[fields.index("-") + 1]
                inside = path == mount_point or path.startswith(mount_point.rstrip("/") + "/")
                if inside and len(mount_point) > longest:
                    found, longest = kind, len(mount_point)
    except (OSError, ValueError, IndexError):
        return None
    return found


def copy_on_write_warning(data_dir, mountinfo="/proc/self/mountinfo"):
    """One line for the operator when the data folder is on a copy-on-write file system that
    make_folder cannot turn it off on (ZFS); None otherwise."""
    kind = file_system(data_dir, mountinfo)
    if kind not in COPY_ON_WRITE or kind == "btrfs":
        return None
    return (f"warning: {data_dir} is on {kind}, a copy-on-write file system: the order of the open week's blocks "
            "can follow the order of the answers. Put the data folder on ext4 or XFS (docs/anonymity.md).")
