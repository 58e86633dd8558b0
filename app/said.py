""""You said": what people at a centre said in the last period it has published, told back to
the people who answer (thank-you screen, results page). Built only from numbers the period
published (app/disclosure); nothing at all when too few answered to show more than how many.
"""

from dataclasses import dataclass

from . import db, figures, periods


@dataclass(frozen=True)
class Said:
    period: periods.Period
    answers: int
    share_top: float | None  # the share for whom the place matters very much (9-10), if shown
    reasons: list  # the most chosen reasons (options), up to three
    wish: object  # the most wished-for option, or None
    perturbed: bool = False  # its counts are changed a little (the share is not exact)


@dataclass(frozen=True)
class Reply:
    period: periods.Period
    language: str
    text: str


def latest_reply(database, centre, language):
    """What the staff last wrote back, in this language if they wrote it, else in Danish."""
    found = db.latest_reply(database, centre["id"])
    if found is None:
        return None
    period_key, texts = found
    chosen = language if language in texts else "da"
    return Reply(periods.parse(period_key), chosen, texts[chosen]) if chosen in texts else None


def _last_closed(week, level, now):
    period = periods.containing(week, level)
    return period if period.closes_at <= now else period.previous()


def last_said(database, centre, now):
    """The last published week, or else 4-week block or quarter, with enough answers; or None."""
    week = periods.last_closed_week(now)
    tables = {}
    for level in ("week", "block", "quarter"):
        period = _last_closed(week, level, now)
        if period.year not in tables:
            # Only what is decided already (by `brugerstemmen decide` each night, the sync, or
            # staff opening the summary): deciding a year can take seconds.
            tables[period.year] = figures.stored_table(database, centre, period.year, now, decide_new=False)
        result = figures.period_figures(tables[period.year], period)
        if result and result["breakdown"] and result["total"].value:  # too few, or nobody: nothing to tell
            return facts(result)
    return None


def facts(result):
    """The plain facts of one period's published figures; None when its N is withheld, or 0."""
    if not result["total"].shown or not result["total"].value:
        return None
    by_name = {f["field"].name: f for f in result["fields"]}
    share_top = None
    if "importance" in by_name:
        share_top = figures.importance_extras(by_name["importance"], result["total"])[0]
    return Said(result["period"], result["total"].value, share_top, _most_chosen(by_name.get("reasons"), 3),
                next(iter(_most_chosen(by_name.get("wishes"), 1)), None), result.get("perturbed", False))


def _most_chosen(field_figures, how_many):
    if field_figures is None:
        return []
    shown = [(row["count"].value, index, row["option"]) for index, row in enumerate(field_figures["rows"])
             if row["count"].shown and row["count"].value and row["option"].id != "other"]
    return [option for _count, _index, option in sorted(shown, key=lambda r: (-r[0], r[1]))[:how_many]]
