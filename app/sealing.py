"""Answers a kiosk tablet must hold, sealed for the server: the tablet cannot read its own queue.

A tablet that cannot reach the server keeps the answer until it can. Kept as given, it would lie
in the browser's storage (IndexedDB's log keeps even what was deleted) for whoever picks the
tablet up. So kiosk.js seals it before it touches storage, with WebCrypto: a fresh AES-GCM key
per answer, wrapped with the installation's RSA-OAEP public key, whose private half never leaves
the server's data folder. Only the server opens it, when the tablet sends it.
"""

import base64
import contextlib
import json
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_FILE = "seal_key.pem"
MAX_SEALED_CHARS = 64_000  # an answer with the longest message, sealed, is far less
_OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
_keys = {}


class Unsealable(ValueError):
    """Not something this installation sealed, or damaged on the way."""


def public_key(data_dir):
    """The installation's public key, as kiosk.js imports it (SPKI, base64)."""
    der = _private_key(data_dir).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def unseal(data_dir, text):
    """[(name, value)] of a sealed answer; Unsealable if it is not one."""
    try:
        if len(text) > MAX_SEALED_CHARS:
            raise Unsealable("too long")
        sealed = json.loads(text)
        wrapped, iv, body = (base64.b64decode(sealed[name], validate=True) for name in ("k", "iv", "c"))
        key = _private_key(data_dir).decrypt(wrapped, _OAEP)
        fields = json.loads(AESGCM(key).decrypt(iv, body, None))
    except Unsealable:
        raise
    except Exception as error:  # every way a forged or damaged seal fails
        raise Unsealable(type(error).__name__) from None
    if not isinstance(fields, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(v, str) for v in pair) for pair in fields):
        raise Unsealable("not a list of fields")
    return [tuple(pair) for pair in fields]


def _private_key(data_dir):
    path = Path(data_dir) / KEY_FILE
    if path not in _keys:
        _keys[path] = serialization.load_pem_private_key(_read_or_make(path), password=None)
    return _keys[path]


def _read_or_make(path):
    """The key file, made once (readable by its owner only); several workers may ask at once:
    each writes its own, and the first one put in place is the key for all."""
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    staging = path.with_name(f"{path.name}.{secrets.token_hex(4)}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(staging, path)
    finally:
        os.unlink(staging)
    return path.read_bytes()
