"""Signed requests between a centre and the hub: HMAC-SHA256 with the centre's own key.

The signature covers the method, the path with its query (the whole path the centre called,
with the hub's prefix when it sits behind one), a timestamp, a one-time nonce and
the SHA-256 of the body, so a body cannot be changed, a request cannot be sent to another
path, and a captured request cannot be replayed (the hub remembers nonces while the
timestamp is fresh). Times here are real Unix times, never the calendar of app.clock.
"""

import hashlib
import hmac
import secrets
import time

CENTRE, TIMESTAMP, NONCE, SIGNATURE = "X-Centre-Id", "X-Timestamp", "X-Nonce", "X-Signature"
MAX_SKEW_SECONDS = 300


class Rejected(Exception):
    """A request the hub refuses; `status` is the HTTP status to answer with."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def new_key():
    return secrets.token_urlsafe(32)


def _message(method, path, timestamp, nonce, body):
    return "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()]).encode()


def signature(key, method, path, timestamp, nonce, body):
    return hmac.new(key.encode(), _message(method, path, timestamp, nonce, body), hashlib.sha256).hexdigest()


def sign(centre_id, key, method, path, body=b"", now=None):
    """The headers that make a request from this centre."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_urlsafe(16)
    return {CENTRE: centre_id, TIMESTAMP: timestamp, NONCE: nonce,
            SIGNATURE: signature(key, method, path, timestamp, nonce, body)}


def check(headers, key_of, method, path, body, now=None):
    """The centre id of a correctly signed, fresh request, or Rejected.

    `key_of(centre_id)` gives a registered, unrevoked centre's key or None. Whether the nonce
    was seen before is for the caller, who must remember it only after this succeeds.
    """
    centre_id, timestamp = headers.get(CENTRE, ""), headers.get(TIMESTAMP, "")
    nonce, given = headers.get(NONCE, ""), headers.get(SIGNATURE, "")
    if not (centre_id and timestamp and nonce and given):
        raise Rejected(401, f"a signed request needs the headers {CENTRE}, {TIMESTAMP}, {NONCE} and {SIGNATURE}")
    if not (timestamp.isdigit() and len(timestamp) <= 12 and 8 <= len(nonce) <= 64):
        raise Rejected(401, "the timestamp or the nonce is malformed")
    now = int(now if now is not None else time.time())
    if abs(now - int(timestamp)) > MAX_SKEW_SECONDS:
        raise Rejected(401, "the timestamp is more than five minutes from the hub's clock; check the centre's clock")
    key = key_of(centre_id)
    expected = signature(key or "unknown", method, path, timestamp, nonce, body)
    # Compared even for an unknown centre, so timing does not tell which ids exist.
    if not hmac.compare_digest(expected, given) or key is None:
        raise Rejected(401, "the signature does not match: wrong key, or the request was changed on the way")
    return centre_id, nonce, int(timestamp)
