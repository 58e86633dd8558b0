"""Names people type (a centre, a municipality, a tablet): one line of text, no control characters.

A control character (escape, NUL, bell) in a stored name turned every XLSX download of the
centre into an error and reached the log raw. Refused where a name comes in, with a clear
message; and a download leaves out any that an older version stored.
"""

import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError


def control_characters(text):
    """The control characters in `text` (line breaks and tabs included: a name is one line)."""
    return [c for c in text or "" if unicodedata.category(c) == "Cc"]


def without_control_characters(text, keep=""):
    """`text` less its control characters (but those in `keep`, such as a PDF paragraph's line breaks)."""
    return "".join(c for c in text if c in keep or unicodedata.category(c) != "Cc")


class OneLine:
    """A form field's validator: the text has no control characters."""

    message = _l("Use letters, digits, spaces and punctuation only: this text has a control character.")

    def __call__(self, form, field):
        if isinstance(field.data, str) and control_characters(field.data):
            raise ValidationError(self.message)
