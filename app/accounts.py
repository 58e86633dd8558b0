"""Staff accounts: password rules and hashing, the throttle that slows password guessing, and the
PIN that lets staff out of a locked kiosk."""

import functools
import hashlib
import hmac
import ipaddress
import re
import time
from pathlib import Path

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from . import db

MIN_PASSWORD_LENGTH = 8
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
COMMON_PASSWORDS_FILE = Path(__file__).parent / "staff" / "common_passwords.txt"

# Per account: a few tries, then waits that double up to a quarter of an hour; never forever.
ACCOUNT_FREE_FAILURES = 5
# Per client: everyone at a centre shares one address, so it tolerates far more.
CLIENT_FREE_FAILURES = 30
MAX_LOCK_SECONDS = 15 * 60
# A kiosk PIN has few digits, so wrong guesses soon cost waiting time, as for an account.
KIOSK_PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
KIOSK_PIN_FREE_FAILURES = 5
FORGET_AFTER_SECONDS = 24 * 3600


class PasswordRejected(ValueError):
    pass


@functools.cache
def common_passwords():
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def check_new_password(password, email=""):
    """No composition rules: long enough, and not a password everybody tries first."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordRejected(_l("Use at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    lowered = password.lower()
    if lowered in common_passwords() or (email and lowered in {email.lower(), email.split("@")[0].lower()}):
        raise PasswordRejected(_l("That password is too common and easy to guess. Choose another."))


def hash_password(password):
    return generate_password_hash(password, method="scrypt")


def password_matches(staff, password):
    if not (staff and staff["password_hash"]):
        check_password_hash(_dummy_hash(), password)  # as slow as a real check: no probing for accounts
        return False
    return check_password_hash(staff["password_hash"], password)


@functools.cache
def _dummy_hash():
    return hash_password("not anybody's password")


# --- throttling ----------------------------------------------------------------------------

def _lock_seconds(free_failures):
    def lock_for(failures):
        if failures < free_failures:
            return 0
        return min(MAX_LOCK_SECONDS, 30 * 2 ** (failures - free_failures))
    return lock_for


def throttle_keys(email, client_address, secret_key):
    """The account's key, and the client's unless the client is this machine: behind nginx,
    which passes no address on purpose, every client is 127.0.0.1, and one shared bucket
    would let a guessing bot lock every staff member out."""
    account = "account:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()
    if not client_address or _is_this_machine(client_address):
        return (account,)
    # A keyed hash: the database can tell one client from another, but never says which.
    client = "client:" + hmac.new(secret_key.encode(), client_address.encode(), "sha256").hexdigest()
    return account, client


def _is_this_machine(address):
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # a unix socket's empty or odd peer name: no client to tell apart
        return True


def seconds_locked(database, keys, now=None):
    now = int(now or time.time())
    return max(0, db.throttle_locked_until(database, keys) - now)


def record_failure(database, keys, now=None):
    now = int(now or time.time())
    account, *client = keys
    db.record_login_failure(database, account, now, _lock_seconds(ACCOUNT_FREE_FAILURES))
    for key in client:
        db.record_login_failure(database, key, now, _lock_seconds(CLIENT_FREE_FAILURES))
    db.forget_login_failures(database, older_than=now - FORGET_AFTER_SECONDS)


def record_success(database, keys):
    # Only the account's count goes: a shared centre address must not be reset by one good login.
    db.forget_login_failures(database, [keys[0]])


# --- the kiosk PIN -------------------------------------------------------------------------

def set_kiosk_pin(database, centre, pin):
    if not KIOSK_PIN_PATTERN.match(pin):
        raise ValueError("a kiosk PIN is 4 to 8 digits")
    db.set_kiosk_pin(database, centre["id"], hash_password(pin))


def check_kiosk_pin(database, centre, pin, now=None):
    """'right', 'wrong', 'locked' (too many wrong tries just now) or 'unset'."""
    if not centre["kiosk_pin_hash"]:
        return "unset"
    now = int(now or time.time())
    key = f"kiosk-pin:{centre['id']}"
    if db.throttle_locked_until(database, [key]) > now:
        return "locked"
    if check_password_hash(centre["kiosk_pin_hash"], pin or ""):
        db.forget_login_failures(database, [key])
        return "right"
    db.record_login_failure(database, key, now, _lock_seconds(KIOSK_PIN_FREE_FAILURES))
    db.forget_login_failures(database, older_than=now - FORGET_AFTER_SECONDS)
    return "wrong"
