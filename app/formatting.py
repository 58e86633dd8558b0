"""Numbers, shares and periods in the reader's language (Babel)."""

from flask_babel import format_datetime, format_decimal, format_percent, gettext as _

from . import figure_notes
from .disclosure import PERTURBED, SHOWN, SMALL


WITHHELD = "–"  # a count or share not shown, the same mark on pages, charts and downloads


def period_label(period):
    if period.level == "week":
        return _("week %(week)s · %(year)s", week=period.number, year=period.year)
    if period.level == "block":
        return _("weeks %(first)s–%(last)s · %(year)s", first=period.weeks[0], last=period.weeks[-1],
                 year=period.year)
    if period.level == "quarter":
        return _("quarter %(quarter)s · %(year)s", quarter=period.number, year=period.year)
    return str(period.year)


def count_label(count):
    """A count as it may be shown: the number (exact, or perturbed: the page says so), or, from
    periods decided by cell suppression, "< k" or a dash for one withheld."""
    if count.status in (SHOWN, PERTURBED):
        return format_decimal(count.value)
    if count.status == SMALL:
        return _("< %(k)s", k=count.k)
    return WITHHELD


def share_label(share):
    return "" if share is None else format_percent(share, format="#,##0.0 %")


def share_cell(share):
    """A share in a table: a withheld one is the dash the charts and counts use, never a blank
    cell (a blank reads as "nothing", or as a fault); the page says what the dash means."""
    return WITHHELD if share is None else share_label(share)


def register(app):
    app.jinja_env.globals.update(period_label=period_label, count_label=count_label, share_label=share_label,
                                 share_cell=share_cell,
                                 protection_notes=figure_notes.protection_notes, national_note=figure_notes.national_note,
                                 format_decimal=format_decimal, format_percent=format_percent,
                                 format_datetime=format_datetime)
