"""The phone form's one-time answer token: a form sent twice (a double tap, a replay) is stored once.

The token is a random nonce and an HMAC of it with the app's secret key and the centre, so
nobody can make up a valid one, nor carry one from one centre's form to another's. It holds no
time and names nobody. When an answer is stored, the nonce becomes its receipt (the same
mechanism that stores a kiosk's re-sent answer once, db.record_response(receipt=...)); the
receipt keeps only the ISO week and leads to no answer.
"""

import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app

FIELD = "answer_token"
_PURPOSE = b"brugerstemmen answer token\x00"
_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{43}")


def issue(centre_id):
    nonce = secrets.token_urlsafe(18)  # 144 bits, 24 characters
    return f"{nonce}.{_signature(centre_id, nonce)}"


def receipt(token, centre_id):
    """The receipt for a genuine token of this centre's form, or None."""
    if not _SHAPE.fullmatch(token or ""):
        return None
    nonce, _, signature = token.partition(".")
    if not hmac.compare_digest(signature, _signature(centre_id, nonce)):
        return None
    # A kiosk's keys never hold a colon (survey.views.IDEMPOTENCY_KEY): the two cannot meet.
    return f"phone:{nonce}"


def _signature(centre_id, nonce):
    key = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, _PURPOSE + f"{centre_id}\x00{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
