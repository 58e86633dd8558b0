"""How complete each shipped translation is, and whether a native speaker has checked it.

Read from the catalogues themselves (translations/*/LC_MESSAGES/messages.po and the
respondent.pot that lists what a respondent can see), so the staff page cannot drift from
what is shipped. A catalogue's header comment carries its review status on a line
"# REVIEW STATUS: ...".
"""

import functools
import re
from pathlib import Path

from babel.messages.pofile import read_po

# In a checkout (and an editable install) the catalogues are the top-level translations/ folder;
# an installed wheel carries them inside the package (setup.py puts them there).
_PACKAGED = Path(__file__).resolve().parent / "translations"
TRANSLATIONS = _PACKAGED if _PACKAGED.is_dir() else Path(__file__).resolve().parent.parent / "translations"


def _read(path):
    with open(path, "rb") as handle:
        return read_po(handle)


def _translated(message):
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings) and not message.fuzzy


@functools.cache
def respondent_ids():
    return frozenset(m.id if isinstance(m.id, str) else m.id[0] for m in _read(TRANSLATIONS / "respondent.pot") if m.id)


@functools.cache
def status(language):
    """{"respondent": (done, of), "staff": (done, of), "review": text} for one language."""
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    catalogue = _read(path)
    done = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id and _translated(m)}
    everything = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
    respondent = respondent_ids()
    review = re.search(r"^# REVIEW STATUS: (.*)$", path.read_text(encoding="utf-8"), re.M)
    note = review.group(1).strip() if review else ""
    return {"respondent": (len(respondent & done), len(respondent)),
            "staff": (len((everything - respondent) & done), len(everything - respondent)),
            "review": note, "checked": bool(note) and "not yet" not in note and "draft" not in note}
