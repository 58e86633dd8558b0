"""Log lines: never one per respondent request, no clock time, no client, nothing a person sent.

Under systemd every line reaching the journal is stamped to the microsecond, and a stamp beside
an answer is the time of that answer. So nothing is logged for a request that goes well, and
deploy/'s unit keeps what is logged to warnings and errors: each line carries its syslog
priority as a "<N>" prefix (sd-daemon(3)), which the journal reads and LogLevelMax= filters on.
"""

import logging
import os

LINE_FORMAT = "%(levelname)s in %(module)s: %(message)s"

# syslog priorities, as sd-daemon(3) prefixes write them
PRIORITIES = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def stderr_is_the_journal():
    """What systemd says in JOURNAL_STREAM: this process's standard error is the journal."""
    try:
        device, inode = (int(part) for part in os.environ["JOURNAL_STREAM"].split(":"))
        found = os.fstat(2)
    except (KeyError, ValueError, OSError):
        return False
    return (found.st_dev, found.st_ino) == (device, inode)


class LineFormatter(logging.Formatter):
    """Lines without a clock time; for the journal, every line (a traceback's too) starts with
    its priority, so that none falls back to "info"."""

    def __init__(self, fmt=LINE_FORMAT, journal=None):
        super().__init__(fmt)
        self.journal = stderr_is_the_journal() if journal is None else journal

    def format(self, record):
        text = super().format(record)
        if not self.journal:
            return text
        priority = PRIORITIES.get(record.levelno, 3 if record.levelno > logging.WARNING else 6)
        return "\n".join(f"<{priority}>{line}" for line in text.splitlines())
