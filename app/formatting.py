"""Numbers, shares and periods in the reader's language (Babel)."""

from flask_babel import format_datetime, format_decimal, format_percent, gettext as _

from .suppression import SHOWN, SMALL


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
    """A count as it may be shown: the number, "< k", or a dash for one withheld to protect another."""
    if count.status == SHOWN:
        return format_decimal(count.value)
    if count.status == SMALL:
        return _("< %(k)s", k=count.k)
    return "–"


def share_label(share):
    return "" if share is None else format_percent(share, format="#,##0.0 %")


def register(app):
    app.jinja_env.globals.update(period_label=period_label, count_label=count_label, share_label=share_label,
                                 format_decimal=format_decimal, format_percent=format_percent,
                                 format_datetime=format_datetime)
