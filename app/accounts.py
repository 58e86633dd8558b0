"""Staff accounts: password rules and hashing, and the throttle that slows password guessing.
(The kiosk's PIN has its own module, app/kiosk_pin.py.)"""

import collections
import functools
import hmac
import ipaddress
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
#
# Three counts, in a file apart from the answers (app/db/throttle.py), each only as a keyed hash:
# - the account: a few wrong passwords, then waits; so a crowd of clients cannot guess on;
# - the client (its address, as nginx passes it when BRUGERSTEMMEN_PROXY_HOPS trusts it): far
#   more, since a centre shares one address; so one client cannot try one password on many accounts;
# - the device: a browser this account signed in from before (a signed cookie) counts on its own
#   and is not held up by the account's count, so a flood of others' guesses never locks the
#   real person out of their usual browser (OWASP's "device cookies").

Keys = collections.namedtuple("Keys", "account client device")


def _lock_seconds(free_failures):
    def lock_for(failures):
        if failures < free_failures:
            return 0
        return min(MAX_LOCK_SECONDS, 30 * 2 ** (failures - free_failures))
    return lock_for


def _keyed(secret_key, text):
    return hmac.new(secret_key.encode(), text.encode(), "sha256").hexdigest()


def throttle_keys(email, client_address, secret_key, *, proxied=False, device=None):
    """The keys a sign-in attempt counts against.

    The client's only where clients can be told apart: behind a proxy that passes no address
    (or one not trusted), every client is this machine, and one shared bucket would let a
    guessing bot lock every staff member out. `device` is the random id of a trusted device
    of this account (None for any other browser).
    """
    account = "account:" + _keyed(secret_key, email.strip().lower())
    client = None
    if client_address and (proxied or not _is_this_machine(client_address)):
        client = "client:" + _keyed(secret_key, client_address)
    return Keys(account, client, "device:" + _keyed(secret_key, device) if device else None)


def _is_this_machine(address):
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # a unix socket's empty or odd peer name: no client to tell apart
        return True


def seconds_locked(database, keys, now=None):
    now = int(now or time.time())
    # A trusted device waits for its own count, never for the account's.
    watched = [key for key in (keys.client, keys.device or keys.account) if key]
    return max(0, db.throttle_locked_until(database, watched) - now)


def claim(database, keys, now=None):
    """Seconds to wait (the attempt is refused), or 0: then the attempt is counted as a failure
    already, in the same step as the check (db.claim_attempt), and record_success takes it back."""
    now = int(now or time.time())
    watched = [key for key in (keys.client, keys.device or keys.account) if key]
    locked = db.claim_attempt(database, watched, _counted(keys), now)
    forget_old_failures(database, now)
    return max(0, locked - now) if locked else 0


def _counted(keys):
    counted = [(keys.account, _lock_seconds(ACCOUNT_FREE_FAILURES))]
    if keys.client:
        counted.append((keys.client, _lock_seconds(CLIENT_FREE_FAILURES)))
    if keys.device:  # a stolen device cookie guesses no faster than anyone
        counted.append((keys.device, _lock_seconds(ACCOUNT_FREE_FAILURES)))
    return counted


def record_success(database, keys):
    # The count that was watched (seconds_locked) starts again. Never the client's: a shared
    # centre address must not be reset by one good login. Nor the account's for a trusted
    # device: its owner signing in must not give a flood of guesses a fresh start.
    db.forget_login_failures(database, [keys.device or keys.account])


def record_claimed_success(database, keys, now=None):
    """A right password after claim(): the watched count starts again (record_success) and the
    other counts the claim made are given back, so a good sign-in never counts as a failure."""
    now = int(now or time.time())
    record_success(database, keys)
    for key, lock_for in _counted(keys):
        if key != (keys.device or keys.account):
            db.give_back_failure(database, key, now, lock_for)


def forget_old_failures(database, now=None):
    """What no lock needs any more goes: a day after its last failure, once unlocked."""
    db.forget_login_failures(database, older_than=int(now or time.time()) - FORGET_AFTER_SECONDS)

