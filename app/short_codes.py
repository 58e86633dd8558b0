"""The short code printed under a poster's QR code, for a person whose camera does not read it.

Eight characters of Crockford's base32 (no I, L, O or U: nothing that looks like another
character), shown in two groups, "K7M4-Q9TX". Typed, it is read forgivingly: any case, with or
without the dash or spaces, and a look-alike taken for the character it looks like (I and L
for 1, O for 0). It opens the same public survey link the QR code encodes, no more: 40 bits are
far more than anyone can guess their way through, and a renewed survey link gets a new code.
"""

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
LENGTH = 8
LOOK_ALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_CODE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")
# What a person may type between the characters: dashes of any kind, spaces, dots.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.·]+")


def new_code():
    """A random code as it is stored: eight characters, no dash."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(typed):
    """The stored form of a typed code ("k7m4 q9tx", "K7M4-Q9TX", "k7m4-o9tx"...), or None when
    it cannot be one."""
    text = _SEPARATORS.sub("", typed or "").upper().translate(LOOK_ALIKES)
    return text if _CODE.fullmatch(text) else None


def shown(code):
    """A stored code as printed and typed: "K7M4-Q9TX"."""
    return f"{code[:4]}-{code[4:]}"
