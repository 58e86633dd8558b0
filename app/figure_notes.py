"""The sentences that tell a reader how the numbers before them are protected: on every staff
page, download and national report (staff and LVS read them; Danish and English)."""

from flask_babel import gettext as _

from .disclosure import BOUND, MIN_CENTRES
from .figures import notes


def protection_notes(result, trend_rows=()):
    """The sentences that tell a reader how this period's numbers are protected, one per thing
    there is to tell (figures.notes): on every page and in every download of a period."""
    found = notes(result, trend_rows)
    lines = []
    if "too_few" in found:
        lines.append(_("Fewer than %(k)s answers in this period: only how many answered is shown, so that nobody can "
                       "be recognised. Look at a longer period.", k=result["k"]))
    if result["breakdown"] and result["total"].value:
        lines.append(_("Shares are of everyone who answered in the period."))
    if "perturbed" in found:
        lines.append(_("How many answered is exact. Every other count is changed a little, by at most %(bound)s up "
                       "or down, so that nobody can be worked out from the figures; so counts and shares may not add "
                       "up exactly.", bound=result["bound"]))
    if "suppressed" in found:
        lines.append(_("A 0 is shown: it points to nobody. Counts from 1 to %(k1)s are shown as “< %(k)s”, and a dash "
                       "hides a number that would let someone work out one of those.", k=result["k"], k1=result["k"] - 1))
    if "withheld" in found:
        lines.append(_("A dash: this question is not shown for this period, so that figures published before the "
                       "method changed stay anonymous."))
    return lines


def national_note():
    """How the national figures are protected: on every page and file of them."""
    return _("Each centre's number of answers is exact and its other counts are changed by at most %(bound)s, so "
             "that nobody can be worked out; the national figures are their sums. A share is of the answers of the "
             "centres that sent the whole question; a figure resting on fewer than %(n)s centres is withheld, never "
             "shown as 0.", bound=BOUND, n=MIN_CENTRES)
