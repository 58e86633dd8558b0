"""Configuration: defaults, then BRUGERSTEMMEN_* environment variables, then test config."""

import datetime
import os
import secrets
import tempfile
from pathlib import Path

ENV_PREFIX = "BRUGERSTEMMEN_"

DEFAULTS = {
    # Where the SQLite file, the secret key and the QR codes live. Empty: Flask's instance folder.
    "DATA_DIR": "",
    # What printed links and QR codes point at: the address phones on the centre's network use.
    "BASE_URL": "http://127.0.0.1:8080",
    # Seconds without a touch before a kiosk throws away a half-finished answer.
    "KIOSK_IDLE_SECONDS": 90,
    # Free text says more than a tick: staff read a week's messages only from this many answers.
    "TEXT_MIN_ANSWERS": 10,
    # Seconds the kiosk shows its thank-you page before returning to the start screen.
    "KIOSK_RETURN_SECONDS": 10,
    # Seconds after one answer before the kiosk takes the next, so nobody can hammer the tablet.
    "KIOSK_GAP_SECONDS": 5,
    # How often a kiosk tries again to send answers it holds while the server is unreachable.
    "KIOSK_RETRY_SECONDS": 30,
    "PAIRING_TTL_HOURS": 72,
    # How long a request waits for another's write to finish before saying "not saved".
    "DB_BUSY_TIMEOUT_MS": 10_000,
    "MESSAGE_MAX_CHARS": 1000,
    # Languages a respondent can choose (each centre offers some of them); staff pages have two.
    "LANGUAGES": ["da", "en", "ar", "uk", "pl", "fa"],
    "STAFF_LANGUAGES": ["da", "en"],
    # centre: answers and staff summaries; hub: the LVS hub; both: one installation doing both.
    "ROLE": "centre",
    # Fixes the calendar (an ISO date and time) for tests and demonstrations; empty: real time.
    "CLOCK": "",
    # Seconds the sync waits after its first failure; it doubles up to SYNC_MAX_BACKOFF_SECONDS.
    "SYNC_BACKOFF_SECONDS": 60,
    "SYNC_MAX_BACKOFF_SECONDS": 6 * 3600,
    # How many proxies in front of the app set X-Forwarded-For: deploy/ sets 1 (its nginx).
    # Never more than there are: a client could then claim any address.
    "PROXY_HOPS": 0,
    # A staff session ends after this many minutes without a page, and this many hours after
    # signing in, whatever happens in between (real time, not the calendar).
    "STAFF_IDLE_MINUTES": 60,
    "STAFF_SESSION_HOURS": 12,
    # Against stuffing: a paired kiosk stores at most one answer per this many seconds, and a
    # centre's survey link takes at most this many answers a minute. A centre's admin may change
    # both in Settings; these are the defaults. 0 switches a limit off (for tests).
    "KIOSK_ANSWER_INTERVAL_SECONDS": 20,
    "SURVEY_ANSWERS_PER_MINUTE": 30,
    # The folder for those limits' short-lived counters: memory that vanishes (a tmpfs), never
    # the data folder. Empty: `brugerstemmen serve` makes a fresh one on each start (see runtime_base).
    "RUNTIME_DIR": "",
}

# Settings read from the environment, and how to turn the text into a value.
_FROM_ENV = {
    "DATA_DIR": str,
    "BASE_URL": lambda v: v.rstrip("/"),
    "SECRET_KEY": str,
    "CLOCK": datetime.datetime.fromisoformat,
    "ROLE": str,
    "TEXT_MIN_ANSWERS": int,
    "KIOSK_IDLE_SECONDS": int,
    "KIOSK_RETURN_SECONDS": int,
    "KIOSK_GAP_SECONDS": int,
    "KIOSK_RETRY_SECONDS": int,
    "DB_BUSY_TIMEOUT_MS": int,
    "PAIRING_TTL_HOURS": int,
    "SYNC_BACKOFF_SECONDS": int,
    "SYNC_MAX_BACKOFF_SECONDS": int,
    "STAFF_IDLE_MINUTES": int,
    "PROXY_HOPS": int,
    "STAFF_SESSION_HOURS": int,
    "KIOSK_ANSWER_INTERVAL_SECONDS": int,
    "SURVEY_ANSWERS_PER_MINUTE": int,
    "RUNTIME_DIR": str,
}


class ConfigError(Exception):
    """An operator mistake in the configuration; the message says how to fix it."""


def from_environment(environ=os.environ):
    config = {}
    for name, convert in _FROM_ENV.items():
        raw = environ.get(ENV_PREFIX + name)
        if raw is None or raw == "":
            continue
        try:
            config[name] = convert(raw)
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{name}={raw!r} is not a valid value") from None
    return config


def prepare_data_dir(path):
    """Create the data folder (private to this user) or explain why it cannot be used."""
    path = Path(path)
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(
            f"cannot create the data folder {path} ({error.strerror}); "
            f"set {ENV_PREFIX}DATA_DIR to a folder you can write to"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(
            f"the data folder {path} is not writable; "
            f"set {ENV_PREFIX}DATA_DIR to a folder you can write to"
        )
    return path


def load_or_create_secret_key(data_dir):
    """The key signing sessions and CSRF tokens: made once, kept readable only by its owner."""
    key_file = Path(data_dir) / "secret_key"
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    except OSError as error:
        raise ConfigError(f"cannot write {key_file} ({error.strerror})") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def runtime_base(environ=os.environ):
    """Where short-lived counters may live: memory that is gone after a reboot, never a disk.

    systemd's RuntimeDirectory= (deploy/brugerstemmen.service) names /run/brugerstemmen; else
    /dev/shm, the tmpfs every Linux has; else, on a system without one, the temporary folder.
    """
    # Not an insecure temporary file: the folder inside is made by mkdtemp (unguessable, mode 0700).
    for candidate in (environ.get("RUNTIME_DIRECTORY", "").split(":")[0], "/dev/shm"):  # nosec B108
        if candidate and os.path.isdir(candidate) and os.access(candidate, os.W_OK | os.X_OK):
            return Path(candidate)
    return Path(tempfile.gettempdir())
